#!/bin/bash
# vsmtprelay refresh with the real Dovecot on loopback: a mail client that
# stays connected (IMAP IDLE) keeps its right to relay, exactly as long as
# Dovecot lists it as logged in; one that logged out ages out; a login the
# auth cache kept from PAM is recorded by the next refresh.  The chain is
# tests/e2e/chain.sh's: store, Dovecot + pam_relayers, mapgen --watch
# --max-age 30 and sendmail.  Error paths and 1,000 sessions: mock.sh.
cd "$(dirname "$0")/../.." || exit 1
T_SUITE=refresh
. tests/lib/harness.sh
. tests/e2e/chain.sh

[ "$(id -u)" -eq 0 ] || { echo "refresh: needs root (Dovecot, anvil is root's)"; exit 1; }

V=$RELAYERS_BUILD/vsmtprelay
HOLD=tests/refresh/hold_session.py
LOGIN=tests/e2e/mail_login.py
RCPT=friend@remote.example
# 127.0.0.1 always relays in sendmail; the module and refresh exclude it,
# not the rest of 127/8, which stands for remote clients here.
EXCLUDE=127.0.0.1
MAX_AGE=30
CACHE_DIR=$T_TMP/dovecot-cache

HOLDERS=
hold() { # NAME PROTOCOL PORT SOURCE...: a session that stays, until unhold
	local name=$1 proto=$2 port=$3 host=127.0.0.1
	shift 3
	case $1 in *:*) host=::1 ;; esac
	"$E2E_PYTHON" "$HOLD" "$proto" "$host" "$port" alice secret "$@" \
		> "$T_TMP/hold.$name" 2>&1 &
	echo $! > "$T_TMP/hold.$name.pid"
	HOLDERS="$HOLDERS $name"
	for _ in $(seq 400); do
		grep -Eq '^(all|not all) ready$' "$T_TMP/hold.$name" && break
		sleep 0.05
	done
	grep -q '^all ready$' "$T_TMP/hold.$name"
}
unhold() {
	local pid
	pid=$(cat "$T_TMP/hold.$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$T_TMP/hold.$1.pid"
}
teardown() {
	for h in $HOLDERS; do unhold "$h"; done
	[ -z "${LOCKER:-}" ] || kill "$LOCKER" 2>/dev/null
	dovecot_stop "$CACHE_DIR"
	chain_down "$T_TMP/chain"
	pam_wrapper_sweep "$T_TMP"
}
t_at_exit teardown
trap "exit 143" TERM INT

stamp_of() { "$V" -f "$CHAIN_STORE" dump | awk -v a="$1" '$1 == a { print $2 }'; }
login() { # PROTOCOL PORT SOURCE: log in and out; prints OK or NO
	"$E2E_PYTHON" "$LOGIN" "$1" 127.0.0.1 "$2" alice secret "$3" | awk '{ print $2 }'
}
# who DIR SOURCE: how many sessions Dovecot's own doveadm lists for SOURCE.
who() {
	timeout 10 doveadm -c "$1/dovecot.conf" -f tab who -1 -a "$1/run/anvil" 2>/dev/null |
		awk -v a="$2" '$4 == a' | wc -l
}
wait_who() { # DIR SOURCE COUNT: until doveadm lists COUNT sessions
	for _ in $(seq 100); do
		[ "$(who "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
fresh() { # NAME ADDRESS SINCE
	local s
	s=$(stamp_of "$2")
	if [ -n "$s" ] && [ "$s" -ge "$3" ]; then t_ok "$1"; else
		t_fail "$1" "stamp of $2 is [$s], wanted >= $3"; fi
}
relays_within() {
	"$E2E_PYTHON" tests/e2e/relay_wait.py "$1" "$CHAIN_SMTP_PORT" "$RCPT" "$2" ${3:+deny} >/dev/null
}

# ---- the chain, and the clients ---------------------------------------------
export CHAIN_MAPGEN_ARGS="--max-age $MAX_AGE"
if chain_up "$T_TMP/chain" "exclude=$EXCLUDE timeout=250"; then
	t_ok "Dovecot, mapgen --watch --max-age $MAX_AGE and sendmail start on loopback"
else
	t_fail "the chain starts"; t_done; exit 1
fi
DV=$T_TMP/chain/dovecot
ANVIL=$DV/run/anvil
refresh() { "$V" -f "$CHAIN_STORE" refresh --anvil "$ANVIL" "$@"; }

t0=$(date +%s)
hold idle imap "$CHAIN_IMAP_PORT" 127.0.0.50
t_expect "an IMAP client from 127.0.0.50 logs in and IDLEs" 0 $?
fresh "... its login is recorded by PAM" 127.0.0.50 "$t0"
t_expect "an IMAP client from 127.0.0.51 logs in and out" OK "$(login imap "$CHAIN_IMAP_PORT" 127.0.0.51)"
t_expect "a POP3 client from 127.0.0.52 logs in and out" OK "$(login pop3 "$CHAIN_POP3_PORT" 127.0.0.52)"
wait_who "$DV" 127.0.0.50 1
t_expect "doveadm who lists the IDLE session" 0 $?
wait_who "$DV" 127.0.0.51 0 && wait_who "$DV" 127.0.0.52 0
t_expect "doveadm who no longer lists the ended sessions" 0 $?

# All three entries made two hours old: mapgen leaves them out of the map.
old=$(( $(date +%s) - 7200 ))
for a in 127.0.0.50 127.0.0.51 127.0.0.52; do "$V" -f "$CHAIN_STORE" add "$a" "$old"; done
relays_within 127.0.0.50 10 deny
t_expect "an entry made old: sendmail refuses 127.0.0.50 although it is still connected" 0 $?

# ---- one refresh --------------------------------------------------------------
t1=$(date +%s)
t_expect_status "vsmtprelay refresh -v" 0 refresh --exclude "$EXCLUDE" -v
out=$T_OUT
fresh "the connected client's entry is fresh again" 127.0.0.50 "$t1"
t_expect_match "-v says so, with service and user" '^refreshed	127\.0\.0\.50	imap alice, 1 session; was 7[0-9]{3} s old$' "$out"
t_expect "the IMAP client that logged out is not refreshed" "$old" "$(stamp_of 127.0.0.51)"
t_expect "the POP3 session that ended is not refreshed" "$old" "$(stamp_of 127.0.0.52)"
relays_within 127.0.0.50 10
t_expect "after mapgen's export, sendmail relays for 127.0.0.50 again" 0 $?
for a in 127.0.0.51 127.0.0.52; do
	t_expect_match "sendmail still refuses $a (logged out)" '^550 ' \
		"$(sendmail_rcpt "$a" "$CHAIN_SMTP_PORT" "$RCPT")"
done
"$V" -f "$CHAIN_STORE" expire "$MAX_AGE"
t_expect "expire $MAX_AGE: the logged-out clients age out, the connected one stays" \
	"127.0.0.50" "$("$V" -f "$CHAIN_STORE" dump | cut -f1 | sort | paste -sd' ')"

# ---- two sessions from one address; a live POP3 session; IPv6 ------------------
hold two imap "$CHAIN_IMAP_PORT" 127.0.0.53 127.0.0.53
t_expect "two IMAP sessions from 127.0.0.53" 0 $?
hold pop pop3 "$CHAIN_POP3_PORT" 127.0.0.54
t_expect "a POP3 session from 127.0.0.54 that stays open" 0 $?
hold v6 imap "$CHAIN_IMAP_PORT" ::1
t_expect "an IMAP session from ::1" 0 $?
wait_who "$DV" 127.0.0.53 2 && wait_who "$DV" 127.0.0.54 1 && wait_who "$DV" ::1 1
t_expect "doveadm who lists all four" 0 $?
for a in 127.0.0.53 127.0.0.54; do "$V" -f "$CHAIN_STORE" add "$a" "$old"; done
"$V" -f "$CHAIN_STORE" delete 127.0.0.53 >/dev/null
cp "$CHAIN_STORE" "$T_TMP/before"
t_expect_status "refresh with the default exclusions (loopback)" 0 refresh -v
t_expect_match "... adds nothing: every session is on loopback" \
	'0 addresses: 0 added, 0 refreshed, 0 kept; [1-9][0-9]* sessions excluded' "$T_OUT"
cmp -s "$CHAIN_STORE" "$T_TMP/before" && t_ok "... and leaves the store byte for byte as it was" ||
	t_fail "... and leaves the store byte for byte as it was"
t_expect_status "refresh --exclude 127.0.0.1,127.0.0.53" 0 refresh --exclude 127.0.0.1,127.0.0.53
t_expect "... an excluded address is never added" "" "$(stamp_of 127.0.0.53)"
t2=$(date +%s)
t_expect_status "refresh --exclude ''" 0 refresh --exclude '' -v
out=$T_OUT
t_expect "two sessions from one address give one entry" 1 \
	"$("$V" -f "$CHAIN_STORE" dump | grep -c '^127\.0\.0\.53	')"
t_expect_match "... which -v counts as two sessions" '^added	127\.0\.0\.53	imap alice, 2 sessions$' "$out"
fresh "a POP3 session that stays open is refreshed" 127.0.0.54 "$t2"
fresh "the IPv6 session is refreshed, in canonical form" ::1 "$t2"
sessions=$(printf '%s\n' "$out" | awk -F'\t' '/^(added|refreshed|kept)\t/ {
	split($3, w, ", "); n += w[2] + 0 } END { print n + 0 }')
t_expect "refresh counts as many sessions as doveadm who lists" \
	"$(timeout 10 doveadm -c "$DV/dovecot.conf" -f tab who -1 -a "$ANVIL" | tail -n +2 | wc -l)" "$sessions"

# ---- a busy store --------------------------------------------------------------
"$RELAYERS_BUILD/tests/e2e/hold_lock" "$CHAIN_STORE" 30 > "$T_TMP/locked" &
LOCKER=$!
for _ in $(seq 100); do grep -q locked "$T_TMP/locked" && break; sleep 0.1; done
cp "$CHAIN_STORE" "$T_TMP/before"
t_expect_status "a store held locked: refresh exits 75 (EX_TEMPFAIL)" 75 refresh --exclude ''
t_expect_match "... and says the store is busy" 'busy' "$T_ERR"
kill "$LOCKER"; wait "$LOCKER" 2>/dev/null; LOCKER=
cmp -s "$CHAIN_STORE" "$T_TMP/before" && t_ok "... the store is byte for byte unchanged" ||
	t_fail "... the store is byte for byte unchanged"

# ---- the auth cache hides a login from PAM; refresh records it -----------------
CACHE_PAM=$T_TMP/cache-pam
pam_stack_write examples/pam.d/dovecot "$CACHE_PAM" dovecot "$CHAIN_PASSDB" \
	"db=$CHAIN_STORE exclude=$EXCLUDE timeout=250"
C_IMAP=$(chain_free_port) C_POP=$(chain_free_port)
DOVECOT_AUTH_CACHE_SIZE=1M DOVECOT_PASSDB_ARGS="cache_key=%u dovecot" \
	dovecot_start "$CACHE_DIR" "$CACHE_PAM" "$C_IMAP" "$C_POP"
t_expect "a Dovecot with its auth cache on (cache_key=%u, auth_cache_size = 1M) starts" 0 $?
t_expect "a first login from 127.0.0.61 (PAM runs, the cache fills)" OK "$(login imap "$C_IMAP" 127.0.0.61)"
fresh "... is recorded" 127.0.0.61 "$t0"
hold cached imap "$C_IMAP" 127.0.0.62
t_expect "a second login, from 127.0.0.62, stays connected" 0 $?
t_expect "... PAM never saw it: the cache answered, nothing was recorded" "" "$(stamp_of 127.0.0.62)"
wait_who "$CACHE_DIR" 127.0.0.62 1
t3=$(date +%s)
t_expect_status "refresh from that Dovecot's anvil" 0 \
	"$V" -f "$CHAIN_STORE" refresh --anvil "$CACHE_DIR/run/anvil" --exclude "$EXCLUDE" -v
t_expect_match "... adds the address the cache hid" '^added	127\.0\.0\.62	imap alice' "$T_OUT"
fresh "... 127.0.0.62 is in the store" 127.0.0.62 "$t3"

# ---- Dovecot stopped ------------------------------------------------------------
unhold cached
dovecot_stop "$CACHE_DIR"
cp "$CHAIN_STORE" "$T_TMP/before"
t_expect_status "Dovecot stopped: refresh exits 69 (EX_UNAVAILABLE)" 69 \
	"$V" -f "$CHAIN_STORE" refresh --anvil "$CACHE_DIR/run/anvil"
t_expect_match "... and says Dovecot is not there" 'no such socket|nobody listens' "$T_ERR"
cmp -s "$CHAIN_STORE" "$T_TMP/before" && t_ok "... the store is byte for byte unchanged" ||
	t_fail "... the store is byte for byte unchanged"

# ---- the session ends: the relay closes with the window ------------------------
unhold idle
wait_who "$DV" 127.0.0.50 0
t_expect "the IDLE client disconnects: doveadm who drops it" 0 $?
"$V" -f "$CHAIN_STORE" add 127.0.0.50 "$old"
t_expect_status "refresh after it left" 0 refresh --exclude "$EXCLUDE"
t_expect "... does not bring it back" "$old" "$(stamp_of 127.0.0.50)"
relays_within 127.0.0.50 10 deny
t_expect "sendmail refuses 127.0.0.50 once its session is gone and its entry old" 0 $?

t_done
