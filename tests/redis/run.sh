#!/bin/bash
# The shared relay view through Redis, on one machine: three POP/IMAP
# "hosts" (three stores, three relayers-shipper), a Redis primary and a
# replica with a Sentinel on loopback ports (private dirs and configs,
# ACL users, passwords from files), two MTAs' relayersd (A straight to
# the primary, B through the Sentinel), asked by Postfix's own postmap.
# Every "within 1 s" is a correctness bound, polled, not a timing.
#
# POSTFIX_ROOT  Postfix unpacked from Debian's package
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/sendmail.sh"
. "$(dirname "$0")/../lib/socketmap.sh"
T_SUITE=${T_SUITE_NAME:-redis}

D=$RELAYERS_BUILD/relayersd
SH=$RELAYERS_BUILD/relayers-shipper
V=$RELAYERS_BUILD/vsmtprelay
ST=$RELAYERS_BUILD/tests/store-tool
HERE=$(cd "$(dirname "$0")" && pwd)
now=$(date +%s)

. "$HERE/common.sh"

for tool in redis-server redis-sentinel redis-cli; do
	command -v $tool >/dev/null || { t_fail "$tool installed (deps/debian-packages, check)"; t_done; exit; }
done
if [ -z "${POSTFIX_ROOT:-}" ] || [ ! -x "$POSTFIX_ROOT/usr/sbin/postmap" ]; then
	t_fail "postmap unpacked" "run through make check-redis"; t_done; exit
fi
PC=$T_TMP/postfix-conf
mkdir -p "$PC"
printf '%s\n' 'compatibility_level = 3.7' 'mail_owner = daemon' \
	'default_privs = nobody' 'setgid_group = mail' >"$PC/main.cf"
# pq SOCKET KEY: Postfix's own socketmap client; "rc value" on stdout
# (0 found, 1 not found, 75 when postmap reports a temporary error: the
# TEMP that makes smtpd defer).
pq() {
	local out rc
	out=$(LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix timeout 20 \
		"$POSTFIX_ROOT/usr/sbin/postmap" -c "$PC" -q "$2" \
		"socketmap:unix:$1:relayers" 2>"$T_TMP/pq.err")
	rc=$?
	grep -q 'temporary error' "$T_TMP/pq.err" && rc=75
	echo "$rc $out"
}
# ask SOCKET KEY: one request by a netstring client of our own, the reply
# on stdout: for timings, since postmap sleeps 1 s after a TEMP (its
# msg_fatal), and for the reply's text.
ask() {
	timeout 10 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.settimeout(8); s.connect(sys.argv[1])
p = ("relayers " + sys.argv[2]).encode()
s.sendall(str(len(p)).encode() + b":" + p + b",")
d = b""
while not d.endswith(b","):
    c = s.recv(4096)
    if not c: break
    d += c
print(d[d.index(b":") + 1:-1].decode())' "$1" "$2"
}
is_ok() { case $(pq "$1" "$2") in "0 "[0-9]*) return 0 ;; esac; return 1; }
is_notfound() { [ "$(pq "$1" "$2")" = "1 " ]; }
is_temp() { case $(pq "$1" "$2") in 0*|"1 ") return 1 ;; esac; return 0; }

