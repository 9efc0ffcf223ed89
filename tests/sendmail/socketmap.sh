#!/bin/bash
# sendmail asks relayersd: relayers.m4 with RELAYERS_SOCKETMAP, Debian's
# real sendmail, and the real relayersd over the relay store.
#  - the .cf that m4 builds (the K line, its timeout, bad definitions);
#  - `sendmail -bt`: /map lookups and check_rcpt verdicts through the
#    socket, for entries found, absent, aged past RELAYERS_MAX_AGE or past
#    relayersd --max-age, and for every way the answer can fail (store
#    missing, corrupt, writable by others or unreadable to the server;
#    server down, server hung, socket in a directory others can write):
#    each must defer (451, status 75), never deny for good and never relay;
#  - a real daemon on 127.0.0.1 answering RCPT from other 127.0.0.x: a
#    real PAM login through the module relays at once, with no export step.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/sendmail.sh"
. "$(dirname "$0")/../lib/socketmap.sh"
T_SUITE=${T_SUITE_NAME:-sendmail-socketmap}
EXAMPLES=$(cd "$(dirname "$0")/../../examples/sendmail" && pwd)
VSMTPRELAY=$RELAYERS_BUILD/vsmtprelay
PAM_LOGINS=$RELAYERS_BUILD/tests/pam-logins
MODULE=$RELAYERS_BUILD/pam_relayers.so

[ "$(id -u)" -eq 0 ] || { echo "sendmail-socketmap: needs root (sendmail -bD)"; exit 1; }

STORE=$T_TMP/store/relayers.tdb
mkdir -p "$T_TMP/store"
chmod 0700 "$T_TMP/store"
SOCKDIR=$(socketmap_private_dir) || { t_fail "a private socket directory"; t_done; exit 1; }
remove_sockdir() { rm -rf "$SOCKDIR"; }
t_at_exit remove_sockdir
t_ok "the socket's directory and all above it are root's, 0755 or tighter"
SOCKET=$SOCKDIR/socketmap
SPEC=local:$SOCKET
NOW=$(date +%s)
DENIED='$# error $@ 5.7.1 $: "550 Relaying denied"'
DEFERRED='$# error $@ 4.3.0 $: "451 Relay check temporarily unavailable, try again later"'

record() { timeout 10 "$VSMTPRELAY" -f "$STORE" add "$@"; }
# relayersd looks at the store's path at most every 100 ms
# (STORE_VIEW_RECHECK_MS): give it that after replacing or removing it.
store_changed() { sleep 0.3; }
record 192.0.2.7 "$NOW"
record 2001:db8::7 "$NOW"
record 192.0.2.8 $((NOW - 1801))
record 192.0.2.11 $((NOW - 1800))
record 192.0.2.9 $((NOW + 3600))

# Servers: relayersd without a window (sendmail's RELAYERS_MAX_AGE
# decides), and a second one with --max-age 30 on its own socket.
stop_servers() {
	relayersd_stop "$T_TMP/rd"
	relayersd_stop "$T_TMP/rd-age"
	relayersd_stop "$T_TMP/rd-inet"
	relayersd_stop "$T_TMP/rd-nobody"
	relayersd_stop "$T_TMP/rd-open"
	socketmap_hung_stop "$T_TMP/hung"
}
t_at_exit stop_servers
t_expect_status "relayersd listens on $SPEC" 0 \
	relayersd_start "$T_TMP/rd" "$STORE" "unix:$SOCKET"
AGED_SOCKET=$SOCKDIR/aged
t_expect_status "relayersd --max-age 30 listens on a second socket" 0 \
	relayersd_start "$T_TMP/rd-age" "$STORE" "unix:$AGED_SOCKET" --max-age 30

# --- the .cf ------------------------------------------------------------------
PORT=$(sendmail_free_port)
SM=$T_TMP/sm
sendmail_write_mc "$SM" "$PORT" "$SPEC" 30
t_expect_status "m4 builds a .cf with RELAYERS_SOCKETMAP without a word" 0 \
	sendmail_build_cf "$SM/test.mc" "$SM/test.cf"
CF=$SM/test.cf
t_expect "the .cf declares a socket map with a 5 s timeout and a tempfail tag" 1 \
	"$(grep -c -- "^Krelayers socket -d5s -T<TMPF> $SPEC\$" "$CF")"
t_expect "... and no hash map" 0 "$(grep -c '^Krelayers hash' "$CF")"
t_expect "... and its arith map for RELAYERS_MAX_AGE" 1 "$(grep -c '^Krelayers_arith arith$' "$CF")"

