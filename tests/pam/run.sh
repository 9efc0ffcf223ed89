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
t_done
