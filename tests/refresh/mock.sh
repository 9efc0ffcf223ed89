#!/bin/bash
# vsmtprelay refresh against a MOCK anvil (tests/refresh/mock_anvil.py):
# what the real Dovecot cannot be made to send (garbage, a stall, an early
# close, 1,000 sessions), the socket checks, and a busy store.  Every
# failure must name its cause, exit with its documented status and leave
# the store byte for byte as it was.  The real Dovecot is in run.sh.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
T_SUITE=${T_SUITE_NAME:-refresh-mock}

V=$RELAYERS_BUILD/vsmtprelay
HOLDER=$RELAYERS_BUILD/tests/lock-holder
PY=/usr/bin/python3
MOCK=tests/refresh/mock_anvil.py
S=$T_TMP/relayers.tdb
SOCKDIR=$T_TMP/run
SOCK=$SOCKDIR/anvil
mkdir -p "$SOCKDIR" && chmod 0755 "$SOCKDIR"

MOCK_PID=
mock_stop() {
	[ -z "$MOCK_PID" ] || { kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; }
	MOCK_PID=
	rm -f "$SOCK"
}
t_at_exit mock_stop
HOLDER_PID=
holder_stop() {
	[ -z "$HOLDER_PID" ] || { kill "$HOLDER_PID" 2>/dev/null; wait "$HOLDER_PID" 2>/dev/null; }
	HOLDER_PID=
}
t_at_exit holder_stop

# mock MODE [ARG]: a fresh mock anvil at $SOCK, once it listens.
mock() {
	mock_stop
	# Removed first: the new mock's redirection may run after the wait
	# below has begun, which would then read the old mock's "ready".
	rm -f "$T_TMP/mock.out"
	"$PY" "$MOCK" "$SOCK" "$@" > "$T_TMP/mock.out" 2>&1 &
	MOCK_PID=$!
	for _ in $(seq 600); do	# python starts slowly on a loaded machine
		grep -q ready "$T_TMP/mock.out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "mock anvil did not start: $(cat "$T_TMP/mock.out")" >&2
	return 1
}

# answer TEXT: the mock answers TEXT (printf format: \t, \n, \001 ...).
answer() {
	printf "$1" > "$T_TMP/answer"
	mock file "$T_TMP/answer"
}

refresh() { "$V" -f "$S" refresh --anvil "$SOCK" "$@"; }
stamp_of() { "$V" -f "$S" dump | awk -v a="$1" '$1 == a { print $2 }'; }
keys() { "$V" -f "$S" dump | cut -f1 | sort | paste -sd' '; }
snapshot() { cp "$S" "$T_TMP/before"; }
unchanged() {
	if cmp -s "$S" "$T_TMP/before"; then t_ok "$1: store byte for byte unchanged"
	else t_fail "$1: store changed"; fi
}
fresh_store() {
	rm -f "$S"
	"$V" -f "$S" add 192.0.2.200 1000000000
}

# --- what is refreshed, from a well-formed answer ----------------------------
now=$(date +%s)
fresh_store
"$V" -f "$S" add 198.51.100.7 $((now - 7200))
"$V" -f "$S" add 198.51.100.9 $((now + 86400))
answer 'imap/198.51.100.7/alice\t101\t1\npop3/2001:db8::7/bob\t102\t1\nimap/::ffff:192.0.2.33/carol\t103\t2\nimap/198.51.100.7/alice\t104\t1\nlmtp/dave\t105\t1\nimap//erin\t106\t1\nimap/192.0.2.44/we\0011tird\001t\0011nuser\t107\t1\nimap/127.0.0.5/frank\t108\t1\nimap/198.51.100.9/pinned\t109\t1\n\n'
t_expect_status "refresh -v from a well-formed answer" 0 refresh -v
out=$T_OUT
t_expect "the clients logged in are in the store, canonical, once each" \
	"192.0.2.200 192.0.2.33 192.0.2.44 198.51.100.7 198.51.100.9 2001:db8::7" "$(keys)"
s=$(stamp_of 198.51.100.7)
[ -n "$s" ] && [ "$s" -ge "$now" ] && t_ok "an old entry of a logged-in client is stamped now" ||
	t_fail "an old entry of a logged-in client is stamped now" "stamp [$s], now $now"