# --- Redis: a primary, a replica, a Sentinel, ACL users ------------------------
R=$T_TMP/redis
mkdir -m 0700 "$R" "$R/p" "$R/r" "$R/s"
PP=$(free_port); RP=$(free_port); SP=$(free_port)
pw() { head -c 18 /dev/urandom | base64 | tr '/+' 'xy'; }
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
W_PW=$(pw); L_PW=$(pw); S_PW=$(pw); REPL_PW=$(pw); A_PW=$(pw)
printf 'shipper %s\n' "$W_PW" >"$R/shipper.pw"
printf 'relayersd %s\n' "$L_PW" >"$R/relayersd.pw"
printf 'relayersd wrong-%s\n' "$L_PW" >"$R/wrong.pw"
chmod 0600 "$R"/*.pw
cp "$R/relayersd.pw" "$R/open.pw"; chmod 0644 "$R/open.pw"
users() {
	cat <<-USERS
	user default off
	user shipper on #$(hash "$W_PW") ~relayers:* +hset +hdel +hvals +eval +scan +expireat +persist +role +ping
	user relayersd on #$(hash "$L_PW") ~relayers:* +hvals +role +ping
	user sentinel on #$(hash "$S_PW") allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill
	user replica on #$(hash "$REPL_PW") +psync +replconf +ping
	user admin on #$(hash "$A_PW") ~* &* +@all
	masteruser replica
	masterauth $REPL_PW
	USERS
}
server_conf() { # DIR PORT [replicaof-port]
	{
		printf 'port %s\nbind 127.0.0.1\nprotected-mode yes\ndir %s\n' "$2" "$1"
		printf 'save ""\nappendonly no\nlogfile %s/log\n' "$1"
		[ -z "${3:-}" ] || printf 'replicaof 127.0.0.1 %s\n' "$3"
		users
	} >"$1/redis.conf"
	chmod 0600 "$1/redis.conf"
}
server_conf "$R/p" "$PP"
server_conf "$R/r" "$RP" "$PP"
cat >"$R/s/sentinel.conf" <<EOF2
port $SP
bind 127.0.0.1
protected-mode yes
dir $R/s
logfile $R/s/log
sentinel monitor rm 127.0.0.1 $PP 1
sentinel down-after-milliseconds rm 500
sentinel failover-timeout rm 2000
sentinel auth-user rm sentinel
sentinel auth-pass rm $S_PW
EOF2
chmod 0600 "$R/s/sentinel.conf"
admin() { redis-cli -p "$1" --user admin --pass "$A_PW" --no-auth-warning "${@:2}"; }

t_at_exit stop_all

spawn primary redis-server "$R/p/redis.conf"
spawn replica redis-server "$R/r/redis.conf"
primary_up() { [ "$(admin "$PP" ping)" = PONG ]; }
replica_synced() { admin "$RP" info replication | grep -q 'master_link_status:up'; }
wait_for 10000 primary_up && t_ok "the primary runs (ACL users, default user off)" ||
	t_fail "the primary runs" "$(tail -n 5 "$R/p/log")"
wait_for 10000 replica_synced && t_ok "the replica follows it as the replica user" ||
	t_fail "the replica follows" "$(tail -n 5 "$R/r/log")"
spawn sentinel redis-sentinel "$R/s/sentinel.conf"
master_is() { [ "$(redis-cli -p "$SP" sentinel get-master-addr-by-name rm 2>/dev/null | tail -n 1)" = "$1" ]; }
wait_for 10000 master_is "$PP" && t_ok "the Sentinel names the primary" ||
	t_fail "the Sentinel names the primary" "$(tail -n 5 "$R/s/log")"
t_expect_match "the default user is off: no anonymous access" 'NOAUTH|WRONGPASS|NOPERM|denied' \
	"$(redis-cli -p "$PP" hvals relayers:192.0.2.1 2>&1)"

# --- three hosts, two MTAs -------------------------------------------------
for h in 1 2 3; do
	mkdir -m 0755 "$T_TMP/h$h"
	"$V" -f "$T_TMP/h$h/s.tdb" add 198.51.100.$h $((now - 60)) >/dev/null
done
ship() { # N: host N's shipper, through the Sentinel
	spawn "ship$1" "$SH" -v -f "$T_TMP/h$1/s.tdb" --host "pop$1" --max-age 30 \
		--redis-sentinel "127.0.0.1:$SP" --redis-master rm \
		--redis-password-file "$R/shipper.pw"
}
for h in 1 2 3; do ship $h; done
# sendmail refuses a socket below /tmp: the MTAs' sockets go where it
# trusts them (tests/lib/socketmap.sh), postmap's too.
MTA=$(socketmap_private_dir) || { t_fail "a private socket directory"; t_done; exit 1; }
remove_mta_dir() { rm -rf "$MTA"; }
t_at_exit remove_mta_dir
A=$MTA/a.sock B=$MTA/b.sock
mta() { # NAME SOCKET ARGS...
	local name=$1 sock=$2; shift 2
	spawn "$name" "$D" -v --max-age 30 --listen "unix:$sock" \
		--redis-password-file "$R/relayersd.pw" "$@"
	wait_for 10000 accepts "$sock"
}
mta mtaA "$A" --redis "127.0.0.1:$PP" && t_ok "relayersd A serves from the primary" ||
	t_fail "relayersd A starts" "$(tail -n 5 "$T_TMP/mtaA.log")"
mta mtaB "$B" --redis-sentinel "127.0.0.1:$SP" --redis-master rm &&
	t_ok "relayersd B serves through the Sentinel" ||
	t_fail "relayersd B starts" "$(tail -n 5 "$T_TMP/mtaB.log")"

for h in 1 2 3; do
	wait_for 3000 is_ok "$B" 198.51.100.$h && t_ok "host $h's store at start is shipped in full" ||
		t_fail "host $h's start sync" "$(pq "$B" 198.51.100.$h); $(tail -n 3 "$T_TMP/ship$h.log")"
done
NEVER=203.0.113.77
t_expect "an address never added: NOTFOUND through A" "1 " "$(pq "$A" $NEVER)"
t_expect "and through B" "1 " "$(pq "$B" $NEVER)"

# --- a Sentinel with requirepass: its own password file -------------------------
# A second Sentinel, under its own name for the primary so that it never
# joins the first one's failovers; stopped once these cases are done.
SP2=$(free_port); SN_PW=$(pw)
printf '%s\n' "$SN_PW" >"$R/sentinel.pw"
printf 'wrong-%s\n' "$SN_PW" >"$R/sentinel-wrong.pw"
chmod 0600 "$R/sentinel.pw" "$R/sentinel-wrong.pw"
cp "$R/sentinel.pw" "$R/sentinel-open.pw"; chmod 0644 "$R/sentinel-open.pw"
mkdir -m 0700 "$R/s2"
cat >"$R/s2/sentinel.conf" <<EOF2
port $SP2
bind 127.0.0.1
protected-mode yes
dir $R/s2
logfile $R/s2/log
requirepass $SN_PW
sentinel monitor rmauth 127.0.0.1 $PP 1
sentinel down-after-milliseconds rmauth 600000
sentinel auth-user rmauth sentinel
sentinel auth-pass rmauth $S_PW
EOF2
chmod 0600 "$R/s2/sentinel.conf"
spawn sentinel2 redis-sentinel "$R/s2/sentinel.conf"
master2_is() { [ "$(redis-cli -p "$SP2" --pass "$SN_PW" --no-auth-warning sentinel get-master-addr-by-name rmauth 2>/dev/null | tail -n 1)" = "$1" ]; }
wait_for 10000 master2_is "$PP" && t_ok "a Sentinel with requirepass names the primary to its password" ||
	t_fail "the Sentinel with requirepass starts" "$(tail -n 5 "$R/s2/log")"
t_expect_match "and refuses to without it" 'NOAUTH' \
	"$(redis-cli -p "$SP2" sentinel get-master-addr-by-name rmauth 2>&1)"
S2="--redis-sentinel 127.0.0.1:$SP2 --redis-master rmauth"
# shellcheck disable=SC2086
mta s2ok "$MTA/s2ok.sock" $S2 --redis-sentinel-password-file "$R/sentinel.pw"
t_expect_match "relayersd with the Sentinel's password relays a shipped login" '^0 [0-9]' \
	"$(pq "$MTA/s2ok.sock" 198.51.100.1)"
# shellcheck disable=SC2086
mta s2bad "$MTA/s2bad.sock" $S2 --redis-sentinel-password-file "$R/sentinel-wrong.pw"
t_expect_match "a wrong Sentinel password: TEMP" '^75 ' "$(pq "$MTA/s2bad.sock" 198.51.100.1)"
t_expect_match "and a clear log line" "Sentinel 127.0.0.1:$SP2: AUTH: WRONGPASS" \
	"$(cat "$T_TMP/s2bad.log")"
alive s2bad && t_ok "and no crash" || t_fail "wrong Sentinel password: still running"
# shellcheck disable=SC2086
mta s2none "$MTA/s2none.sock" $S2
t_expect_match "no Sentinel password: TEMP" '^75 ' "$(pq "$MTA/s2none.sock" 198.51.100.1)"
t_expect_match "and a clear log line" "Sentinel 127.0.0.1:$SP2 on rmauth: NOAUTH" \
	"$(cat "$T_TMP/s2none.log")"
alive s2none && t_ok "and no crash" || t_fail "no Sentinel password: still running"
for h in 4 5; do
	mkdir -m 0755 "$T_TMP/h$h"
	"$V" -f "$T_TMP/h$h/s.tdb" add 198.51.100.$h $((now - 60)) >/dev/null
done
# shellcheck disable=SC2086
spawn ship4 "$SH" -v -f "$T_TMP/h4/s.tdb" --host pop4 --max-age 30 $S2 \
	--redis-password-file "$R/shipper.pw" --redis-sentinel-password-file "$R/sentinel.pw"
wait_for 3000 is_ok "$A" 198.51.100.4 && t_ok "a shipper with the Sentinel's password ships" ||
	t_fail "shipping through the Sentinel with requirepass" "$(tail -n 3 "$T_TMP/ship4.log")"
# shellcheck disable=SC2086
spawn ship5 "$SH" -v -f "$T_TMP/h5/s.tdb" --host pop5 --max-age 30 $S2 \
	--redis-password-file "$R/shipper.pw" --redis-sentinel-password-file "$R/sentinel-wrong.pw"
wait_for 3000 grep -q "Sentinel 127.0.0.1:$SP2: AUTH: WRONGPASS" "$T_TMP/ship5.log" &&
	t_ok "a shipper with a wrong Sentinel password says so" ||
	t_fail "the shipper's wrong Sentinel password" "$(tail -n 3 "$T_TMP/ship5.log")"
t_expect "and ships nothing" "1 " "$(pq "$A" 198.51.100.5)"
alive ship5 && t_ok "and keeps trying, no crash" || t_fail "wrong Sentinel password: shipper died"
t_expect_status "a Sentinel password file others can read is refused (relayersd)" 78 \
	"$D" $S2 --redis-sentinel-password-file "$R/sentinel-open.pw" --listen "unix:$MTA/x.sock"
t_expect_match "saying why" 'lets others read it' "$T_ERR"
t_expect_status "and by the shipper" 78 \
	"$SH" -f "$T_TMP/h5/s.tdb" $S2 --redis-sentinel-password-file "$R/sentinel-open.pw"
t_expect_status "--redis-sentinel-password-file without --redis-sentinel: usage error" 64 \
	"$D" --redis "127.0.0.1:$PP" --redis-sentinel-password-file "$R/sentinel.pw" \
	--listen "unix:$MTA/x.sock"
t_expect_status "and for the shipper" 64 \
	"$SH" --redis "127.0.0.1:$PP" --redis-sentinel-password-file "$R/sentinel.pw"
for one in ship4 ship5 s2ok s2bad s2none sentinel2; do stop_one "$one"; done

# --- a login on host 1 relays through either MTA within 1 s ------------------
"$V" -f "$T_TMP/h1/s.tdb" add 192.0.2.1 >/dev/null
wait_for 1000 is_ok "$A" 192.0.2.1 && t_ok "a store write on host 1: OK through A within 1 s" ||
	t_fail "host 1's write through A" "$(pq "$A" 192.0.2.1)"
wait_for 1000 is_ok "$B" 192.0.2.1 && t_ok "and through B" || t_fail "host 1's write through B"
"$ST" put "$T_TMP/h1/s.tdb" 192.0.2.2 "$(date +%s)" alice imap
wait_for 1000 is_ok "$A" 192.0.2.2 && t_ok "a login with its owner (alice) relays within 1 s" ||
	t_fail "alice's login" "$(pq "$A" 192.0.2.2)"
t_expect "the value is the login's epoch stamp" "0 $((now - 60))" "$(pq "$A" 198.51.100.1)"
t_expect "the key is a hash with one field per host" "pop1" \
	"$(admin "$PP" hkeys relayers:198.51.100.1)"
ttl=$(admin "$PP" ttl relayers:192.0.2.1)
[ "$ttl" -gt 1700 ] && [ "$ttl" -le 1800 ] && t_ok "its TTL is the relay window ($ttl s of 1800)" ||
	t_fail "the TTL is the window" "$ttl"

# --- the real sendmail: check_rcpt under -bt through relayersd A -------------
DENIED='$# error $@ 5.7.1 $: "550 Relaying denied"'
DEFERRED='$# error $@ 4.3.0 $: "451 Relay check temporarily unavailable, try again later"'
SM=$T_TMP/sm
sendmail_write_mc "$SM" "$(sendmail_free_port)" "local:$A"
if sendmail_build_cf "$SM/test.mc" "$SM/test.cf"; then
	t_expect "sendmail -bt: host 1's login relays through Redis" '$# OK' \
		"$(sendmail_check_rcpt "$SM/test.cf" 192.0.2.2 "$(date +%s)" '<someone@remote.example>')"
	t_expect "sendmail -bt: a client never recorded anywhere gets 550" "$DENIED" \
		"$(sendmail_check_rcpt "$SM/test.cf" $NEVER "$(date +%s)" '<someone@remote.example>')"
else
	t_fail "m4 builds sendmail's .cf with the socket map"
fi

# --- several hosts, one address: the newest stamp wins, deletes are per host --
"$V" -f "$T_TMP/h2/s.tdb" add 192.0.2.1 $((now - 600)) >/dev/null
two_fields() { [ "$(admin "$PP" hlen relayers:192.0.2.1)" = 2 ]; }
wait_for 1000 two_fields && t_ok "host 2's login of the same address is its own field" ||
	t_fail "two fields" "$(admin "$PP" hgetall relayers:192.0.2.1)"
case $(pq "$A" 192.0.2.1) in "0 $((now - 600))") t_fail "host 2's older stamp does not win" ;;
"0 "*) t_ok "host 2's older stamp does not replace host 1's newer one" ;;
*) t_fail "the address still relays" ;; esac
"$V" -f "$T_TMP/h1/s.tdb" delete 192.0.2.1 >/dev/null
one_field() { [ "$(admin "$PP" hkeys relayers:192.0.2.1)" = pop2 ]; }
wait_for 1000 one_field && t_ok "a delete on host 1 removes only host 1's field" || t_fail "host 1's delete"
t_expect "host 2 still holds it fresh: OK with its stamp" "0 $((now - 600))" "$(pq "$B" 192.0.2.1)"
"$V" -f "$T_TMP/h2/s.tdb" delete 192.0.2.1 >/dev/null
wait_for 1000 is_notfound "$A" 192.0.2.1 && t_ok "deleted on both hosts: NOTFOUND through A within 1 s" ||
	t_fail "deleted everywhere (A)" "$(pq "$A" 192.0.2.1)"
wait_for 1000 is_notfound "$B" 192.0.2.1 && t_ok "and through B" || t_fail "deleted everywhere (B)"

# --- revoke and expire --------------------------------------------------------
"$V" -f "$T_TMP/h1/s.tdb" revoke alice >/dev/null
wait_for 1000 is_notfound "$B" 192.0.2.2 && t_ok "vsmtprelay revoke alice: gone everywhere within 1 s" ||
	t_fail "revoke" "$(pq "$B" 192.0.2.2)"
"$V" -f "$T_TMP/h3/s.tdb" add 192.0.2.3 $((now - 300)) >/dev/null
wait_for 1000 is_ok "$A" 192.0.2.3 || t_fail "host 3's entry relays before the expire"
"$V" -f "$T_TMP/h3/s.tdb" expire 2 >/dev/null
wait_for 1000 is_notfound "$A" 192.0.2.3 && t_ok "vsmtprelay expire on host 3: gone within 1 s" ||
	t_fail "expire" "$(pq "$A" 192.0.2.3)"
admin "$PP" hset relayers:192.0.2.4 elsewhere $((now - 3600)) >/dev/null
t_expect "a stamp past relayersd's --max-age is NOTFOUND whatever the TTL" "1 " "$(pq "$A" 192.0.2.4)"
admin "$PP" hset relayers:192.0.2.5 elsewhere $((now + 86400)) >/dev/null
t_expect "a pinned (future) stamp is found" "0 $((now + 86400))" "$(pq "$A" 192.0.2.5)"
admin "$PP" hset relayers:192.0.2.6 elsewhere "yes please" >/dev/null
t_expect_match "a value that is no stamp: TEMP (postmap defers), never OK" '^75 ' "$(pq "$A" 192.0.2.6)"
t_expect_match "and the fault is logged" 'no stamp' "$(cat "$T_TMP/mtaA.log")"
admin "$PP" del relayers:192.0.2.4 relayers:192.0.2.5 relayers:192.0.2.6 >/dev/null
wait_for 2000 is_ok "$A" 198.51.100.1 && t_ok "relayersd answers again after the fault" ||
	t_fail "answers again after the fault"

# --- a shipper killed, changes made meanwhile, restarted ----------------------
"$V" -f "$T_TMP/h1/s.tdb" add 192.0.2.10 >/dev/null
wait_for 1000 is_ok "$A" 192.0.2.10 || t_fail "192.0.2.10 shipped before the kill"
kill -KILL "$(pid_of ship1)"; wait "$(pid_of ship1)" 2>/dev/null
"$V" -f "$T_TMP/h1/s.tdb" add 192.0.2.11 >/dev/null
"$V" -f "$T_TMP/h1/s.tdb" delete 192.0.2.10 >/dev/null
sleep 0.3
t_expect "while host 1's shipper is down its new login is not seen" "1 " "$(pq "$A" 192.0.2.11)"
t_expect_match "and its delete not yet either" '^0 ' "$(pq "$A" 192.0.2.10)"
"$V" -f "$T_TMP/h2/s.tdb" add 192.0.2.12 >/dev/null
wait_for 1000 is_ok "$B" 192.0.2.12 && t_ok "a POP host gone costs only its own users: host 2 still ships" ||
	t_fail "host 2 ships while host 1 is gone"
t_expect_match "and host 1's earlier logins still relay" '^0 ' "$(pq "$B" 198.51.100.1)"
ship 1
wait_for 3000 is_ok "$A" 192.0.2.11 && t_ok "restarted, host 1's shipper catches up: the login made meanwhile" ||
	t_fail "catch-up: add" "$(tail -n 3 "$T_TMP/ship1.log")"
wait_for 1000 is_notfound "$A" 192.0.2.10 && t_ok "and the delete made meanwhile" ||
	t_fail "catch-up: delete" "$(pq "$A" 192.0.2.10)"

# --- SIGHUP and a store restored by rename: full syncs ------------------------
admin "$PP" hdel relayers:198.51.100.2 pop2 >/dev/null
t_expect "a field removed behind host 2's back (by hand) is gone" "1 " "$(pq "$A" 198.51.100.2)"
kill -HUP "$(pid_of ship2)"
wait_for 1000 is_ok "$A" 198.51.100.2 && t_ok "SIGHUP: host 2's shipper syncs in full and puts it back" ||
	t_fail "SIGHUP full sync" "$(pq "$A" 198.51.100.2)"
cp -p "$T_TMP/h3/s.tdb" "$T_TMP/h3/restore.tdb"
"$V" -f "$T_TMP/h3/restore.tdb" add 192.0.2.30 >/dev/null
"$V" -f "$T_TMP/h3/restore.tdb" delete 198.51.100.3 >/dev/null
mv "$T_TMP/h3/restore.tdb" "$T_TMP/h3/s.tdb"
wait_for 2000 is_ok "$A" 192.0.2.30 && t_ok "a store restored by rename on host 3: its entries appear" ||
	t_fail "restore by rename: add" "$(pq "$A" 192.0.2.30)"
wait_for 1000 is_notfound "$A" 198.51.100.3 && t_ok "and those it lacks go" ||
	t_fail "restore by rename: delete" "$(pq "$A" 198.51.100.3)"

# --- the primary stopped: Sentinel promotes the replica ------------------------
"$V" -f "$T_TMP/h1/s.tdb" add 192.0.2.20 >/dev/null
wait_for 1000 is_ok "$B" 192.0.2.20 || t_fail "192.0.2.20 shipped before the failover"
sleep 0.3	# the replica has it (asynchronous; the shippers resync anyway)
kill -TERM "$(pid_of primary)"; wait "$(pid_of primary)" 2>/dev/null
stopped=$(ms_now)
seen_temp=0 wrong=0 back=0
limit=$(($(ms_now) + 30000))
while [ "$(ms_now)" -lt "$limit" ]; do
	r=$(pq "$B" 192.0.2.20)
	case $r in "0 "*) back=1; break ;; "1 "*) wrong=$((wrong + 1)) ;; *) seen_temp=1 ;; esac
	case $(pq "$B" $NEVER) in "0 "*) wrong=$((wrong + 1)) ;; esac
	case $(pq "$A" $NEVER) in "0 "*) wrong=$((wrong + 1)) ;; esac
	sleep 0.05
done
echo "     (relayed again through the Sentinel $(($(ms_now) - stopped)) ms after the primary stopped)"
t_expect "during the failover lookups deferred (TEMP)" 1 "$seen_temp"
t_expect "the Sentinel promoted the replica" 0 "$(master_is "$RP"; echo $?)"
t_expect "after it, B (through the Sentinel) relays the login again" 1 "$back"
t_expect "nothing answered OK by mistake, no logged-in user NOTFOUND" 0 "$wrong"
t_expect_match "A, bound to the old primary, defers: never NOTFOUND, never OK" '^75 ' \
	"$(pq "$A" 192.0.2.20)"
"$V" -f "$T_TMP/h3/s.tdb" add 192.0.2.21 >/dev/null
wait_for 3000 is_ok "$B" 192.0.2.21 && t_ok "a new login after the failover reaches the new primary" ||
	t_fail "shipping after the failover" "$(tail -n 3 "$T_TMP/ship3.log")"
t_expect_match "the shippers logged the outage and the recovery" 'again after' \
	"$(cat "$T_TMP/ship3.log")"

# --- churn: logins on every host, a shipper killed each round ------------------
# REDIS_ROUNDS rounds (2 in make check, many in make soak-redis).  Each
# round adds 10 addresses on each host, kills one host's shipper with
# SIGKILL, adds and deletes more while it is down, restarts it, and then
# every address must read right through B: added ones OK, deleted and
# never-added ones NOTFOUND.  A round whose view is not right within 5 s
# fails, and so does any OK for an address no host holds.
# many SOCKET KEY...: one connection, "KEY REPLY" per key.
many() {
	timeout 60 python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.settimeout(8); s.connect(sys.argv[1])
f = s.makefile("rb")
for k in sys.argv[2:]:
    p = ("relayers " + k).encode()
    s.sendall(str(len(p)).encode() + b":" + p + b",")
    n = b""
    while not n.endswith(b":"):
        n += f.read(1)
    print(k, f.read(int(n[:-1]) + 1)[:-1].decode().split(" ")[0])' "$@"
}
# view_is SOCKET WANT KEY...: every KEY answers WANT (OK or NOTFOUND).
view_is() {
	local sock=$1 want=$2
	shift 2
	! many "$sock" "$@" | grep -qv " $want\$"
}
ROUNDS=${REDIS_ROUNDS:-2}
slowest=0 mistakes=0 round_fail=0
for r in $(seq 1 "$ROUNDS"); do
	kept="" gone="" never=""
	for h in 1 2 3; do
		for i in 1 2 3 4 5; do "$V" -f "$T_TMP/h$h/s.tdb" add "10.$r.$h.$i" >/dev/null; done
	done
	victim=$(((r % 3) + 1))
	kill -KILL "$(pid_of "ship$victim")"; wait "$(pid_of "ship$victim")" 2>/dev/null
	for h in 1 2 3; do
		for i in 6 7 8 9 10; do "$V" -f "$T_TMP/h$h/s.tdb" add "10.$r.$h.$i" >/dev/null; done
		"$V" -f "$T_TMP/h$h/s.tdb" delete "10.$r.$h.1" "10.$r.$h.6" >/dev/null
		for i in 2 3 4 5 7 8 9 10; do kept="$kept 10.$r.$h.$i"; done
		gone="$gone 10.$r.$h.1 10.$r.$h.6"
		never="$never 10.$r.$h.200"
	done
	ship "$victim"
	began=$(ms_now)
	# shellcheck disable=SC2086
	if wait_for 5000 view_is "$B" OK $kept && wait_for 5000 view_is "$B" NOTFOUND $gone $never; then
		took=$(($(ms_now) - began))
		[ "$took" -le "$slowest" ] || slowest=$took
	else
		round_fail=$((round_fail + 1))
		# shellcheck disable=SC2086
		echo "     round $r: $(many "$B" $kept $gone $never | grep -v ' OK$' | head -n 3)"
	fi
	# shellcheck disable=SC2086
	mistakes=$((mistakes + $(many "$B" $gone $never | grep -c ' OK$')))
	for h in 1 2 3; do
		# shellcheck disable=SC2086
		"$V" -f "$T_TMP/h$h/s.tdb" delete $(printf '%s\n' $kept | grep "^10\.$r\.$h\.") >/dev/null
	done
done
echo "     ($ROUNDS rounds, $((ROUNDS * 30)) logins, one shipper killed per round; slowest catch-up $slowest ms)"
t_expect "churn: every round's view right through B within 5 s after the restart" 0 "$round_fail"
t_expect "churn: no deleted or never-added address answered OK" 0 "$mistakes"
# shellcheck disable=SC2086
wait_for 5000 view_is "$B" NOTFOUND 10.1.1.2 10.1.2.2 10.1.3.2 "10.$ROUNDS.3.10" &&
	t_ok "churn: each round's closing delete of several addresses reached Redis" ||
	t_fail "churn: the closing deletes reached Redis"

# --- wrong password, unreachable, garbage -------------------------------------
mta bad1 "$MTA/bad1.sock" --redis "127.0.0.1:$RP" --redis-password-file "$R/wrong.pw"
t_expect_match "a wrong password: TEMP" '^75 ' "$(pq "$MTA/bad1.sock" 198.51.100.1)"
t_expect_match "and a clear log line" 'AUTH: WRONGPASS' "$(cat "$T_TMP/bad1.log")"
alive bad1 && t_ok "and no crash" || t_fail "wrong password: still running"
sendmail_write_mc "$SM/bad" "$(sendmail_free_port)" "local:$MTA/bad1.sock"
sendmail_build_cf "$SM/bad/test.mc" "$SM/bad/test.cf"
t_expect "sendmail -bt: the wrong password defers a recorded client (451), never 550" \
	"$DEFERRED" "$(sendmail_check_rcpt "$SM/bad/test.cf" 198.51.100.1 "$(date +%s)" \
		'<someone@remote.example>')"
DEAD=$(free_port)
mta bad2 "$MTA/bad2.sock" --redis "127.0.0.1:$DEAD"
t_expect_match "Redis unreachable: TEMP" '^75 ' "$(pq "$MTA/bad2.sock" 198.51.100.1)"
t_expect_match "and a clear log line" "127.0.0.1:$DEAD: Connection refused" "$(cat "$T_TMP/bad2.log")"
alive bad2 && t_ok "and no crash" || t_fail "unreachable: still running"
spawn junk python3 "$HERE/garbage.py"
wait_for 5000 test -s "$T_TMP/junk.log"
JP=$(head -n 1 "$T_TMP/junk.log")
mta bad3 "$MTA/bad3.sock" --redis "127.0.0.1:$JP"
t_expect_match "a server answering garbage (a mock listener): TEMP" '^75 ' \
	"$(pq "$MTA/bad3.sock" 198.51.100.1)"
t_expect_match "and a clear log line" 'redis 127.0.0.1:'"$JP"': .*([Pp]rotocol|AUTH|reply)' \
	"$(cat "$T_TMP/bad3.log")"
alive bad3 && t_ok "and no crash" || t_fail "garbage: still running"
spawn hung python3 "$HERE/garbage.py" silent
wait_for 5000 test -s "$T_TMP/hung.log"
HP=$(head -n 1 "$T_TMP/hung.log")
mta bad4 "$MTA/bad4.sock" --redis "127.0.0.1:$HP"
began=$(ms_now)
t_expect "a Redis that never answers (a mock listener): TEMP" \
	"TEMP relay view in Redis unavailable" "$(ask "$MTA/bad4.sock" 198.51.100.1)"
took=$(($(ms_now) - began))
[ "$took" -lt 2500 ] && t_ok "within the 1 s command timeout ($took ms)" ||
	t_fail "the hung Redis is given up within the timeout" "$took ms"
began=$(ms_now)
t_expect "the next lookup defers at once, without waiting again" \
	"TEMP relay view in Redis unavailable" "$(ask "$MTA/bad4.sock" 198.51.100.1)"
took=$(($(ms_now) - began))
[ "$took" -lt 700 ] && t_ok "($took ms: one timeout per second at most, not one per lookup)" ||
	t_fail "the retry pause holds" "$took ms"
t_expect_match "and the timeout is logged" 'redis 127.0.0.1:'"$HP"': .*no answer within the timeout' \
	"$(cat "$T_TMP/bad4.log")"
alive bad4 && t_ok "and no crash" || t_fail "hung Redis: still running"
t_expect_status "a password file others can read is refused at start" 78 \
	"$D" --redis "127.0.0.1:$RP" --redis-password-file "$R/open.pw" --listen "unix:$MTA/x.sock"
t_expect_match "saying why" 'lets others read it' "$T_ERR"
t_expect_status "so is the shipper's" 78 \
	"$SH" -f "$T_TMP/h1/s.tdb" --redis "127.0.0.1:$RP" --redis-password-file "$R/open.pw"
t_expect_status "no password on the command line: a word after --redis-password is a file name" 78 \
	"$SH" --redis "127.0.0.1:$RP" --redis-password secret
t_expect_match "which must exist" 'password file secret: No such file' "$T_ERR"
t_expect_status "a --redis without a port is a usage error (relayersd)" 64 \
	"$D" --redis "no-port-here" --listen "unix:$MTA/x.sock"
t_expect_status "and for the shipper" 64 "$SH" --redis "127.0.0.1:99999"
t_expect "relayersd A lived through all of it" 0 "$(alive mtaA; echo $?)"
t_done
