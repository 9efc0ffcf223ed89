#!/bin/bash
# relayersd: the socketmap server, through Postfix's own client (postmap
# -q socketmap:...) and a protocol driver (protocol.py) that attacks it:
# every key form, the window, every store fault as TEMP (logged once),
# a store that appears or is replaced while it runs, SIGHUP and SIGTERM,
# socket placement and activation, the privilege drop, the connection
# cap, stalled, silent, vanishing and thousand-fold clients.
#
# RELAYERSD_RUNNER  a command to run the server under (valgrind)
# POSTFIX_ROOT      Postfix unpacked from Debian's package
. "$(dirname "$0")/../lib/harness.sh"
T_SUITE=${T_SUITE_NAME:-relayersd}

D=$RELAYERS_BUILD/relayersd
V=$RELAYERS_BUILD/vsmtprelay
PROTO=$(cd "$(dirname "$0")" && pwd)/protocol.py
RUNNER=${RELAYERSD_RUNNER:-}
# Slower under valgrind: give starts and timing checks more room.
START_LIMIT=${RELAYERSD_START_LIMIT:-10}
export REQUEST_TIMEOUT=2
now=$(date +%s)

ms_now() { date +%s%3N; }

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms; false on timeout.
wait_for() {
	local limit=$(($(ms_now) + $1 * 1000))
	shift
	until "$@" 2>/dev/null; do
		[ "$(ms_now)" -lt "$limit" ] || return 1
		sleep 0.05
	done
}

accepts() { # SOCKET: something listens there
	timeout 5 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$1"
}

# ask SOCKET KEY [NAME]: one request, the reply payload on stdout.
ask() {
	timeout 10 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
p = (sys.argv[3] + " " + sys.argv[2]).encode()
s.sendall(str(len(p)).encode() + b":" + p + b",")
d = b""
while True:
    c = s.recv(4096)
    if not c: break
    d += c
    if b":" in d and len(d) >= d.index(b":") + 2 + int(d[:d.index(b":")]): break
print(d[d.index(b":") + 1:-1].decode())' "$1" "$2" "${3:-relayers}"
}

# proto SOCKET TEST ARGS...: protocol.py's verdicts, counted here.
proto() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok   "*) t_ok "${line#ok   }" ;;
		"FAIL "*) local what=${line#FAIL }; t_fail "${what%%: *}" "${what#*: }" ;;
		*) t_fail "protocol.py $2 said something unexpected" "$line" ;;
		esac
	done < <(timeout 120 python3 "$PROTO" "$@" 2>&1)
}

# start NAME ARGS...: runs the server (log in $T_TMP/NAME.log) and waits
# for its socket, named by the last --listen unix: argument.
SERVERS=""
start() {
	local name=$1 sock="" a
	shift
	for a in "$@"; do case $a in unix:*) sock=${a#unix:} ;; esac; done
	$RUNNER "$D" -v "$@" 2>"$T_TMP/$name.log" &
	eval "PID_$name=$!"
	SERVERS="$SERVERS $!"
	wait_for "$START_LIMIT" accepts "$sock"
}