NOAGE=$T_TMP/noage
sendmail_write_mc "$NOAGE" "$PORT" "local:$AGED_SOCKET"
sendmail_build_cf "$NOAGE/test.mc" "$NOAGE/test.cf"
t_expect "without RELAYERS_MAX_AGE no arith map is declared" 0 \
	"$(grep -c '^Krelayers_arith' "$NOAGE/test.cf")"

DEFAULT=$T_TMP/default
sendmail_write_mc "$DEFAULT" "$PORT" "$SPEC"
sed -i "s|^define(\`RELAYERS_SOCKETMAP', .*|define(\`RELAYERS_SOCKETMAP')dnl|" "$DEFAULT/test.mc"
sendmail_build_cf "$DEFAULT/test.mc" "$DEFAULT/test.cf"
t_expect "an empty RELAYERS_SOCKETMAP means relayersd's default socket" 1 \
	"$(grep -c -- '^Krelayers socket -d5s -T<TMPF> local:/run/relayers/socketmap$' "$DEFAULT/test.cf")"
SENDMAIL_SOCKETMAP_TIMEOUT=1s sendmail_write_mc "$T_TMP/fast" "$PORT" "$SPEC"
sendmail_build_cf "$T_TMP/fast/test.mc" "$T_TMP/fast/test.cf"
FAST=$T_TMP/fast/test.cf
t_expect "RELAYERS_SOCKETMAP_TIMEOUT sets -d" 1 \
	"$(grep -c -- "^Krelayers socket -d1s -T<TMPF> $SPEC\$" "$FAST")"
for bad in "socket:$SOCKET" "local:relative/path" "inet:localhost" "local:/a b"; do
	sed "s|^define(\`RELAYERS_SOCKETMAP', .*|define(\`RELAYERS_SOCKETMAP', \`$bad')dnl|" \
		"$SM/test.mc" > "$SM/bad.mc"
	t_expect_status "m4 refuses RELAYERS_SOCKETMAP=$bad" 1 \
		sendmail_build_cf "$SM/bad.mc" "$SM/bad.cf"
done
for bad in 0 5ms soon; do
	SENDMAIL_SOCKETMAP_TIMEOUT=$bad sendmail_write_mc "$T_TMP/bad-d" "$PORT" "$SPEC"
	t_expect_status "m4 refuses RELAYERS_SOCKETMAP_TIMEOUT=$bad" 1 \
		sendmail_build_cf "$T_TMP/bad-d/test.mc" "$T_TMP/bad-d/test.cf"
done

# --- sendmail -bt: /map through the socket ------------------------------------
# map_lookup CF KEY: what `/map relayers KEY` prints after the key.
map_lookup() {
	printf '/map relayers %s\n' "$2" | sendmail_test_mode "$1" 2>&1 |
		sed -n 's/^.*map_lookup: relayers ([^)]*) //p'
}
t_expect "/map finds a recorded IPv4 client's stamp" "returns $NOW (0)" \
	"$(map_lookup "$CF" 192.0.2.7)"
t_expect "/map finds the IPv6 client by sendmail's full form" "returns $NOW (0)" \
	"$(map_lookup "$CF" IPv6:2001:db8:0:0:0:0:0:7)"
t_expect "/map finds the IPv6 client by the compressed form" "returns $NOW (0)" \
	"$(map_lookup "$CF" IPv6:2001:db8::7)"
t_expect "/map finds it in upper case too" "returns $NOW (0)" \
	"$(map_lookup "$CF" IPv6:2001:DB8:0:0:0:0:0:7)"
t_expect_match "/map: an unrecorded client is no match, not a failure" \
	'^no match \((0|68)\)$' "$(map_lookup "$CF" 192.0.2.99)"
t_expect_match "/map: relayersd --max-age 30 hides an entry 30 min 1 s old" \
	'^no match \((0|68)\)$' "$(map_lookup "$NOAGE/test.cf" 192.0.2.8)"
# relayersd's window counts from its own clock, at the lookup.
inside=$(( $(date +%s) - 1790 ))
record 192.0.2.12 "$inside"
t_expect "/map: relayersd --max-age 30 finds an entry 29 min 50 s old" \
	"returns $inside (0)" "$(map_lookup "$NOAGE/test.cf" 192.0.2.12)"

# --- sendmail -bt: check_rcpt through the socket ------------------------------
verdict() {
	t_expect "$1" "$4" \
		"$(sendmail_check_rcpt "$2" "$3" "${5-$NOW}" '<someone@remote.example>')"
}
verdict "a recorded IPv4 client relays" "$CF" 192.0.2.7 '$# OK'
verdict "a recorded IPv6 client relays (full \${client_addr})" \
	"$CF" IPv6:2001:db8:0:0:0:0:0:7 '$# OK'