t_expect "a pinned (future) entry is not moved back" $((now + 86400)) "$(stamp_of 198.51.100.9)"
t_expect "a client of loopback is excluded by default" "" "$(stamp_of 127.0.0.5)"
t_expect_match "-v: added, with service and user" '^added	2001:db8::7	pop3 bob, 1 session$' "$out"
t_expect_match "-v: two sessions from one address are one entry" \
	'^refreshed	198\.51\.100\.7	imap alice, 2 sessions; was 7[0-9]{3} s old$' "$out"
t_expect_match "-v: v4-mapped folds to IPv4" '^added	192\.0\.2\.33	imap carol' "$out"
t_expect_match "-v: the user is unescaped, then shown escaped" \
	'^added	192\.0\.2\.44	imap we\\x09ird\\x09\\x0auser' "$out"
t_expect_match "-v: a pinned entry is kept" '^kept	198\.51\.100\.9	.*not moved back' "$out"
t_expect_match "-v: the summary counts every kind of line" \
	'listed 9 session processes; 5 addresses: 3 added, 1 refreshed, 1 kept; 1 sessions excluded, 1 without an address, 1 not imap/pop3' "$out"

rm -f "$S"
answer 'imap/127.0.0.5/frank\t108\t1\nimap/::1/frank\t109\t1\nimap/192.0.2.9/gina\t110\t1\n\n'
t_expect_status "--exclude '' excludes nothing" 0 refresh --exclude ''
t_expect "... so loopback is added too (store created)" "127.0.0.5 192.0.2.9 ::1" "$(keys)"
rm -f "$S"
t_expect_status "--exclude 192.0.2.0/24,::1" 0 refresh --exclude 192.0.2.0/24,::1
t_expect "... leaves out exactly those ranges" "127.0.0.5" "$(keys)"
rm -f "$S"
t_expect_status "by default (loopback excluded) ..." 0 refresh
t_expect "... only the other client is added" "192.0.2.9" "$(keys)"
answer 'imap/127.0.0.5/frank\t108\t1\n\n'
rm -f "$S"
t_expect_status "nothing to refresh" 0 refresh -v
[ ! -e "$S" ] && t_ok "... creates no store" || t_fail "... creates no store"
answer '\n'
t_expect_status "an empty list of sessions" 0 refresh -v
t_expect_match "... is reported as such" 'listed 0 session processes; 0 addresses' "$T_OUT"

# --- usage ------------------------------------------------------------------
fresh_store
snapshot
t_expect_status "an unknown argument" 64 refresh --frobnicate
t_expect_match "... is named" 'unknown argument "--frobnicate"' "$T_ERR"
t_expect_status "--anvil without a path" 64 "$V" -f "$S" refresh --anvil
t_expect_status "a bad --exclude" 64 refresh --exclude 192.0.2.0/33
t_expect_match "... is named" 'exclude refused' "$T_ERR"
unchanged "usage errors"

# --- malformed answers ------------------------------------------------------
n=0
while IFS= read -r bad; do
	n=$((n + 1))
	[ -n "$bad" ] || continue
	answer "$bad"
	t_expect_status "malformed answer $n exits 76 (EX_PROTOCOL): $bad" 76 refresh
	t_expect_match "... says it is malformed and that nothing changed" \
		"malformed.*nothing was changed|nothing was changed" "$T_ERR"
done <<'BAD'
hello world\n\n
imap/192.0.2.1/u\t101\n\n
imap/192.0.2.1/u\t101\t1\textra\n\n
imap/192.0.2.1/u\tpid\t1\n\n
imap/192.0.2.1/u\t0\t1\n\n
imap/192.0.2.1/u\t99999999999\t1\n\n
imap/192.0.2.1/u\t101\t0\n\n
imap/192.0.2.1/u\t101\t-1\n\n
imap/999.0.2.1/u\t101\t1\n\n
imap/mail.example.com/u\t101\t1\n\n
imap/192.0.2.1/u\001x\t101\t1\n\n
imap/192.0.2.1/u\001\t101\t1\n\n
IMAP/192.0.2.1/u\t101\t1\n\n
/192.0.2.1/u\t101\t1\n\n
imap/192.0.2.1/u\t101\t1\n\r\n\n
BAD
answer 'imap/192.0.2.1/u\0\t101\t1\n\n'
t_expect_status "a raw NUL in a line exits 76" 76 refresh
"$PY" -c 'import sys; sys.stdout.write("imap/192.0.2.1/" + "u" * 5000 + "\t101\t1\n\n")' > "$T_TMP/long"
mock file "$T_TMP/long"
t_expect_status "a 5,000-byte line exits 76" 76 refresh
t_expect_match "... as too long" 'line too long' "$T_ERR"
# A good line first, then garbage: nothing of the good line is written.
answer 'imap/192.0.2.77/good\t101\t1\nimap/192.0.2.1/u\t101\tx\n\n'
t_expect_status "a good line before a bad one: 76" 76 refresh
t_expect "... and the good line's address is not written" "" "$(stamp_of 192.0.2.77)"
mock close
t_expect_status "an anvil that closes at once (another protocol version): 76" 76 refresh
t_expect_match "... says so" 'without an answer' "$T_ERR"
printf 'imap/192.0.2.1/u\t101\t1\n' > "$T_TMP/cut"
mock cut "$T_TMP/cut"
t_expect_status "an answer cut short by EOF: 76" 76 refresh
t_expect_match "... says so" 'middle of its answer' "$T_ERR"
mock silent
t0=$(date +%s%N)
t_expect_status "an anvil that never answers: 75 (EX_TEMPFAIL)" 75 refresh
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 4500 ] && [ "$ms" -le 9000 ] && t_ok "... after its 5 s deadline ($ms ms)" ||
	t_fail "... after its 5 s deadline" "$ms ms"