stop() { # NAME: SIGTERM; returns the server's exit status
	local pid
	eval "pid=\$PID_$name"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

stop_all() {
	local pid
	for pid in $SERVERS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $SERVERS; do wait "$pid" 2>/dev/null; done
	return 0
}
t_at_exit stop_all

# --- Postfix's client --------------------------------------------------------
if [ -z "${POSTFIX_ROOT:-}" ] || [ ! -x "$POSTFIX_ROOT/usr/sbin/postmap" ]; then
	t_fail "Postfix: postmap unpacked from Debian's package" \
		"POSTFIX_ROOT=${POSTFIX_ROOT:-unset}; run through make check-relayersd"
	postmap() { return 99; }
else
	PC=$T_TMP/postfix-conf
	mkdir -p "$PC"
	printf '%s\n' 'compatibility_level = 3.7' 'mail_owner = daemon' \
		'default_privs = nobody' 'setgid_group = mail' >"$PC/main.cf"
	postmap() {
		LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix \
			timeout 20 "$POSTFIX_ROOT/usr/sbin/postmap" -c "$PC" "$@"
	}
fi
# pq SOCKET KEY [NAME]: postmap -q through the socket map; sets PQ_OUT,
# PQ_ERR and returns postmap's status.
pq() {
	PQ_OUT=$(postmap -q "$2" "socketmap:unix:$1:${3:-relayers}" 2>"$T_TMP/pq.err")
	local rc=$?
	PQ_ERR=$(cat "$T_TMP/pq.err")
	return $rc
}

# --- the request parser, case by case ---------------------------------------
t_cmocka ${RUNNER:+$RUNNER} "$RELAYERS_BUILD/tests/relayersd/test_request"

# --- what it links -----------------------------------------------------------
libs=$(ldd "$D" 2>/dev/null | awk '{ print $1 }')
t_expect_match "relayersd links tdb (the store)" 'libtdb' "$libs"
t_expect "and no Berkeley DB, PAM or systemd library" "" \
	"$(printf '%s\n' "$libs" | grep -E 'libdb|libpam|libsystemd' || true)"

# --- usage -------------------------------------------------------------------
t_expect_status "--help" 0 "$D" --help
t_expect_match "--help shows the synopsis" \
	'relayersd \[-f STORE\] \[--max-age MINUTES\] \[--listen ADDRESS\]\.\.\.' "$T_OUT"
t_expect_status "--version" 0 "$D" --version
t_expect_match "--version prints one" '^relayersd [0-9]+\.[0-9]+' "$T_OUT"
t_expect_status "an unknown option is a usage error" 64 "$D" --frobnicate
t_expect_status "--max-age takes minutes" 64 "$D" --max-age 10m
t_expect_status "--listen takes unix: or inet:" 64 "$D" --listen tcp:1.2.3.4:5
t_expect_status "--listen unix: needs an absolute path" 64 "$D" --listen unix:relative
t_expect_status "--max-connections 0 is refused" 64 "$D" --max-connections 0
t_expect_status "--request-timeout 0 is refused" 64 "$D" --request-timeout 0
t_expect_status "--socket-mode takes octal" 64 "$D" --socket-mode 0999
t_expect_status "a stray argument" 64 "$D" extra
t_expect_status "an unknown --user" 67 "$D" --user no-such-user-here --listen "unix:$T_TMP/x.sock"
t_expect_status "--user root is refused" 67 "$D" --user root --listen "unix:$T_TMP/x.sock"
[ ! -e "$T_TMP/x.sock" ] && t_ok "refused starts leave no socket" || t_fail "refused starts leave no socket"

# --- the store ---------------------------------------------------------------
mkdir -m 0755 "$T_TMP/store" "$T_TMP/a"
S=$T_TMP/store/relayers.tdb
export STAMP=$((now - 60))
"$V" -f "$S" add 192.0.2.7 "$STAMP" >/dev/null
"$V" -f "$S" add 192.0.2.8 $((now - 3600)) >/dev/null
"$V" -f "$S" add 192.0.2.9 $((now + 86400)) >/dev/null
"$V" -f "$S" add 2001:db8::1 $((now - 120)) >/dev/null
"$V" -f "$S" add ::ffff:198.51.100.9 $((now - 200)) >/dev/null

A=$T_TMP/a/socketmap
if start a -f "$S" --max-age 30 --request-timeout 2 --listen "unix:$A"; then
	t_ok "the server starts and listens on its unix socket"
else
	t_fail "the server starts" "$(tail -n 5 "$T_TMP/a.log")"
fi
t_expect "the socket is mode 0660" "660" "$(stat -c %a "$A")"
# --- a writer holding the whole store (root takes tdb's read locks) ----------------
"$RELAYERS_BUILD/tests/lock-holder" "$S" lockall >"$T_TMP/held" 2>&1 &
HOLDER=$!
wait_for 5 grep -q held "$T_TMP/held"
began=$(ms_now)
reply=$(ask "$A" 192.0.2.7)
took=$(($(ms_now) - began))
t_expect "a store locked by a writer answers TEMP (busy)" "TEMP relay store busy" "$reply"
[ "$took" -lt 2000 ] && t_ok "and within the lock timeout ($took ms)" ||
	t_fail "and within the lock timeout" "$took ms"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
t_expect "the lock gone, the entry is found again" "OK $STAMP" "$(ask "$A" 192.0.2.7)"
t_expect_match "the busy store was logged" 'busy' "$(grep 'answering TEMP' "$T_TMP/a.log")"

# sendmail's session keeps its connection; begin one now, check it last.
timeout 60 python3 "$PROTO" "$A" long_idle 11 >"$T_TMP/long_idle.out" 2>&1 &
LONG_IDLE=$!

# --- key forms and the window, through postmap ---------------------------------
pq "$A" 192.0.2.7; t_expect "postmap: a dotted quad is found, value its epoch seconds" \
	"0 $STAMP" "$? $PQ_OUT"
pq "$A" 192.0.2.99; t_expect "postmap: an unknown client is not found" "1 " "$? $PQ_OUT"
pq "$A" 192.0.2.8; t_expect "postmap: an entry older than --max-age is not found" \
	"1 " "$? $PQ_OUT"
pq "$A" 192.0.2.9; t_expect "postmap: a pinned (future) entry is found" \
	"0 $((now + 86400))" "$? $PQ_OUT"
for key in 2001:db8::1 2001:DB8::1 IPv6:2001:db8:0:0:0:0:0:1 ipv6:2001:db8:0:0:0:0:0:1 \
	   ipv6:2001:db8::1 2001:0db8:0000:0000:0000:0000:0000:0001; do
	pq "$A" "$key"
	t_expect "postmap: IPv6 key $key is found" "0 $((now - 120))" "$? $PQ_OUT"
done
pq "$A" ::ffff:192.0.2.7; t_expect "postmap: a v4-mapped key finds the IPv4 entry" \
	"0 $STAMP" "$? $PQ_OUT"
pq "$A" 198.51.100.9; t_expect "postmap: an entry stored v4-mapped is found as IPv4" \
	"0 $((now - 200))" "$? $PQ_OUT"
pq "$A" 192.0.2.7 whatever-the-admin-named-it
t_expect "postmap: any map name is answered" "0 $STAMP" "$? $PQ_OUT"
t_expect_match "the value is all digits (check_client_access's OK)" '^[0-9]+$' "$PQ_OUT"

# --- the protocol under attack -------------------------------------------------
proto "$A" pipelined
proto "$A" dripped
proto "$A" keys
proto "$A" malformed
proto "$A" stall
proto "$A" never_reads
proto "$A" vanish
proto "$A" silent
proto "$A" many_idle 1000
t_expect_match "malformed requests are logged, not one line each" \
	'malformed request' "$(cat "$T_TMP/a.log")"

# --- the store's faults and changes while serving --------------------------------
mkdir -m 0755 "$T_TMP/c"
C=$T_TMP/c/socketmap
CS=$T_TMP/c/relayers.tdb
start c -f "$CS" --listen "unix:$C" || t_fail "a server starts with no store" "$(tail -n 3 "$T_TMP/c.log")"
pq "$C" 192.0.2.7; rc=$?
t_expect "a missing store: postmap fails the lookup" 1 "$rc"
t_expect_match "a missing store: postmap reports a temporary error" 'temporary error' "$PQ_ERR"
t_expect "a missing store answers TEMP" "TEMP relay store missing" "$(ask "$C" 192.0.2.7)"
for i in 1 2 3 4 5 6 7 8 9 10; do ask "$C" 192.0.2.7 >/dev/null; done
sleep 0.3
for i in 1 2 3 4 5; do ask "$C" 192.0.2.7 >/dev/null; sleep 0.1; done
t_expect "a fault is logged once, not once per lookup" 1 \
	"$(grep -c 'no such file (answering TEMP' "$T_TMP/c.log")"

"$V" -f "$CS" add 192.0.2.7 "$STAMP" >/dev/null
found_stamp() { [ "$(ask "$C" 192.0.2.7)" = "OK $1" ]; }
wait_for 2 found_stamp "$STAMP" && t_ok "a store created after the start is served" ||
	t_fail "a store created after the start is served" "$(ask "$C" 192.0.2.7)"
t_expect_match "its return is logged" 'store usable again' "$(cat "$T_TMP/c.log")"
"$V" -f "$CS" add 192.0.2.7 $((STAMP + 5)) >/dev/null
t_expect "a login into the open store is seen at once" "OK $((STAMP + 5))" "$(ask "$C" 192.0.2.7)"

# A restore: a new file renamed over the old.
"$V" -f "$T_TMP/c/restore.tdb" add 192.0.2.7 $((STAMP - 1000)) >/dev/null
mv "$T_TMP/c/restore.tdb" "$CS"
wait_for 2 found_stamp $((STAMP - 1000)) && t_ok "a store replaced by rename is served without a restart" ||
	t_fail "a store replaced by rename is served" "$(ask "$C" 192.0.2.7)"

chmod 0660 "$CS"
temp_is() { [ "$(ask "$C" 192.0.2.7)" = "TEMP $1" ]; }
wait_for 2 temp_is "relay store insecure" && t_ok "a group-writable store answers TEMP (insecure)" ||
	t_fail "a group-writable store answers TEMP" "$(ask "$C" 192.0.2.7)"
chmod 0600 "$CS"
wait_for 2 found_stamp $((STAMP - 1000)) && t_ok "made safe again, it is served again" ||
	t_fail "made safe again, it is served" "$(ask "$C" 192.0.2.7)"
chown nobody "$CS"
wait_for 2 temp_is "relay store insecure" && t_ok "a store owned by another user answers TEMP" ||
	t_fail "a store owned by another user answers TEMP" "$(ask "$C" 192.0.2.7)"
chown root "$CS"
# Served again before the next fault, or the two insecure spells run
# into one and are logged once (seen under valgrind on a loaded machine).
wait_for 2 found_stamp $((STAMP - 1000)) && t_ok "owned by root again, it is served again" ||
	t_fail "owned by root again, it is served" "$(ask "$C" 192.0.2.7)"
cp "$CS" "$T_TMP/c/good.tdb"
ln -sf "$T_TMP/c/good.tdb" "$T_TMP/c/link" && mv -T "$T_TMP/c/link" "$CS"
wait_for 2 temp_is "relay store insecure" && t_ok "a symlinked store answers TEMP" ||
	t_fail "a symlinked store answers TEMP" "$(ask "$C" 192.0.2.7)"
head -c 4096 /dev/urandom >"$T_TMP/c/junk" && chmod 0600 "$T_TMP/c/junk" && mv "$T_TMP/c/junk" "$CS"
wait_for 2 temp_is "not a relay store" && t_ok "a file that is no tdb answers TEMP (not a relay store)" ||
	t_fail "a file that is no tdb answers TEMP" "$(ask "$C" 192.0.2.7)"
head -c 300 "$T_TMP/c/good.tdb" >"$T_TMP/c/short" && chmod 0600 "$T_TMP/c/short" && mv "$T_TMP/c/short" "$CS"
wait_for 2 temp_is "relay store corrupt" && t_ok "a truncated store answers TEMP (corrupt)" ||
	t_fail "a truncated store answers TEMP" "$(ask "$C" 192.0.2.7)"
pq "$C" 192.0.2.7
t_expect_match "postmap reports the corrupt store as a temporary error" 'temporary error' "$PQ_ERR"
mv "$T_TMP/c/good.tdb" "$CS"
wait_for 2 found_stamp $((STAMP - 1000)) && t_ok "the good store back in place is served" ||
	t_fail "the good store back in place is served" "$(ask "$C" 192.0.2.7)"
faults=$(grep -c 'answering TEMP' "$T_TMP/c.log")
t_expect "each distinct fault was logged once (missing, insecure x3, corrupt x2)" 6 "$faults"

pid_c=$PID_c
kill -HUP "$pid_c"
sleep 0.3
t_expect_match "SIGHUP reopens the store and the log" 'SIGHUP: reopening' "$(cat "$T_TMP/c.log")"
t_expect "after SIGHUP it still answers" "OK $((STAMP - 1000))" "$(ask "$C" 192.0.2.7)"
name=c stop; t_expect "SIGTERM: exit status 0" 0 $?
[ ! -e "$C" ] && t_ok "SIGTERM removes the socket it made" || t_fail "SIGTERM removes the socket it made"

# --- socket placement --------------------------------------------------------------
mkdir -m 0755 "$T_TMP/p"
echo keep >"$T_TMP/p/file"
t_expect_status "a path that is not a socket is refused" 73 timeout 10 "$D" -f "$S" --listen "unix:$T_TMP/p/file"
t_expect "and left as it was" keep "$(cat "$T_TMP/p/file")"
mkdir -m 0775 "$T_TMP/p/gw"
t_expect_status "a group-writable socket directory is refused" 73 timeout 10 "$D" -f "$S" --listen "unix:$T_TMP/p/gw/sock"
t_expect_match "and the reason is said" 'writable by group or others' "$T_ERR"
t_expect_status "a socket another server listens on is refused" 73 timeout 10 "$D" -f "$S" --listen "unix:$A"
t_expect "and that server still answers" "OK $STAMP" "$(ask "$A" 192.0.2.7)"
timeout 5 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T_TMP/p/stale"
if start stale -f "$S" --listen "unix:$T_TMP/p/stale"; then
	t_ok "a stale socket (nobody listening) is replaced"
	t_expect "and served" "OK $STAMP" "$(ask "$T_TMP/p/stale" 192.0.2.7)"
	name=stale stop
else
	t_fail "a stale socket is replaced" "$(tail -n 3 "$T_TMP/stale.log")"
fi
if start newdir -f "$S" --listen "unix:$T_TMP/p/made/sock"; then
	t_expect "a missing socket directory is made, mode 0755" 755 "$(stat -c %a "$T_TMP/p/made")"
	name=newdir stop
else
	t_fail "a missing socket directory is made" "$(tail -n 3 "$T_TMP/newdir.log")"
fi

# --- inet ------------------------------------------------------------------------
port=$(timeout 10 python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$RUNNER "$D" -f "$S" --listen "inet:127.0.0.1:$port" 2>"$T_TMP/inet.log" &
PID_inet=$!
SERVERS="$SERVERS $PID_inet"
inet_up() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; }
wait_for "$START_LIMIT" inet_up
t_expect "postmap: socketmap:inet:127.0.0.1:PORT is answered" "$STAMP" \
	"$(postmap -q 192.0.2.7 "socketmap:inet:127.0.0.1:$port:relayers" 2>&1)"
name=inet stop

# --- systemd socket activation --------------------------------------------------
mkdir -m 0755 "$T_TMP/e"
E=$T_TMP/e/socketmap
systemd-socket-activate -l "$E" $RUNNER "$D" -v -f "$S" --listen "unix:$T_TMP/e/not-this" \
	2>"$T_TMP/e.log" &
PID_e=$!
SERVERS="$SERVERS $PID_e"
wait_for "$START_LIMIT" test -S "$E"
pq "$E" 192.0.2.7; t_expect "socket activation: the handed socket is served" "0 $STAMP" "$? $PQ_OUT"
[ ! -e "$T_TMP/e/not-this" ] && t_ok "socket activation: --listen is not bound as well" ||
	t_fail "socket activation: --listen is not bound as well"
name=e stop; t_expect "socket activation: SIGTERM exits 0" 0 $?
[ -S "$E" ] && t_ok "socket activation: a handed socket is not removed" ||
	t_fail "socket activation: a handed socket is not removed"

# --- the connection cap and the idle timeout ---------------------------------------
B=$T_TMP/b/socketmap
mkdir -m 0755 "$T_TMP/b"
start b -f "$S" --max-connections 20 --idle-timeout 1 --listen "unix:$B" ||
	t_fail "a capped server starts" "$(tail -n 3 "$T_TMP/b.log")"
proto "$B" cap 20
t_expect_match "reaching the cap is logged" 'connection cap of 20 reached' "$(cat "$T_TMP/b.log")"
proto "$B" idle_close 1
name=b stop

# --- running as another user ------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	NG=$(id -gn nobody)
	U=$T_TMP/u
	mkdir -m 0755 "$U"
	mkdir -m 0750 "$U/store" && chgrp "$NG" "$U/store"
	US=$U/store/relayers.tdb
	"$V" -f "$US" add 192.0.2.7 "$STAMP" >/dev/null
	"$V" -f "$US" add 192.0.2.50 100 >/dev/null
	chgrp "$NG" "$US" && chmod 0640 "$US"
	dropped() { grep -q 'serving .* as uid' "$T_TMP/u.log"; }
	if start u -f "$US" --user nobody --listen "unix:$U/run/socketmap" &&
	   wait_for "$START_LIMIT" dropped; then
		t_ok "as root with --user nobody, it starts"
		status=$(cat "/proc/$PID_u/status")
		nuid=$(id -u nobody) ngid=$(id -g nobody)
		t_expect "every uid is nobody's" "$nuid $nuid $nuid $nuid" \
			"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$status")"
		t_expect "every gid is nobody's group" "$ngid $ngid $ngid $ngid" \
			"$(awk '/^Gid:/ { print $2, $3, $4, $5 }' <<<"$status")"
		t_expect "no supplementary group but nobody's own" "$(id -G nobody)" \
			"$(awk '/^Groups:/ { $1 = ""; sub(/^ /, ""); print }' <<<"$status")"
		t_expect "no capability left" 0000000000000000 \
			"$(awk '/^CapEff:/ { print $2 }' <<<"$status")"
		t_expect "its socket belongs to nobody, mode 0660" "nobody $NG 660" \
			"$(stat -c '%U %G %a' "$U/run/socketmap")"
		pq "$U/run/socketmap" 192.0.2.7
		t_expect "a root-owned store (0640, group $NG) is read and served" "0 $STAMP" "$? $PQ_OUT"
		# Torn reads: the unprivileged reader has no tdb locks.
		(end=$(($(date +%s) + 4)); i=0
		 while [ "$(date +%s)" -lt "$end" ]; do
			"$V" -f "$US" add 192.0.2.50 $((1000 + i % 2 * 999999)) >/dev/null
			i=$((i + 1))
		 done) &
		writer=$!
		proto "$U/run/socketmap" torn 3 "100,1000,1000999"
		wait "$writer"
		chmod 0600 "$US"
		temp_u() { [ "$(ask "$U/run/socketmap" 192.0.2.7)" = "TEMP relay store unreadable" ]; }
		wait_for 2 temp_u && t_ok "a store the user cannot read answers TEMP" ||
			t_fail "a store the user cannot read answers TEMP" "$(ask "$U/run/socketmap" 192.0.2.7)"
		t_expect_match "and the reason is logged" 'Permission denied' "$(cat "$T_TMP/u.log")"
		name=u stop; t_expect "unprivileged: SIGTERM exits 0" 0 $?
		[ ! -e "$U/run/socketmap" ] && t_ok "unprivileged: SIGTERM still removes its socket" ||
			t_fail "unprivileged: SIGTERM still removes its socket" "$(tail -n 2 "$T_TMP/u.log")"
	else
		t_fail "as root with --user nobody, it starts" "$(tail -n 3 "$T_TMP/u.log")"
	fi
