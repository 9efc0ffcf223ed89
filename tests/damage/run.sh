#!/bin/sh
# Damage: a sound store of a few thousand entries, with deleted entries
# (a free list), a re-stamped one (a stale copy) and real logins, is
# damaged DAMAGE_CASES times per kind by damage.py; see there for what
# each case asserts.  Then a repair under load (load.sh).
. "$(dirname "$0")/../lib/harness.sh"

B=$RELAYERS_BUILD
V=$B/vsmtprelay
CASES=${DAMAGE_CASES:-10}
SEED=${DAMAGE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
TEMPLATE=$T_TMP/template.tdb
mkdir -p "$T_TMP/conf" "$T_TMP/map" "$T_TMP/case"

# The template: 3000 entries in one transaction, 150 of them deleted,
# one re-stamped with a longer value (its old record is freed), and 20
# real logins.
"$B/tests/mapgen-fill" "$TEMPLATE" 3000 1700000000 ||
	t_fail "the template store is made"
# shellcheck disable=SC2046
"$V" -f "$TEMPLATE" delete $(seq -f '10.0.2.%g' 0 149) >/dev/null
"$V" -f "$TEMPLATE" add 10.0.0.5 17000000000
"$B/tests/pam-logins" -d "$T_TMP/conf" -m "$B/pam_relayers.so" \
	-a "db=$TEMPLATE exclude=" -n 20 -b 5000000 -v "$TEMPLATE" >/dev/null 2>&1
# The cases log in to the case store.
"$B/tests/pam-logins" -d "$T_TMP/conf" -m "$B/pam_relayers.so" \
	-a "db=$T_TMP/case/relayers.tdb exclude=" -n 0 >/dev/null 2>&1
t_expect_status "the template passes check" 0 "$V" -f "$TEMPLATE" check
if "$B/tests/damage-layout" "$TEMPLATE" > "$T_TMP/layout"; then
	t_ok "the template's records are where tdb finds them"
else
	t_fail "the template's records are where tdb finds them"
fi
t_expect "the layout lists every entry" "$("$V" -f "$TEMPLATE" dump | wc -l)" \
	"$(grep -c '^E ' "$T_TMP/layout")"
t_expect_match "the template has a free list" '^[1-9]' "$(grep -c '^F ' "$T_TMP/layout")"

# Nothing stays broken silently.  A store whose header is damaged: the
# module says so with the repair command once a minute per process
# (libpam dlcloses it after each login; -z nodelete keeps the time), and
# every login still succeeds; mapgen --watch keeps the last good map and
# says the same.
cp "$TEMPLATE" "$T_TMP/broken.tdb"
"$B/mapgen" -f "$T_TMP/broken.tdb" -o "$T_TMP/map/broken" || t_fail "a good map is made first"
good_map=$(cksum < "$T_TMP/map/broken.db")
printf 'XXXX' | dd of="$T_TMP/broken.tdb" bs=1 seek=32 conv=notrunc 2>/dev/null
for p in 1 2; do
	out=$("$B/tests/damage-log" "$B/pam_relayers.so" "$T_TMP/broken.tdb" 5); rc=$?
	if [ "$rc" = 77 ]; then t_fail "module log: needs a private mount namespace"; continue; fi
	t_expect_match "module log, process $p: 5 logins succeed, one repair line, nothing else" \
		"logins 5/5 repair-lines 1 other-errors 0" "$out"
	t_expect_match "module log, process $p: the line names the exact command" \
		"run \"vsmtprelay -f $T_TMP/broken.tdb check --repair\"" "$out"
done
# The same under pam_wrapper, one pam_start ... pam_end per login
# (libpamtest); pam_wrapper prints what pam_syslog gets on stderr.
libdir=$(pkg-config --variable=libdir pam)
wrapper_modules=$(dirname "$(find /usr/lib -path '*pam_wrapper*' -name pam_matrix.so | head -n 1)")
mkdir -p "$T_TMP/pw"
echo "alice:secret:relayers-pw" > "$T_TMP/pw.passdb"
printf 'auth required %s/pam_matrix.so passdb=%s\nauth required %s/pam_set_items.so\naccount required %s/security/pam_permit.so\naccount optional %s/pam_relayers.so db=%s exclude=\n' \
	"$wrapper_modules" "$T_TMP/pw.passdb" "$wrapper_modules" "$libdir" "$B" \
	"$T_TMP/broken.tdb" > "$T_TMP/pw/relayers-pw"
printf 'auth required %s/security/pam_deny.so\n' "$libdir" > "$T_TMP/pw/other"
preload=libpam_wrapper.so
if [ -n "${ASAN_RUNTIME:-}" ]; then preload="$ASAN_RUNTIME $preload"; fi
out=$(LD_PRELOAD=$preload PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T_TMP/pw \
	UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_RHOST=192.0.2.9 \
	timeout 60 "$B/tests/damage-wrapper-log" relayers-pw 5 2>"$T_TMP/pw.err")
t_expect "pam_wrapper: 5 logins succeed" "logins 5/5" "$out"
t_expect "pam_wrapper: one repair line for 5 logins" 1 \
	"$(grep -c 'run "vsmtprelay -f [^"]*broken.tdb check --repair"' "$T_TMP/pw.err")"

timeout 3 "$B/mapgen" -f "$T_TMP/broken.tdb" -o "$T_TMP/map/broken" --watch 2>"$T_TMP/watch.err"
t_expect "mapgen --watch on a damaged store: one message in 3 s" 1 \
	"$(grep -c 'repair it with "vsmtprelay -f '"$T_TMP"'/broken.tdb check --repair"' "$T_TMP/watch.err")"
t_expect "mapgen --watch on a damaged store: the last good map is kept" "$good_map" \
	"$(cksum < "$T_TMP/map/broken.db")"

echo "damage: seed $SEED, $CASES cases per kind"
python3 "$(dirname "$0")/damage.py" "$B" "$T_TMP" "$TEMPLATE" "$T_TMP/layout" \
	"$CASES" "$SEED" > "$T_TMP/results"
tab=$(printf '\t')
while IFS= read -r line; do
	case "$line" in
	"PASS "*) t_ok "${line#PASS }" ;;
	"FAIL "*) rest=${line#FAIL }; t_fail "${rest%%"$tab"*}" "${rest#*"$tab"}" ;;
	esac
done < "$T_TMP/results"

# The shipped cron line, run as cron would (PATH finds this build's
# vsmtprelay): silent on a sound store, a repair on a damaged one, and a
# failure that leaves the file alone on one beyond repair.
line=$(sed -n 's/^\*\/5 \* \* \* \*	root	//p' "$(dirname "$0")/../../examples/cron.d/relayers-repair")
cron() { env -i PATH="$B:/usr/bin:/bin" STORE="$1" /bin/sh -c "$line"; }
cp "$TEMPLATE" "$T_TMP/cron.tdb"
t_expect "cron line: a sound store, nothing said" "" "$(cron "$T_TMP/cron.tdb" 2>&1)"
printf 'XXXX' | dd of="$T_TMP/cron.tdb" bs=1 seek=200 conv=notrunc 2>/dev/null
t_expect_match "cron line: a damaged store is repaired" "repaired: kept [0-9]+ entries" \
	"$(cron "$T_TMP/cron.tdb" 2>/dev/null)"
t_expect_status "cron line: the repaired store passes check" 0 "$V" -f "$T_TMP/cron.tdb" check
# The template's 20 real logins left owner records: a repair keeps them,
# so who and revoke still know which account opened each address.
owned() { "$V" -f "$1" who | awk -F'\t' '$3 != "-"' | sort; }
t_expect_match "the template has owned entries" '^20$' "$(owned "$TEMPLATE" | wc -l)"
t_expect "a repair keeps who opened each address" "$(owned "$TEMPLATE")" \
	"$(owned "$T_TMP/cron.tdb")"
head -c 100000 /dev/urandom > "$T_TMP/cron.tdb"; chmod 600 "$T_TMP/cron.tdb"
sum=$(cksum < "$T_TMP/cron.tdb")
t_expect_status "cron line: a file beyond repair fails (65)" 65 cron "$T_TMP/cron.tdb"
t_expect "cron line: and is left as it was" "$sum" "$(cksum < "$T_TMP/cron.tdb")"
t_expect "cron line: no store, nothing done" "0:" \
	"$(cron "$T_TMP/none.tdb" 2>&1; echo "$?:")"

t_done