printf 'imap/192.0.2.1/%0200d\t101\t1\n\n' 0 > "$T_TMP/slow"
mock trickle "$T_TMP/slow"
t0=$(date +%s%N)
t_expect_status "an anvil that trickles its answer: 75, the deadline covers it all" 75 refresh
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -le 9000 ] && t_ok "... within the deadline ($ms ms)" || t_fail "... trickle deadline" "$ms ms"
unchanged "malformed, stalled and cut answers"

# --- Dovecot missing or stopped; sockets not to be trusted --------------------
mock_stop
t_expect_status "no anvil socket: 69 (EX_UNAVAILABLE)" 69 refresh
t_expect_match "... says Dovecot may not be running" 'no such socket: is Dovecot running' "$T_ERR"
"$PY" -c 'import socket,sys,os; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o600)' "$SOCK"
t_expect_status "a socket nobody listens on (Dovecot stopped): 69" 69 refresh
t_expect_match "... says nobody listens" 'nobody listens.*Dovecot stopped' "$T_ERR"
rm -f "$SOCK"
: > "$SOCK"
chmod 0600 "$SOCK"
t_expect_status "a regular file in the socket's place: 77 (EX_NOPERM)" 77 refresh
t_expect_match "... is refused" 'not a socket' "$T_ERR"
rm -f "$SOCK"
answer 'imap/192.0.2.66/u\t101\t1\n\n'
chmod 0666 "$SOCK"
t_expect_status "a socket others may write to (anyone could invent sessions): 77" 77 refresh
t_expect_match "... is refused" 'mode 666' "$T_ERR"
chmod 0600 "$SOCK"
chmod 0777 "$SOCKDIR"
t_expect_status "a socket in a directory others may write: 77" 77 refresh
chmod 0755 "$SOCKDIR"
t_expect "... and none of them wrote the session's address" "" "$(stamp_of 192.0.2.66)"
unchanged "missing, stopped and untrusted anvil sockets"

# --- a busy store -----------------------------------------------------------
answer 'imap/192.0.2.66/u\t101\t1\n\n'
for mode in lockall transaction; do
	rm -f "$T_TMP/held"
	"$HOLDER" "$S" "$mode" > "$T_TMP/held" &
	HOLDER_PID=$!
	for _ in $(seq 400); do grep -q held "$T_TMP/held" && break; sleep 0.05; done
	snapshot
	t_expect_status "a store held busy ($mode): 75 (EX_TEMPFAIL)" 75 refresh
	t_expect_match "... says busy" 'busy' "$T_ERR"
	holder_stop
	unchanged "busy store ($mode)"
done

# --- 1,000 sessions: one transaction, quickly -------------------------------
fresh_store
mock generate 1000
# CPU seconds (bash's time: user + system), which the machine's load does
# not stretch as it stretches the wall clock; both are printed.
t0=$(date +%s%N)
TIMEFORMAT='%3U %3S'
{ time refresh -v > "$T_TMP/out" 2> "$T_TMP/err"; } 2> "$T_TMP/cpu"
status=$?
unset TIMEFORMAT
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cpu_ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T_TMP/cpu")
echo "$T_SUITE: 1,000 sessions added in $ms ms wall, $cpu_ms ms CPU"
t_expect "1,000 sessions from 1,000 addresses" 0 "$status"
t_expect_match "... all added" '1000 addresses: 1000 added' "$(cat "$T_TMP/out")"
t_expect "... all in the store" 1001 "$("$V" -f "$S" dump | wc -l)"
if [ -z "${SANITIZE:-}" ]; then
	[ "$cpu_ms" -lt 500 ] && t_ok "... in well under a second of CPU ($cpu_ms ms)" ||
		t_fail "... in well under a second of CPU" "$cpu_ms ms"