verdict "an unrecorded client gets 550" "$CF" 192.0.2.99 "$DENIED"
verdict "an unrecorded IPv6 client gets 550" "$CF" IPv6:2001:db8:0:0:0:0:0:99 "$DENIED"
verdict "an entry 30 min 1 s old gets 550 (RELAYERS_MAX_AGE=30)" "$CF" 192.0.2.8 "$DENIED"
verdict "an entry exactly 30 min old relays (RELAYERS_MAX_AGE=30)" "$CF" 192.0.2.11 '$# OK'
verdict "a future-stamped entry relays" "$CF" 192.0.2.9 '$# OK'
verdict "without \${time} a recorded client is deferred, never relayed (RELAYERS_MAX_AGE)" \
	"$CF" 192.0.2.7 "$DEFERRED" ""
verdict "without \${time} relayersd --max-age alone decides: a recent entry relays" \
	"$NOAGE/test.cf" 192.0.2.7 '$# OK' ""
verdict "an entry 30 min 1 s old gets 550 (relayersd --max-age 30)" \
	"$NOAGE/test.cf" 192.0.2.8 "$DENIED"
verdict "relayersd --max-age 30 alone: a recent entry relays" \
	"$NOAGE/test.cf" 192.0.2.7 '$# OK'

# deferred NAME CF: the lookup cannot be answered, so a relay is deferred
# (451, status 75 under -bt) while a local recipient is still accepted.
deferred() {
	out=$({
		printf '.D{client_addr}192.0.2.7\n.D{time}%s\n' "$NOW"
		printf 'check_rcpt <someone@remote.example>\n'
	} | sendmail_test_mode "$2" 2>&1)
	t_expect "$1: a recorded client's relay is deferred with 451" "$DEFERRED" \
		"$(printf '%s\n' "$out" | sed -n 's/^check_rcpt *returns: //p' | sed 's/ \. /./g')"
	t_expect_match "$1: -bt shows the temporary failure (status 75)" \
		'Ruleset check_rcpt \([0-9]+\) status 75' "$out"
	t_expect "$1: an unrecorded client is deferred too, not refused for good" \
		"$DEFERRED" "$(sendmail_check_rcpt "$2" 192.0.2.99 "$NOW" '<someone@remote.example>')"
	t_expect "$1: a local recipient is still accepted" 0 \
		"$(sendmail_check_rcpt "$2" 192.0.2.99 "$NOW" '<root@mail.relayers.test>' |
			grep -c 'error')"
}

mv "$STORE" "$STORE.away"
store_changed
deferred "store missing" "$CF"
# Without RELAYERS_MAX_AGE any value relays: a tagged failure must not.
deferred "store missing, no RELAYERS_MAX_AGE" "$NOAGE/test.cf"
mv "$STORE.away" "$STORE"
store_changed
verdict "the store back in place: relays again, no restart" "$CF" 192.0.2.7 '$# OK'

cp "$STORE" "$T_TMP/store.good"
printf 'this is not a tdb file\n' > "$T_TMP/store.bad"
chmod 0600 "$T_TMP/store.bad"
mv "$T_TMP/store.bad" "$STORE"
store_changed
deferred "store corrupt" "$CF"
mv "$T_TMP/store.good" "$STORE"
store_changed

chmod 0666 "$STORE"
store_changed
deferred "store writable by others (not trusted)" "$CF"
chmod 0600 "$STORE"
store_changed
verdict "the store made private again: relays" "$CF" 192.0.2.7 '$# OK'

# A store the server may not read: relayersd as nobody, the store root's 0600.
NOBODY=$SOCKDIR/nobody
t_expect_status "relayersd --user nobody listens" 0 \
	relayersd_start "$T_TMP/rd-nobody" "$STORE" "unix:$NOBODY" --user nobody
sendmail_write_mc "$T_TMP/nobody" "$PORT" "local:$NOBODY" 30
sendmail_build_cf "$T_TMP/nobody/test.mc" "$T_TMP/nobody/test.cf"
deferred "store unreadable (relayersd as nobody)" "$T_TMP/nobody/test.cf"
relayersd_stop "$T_TMP/rd-nobody"
rm -f "$NOBODY"	# nobody may not remove it from root's directory

relayersd_stop "$T_TMP/rd"
t_expect "relayersd stopped: its socket is gone" absent \
	"$([ -e "$SOCKET" ] && echo present || echo absent)"
deferred "server down (no socket)" "$CF"
# A socket file that nobody listens on: connect() is refused.
"$SOCKETMAP_PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCKET"
deferred "server down (connection refused)" "$CF"
rm -f "$SOCKET"

