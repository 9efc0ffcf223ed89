#!/bin/sh
# Hostile input: PAM_RHOST values and log lines (C tests), store files that
# are not what they claim, vsmtprelay arguments, a full disk and a
# read-only directory.  Logins must always succeed, vsmtprelay must exit
# with its documented code and a message, and no foreign file may change.
#
# The suite re-runs itself in a private mount namespace, so the small
# tmpfs mounts it makes vanish with it, even if it is killed.
if [ -z "${HOSTILE_IN_NAMESPACE:-}" ] && unshare -m true 2>/dev/null; then
	HOSTILE_IN_NAMESPACE=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib/harness.sh"

B=$RELAYERS_BUILD
V=$B/vsmtprelay
CONF=$T_TMP/conf
mkdir -p "$CONF"

# --- C suites: the PAM_RHOST table and log safety ---------------------------
for prog in hostile-rhost hostile-log; do
	if timeout 120 "$B/tests/$prog" >"$T_TMP/$prog.out" 2>&1; then
		t_ok "$prog (C suite)"
	else
		t_fail "$prog (C suite)" "$(tail -n 15 "$T_TMP/$prog.out")"
	fi
done

# The same PAM_RHOST table under valgrind memcheck (not for the ASan
# build, which valgrind cannot run).
if command -v valgrind >/dev/null && ! ldd "$B/pam_relayers.so" | grep -q libasan; then
	if timeout 300 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite "$B/tests/hostile-rhost" \
		>"$T_TMP/valgrind.out" 2>&1
	then t_ok "hostile-rhost under valgrind: no errors, no leaks"
	else t_fail "hostile-rhost under valgrind" "$(grep '==' "$T_TMP/valgrind.out" | head -10)"; fi
fi

# login STORE [ARGS]: one real login from 192.0.2.1; prints nothing.
login() {
	timeout 20 "$B/tests/pam-logins" -d "$CONF" -m "$B/pam_relayers.so" \
		-a "db=$1 exclude= ${2:-}" -r 192.0.2.1 -l 2000 >/dev/null 2>"$T_TMP/login.err"
}

# fingerprint PATH: type, mode, owner, size, mtime and content digest,
# without following a symlink; a FIFO is never opened.
fingerprint() {
	if [ -f "$1" ] && [ ! -L "$1" ]; then
		stat -c '%F %a %u:%g %s %Y' "$1"; sha256sum < "$1"
	else
		stat -c '%F %a %u:%g %s %Y %t:%T' "$1"
		[ -L "$1" ] && readlink "$1"
	fi
	return 0
}

# valid_store PATH [N]: a relay store with N entries (default 50).
valid_store() {
	for i in $(seq 1 "${2:-50}"); do echo "198.51.100.$i"; done |
		while read -r a; do "$V" -f "$1" add "$a" 1700000000 || exit 1; done
}

# store_case NAME EXPECTED_EXIT MESSAGE_PATTERN: PATH is already made.
store_case() {
	name=$1 want=$2 pattern=$3 path=$T_TMP/case/relayers.tdb
	before=$(fingerprint "$path")
	target_before=$(fingerprint "$T_TMP/case/target" 2>/dev/null || true)
	if login "$path"; then t_ok "$name: login succeeds"; else
		t_fail "$name: login succeeds" "$(cat "$T_TMP/login.err")"; fi
	for cmd in "list" "dump" "expire" "add 192.0.2.7" "delete 198.51.100.1" "check" "check --repair"; do
		# shellcheck disable=SC2086
		T_OUT=$(timeout 20 "$V" -f "$path" $cmd 2>"$T_TMP/err"); got=$?
		msg=$(cat "$T_TMP/err")
		if [ "$got" = "$want" ] && printf '%s' "$msg" | grep -Eq -- "$pattern"; then
			t_ok "$name: vsmtprelay $cmd exits $want"
		else
			t_fail "$name: vsmtprelay $cmd exits $want" "got $got: $msg"
		fi
	done
	t_expect "$name: file untouched" "$before" "$(fingerprint "$path")"
	t_expect "$name: link target untouched" "$target_before" \
		"$(fingerprint "$T_TMP/case/target" 2>/dev/null || true)"
	rm -rf "$T_TMP/case"
}

new_case() { rm -rf "$T_TMP/case"; mkdir -p "$T_TMP/case"; }

# --- store files -------------------------------------------------------------
valid_store "$T_TMP/good.tdb" 200
good_size=$(stat -c %s "$T_TMP/good.tdb")

