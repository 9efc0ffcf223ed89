#!/bin/bash
# Crashes: writers are SIGKILLed at random points until CRASH_KILLS of
# them died mid-run (a writer that ends before its kill does not count),
# in turn: module callers (real PAM logins), vsmtprelay add, delete and
# expire, and mapgen.  After every kill:
#  - the store opens and lists;
#  - no write that reported success is lost (a login counts once it was
#    read back, an add once it exited 0);
#  - a killed delete or expire changed all of its entries or none;
#  - no map is half-written (makemap -u reads it whole).
# At the end "vsmtprelay check" either passes or, after --repair, passes
# with every entry kept.  bash: for $RANDOM.
. "$(dirname "$0")/../lib/harness.sh"

B=$RELAYERS_BUILD
V=$B/vsmtprelay
KILLS=${CRASH_KILLS:-60}
STORE=$T_TMP/relayers.tdb
MAP=$T_TMP/map/relayers
CONF=$T_TMP/conf
mkdir -p "$CONF" "$T_TMP/map"
: > "$T_TMP/confirmed"
VICTIM=""
stop_victim() { [ -n "$VICTIM" ] && kill -KILL "$VICTIM" 2>/dev/null; wait 2>/dev/null; VICTIM=""; }
t_at_exit stop_victim

"$B/tests/pam-logins" -d "$CONF" -m "$B/pam_relayers.so" -a "db=$STORE exclude= timeout=5000 max_addrs=0" \
	-n 500 -b 1000000 -v "$STORE" >> "$T_TMP/confirmed" 2>/dev/null

# The longest random delay before the kill, per kind of writer (ms).  A
# writer that keeps finishing first gets a shorter one, so that the
# count of kills does not hang on how fast this machine is today.
declare -A MAX_DELAY=([login]=150 [add]=4 [delete]=12 [expire]=25 [mapgen]=60)

# run_killed KIND COMMAND...: starts COMMAND, SIGKILLs it after a random
# 0..MAX_DELAY[KIND] ms unless it ended first; $RC is its status (137:
# killed).
run_killed() {
	kind=$1; shift
	max=${MAX_DELAY[$kind]}
	"$@" > "$T_TMP/victim.out" 2>"$T_TMP/victim.err" &
	VICTIM=$!
	delay=$((RANDOM % (max + 1)))
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -KILL "$VICTIM" 2>/dev/null
	{ wait "$VICTIM"; } 2>/dev/null; RC=$?
	VICTIM=""
	if [ "$RC" = 137 ]; then
		KILLED=$((KILLED + 1))
	elif [ "$max" -gt 1 ]; then
		MAX_DELAY[$kind]=$((max * 3 / 4))
	fi
	return 0
}

# group_state ADDR_FILE: "all", "none" or "some" of the addresses present.
group_state() {
	n=$(grep -cxFf "$1" "$T_TMP/dump.addrs")
	total=$(wc -l < "$1")
	if [ "$n" -eq "$total" ]; then echo all
	elif [ "$n" -eq 0 ]; then echo none
	else echo "some ($n of $total)"; fi
}

PROBLEMS=0
problem() { PROBLEMS=$((PROBLEMS + 1)); [ $PROBLEMS -gt 10 ] || t_fail "$1" "${2:-}"; }

verify_store() {
	if ! timeout 30 "$V" -f "$STORE" dump > "$T_TMP/dump" 2>"$T_TMP/dump.err"; then
		problem "round $1: store opens and lists" "$(cat "$T_TMP/dump.err")"
		return
	fi
	cut -f1 "$T_TMP/dump" | sort > "$T_TMP/dump.addrs"
	sed -n 's/ ok$//p' "$T_TMP/confirmed" | sort -u > "$T_TMP/confirmed.addrs"
	lost=$(comm -23 "$T_TMP/confirmed.addrs" "$T_TMP/dump.addrs" | head -3)
	[ -z "$lost" ] || problem "round $1: a confirmed write was lost" "$lost"
}

