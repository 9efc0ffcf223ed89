# Shared by the shell test suites.  Source it, call t_ok/t_fail (or the
# t_expect helpers), and end with t_done, which prints the closing line
# "N passed, N failed" and sets the exit status.
#
# RELAYERS_BUILD names the build directory under test (build/ or
# build/sanitize); T_TMP is a private scratch directory removed at exit.

: "${RELAYERS_BUILD:=build}"
RELAYERS_BUILD=$(cd "$RELAYERS_BUILD" && pwd)
export RELAYERS_BUILD
T_SUITE=${T_SUITE:-$(basename "$(dirname "$0")")}
T_PASSED=0
T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/relayers-test.XXXXXX")
chmod 0755 "$T_TMP"
T_CLEANUPS=""
trap 't_cleanup' EXIT

t_cleanup() {
	for c in $T_CLEANUPS; do "$c" || true; done
	rm -rf "$T_TMP"
}

# t_at_exit FUNCTION: run FUNCTION when the suite ends (servers, mounts).
t_at_exit() { T_CLEANUPS="$1 $T_CLEANUPS"; }

t_ok() {
	T_PASSED=$((T_PASSED + 1))
	printf 'ok   %s: %s\n' "$T_SUITE" "$1"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	printf 'FAIL %s: %s\n' "$T_SUITE" "$1"
	[ $# -lt 2 ] || printf '     %s\n' "$2"
}

# t_expect NAME EXPECTED ACTUAL
t_expect() {
	if [ "$2" = "$3" ]; then t_ok "$1"; else
		t_fail "$1" "expected [$2], got [$3]"; fi
}

# t_expect_status NAME STATUS COMMAND...: runs COMMAND, compares $?.
# Its stdout and stderr are kept in $T_OUT and $T_ERR for later checks.
t_expect_status() {
	_t_name=$1 _t_want=$2
	shift 2
	T_OUT=$("$@" 2>"$T_TMP/stderr"); _t_got=$?
	T_ERR=$(cat "$T_TMP/stderr")
	if [ "$_t_got" = "$_t_want" ]; then t_ok "$_t_name"; else
		t_fail "$_t_name" "exit $_t_got, wanted $_t_want; stderr: $T_ERR"; fi
}

# t_expect_match NAME PATTERN TEXT: TEXT matches the grep -E PATTERN.
t_expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_ok "$1"; else
		t_fail "$1" "[$3] does not match /$2/"; fi
}

t_done() {
	printf '%s: %d passed, %d failed\n' "$T_SUITE" "$T_PASSED" "$T_FAILED"
	[ "$T_FAILED" -eq 0 ] && [ "$T_PASSED" -gt 0 ]
}

# t_cmocka COMMAND...: runs a cmocka program and counts each of its tests
# as one result here, so that the closing line counts real cases.  A
# program that dies before its summary counts as one more failure.
t_cmocka() {
	"$@" > "$T_TMP/cmocka.out" 2>&1
	_t_status=$?
	cat "$T_TMP/cmocka.out"
	results=$(sed -n -e '/^\[==========\] .* test(s) run/q' \
		-e 's/^\[       OK \] \(.*\)/ok \1/p' \
		-e 's/^\[  FAILED  \] \(.*\)/fail \1/p' "$T_TMP/cmocka.out")
	while read -r _t_verdict _t_case; do
		case "$_t_verdict" in
		ok) T_PASSED=$((T_PASSED + 1)) ;;
		fail) T_FAILED=$((T_FAILED + 1)) ;;
		esac
	done <<RESULTS
$results
RESULTS
	if [ "$_t_status" -ne 0 ] && ! printf '%s\n' "$results" | grep -q '^fail'; then
		t_fail "$* exited $_t_status"
	fi
}