socketmap_hung_start "$T_TMP/hung" "$SOCKET"
start=$(date +%s%N)
hung=$(sendmail_check_rcpt "$FAST" 192.0.2.7 "$NOW" '<someone@remote.example>')
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
socketmap_hung_stop "$T_TMP/hung"
rm -f "$SOCKET"
t_expect "server hung (accepts, never answers): deferred with 451" "$DEFERRED" "$hung"
if [ "$took_ms" -ge 1000 ] && [ "$took_ms" -lt 10000 ]; then
	t_ok "... after the 1 s of -d1s ($took_ms ms)"
else
	t_fail "... after the 1 s of -d1s" "took $took_ms ms"
fi

# A socket in a directory anyone can write: sendmail does not trust it.
# (relayersd refuses to make one there, so the directory is opened up
# under a socket it made.)
OPEN=$SOCKDIR/open
mkdir "$OPEN"
t_expect_status "relayersd listens in a directory of its own" 0 \
	relayersd_start "$T_TMP/rd-open" "$STORE" "unix:$OPEN/socketmap"
chmod 0777 "$OPEN"
t_expect_match "... answers there once the directory is world-writable" '^OK ' \
	"$(socketmap_query "unix:$OPEN/socketmap" 'relayers 192.0.2.7')"
sendmail_write_mc "$T_TMP/open" "$PORT" "local:$OPEN/socketmap" 30
sendmail_build_cf "$T_TMP/open/test.mc" "$T_TMP/open/test.cf"
t_expect_match "sendmail refuses a socket below a world-writable directory" \
	'unsafe' "$(printf '/map relayers 192.0.2.7\n' | sendmail_test_mode "$T_TMP/open/test.cf" 2>&1)"
verdict "... and defers instead of relaying" "$T_TMP/open/test.cf" 192.0.2.7 "$DEFERRED"
relayersd_stop "$T_TMP/rd-open"

# inet: the same map over TCP on loopback.
INET_PORT=$(sendmail_free_port)
t_expect_status "relayersd listens on inet:127.0.0.1:$INET_PORT" 0 \
	relayersd_start "$T_TMP/rd-inet" "$STORE" "inet:127.0.0.1:$INET_PORT"
sendmail_write_mc "$T_TMP/inet" "$PORT" "inet:$INET_PORT@127.0.0.1" 30
sendmail_build_cf "$T_TMP/inet/test.mc" "$T_TMP/inet/test.cf"
verdict "inet:PORT@127.0.0.1: a recorded client relays" "$T_TMP/inet/test.cf" 192.0.2.7 '$# OK'
verdict "inet:PORT@127.0.0.1: an unrecorded client gets 550" \
	"$T_TMP/inet/test.cf" 192.0.2.99 "$DENIED"
relayersd_stop "$T_TMP/rd-inet"

# --- the example sendmail.mc in socket mode ------------------------------------
EXAMPLE=$T_TMP/example
mkdir -p "$EXAMPLE/m4"
cp "$EXAMPLES/relayers.m4" "$EXAMPLE/m4/"
: > "$EXAMPLE/m4/dialup.m4"
: > "$EXAMPLE/m4/provider.m4"
sed -e "s|/etc/mail/m4/|$EXAMPLE/m4/|" \
	-e "s|^dnl define(\`RELAYERS_SOCKETMAP', \`local:/run/relayers/socketmap')dnl\$|define(\`RELAYERS_SOCKETMAP', \`local:/run/relayers/socketmap')dnl|" \
	"$EXAMPLES/sendmail.mc" > "$EXAMPLE/sendmail.mc"