new_case; head -c 65536 /dev/urandom > "$T_TMP/case/relayers.tdb"; chmod 600 "$T_TMP/case/relayers.tdb"
store_case "random bytes" 65 "not a relay store"

new_case; (printf 'TDB file\n'; head -c 4096 /dev/urandom) > "$T_TMP/case/relayers.tdb"
store_case "tdb magic then random bytes" 65 "not a valid tdb|corrupt|not a relay store"

new_case; : > "$T_TMP/case/relayers.tdb"
store_case "empty file" 65 "not a relay store"

# Cut inside the header, the hash table or the records: the marker or the
# structure is gone, and every program must refuse the file.
for cut in 9 40 168 4096 $((good_size / 2))
do
	new_case; head -c "$cut" "$T_TMP/good.tdb" > "$T_TMP/case/relayers.tdb"
	chmod 600 "$T_TMP/case/relayers.tdb"
	store_case "store truncated to $cut bytes" 65 "not a|corrupt|marker"
done

# A store cut by its last byte keeps its marker and every record; only
# "check" can tell.  It must say so, and logins must go on.
new_case; head -c $((good_size - 1)) "$T_TMP/good.tdb" > "$T_TMP/case/relayers.tdb"
chmod 600 "$T_TMP/case/relayers.tdb"
login "$T_TMP/case/relayers.tdb" && t_ok "store short by one byte: login succeeds" ||
	t_fail "store short by one byte: login succeeds" "$(cat "$T_TMP/login.err")"
t_expect_status "store short by one byte: check exits 65" 65 "$V" -f "$T_TMP/case/relayers.tdb" check

new_case
printf 'create %s\ninsert somekey somevalue\nquit\n' "$T_TMP/case/relayers.tdb" |
	tdbtool >/dev/null 2>&1
chmod 600 "$T_TMP/case/relayers.tdb"
store_case "a tdb that is not a relay store" 65 "not a relay store|no marker"

new_case; mkdir "$T_TMP/case/relayers.tdb"
store_case "directory" 77 "not a regular file"

new_case; mkfifo "$T_TMP/case/relayers.tdb"
store_case "FIFO" 77 "not a regular file"

new_case; cp "$T_TMP/good.tdb" "$T_TMP/case/target"; ln -s target "$T_TMP/case/relayers.tdb"
store_case "symlink to a valid store" 77 "symbolic link"

new_case; ln -s /dev/null "$T_TMP/case/relayers.tdb"
store_case "symlink to /dev/null" 77 "symbolic link"

new_case; mknod "$T_TMP/case/relayers.tdb" c 1 3
store_case "character device (mknod 1,3)" 77 "not a regular file"

new_case; cp "$T_TMP/good.tdb" "$T_TMP/case/relayers.tdb"; chown nobody "$T_TMP/case/relayers.tdb"
store_case "valid store owned by nobody" 77 "owned by uid"

new_case; cp "$T_TMP/good.tdb" "$T_TMP/case/relayers.tdb"; chmod 620 "$T_TMP/case/relayers.tdb"
store_case "group-writable store" 77 "lets others write"

new_case; cp "$T_TMP/good.tdb" "$T_TMP/case/relayers.tdb"; chmod 602 "$T_TMP/case/relayers.tdb"
store_case "world-writable store" 77 "lets others write"

# A missing store: readers say so (66); the module and add create it 0600.
new_case
t_expect_status "missing store: list exits 66" 66 "$V" -f "$T_TMP/case/relayers.tdb" list
t_expect_match "missing store: message" "no such file" "$T_ERR"
login "$T_TMP/case/relayers.tdb"
t_expect "missing store: the module creates it 0600" "600" \
	"$(stat -c %a "$T_TMP/case/relayers.tdb" 2>&1)"
t_expect "missing store: the login is recorded" "192.0.2.1" \
	"$("$V" -f "$T_TMP/case/relayers.tdb" dump | cut -f1)"
t_expect "missing store: no scratch file left" "relayers.tdb" "$(ls "$T_TMP/case")"