fi
# One transaction: a writer holding the chain lock of one of the addresses
# (the last anvil lists) makes the refresh write none of the 1,000, not 999.
sleep 1
rm -f "$T_TMP/held"
"$HOLDER" "$S" chainlock:10.0.3.231 > "$T_TMP/held" &
HOLDER_PID=$!
for _ in $(seq 400); do grep -q held "$T_TMP/held" && break; sleep 0.05; done
snapshot
t_expect_status "1,000 sessions, one address's chain locked: 75" 75 refresh
holder_stop
unchanged "1,000 sessions with one address locked (one transaction)"
t_expect_status "once the lock is gone, all 1,000 are refreshed" 0 refresh -v
t_expect_match "... in one run" '1000 addresses: 0 added, 1000 refreshed' "$T_OUT"

# --- examples/cron.d/relayers-refresh and the systemd timer --------------------
CRON=examples/cron.d/relayers-refresh
jobs=$(grep -vE '^[[:space:]]*(#|$)|^[A-Za-z_]+=' "$CRON")
t_expect "the cron file holds one job" 1 "$(printf '%s\n' "$jobs" | grep -c .)"
read -r c_min c_hour c_dom c_mon c_dow c_user c_cmd <<<"$jobs"
t_expect "... every minute, as root" "* * * * * root" "$c_min $c_hour $c_dom $c_mon $c_dow $c_user"
t_expect "... running vsmtprelay refresh" "vsmtprelay refresh" "$c_cmd"
# The job in cron's bare environment, the file's PATH re-rooted at a tree
# holding vsmtprelay where make install puts it; -f and --anvil aim it at
# this suite's store and mock.
C=$T_TMP/cron-root
mkdir -p "$C/usr/local/sbin" && cp "$V" "$C/usr/local/sbin/vsmtprelay"
cron_path=$(sed -n 's/^PATH=//p' "$CRON" | tr ':' '\n' | sed "s|^|$C|" | paste -sd:)
answer 'imap/192.0.2.88/cron\t101\t1\n\n'
timeout 30 env -i SHELL=/bin/sh HOME=/root PATH="$cron_path" \
	/bin/sh -c "vsmtprelay -f '$S' ${c_cmd#vsmtprelay } --anvil '$SOCK'"
t_expect "the cron job exits 0" 0 $?
[ -n "$(stamp_of 192.0.2.88)" ] && t_ok "... and records the session" || t_fail "... and records the session"

UNIT=examples/systemd/relayers-refresh.service
TIMER=examples/systemd/relayers-refresh.timer
t_expect "the timer runs every minute" "OnCalendar=minutely" "$(grep '^OnCalendar=' "$TIMER")"
t_expect "the service runs vsmtprelay refresh" "ExecStart=/usr/sbin/vsmtprelay refresh" \
	"$(grep '^ExecStart=' "$UNIT")"
if command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(systemd-analyze security --offline=true --threshold=20 "$UNIT" 2>&1)
	t_expect "systemd-analyze security rates the service 2 or better (OK)" 0 $?
	echo "$T_SUITE: $(printf '%s\n' "$out" | grep 'Overall exposure')"
	# --threshold counts tenths: 20 is an exposure of 2.0.
	# verify wants the ExecStart binary and the Documentation= page where
	# they are installed (the packaged /usr/sbin path; make install rewrites
	# it): a private mount namespace puts them there.
	mkdir -p "$T_TMP/man/man8" && cp docs/vsmtprelay.8 "$T_TMP/man/man8/"
	out=$(timeout 60 unshare -m sh -c 'mount --make-rprivate / &&
		mount --bind "$1" /usr/sbin &&
		MANPATH="$2": systemd-analyze verify "$3" "$4"' sh \
		"$C/usr/local/sbin" "$T_TMP/man" "$UNIT" "$TIMER" 2>&1)
	t_expect "systemd-analyze verify is clean for the service and the timer" "0 []" "$? [$out]"
else
	echo "skip $T_SUITE: systemd-analyze checks need systemd-analyze and root"
fi

t_done