t_expect "the example's RELAYERS_SOCKETMAP line was uncommented" 1 \
	"$(grep -c "^define(\`RELAYERS_SOCKETMAP'" "$EXAMPLE/sendmail.mc")"
t_expect_status "the example sendmail.mc builds in socket mode" 0 \
	sendmail_build_cf "$EXAMPLE/sendmail.mc" "$EXAMPLE/sendmail.cf"
t_expect "the example then asks relayersd at /run/relayers/socketmap" 1 \
	"$(grep -c -- '^Krelayers socket -d5s -T<TMPF> local:/run/relayers/socketmap$' "$EXAMPLE/sendmail.cf")"

# --- a real daemon --------------------------------------------------------------
# As the guide advises for the socket map: no RELAYERS_MAX_AGE, the window
# is relayersd's --max-age, so every transaction of a session can relay.
SMD=$T_TMP/smd
sendmail_write_mc "$SMD" "$PORT" "$SPEC"
sendmail_build_cf "$SMD/test.mc" "$SMD/test.cf"
stop_daemon() { sendmail_stop "$SMD" || true; }
t_at_exit stop_daemon
# Started while relayersd is down: sendmail must not need a restart later.
t_expect_status "sendmail starts on 127.0.0.1:$PORT with relayersd down" 0 \
	sendmail_start "$SMD" "$SMD/test.cf" "$PORT"
DAEMON=$(cat "$SMD/daemon.pid" 2>/dev/null)
RCPT=someone@remote.example
rcpt() { t_expect_match "$1" "$3" "$(sendmail_rcpt "$2" "$PORT" "$RCPT")"; }
OK_250='^250 2\.1\.5 <someone@remote\.example>\.\.\. Recipient ok$'
DENIED_550='^550 5\.7\.1 <someone@remote\.example>\.\.\. Relaying denied'
DEFERRED_451='^451 4\.3\.0 Relay check temporarily unavailable, try again later$'
record 127.0.0.5 "$(date +%s)"
rcpt "SMTP, relayersd down: a recorded client gets 451" 127.0.0.5 "$DEFERRED_451"
rcpt "SMTP, relayersd down: an unrecorded client gets 451, not 550" 127.0.0.7 "$DEFERRED_451"
t_expect_match "SMTP, relayersd down: a local recipient still gets 250" '^250 ' \
	"$(sendmail_rcpt 127.0.0.7 "$PORT" root@mail.relayers.test)"

t_expect_status "relayersd --max-age 30 starts under the running sendmail" 0 \
	relayersd_start "$T_TMP/rd" "$STORE" "unix:$SOCKET" --max-age 30
rcpt "SMTP: a recorded client gets 250 (no sendmail restart)" 127.0.0.5 "$OK_250"
rcpt "SMTP: an unrecorded client gets 550" 127.0.0.7 "$DENIED_550"

# A real login through the module, then RCPT at once: no export between.
LOGINS=$T_TMP/pam
mkdir -p "$LOGINS"
first_ok=0
for i in 1 2 3 4 5; do
	src=127.0.0.$((30 + i))
	timeout 20 "$PAM_LOGINS" -d "$LOGINS" -m "$MODULE" -a "db=$STORE exclude=" \
		-r "$src" > "$LOGINS/out" 2>&1 || { cat "$LOGINS/out"; continue; }
	sendmail_rcpt "$src" "$PORT" "$RCPT" | grep -Eq "$OK_250" &&
		first_ok=$((first_ok + 1))
done
t_expect "SMTP: the first RCPT right after a real PAM login relays, 5 of 5" 5 "$first_ok"
rcpt "SMTP: another address still gets 550" 127.0.0.40 "$DENIED_550"
t_expect_match "SMTP: the second transaction of a session relays too" "$OK_250" \
	"$(SENDMAIL_RCPT_AFTER_RSET=1 sendmail_rcpt 127.0.0.31 "$PORT" "$RCPT")"

# Ageing past relayersd's window, live: stamped 29 min 56 s ago (4 s of
# slack for a loaded machine), refused once it is past 30 min.
stamp=$(date +%s)
record 127.0.0.9 $((stamp - 1796))
rcpt "SMTP: an entry just inside the 30 min window gets 250" 127.0.0.9 "$OK_250"
while [ "$(date +%s)" -le $((stamp + 4)) ]; do sleep 0.2; done
rcpt "SMTP: the same entry, once past the window, gets 550" 127.0.0.9 "$DENIED_550"

mv "$STORE" "$STORE.away"
store_changed
rcpt "SMTP: with the store missing, a recorded client gets 451" 127.0.0.5 "$DEFERRED_451"
mv "$STORE.away" "$STORE"
store_changed
rcpt "SMTP: the store back in place relays again" 127.0.0.5 "$OK_250"
cp "$STORE" "$T_TMP/store.good"
printf 'not a store\n' > "$T_TMP/store.bad"
chmod 0600 "$T_TMP/store.bad"
mv "$T_TMP/store.bad" "$STORE"
store_changed
rcpt "SMTP: with the store unreadable (not a tdb), a recorded client gets 451" \
	127.0.0.5 "$DEFERRED_451"
mv "$T_TMP/store.good" "$STORE"
store_changed
rcpt "SMTP: the good store restored relays again" 127.0.0.5 "$OK_250"
t_expect "no restart: the same sendmail answered throughout" "$DAEMON" \
	"$(kill -0 "$DAEMON" 2>/dev/null && echo "$DAEMON")"

t_expect_status "sendmail stops and leaves no process behind" 0 sendmail_stop "$SMD"
t_done