# --- command-line arguments --------------------------------------------------
cp "$T_TMP/good.tdb" "$T_TMP/args.tdb"
long=$(head -c 10000 /dev/zero | tr '\0' 9)
nl='
'
args_case() {
	want=$1; shift
	before=$(fingerprint "$T_TMP/args.tdb")
	timeout 20 "$V" "$@" >"$T_TMP/out" 2>"$T_TMP/err"; got=$?
	shown=$([ "$1" = -f ] && [ $# -ge 2 ] && shift 2; printf '%s ' "$@" | LC_ALL=C tr -c '[:print:]' '?' | cut -c1-50)
	if [ "$got" != "$want" ]; then
		t_fail "args [$shown]: exit $want" "got $got: $(cat "$T_TMP/err")"
	elif [ "$want" -ne 0 ] && ! [ -s "$T_TMP/err" ]; then
		t_fail "args [$shown]: exit $want" "no message on stderr"
	elif LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T_TMP/err"; then
		t_fail "args [$shown]: exit $want" "control bytes in the message"
	else
		t_ok "args [$shown]: exit $want"
	fi
	t_expect "args [$shown]: store untouched" "$before" "$(fingerprint "$T_TMP/args.tdb")"
}
S="-f $T_TMP/args.tdb"
# shellcheck disable=SC2086
{
args_case 64 $S
args_case 64 $S bogus
args_case 64 $S ADD 192.0.2.1
args_case 64 $S add
args_case 64 $S add ""
args_case 64 $S add " 192.0.2.1"
args_case 64 $S add "192.0.2.1$nl"
args_case 64 $S add "192.0.2.1${nl}198.51.100.9"
args_case 64 $S add mail.example.com
args_case 64 $S add 192.0.2.0/24
args_case 64 $S add "%s%s%n"
args_case 64 $S add '$(id)'
args_case 64 $S add "$(printf '\377\376')"
args_case 64 $S add "$long"
args_case 64 $S add 192.0.2.1 12abc
args_case 64 $S add 192.0.2.1 -5
args_case 64 $S add 192.0.2.1 +5
args_case 64 $S add 192.0.2.1 ""
args_case 64 $S add 192.0.2.1 99999999999999999999
args_case 64 $S add 192.0.2.1 9223372036854775808
args_case 64 $S add 192.0.2.1 "$long"
args_case 64 $S add 192.0.2.1 1 2
args_case 64 $S delete
args_case 64 $S delete 198.51.100.1 not-an-address
args_case 64 $S expire -1
args_case 64 $S expire abc
args_case 64 $S expire 1 2
args_case 64 $S expire " 5"
args_case 64 $S list -5
args_case 64 $S list 5x
args_case 64 $S dump extra
args_case 64 $S check --bogus
args_case 64 $S check --repair extra
args_case 64 -f "$T_TMP/args.tdb" -x list
args_case 64 -f "$T_TMP/args.tdb" -f
}
args_case 0 --help
args_case 0 --version
t_expect "delete with a bad argument deleted nothing" "200" \
	"$("$V" -f "$T_TMP/args.tdb" dump | wc -l)"
t_expect_status "empty store path refused" 66 "$V" -f "" list
mkdir -p "$T_TMP/emptypath"
(cd "$T_TMP/emptypath" &&
	"$V" -f "" add 192.0.2.1 >/dev/null 2>&1; ls -A) > "$T_TMP/ls"
t_expect "add to an empty path leaves no file behind" "" "$(cat "$T_TMP/ls")"

# --- full disk and read-only directory (needs a private mount namespace) ------
if [ -z "${HOSTILE_IN_NAMESPACE:-}" ]; then
	t_fail "full-disk cases need a private mount namespace (unshare -m failed)"
	t_done; exit
fi
FULL=$T_TMP/full
mkdir -p "$FULL"
unmount_all() { umount "$FULL" 2>/dev/null || true; }
t_at_exit unmount_all
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$FULL"
"$V" -f "$FULL/relayers.tdb" add 192.0.2.50 1700000000
M=$B/mapgen
if [ -x "$M" ]; then
	mkdir -p "$FULL/map"
	"$M" -f "$FULL/relayers.tdb" -o "$FULL/map/relayers"
	map_before=$(fingerprint "$FULL/map/relayers.db")
fi
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
"$V" -f "$FULL/relayers.tdb" dump > "$T_TMP/full-before"
if timeout 120 "$B/tests/pam-logins" -d "$CONF" -m "$B/pam_relayers.so" \
	-a "db=$FULL/relayers.tdb exclude= max_addrs=0" -n 1500 -l 2000 >"$T_TMP/full-logins" 2>"$T_TMP/err"
then t_ok "full disk: 1500 logins all succeed"; else
	t_fail "full disk: 1500 logins all succeed" "$(tail -3 "$T_TMP/err")"; fi
t_expect_status "full disk: the store still passes check" 0 "$V" -f "$FULL/relayers.tdb" check
"$V" -f "$FULL/relayers.tdb" dump > "$T_TMP/full-after"
t_expect "full disk: the old entry is intact" "192.0.2.50	1700000000" \
	"$(grep '^192.0.2.50	' "$T_TMP/full-after")"
# What the module reported as recorded must be there; the rest was refused.
t_expect "full disk: every entry the store holds is well-formed" "" \
	"$(grep -Ev '^[0-9a-f.:]+	[0-9]+$' "$T_TMP/full-after")"
n=0; while [ $n -lt 200 ]; do
	"$V" -f "$FULL/relayers.tdb" add "203.0.113.$((n % 250))" 1700000000 2>"$T_TMP/err" || break
	n=$((n + 1))
done
# Regression (fixed in 5e875e4): when tdb_open failed after making the
# scratch file, "<store>.new.<pid>" was left behind, one per failed login.
t_expect_status "full disk: a new store cannot be made (74)" 74 \
	"$V" -f "$FULL/new.tdb" add 192.0.2.1
t_expect_match "full disk: the message names the cause" "space|full" "$T_ERR"
t_expect "full disk: no half-made store left" "filler relayers.tdb" \
	"$(cd "$FULL" && ls -d -- * | grep -v '^map$' | tr '\n' ' ' | sed 's/ $//')"
login "$FULL/other.tdb"
t_expect "full disk: the module's login succeeds and leaves no file" "filler relayers.tdb" \
	"$(cd "$FULL" && ls -d -- * | grep -v '^map$' | tr '\n' ' ' | sed 's/ $//')"
t_expect_status "full disk: store still checks after adds" 0 "$V" -f "$FULL/relayers.tdb" check
# mapgen_keeps_old_map LABEL: the map cannot be rewritten; mapgen must say
# so, and the previous map must stay whole, with nothing left beside it.
mapgen_keeps_old_map() {
	[ -x "$M" ] || return 0
	timeout 30 "$M" -f "$FULL/relayers.tdb" -o "$FULL/map/relayers" 2>"$T_TMP/err"; rc=$?
	[ "$rc" -ne 0 ] && [ -s "$T_TMP/err" ] && t_ok "$1: mapgen fails with a message (exit $rc)" ||
		t_fail "$1: mapgen fails with a message" "exit $rc: $(cat "$T_TMP/err")"
	t_expect "$1: the previous map is intact" "$map_before" \
		"$(fingerprint "$FULL/map/relayers.db")"
	t_expect "$1: mapgen leaves no temporary file" "relayers.db" "$(ls "$FULL/map")"
	t_expect "$1: makemap reads the previous map" "192.0.2.50	1700000000" \
		"$(makemap -u hash "$FULL/map/relayers" 2>/dev/null)"
}
mapgen_keeps_old_map "full disk"

# Read-only directory: nothing can be created or written.
rm -f "$FULL/filler"
mount -o remount,ro "$FULL"
before=$(fingerprint "$FULL/relayers.tdb")
login "$FULL/relayers.tdb" && t_ok "read-only fs: login succeeds" ||
	t_fail "read-only fs: login succeeds" "$(cat "$T_TMP/login.err")"
login "$FULL/none.tdb" && t_ok "read-only fs: login without a store succeeds" ||
	t_fail "read-only fs: login without a store succeeds"
t_expect_status "read-only fs: add exits 74" 74 "$V" -f "$FULL/relayers.tdb" add 192.0.2.1
t_expect_match "read-only fs: message" "Read-only" "$T_ERR"
t_expect_status "read-only fs: create exits 74" 74 "$V" -f "$FULL/none.tdb" add 192.0.2.1
# Regression (fixed in 5e875e4): readers fell back to O_RDONLY on EACCES
# only, not on EROFS, so a store on a read-only mount could not be listed.
t_expect_status "read-only fs: list still works" 0 "$V" -f "$FULL/relayers.tdb" list
t_expect "read-only fs: store untouched" "$before" "$(fingerprint "$FULL/relayers.tdb")"
mapgen_keeps_old_map "read-only fs"

# A reader without write permission gets an unlocked, read-only view.
mount -o remount,rw "$FULL"
chmod 0644 "$FULL/relayers.tdb"; chmod 0755 "$FULL"
t_expect_status "unprivileged reader: list works" 0 \
	setpriv --reuid nobody --regid nogroup --clear-groups "$V" -f "$FULL/relayers.tdb" list
t_expect_status "unprivileged writer: add refused (74)" 74 \
	setpriv --reuid nobody --regid nogroup --clear-groups "$V" -f "$FULL/relayers.tdb" add 192.0.2.1
t_done