else
	echo "skip $T_SUITE: the privilege drop needs root and a user nobody"
fi

# --- the example systemd units ------------------------------------------------------
UNITS=$(cd "$(dirname "$0")/../.." && pwd)/examples/systemd
if command -v systemd-analyze >/dev/null; then
	# Here the binary is the one under test and no manual is installed.
	mkdir -p "$T_TMP/units"
	sed "s|^ExecStart=/usr/sbin/relayersd|ExecStart=$D|; /^Documentation=/d" \
		"$UNITS/relayersd.service" >"$T_TMP/units/relayersd.service"
	sed '/^Documentation=/d' "$UNITS/relayersd.socket" >"$T_TMP/units/relayersd.socket"
	out=$(systemd-analyze verify "$T_TMP/units/relayersd.socket" \
		"$T_TMP/units/relayersd.service" 2>&1)
	t_expect "systemd-analyze verify: the units are clean" "0 " "$? $out"
	out=$(systemd-analyze security --offline=true --threshold=49 \
		"$T_TMP/units/relayersd.service" 2>&1)
	t_expect_match "systemd-analyze security rates the service OK or better" \
		'Overall exposure level for relayersd.service: [0-4]\.[0-9] (SAFE|OK)' "$out"
else
	t_fail "systemd-analyze is installed (deps/debian-packages: systemd)"
fi
t_expect "the socket unit is not world-connectable" "0660" \
	"$(sed -n 's/^SocketMode=//p' "$UNITS/relayersd.socket")"
t_expect_match "the socket unit names a group" '^SocketGroup=[a-z]' \
	"$(grep '^SocketGroup=' "$UNITS/relayersd.socket")"
t_expect "the service keeps no capability" "CapabilityBoundingSet=" \
	"$(grep '^CapabilityBoundingSet' "$UNITS/relayersd.service")"

# --- sendmail's long session, begun at the start -------------------------------------
wait "$LONG_IDLE"
while IFS= read -r line; do
	case $line in
	"ok   "*) t_ok "${line#ok   }" ;;
	*) t_fail "long idle connection" "$line" ;;
	esac
done <"$T_TMP/long_idle.out"

name=a stop; t_expect "the main server exits 0 on SIGTERM" 0 $?
[ ! -e "$A" ] && t_ok "and removes its socket" || t_fail "and removes its socket"
if [ -n "${RELAYERSD_VALGRIND_DIR:-}" ]; then
	t_expect "valgrind: no errors and no leaks in any server run" "" \
		"$(cat "$RELAYERSD_VALGRIND_DIR"/*.log 2>/dev/null | head -n 20)"
fi
t_done
