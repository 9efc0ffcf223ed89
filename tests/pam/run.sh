#!/bin/sh
# Runs the PAM-level suite under pam_wrapper: the real libpam loads the
# real module from service files made here from services/.
#   RELAYERS_BUILD   the build directory under test
#   PAM_TEST_RUNNER  a command to run the test program under (valgrind)
. "$(dirname "$0")/../lib/harness.sh"
T_SUITE=${T_SUITE_NAME:-pam}

libdir=$(pkg-config --variable=libdir pam)
wrapper_libdir=$(pkg-config --variable=libdir pam_wrapper 2>/dev/null)
wrapper_modules=${wrapper_libdir:-$libdir}/pam_wrapper
services=$T_TMP/services
mkdir -p "$services"
echo "alice:secret:relay" > "$T_TMP/passdb"
for service in relay relay_auth relay_authonly relay_session relay_noexclude \
	relay_exclude relay_badexclude relay_badopts relay_nodir relay_other_store; do
	echo "alice:secret:$service" >> "$T_TMP/passdb"
done
for file in "$(dirname "$0")"/services/*; do
	sed -e "s|@MODULE@|$RELAYERS_BUILD/pam_relayers.so|g" \
	    -e "s|@MATRIX@|$wrapper_modules/pam_matrix.so|g" \
	    -e "s|@SET_ITEMS@|$wrapper_modules/pam_set_items.so|g" \
	    -e "s|@PERMIT@|$libdir/security/pam_permit.so|g" \
	    -e "s|@DENY@|$libdir/security/pam_deny.so|g" \
	    -e "s|@TMP@|$T_TMP|g" "$file" > "$services/$(basename "$file")"
done

# The module exports PAM's entry points and nothing else (the version
# script), so the core it links cannot clash with the host's symbols.
exported=$(nm -D --defined-only "$RELAYERS_BUILD/pam_relayers.so" |
	awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort | tr '\n' ' ')
t_expect "the module exports only pam_sm_* hooks" \
	"pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " \
	"$exported"

# An ASan build must have its runtime loaded before pam_wrapper.
preload=libpam_wrapper.so
if [ -n "${ASAN_RUNTIME:-}" ]; then preload="$ASAN_RUNTIME $preload"; fi

# pam_wrapper spins forever if preloaded without PAM_WRAPPER=1: timeout.
RELAYERS_TEST_TMP=$T_TMP LD_PRELOAD=$preload PAM_WRAPPER=1 \
	PAM_WRAPPER_SERVICE_DIR=$services UID_WRAPPER_DISABLE_DEEPBIND=1 \
	t_cmocka timeout 300 ${PAM_TEST_RUNNER:-} \
	"$RELAYERS_BUILD/tests/pam/test_pam_login"

# The guard through pam_start_confdir with syslog read back (it needs a
# private mount namespace for /dev/log, hence root); no pam_wrapper.
if [ "$(id -u)" -eq 0 ]; then
	RELAYERS_BUILD=$RELAYERS_BUILD t_cmocka timeout 300 ${PAM_TEST_RUNNER:-} \
		"$RELAYERS_BUILD/tests/pam/test_guard"
else
	t_fail "the guard's PAM tests" "need root (unshare for a private /dev/log)"
fi

# The botnet case: 8 processes log in as one account at once, 50 new
# addresses each.  Exactly max_addrs may be recorded, each of them one
# that a login reported as recorded (read back, -v), and none lost.
# max_addrs=5 is the limit crossed at once; 200 keeps every process
# adding while the others do, where an account record updated without
# its lock loses slots and lets more through (216 of 400 when tried).
# timeout=5000: every login waits its turn rather than give up.
concurrent_logins() {
	n=$1 gstore=$T_TMP/guard$1.tdb gpids= gfailed=0
	for p in 0 1 2 3 4 5 6 7; do
		mkdir -p "$T_TMP/gconf$p"
		timeout 300 "$RELAYERS_BUILD/tests/pam-logins" -d "$T_TMP/gconf$p" \
			-m "$RELAYERS_BUILD/pam_relayers.so" \
			-a "db=$gstore exclude= timeout=5000 max_addrs=$n" \
			-n 50 -b $((1000 + p * 50)) -v "$gstore" \
			> "$T_TMP/glogins$p" 2>"$T_TMP/glogins$p.err" &
		gpids="$gpids $!"
	done
	for pid in $gpids; do wait "$pid" || gfailed=$((gfailed + 1)); done
	t_expect "max_addrs=$n: 8 x 50 concurrent logins of one account all succeed" 0 "$gfailed"
	cat "$T_TMP"/glogins[0-7] | awk '{ print $1 }' | sort > "$T_TMP/gaccepted"
	"$RELAYERS_BUILD/vsmtprelay" -f "$gstore" dump | cut -f1 | sort > "$T_TMP/gstored"
	t_expect "max_addrs=$n: exactly $n addresses recorded" "$n" "$(wc -l < "$T_TMP/gstored")"
	t_expect "max_addrs=$n: the stored ones are exactly those the logins saw recorded" "" \
		"$(diff "$T_TMP/gaccepted" "$T_TMP/gstored")"
	t_expect "max_addrs=$n: who names alice for all of them" "$n" \
		"$("$RELAYERS_BUILD/vsmtprelay" -f "$gstore" who | grep -c '	alice	relayers-test$')"
	t_expect "max_addrs=$n: the store is sound afterwards" "$gstore: ok, $n entries" \
		"$("$RELAYERS_BUILD/vsmtprelay" -f "$gstore" check)"
}
concurrent_logins 5
concurrent_logins 200
t_done