KILLED=0 round=0
while [ "$KILLED" -lt "$KILLS" ] && [ "$round" -lt $((KILLS * 10)) ]; do
	round=$((round + 1))
	base=$((round * 100))
	case $((round % 5)) in
	0)	# a module caller, mid-login
		run_killed login "$B/tests/pam-logins" -d "$CONF" -a "" \
			-n 60 -b "$base" -v "$STORE"
		grep ' ok$' "$T_TMP/victim.out" >> "$T_TMP/confirmed"
		;;
	1)	# vsmtprelay add
		a="192.168.$((round / 250 % 250)).$((round % 250))"
		run_killed add "$V" -f "$STORE" add "$a"
		[ "$RC" = 0 ] && echo "$a ok" >> "$T_TMP/confirmed"
		;;
	2)	# vsmtprelay delete of 20 addresses: all or nothing
		"$B/tests/pam-logins" -d "$CONF" -n 20 -b $((5000000 + base)) \
			-v "$STORE" 2>/dev/null | sed 's/ ok$//' > "$T_TMP/group"
		# shellcheck disable=SC2046
		run_killed delete "$V" -f "$STORE" delete $(cat "$T_TMP/group")
		verify_store "$round"
		state=$(group_state "$T_TMP/group")
		case "$RC:$state" in
		0:none|137:all|137:none) ;;
		*) problem "round $round: delete (exit $RC) left $state of its group" ;;
		esac
		;;
	3)	# vsmtprelay expire of 20 stale entries: all or nothing
		: > "$T_TMP/group"
		for i in $(seq 1 20); do
			a="172.$((16 + round % 16)).$((round / 16 % 250)).$i"
			"$V" -f "$STORE" add "$a" 1000 && echo "$a" >> "$T_TMP/group"
		done
		run_killed expire "$V" -f "$STORE" expire 100000
		verify_store "$round"
		state=$(group_state "$T_TMP/group")
		case "$RC:$state" in
		0:none|137:all|137:none) ;;
		*) problem "round $round: expire (exit $RC) left $state of its group" ;;
		esac
		;;
	4)	# mapgen, mid-export: the old map or the new one, never half
		run_killed mapgen "$B/mapgen" -f "$STORE" -o "$MAP"
		if [ -e "$MAP.db" ] && ! makemap -u hash "$MAP" > /dev/null 2>&1; then
			problem "round $round: map half-written after kill (exit $RC)"
		fi
		;;
	esac
	verify_store "$round"
done

t_expect "$round rounds, $KILLED writers killed mid-run: no lost write, no half change" 0 "$PROBLEMS"
[ "$KILLED" -ge "$KILLS" ] && t_ok "at least $KILLS writers were killed mid-run ($KILLED)" ||
	t_fail "at least $KILLS writers were killed mid-run" "only $KILLED in $round rounds"

"$V" -f "$STORE" dump | sort > "$T_TMP/before-repair"
if "$V" -f "$STORE" check > "$T_TMP/check.out" 2>&1; then
	t_ok "the store passes check after $KILLED kills"
else
	echo "crash: check after the kills: $(tail -2 "$T_TMP/check.out" | tr '\n' ' ')"
	t_expect_status "check --repair reclaims what the kills leaked" 0 "$V" -f "$STORE" check --repair
	t_expect_status "the repaired store passes check" 0 "$V" -f "$STORE" check
	"$V" -f "$STORE" dump | sort > "$T_TMP/after-repair"
	if cmp -s "$T_TMP/before-repair" "$T_TMP/after-repair"; then
		t_ok "repair kept every entry ($(wc -l < "$T_TMP/after-repair"))"
	else
		t_fail "repair kept every entry" \
			"$(diff "$T_TMP/before-repair" "$T_TMP/after-repair" | head -5)"
	fi
fi
t_done
