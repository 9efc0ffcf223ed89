#!/bin/bash
# mapgen: the map sendmail and Postfix read.  Its content is checked
# against makemap's own dump, its key forms against what each MTA looks
# up (postmap -q for Postfix), and every failure against the rule that
# the old map stays byte for byte as it was, with nothing left behind.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/sendmail.sh"
T_SUITE=${T_SUITE_NAME:-mapgen}

M=$RELAYERS_BUILD/mapgen
V=$RELAYERS_BUILD/vsmtprelay
FILL=$RELAYERS_BUILD/tests/mapgen-fill
S=$T_TMP/relayers.tdb
D=$T_TMP/maps
MAP=$D/relayers
mkdir -m 0755 "$D"
now=$(date +%s)

mg() { "$M" -f "$S" "$@"; }
dump() { makemap -u hash "$1" | LC_ALL=C sort; }
sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }
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

no_temps() { # NAME DIR
	local left
	left=$(ls -A "$2" | grep '^\.' || true)
	t_expect "$1: no temporary file left" "" "$left"
}

# --- usage -------------------------------------------------------------
t_expect_status "no map named is a usage error" 64 "$M"
t_expect_match "the usage says how" '-o MAP' "$T_ERR"
t_expect_status "--help" 0 "$M" --help
t_expect_match "--help shows the synopsis" 'mapgen \[-v\] \[-f STORE\] -o MAP' "$T_OUT"
t_expect_status "--version" 0 "$M" --version
t_expect_match "--version prints one" '^mapgen [0-9]+\.[0-9]+' "$T_OUT"
t_expect_status "--max-age takes minutes" 64 "$M" -o "$MAP" --max-age 10m
t_expect_status "--max-age is not negative" 64 "$M" -o "$MAP" --max-age -5
t_expect_status "--interval-ms is bounded" 64 "$M" -o "$MAP" --watch --interval-ms 5000
t_expect_status "--text and --watch do not mix" 64 "$M" --text --watch
t_expect_status "--text and -o do not mix" 64 "$M" --text -o "$MAP"
t_expect_status "a stray argument" 64 "$M" -o "$MAP" extra
t_expect_status "an unknown option" 64 "$M" -o "$MAP" --frobnicate
[ ! -e "$MAP.db" ] && t_ok "usage errors write no map" || t_fail "usage errors write no map"

# --- content and key forms -----------------------------------------------
"$V" -f "$S" add 192.0.2.7 $((now - 60)) >/dev/null
"$V" -f "$S" add 2001:DB8::1 $((now - 120)) >/dev/null
"$V" -f "$S" add 2001:db8:1:2:3:4:5:6 $((now - 180)) >/dev/null
"$V" -f "$S" add ::ffff:198.51.100.9 $((now - 200)) >/dev/null
"$V" -f "$S" add fe80::a:b:c:d $((now - 240)) >/dev/null

SENDMAIL_LINES=$(sorted \
	"192.0.2.7	$((now - 60))" \
	"ipv6:2001:db8:0:0:0:0:0:1	$((now - 120))" \
	"ipv6:2001:db8::1	$((now - 120))" \
	"ipv6:2001:db8:1:2:3:4:5:6	$((now - 180))" \
	"198.51.100.9	$((now - 200))" \
	"ipv6:fe80:0:0:0:a:b:c:d	$((now - 240))" \
	"ipv6:fe80::a:b:c:d	$((now - 240))")
POSTFIX_LINES=$(sorted \
	"192.0.2.7	$((now - 60))" \
	"2001:db8::1	$((now - 120))" \
	"2001:db8:1:2:3:4:5:6	$((now - 180))" \
	"198.51.100.9	$((now - 200))" \
	"fe80::a:b:c:d	$((now - 240))")

t_expect_status "export for sendmail" 0 mg -o "$MAP"
t_expect "makemap -u dumps exactly the sendmail keys" "$SENDMAIL_LINES" "$(dump "$MAP")"
t_expect_status "--text" 0 mg --text
t_expect "--text writes the same lines" "$SENDMAIL_LINES" "$(printf '%s\n' "$T_OUT" | LC_ALL=C sort)"
printf '%s\n' "$T_OUT" | makemap hash "$T_TMP/by-makemap" &&
	t_expect "makemap fed --text makes the same map" "$(dump "$T_TMP/by-makemap")" "$(dump "$MAP")"
# Key bytes: no NUL, no upper case, value digits only.  makemap -u prints
# a key's bytes as they are, so a NUL would show up in od's output.
t_expect "no NUL in any key or value" 0 "$(makemap -u hash "$MAP" | tr -cd '\000' | wc -c)"
t_expect "keys are lower case" "" "$(makemap -u hash "$MAP" | cut -f1 | grep '[A-Z]' || true)"
t_expect_status "-o MAP.db names the same file" 0 mg -o "$MAP.db"
[ ! -e "$MAP.db.db" ] && t_ok "no MAP.db.db" || t_fail "no MAP.db.db"

t_expect_status "export for Postfix" 0 mg --postfix -o "$D/postfix"
t_expect "Postfix keys: bare, compressed IPv6" "$POSTFIX_LINES" "$(dump "$D/postfix")"
t_expect_status "--postfix --text" 0 mg --postfix --text
t_expect "--postfix --text writes the same lines" "$POSTFIX_LINES" "$(printf '%s\n' "$T_OUT" | LC_ALL=C sort)"

# --- --max-age -------------------------------------------------------------
A=$T_TMP/age.tdb
"$V" -f "$A" add 192.0.2.1 $((now - 30 * 60)) >/dev/null
"$V" -f "$A" add 192.0.2.2 $((now - 90 * 60)) >/dev/null
"$V" -f "$A" add 192.0.2.3 $((now + 3600)) >/dev/null
"$V" -f "$A" add 192.0.2.4 $((now - 61 * 60)) >/dev/null
t_expect_status "--max-age 60" 0 "$M" -f "$A" --max-age 60 -o "$D/age"
t_expect "--max-age keeps recent and future entries only" \
	"$(sorted "192.0.2.1	$((now - 30 * 60))" "192.0.2.3	$((now + 3600))")" "$(dump "$D/age")"
t_expect_status "--max-age 0 keeps only the future" 0 "$M" -f "$A" --max-age 0 --text
t_expect "--max-age 0" "192.0.2.3	$((now + 3600))" "$T_OUT"
t_expect_status "without --max-age every entry" 0 "$M" -f "$A" --text
t_expect "every entry without --max-age" 4 "$(printf '%s\n' "$T_OUT" | wc -l)"

# --- owner and mode ---------------------------------------------------------
rm -f "$D/new.db"
(umask 022; "$M" -f "$S" -o "$D/new")
t_expect "a new map is made like makemap's: 0640" "640 0" "$(stat -c '%a %u' "$D/new.db")"
rm -f "$D/new.db"
(umask 077; "$M" -f "$S" -o "$D/new")
t_expect "a new map honours the umask" 600 "$(stat -c %a "$D/new.db")"
chown 65534:8 "$D/new.db"
chmod 0644 "$D/new.db"
inode=$(stat -c %i "$D/new.db")
t_expect_status "replace a map of another owner" 0 mg -o "$D/new"
t_expect "owner, group and mode survive the replacement" "644 65534 8" \
	"$(stat -c '%a %u %g' "$D/new.db")"
[ "$(stat -c %i "$D/new.db")" != "$inode" ] && t_ok "the map was replaced by rename (new inode)" ||
	t_fail "the map was replaced by rename (new inode)"
no_temps "replacement" "$D"
chmod 0666 "$D/new.db"
t_expect_status "replace a map others could write" 0 mg -o "$D/new"
t_expect "the new map drops the write bits for group and others" 644 \
	"$(stat -c '%a' "$D/new.db")"

# --- failures leave the old map intact -------------------------------------
mg -o "$MAP"
cp "$MAP.db" "$T_TMP/good.db"

# expect_refusal NAME STATUS PATTERN COMMAND...
expect_refusal() {
	local name=$1 status=$2 pattern=$3
	shift 3
	t_expect_status "$name: exit $status" "$status" "$@"
	t_expect_match "$name: says why" "$pattern" "$T_ERR"
	t_expect "$name: one line on stderr" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
	if cmp -s "$MAP.db" "$T_TMP/good.db"; then t_ok "$name: old map intact"
	else t_fail "$name: old map intact"; fi
	no_temps "$name" "$D"
}

cp "$S" "$T_TMP/trunc.tdb"
truncate -s 300 "$T_TMP/trunc.tdb"
expect_refusal "truncated store" 65 'not a valid tdb' "$M" -f "$T_TMP/trunc.tdb" -o "$MAP"

cp "$S" "$T_TMP/corrupt.tdb"
python3 - "$T_TMP/corrupt.tdb" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
start = 168 + 100004 * 4          # past the header and the hash table
data[start:] = b'\xff' * (len(data) - start)
open(path, 'wb').write(data)
PY
expect_refusal "corrupt store" 65 'corrupt' "$M" -f "$T_TMP/corrupt.tdb" -o "$MAP"

printf 'hello\n' > "$T_TMP/text.tdb"; chmod 600 "$T_TMP/text.tdb"
expect_refusal "foreign file" 65 'not a relay store' "$M" -f "$T_TMP/text.tdb" -o "$MAP"

printf '{\nkey(3) = "abc"\ndata(1) = "x"\n}\n' | tdbrestore "$T_TMP/other.tdb"
chmod 600 "$T_TMP/other.tdb"
expect_refusal "another program's tdb" 65 'no marker' "$M" -f "$T_TMP/other.tdb" -o "$MAP"

expect_refusal "missing store" 66 'no such file' "$M" -f "$T_TMP/none.tdb" -o "$MAP"

cp -p "$S" "$T_TMP/open.tdb"; chmod 666 "$T_TMP/open.tdb"
expect_refusal "store others can write" 77 'mode 666' "$M" -f "$T_TMP/open.tdb" -o "$MAP"
cp -p "$S" "$T_TMP/theirs.tdb"; chown 65534 "$T_TMP/theirs.tdb"
expect_refusal "store of another user" 77 'owned by uid 65534' "$M" -f "$T_TMP/theirs.tdb" -o "$MAP"
ln -s "$S" "$T_TMP/link.tdb"
expect_refusal "store behind a symlink" 77 'symbolic link' "$M" -f "$T_TMP/link.tdb" -o "$MAP"

# A map that is a symlink is never followed nor replaced.
mkdir -m 0755 "$T_TMP/links"
cp "$T_TMP/good.db" "$T_TMP/links/target.db"
ln -s target.db "$T_TMP/links/relayers.db"
t_expect_status "map behind a symlink: refused" 77 mg -o "$T_TMP/links/relayers"
t_expect_match "map behind a symlink: says why" 'symbolic link' "$T_ERR"
[ -L "$T_TMP/links/relayers.db" ] && cmp -s "$T_TMP/links/target.db" "$T_TMP/good.db" &&
	t_ok "map behind a symlink: link and target untouched" ||
	t_fail "map behind a symlink: link and target untouched"
mkdir -m 0755 "$T_TMP/dirmap" "$T_TMP/dirmap/relayers.db"
t_expect_status "map that is a directory: refused" 77 mg -o "$T_TMP/dirmap/relayers"
mkdir -m 0775 "$T_TMP/shared"
t_expect_status "map directory the group can write: refused" 77 mg -o "$T_TMP/shared/relayers"
t_expect_match "map directory: says why" 'chmod go-w' "$T_ERR"
[ ! -e "$T_TMP/shared/relayers.db" ] && t_ok "nothing written to a shared directory" ||
	t_fail "nothing written to a shared directory"
t_expect_status "missing map directory" 73 mg -o "$T_TMP/nowhere/relayers"

# The store busy for longer than mapgen waits: a writer holds the whole
# store (tdb_lockall), so the snapshot's read lock cannot be had.
"$RELAYERS_BUILD/tests/lock-holder" "$S" lockall > "$T_TMP/held" &
LOCKER=$!
stop_locker() { kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null; }
t_at_exit stop_locker
held() { grep -q held "$T_TMP/held"; }
if wait_for 10 held; then
	start=$(ms_now)
	expect_refusal "busy store" 75 'busy' timeout 30 "$M" -f "$S" -o "$MAP"
	waited=$(($(ms_now) - start))
	[ "$waited" -ge 4000 ] && [ "$waited" -le 15000 ] &&
		t_ok "busy store: gave up after a bounded wait (${waited} ms)" ||
		t_fail "busy store: gave up after a bounded wait" "${waited} ms"
else
	t_fail "busy store: the lock holder started"
fi
stop_locker

# Full disk and read-only directory, each on a tmpfs of its own in a
# private mount namespace, so that no mount outlives the test.
"$FILL" "$T_TMP/big.tdb" 3000 "$now"
cat > "$T_TMP/mounted.sh" <<'SH'
# mounted.sh DIR MODE: MODE full or ro.  Writes rc, err, before.db,
# after.db and ls into DIR.out/.
dir=$1 mode=$2 out=$1.out
mkdir -p "$out"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$dir" || { echo 90 > "$out/rc"; exit; }
"$M" -f "$SMALL" -o "$dir/relayers" || { echo 91 > "$out/rc"; exit; }
cp "$dir/relayers.db" "$out/before.db"
[ "$mode" = ro ] && mount -o remount,ro "$dir"
"$M" -f "$INPUT" -o "$dir/relayers" 2>"$out/err"
echo $? > "$out/rc"
cp "$dir/relayers.db" "$out/after.db"
ls -A "$dir" > "$out/ls"
SH
mounted() { # NAME MODE INPUT STATUS PATTERN
	mkdir -p "$T_TMP/$2"
	M=$M SMALL=$S INPUT=$3 timeout 60 unshare -m --propagation private \
		bash "$T_TMP/mounted.sh" "$T_TMP/$2" "$2"
	local out=$T_TMP/$2.out
	t_expect "$1: exit $4" "$4" "$(cat "$out/rc" 2>/dev/null)"
	t_expect_match "$1: says why" "$5" "$(cat "$out/err" 2>/dev/null)"
	cmp -s "$out/before.db" "$out/after.db" && t_ok "$1: old map intact" ||
		t_fail "$1: old map intact"
	t_expect "$1: only the map in the directory" "relayers.db" "$(cat "$out/ls" 2>/dev/null)"
}
mounted "full disk" full "$T_TMP/big.tdb" 74 'No space left on device'
# The same 3000 entries spread over many buckets: still exactly the keys.
t_expect_status "export of 3000 entries" 0 "$M" -f "$T_TMP/big.tdb" -o "$D/big"
t_expect "3000 entries: makemap -u dumps what --text lists" \
	"$("$M" -f "$T_TMP/big.tdb" --text | LC_ALL=C sort)" "$(dump "$D/big")"
t_expect "3000 entries: 3000 keys" 3000 "$(dump "$D/big" | wc -l)"
mounted "read-only directory" ro "$S" 73 'Read-only file system'

# --- --watch ---------------------------------------------------------------
W=$T_TMP/watch.tdb
WD=$T_TMP/watchmaps
mkdir -m 0755 "$WD"
"$V" -f "$W" add 192.0.2.20 "$now" >/dev/null
"$V" -f "$W" add 192.0.2.21 $((now - 58)) >/dev/null
"$V" -f "$W" add 192.0.2.22 $((now + 3600)) >/dev/null
"$M" -v -f "$W" -o "$WD/relayers" --watch --max-age 1 2>"$T_TMP/watch.err" &
WATCHER=$!
stop_watcher() { kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null; }
t_at_exit stop_watcher
has_key() { makemap -u hash "$WD/relayers" 2>/dev/null | grep -q "^$1	"; }
lacks_key() { ! has_key "$1"; }
inode() { stat -c %i "$WD/relayers.db"; }

wait_for 5 has_key 192.0.2.20 && t_ok "--watch exports at start" ||
	t_fail "--watch exports at start" "$(cat "$T_TMP/watch.err")"

"$V" -f "$W" add 192.0.2.30 "$(date +%s)" >/dev/null
added=$(date +%s.%N)
if wait_for 5 has_key 192.0.2.30; then
	lag=$(awk -v a="$added" -v m="$(stat -c %.9Y "$WD/relayers.db")" \
		'BEGIN { printf "%d", (m - a) * 1000 }')
	[ "$lag" -le 1000 ] && t_ok "--watch: an added address is in the map within 1 s (${lag} ms)" ||
		t_fail "--watch: an added address is in the map within 1 s" "${lag} ms"
else
	t_fail "--watch: an added address reaches the map"
fi

# Idle: no export without a cause, and no CPU to speak of.
sleep 0.6
before=$(inode)
ticks() { awk '{ print $14 + $15 }' "/proc/$WATCHER/stat"; }
t0=$(ticks)
sleep 2
t_expect "--watch: no export while nothing changes" "$before" "$(inode)"
used=$(($(ticks) - t0))
[ "$used" -le 5 ] && t_ok "--watch: idle costs $used clock ticks in 2 s" ||
	t_fail "--watch: idle costs next to nothing" "$used ticks in 2 s"

kill -HUP "$WATCHER"
changed() { [ "$(inode)" != "$before" ]; }
wait_for 3 changed && t_ok "--watch: SIGHUP forces an export" || t_fail "--watch: SIGHUP forces an export"

# 192.0.2.21 was 58 s old with a 60 s window: it must age out unasked.
wait_for 8 lacks_key 192.0.2.21 && t_ok "--watch: an entry leaves the map when it ages past --max-age" ||
	t_fail "--watch: an entry leaves the map when it ages past --max-age"
has_key 192.0.2.22 && t_ok "--watch: a future-stamped entry stays" || t_fail "--watch: a future-stamped entry stays"

# A store replaced by rename is followed to the new file.
cp -p "$W" "$W.new"
"$V" -f "$W.new" add 192.0.2.40 "$(date +%s)" >/dev/null
mv "$W.new" "$W"
wait_for 3 has_key 192.0.2.40 && t_ok "--watch: follows a store replaced by rename" ||
	t_fail "--watch: follows a store replaced by rename"

# A map removed (or overwritten) behind its back is put back.
rm -f "$WD/relayers.db"
wait_for 3 has_key 192.0.2.40 && t_ok "--watch: puts back a map someone removed" ||
	t_fail "--watch: puts back a map someone removed"

# A failing export keeps the old map and recovers by itself.
chmod 666 "$W"
cp "$WD/relayers.db" "$T_TMP/watch-good.db"
kill -HUP "$WATCHER"
logged() { grep -q 'mode 666' "$T_TMP/watch.err"; }
wait_for 3 logged && t_ok "--watch: a failed export is logged" || t_fail "--watch: a failed export is logged"
cmp -s "$WD/relayers.db" "$T_TMP/watch-good.db" && t_ok "--watch: the old map stays after a failure" ||
	t_fail "--watch: the old map stays after a failure"
chmod 600 "$W"
"$V" -f "$W" add 192.0.2.41 "$(date +%s)" >/dev/null
wait_for 4 has_key 192.0.2.41 && t_ok "--watch: recovers once the store is fixed" ||
	t_fail "--watch: recovers once the store is fixed"

kill -TERM "$WATCHER"
gone() { ! kill -0 "$WATCHER" 2>/dev/null; }
if wait_for 5 gone; then
	wait "$WATCHER"
	t_expect "--watch: SIGTERM exits with status 0" 0 "$?"
else
	t_fail "--watch: SIGTERM ends it"
fi
no_temps "--watch" "$WD"

# SIGTERM in the middle of a large export: no temporary file survives.
"$FILL" "$T_TMP/huge.tdb" 200000 "$now"
"$M" -f "$T_TMP/huge.tdb" -o "$WD/huge" --watch &
HUGE=$!
stop_huge() { kill "$HUGE" 2>/dev/null; wait "$HUGE" 2>/dev/null; }
t_at_exit stop_huge
sleep 0.3
kill -TERM "$HUGE"
stopped=fail
wait_for 10 eval '! kill -0 '"$HUGE" && stopped=ok
wait "$HUGE" 2>/dev/null
t_expect "--watch: SIGTERM during an export stops it" ok "$stopped"
no_temps "SIGTERM during an export" "$WD"

# --- --watch follows the store in place ----------------------------------
# The watcher finds what changed by comparing the store file with its
# copy and writes only those keys into MAP.db, in place: the inode stays,
# and the map must equal what a full export of the same store gives.
IW=$T_TMP/inplace
mkdir -m 0755 "$IW" "$IW/maps"
IS=$IW/relayers.tdb
"$FILL" "$IS" 3000 "$((now - 120))"
"$V" -f "$IS" add 2001:db8::7 "$((now - 100))" >/dev/null
"$V" -f "$IS" add 198.51.100.1 "$((now - 200))" >/dev/null
"$M" -f "$IS" -o "$IW/maps/sendmail" --watch --max-age 60 2>"$IW/sendmail.err" &
IW1=$!
"$M" -f "$IS" -o "$IW/maps/postfix" --postfix --watch --max-age 60 2>"$IW/postfix.err" &
IW2=$!
stop_inplace() { kill "$IW1" "$IW2" 2>/dev/null; wait "$IW1" "$IW2" 2>/dev/null; }
t_at_exit stop_inplace
iw_has() { makemap -u hash "$IW/maps/$1" 2>/dev/null | grep -q "^$2	$3\$"; }
iw_lacks() { ! makemap -u hash "$IW/maps/$1" 2>/dev/null | grep -q "^$2	"; }
# same_as_full NAME [--postfix]: the watched map holds what a one-shot
# export of the store now gives.
same_as_full() {
	local name=$1
	shift
	"$M" -f "$IS" --max-age 60 "$@" -o "$IW/full-$name" 2>/dev/null &&
		[ "$(dump "$IW/maps/$name")" = "$(dump "$IW/full-$name")" ]
}
wait_for 20 iw_has sendmail 198.51.100.1 "$((now - 200))" &&
	wait_for 20 iw_has postfix 198.51.100.1 "$((now - 200))" &&
	t_ok "in place: both watchers made their maps" ||
	t_fail "in place: both watchers made their maps"
ino_s=$(stat -c %i "$IW/maps/sendmail.db")
ino_p=$(stat -c %i "$IW/maps/postfix.db")

# A login must reach the map within a second: inotify wakes the watcher
# (its safety-net timer runs every second).  A generous bound, not a
# benchmark.
for n in 1 2 3; do
	"$V" -f "$IS" add "192.0.2.$((100 + n))" >/dev/null
	added=$(ms_now)
	if wait_for 5 iw_has sendmail "192.0.2.$((100 + n))" '[0-9]*'; then
		took=$(($(ms_now) - added))
		[ "$took" -le 1000 ] && t_ok "in place: login $n in the map within 1 s ($took ms)" ||
			t_fail "in place: login $n in the map within 1 s" "$took ms"
	else
		t_fail "in place: login $n reaches the map"
	fi
done

# Adds, refreshes (IPv4 and IPv6), deletes, a transaction's expiry and
# an entry about to age past --max-age, all at once.
"$V" -f "$IS" add 203.0.113.5 >/dev/null
"$V" -f "$IS" add 2001:db8::7 >/dev/null
"$V" -f "$IS" add 10.0.0.5 "$((now + 7200))" >/dev/null
"$V" -f "$IS" delete 10.0.0.9 198.51.100.1 >/dev/null
"$V" -f "$IS" add 10.0.1.1 "$((now - 3 * 3600))" >/dev/null
"$V" -f "$IS" add 10.0.1.2 "$(($(date +%s) - 3600 + 3))" >/dev/null
wait_for 10 iw_has sendmail 203.0.113.5 '[0-9]*' &&
	wait_for 10 iw_has sendmail ipv6:2001:db8:0:0:0:0:0:7 '[0-9]*' &&
	wait_for 10 iw_lacks sendmail 198.51.100.1 &&
	t_ok "in place: adds, refreshes and deletes reach the map" ||
	t_fail "in place: adds, refreshes and deletes reach the map"
wait_for 10 same_as_full sendmail && t_ok "in place: the sendmail map equals a full export" ||
	t_fail "in place: the sendmail map equals a full export" \
		"$(diff <(dump "$IW/maps/sendmail") <(dump "$IW/full-sendmail") | head -5)"
wait_for 10 same_as_full postfix --postfix && t_ok "in place: the Postfix map equals a full export" ||
	t_fail "in place: the Postfix map equals a full export" \
		"$(diff <(dump "$IW/maps/postfix") <(dump "$IW/full-postfix") | head -5)"
iw_has sendmail 10.0.1.2 '[0-9]*' && t_ok "in place: the entry near the window's edge is in" ||
	t_fail "in place: the entry near the window's edge is in"
wait_for 10 iw_lacks sendmail 10.0.1.2 && t_ok "in place: it ages out past --max-age" ||
	t_fail "in place: it ages out past --max-age"
wait_for 10 same_as_full sendmail && t_ok "in place: still equal to a full export after the aging" ||
	t_fail "in place: still equal to a full export after the aging"
"$V" -f "$IS" expire 60 >/dev/null
stamp=$(date +%s)
"$V" -f "$IS" add 10.0.0.7 "$stamp" >/dev/null
wait_for 10 iw_has sendmail 10.0.0.7 "$stamp" &&
	wait_for 10 same_as_full sendmail &&
	t_ok "in place: equal to a full export after an expire" ||
	t_fail "in place: equal to a full export after an expire"
t_expect "in place: the sendmail map kept its inode (no rebuild)" "$ino_s" \
	"$(stat -c %i "$IW/maps/sendmail.db")"
t_expect "in place: the Postfix map kept its inode (no rebuild)" "$ino_p" \
	"$(stat -c %i "$IW/maps/postfix.db")"
if [ -n "${POSTFIX_ROOT:-}" ] && [ -x "$POSTFIX_ROOT/usr/sbin/postmap" ]; then
	printf '%s\n' 'compatibility_level = 3.7' 'mail_owner = daemon' \
		'default_privs = nobody' 'setgid_group = mail' > "$IW/main.cf"
	t_expect_match "in place: postmap -q reads the updated Postfix map" '^[0-9]+$' \
		"$(LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix timeout 20 \
			"$POSTFIX_ROOT/usr/sbin/postmap" -c "$IW" -q 203.0.113.5 "hash:$IW/maps/postfix")"
fi

# The real sendmail reads the map updated in place (check_rcpt under -bt,
# the relayers hack with RELAYERS_MAX_AGE).
SMD=$IW/sendmail
sendmail_write_mc "$SMD" "$(sendmail_free_port)" "$IW/maps/sendmail" 60
if sendmail_build_cf "$SMD/test.mc" "$SMD/test.cf"; then
	t_expect "in place: sendmail relays for a client added in place" '$# OK' \
		"$(sendmail_check_rcpt "$SMD/test.cf" 203.0.113.5 "$(date +%s)" '<x@remote.example>')"
	t_expect "in place: sendmail relays for an IPv6 client refreshed in place" '$# OK' \
		"$(sendmail_check_rcpt "$SMD/test.cf" IPv6:2001:db8:0:0:0:0:0:7 "$(date +%s)" '<x@remote.example>')"
	t_expect_match "in place: sendmail refuses a client deleted in place" '550' \
		"$(sendmail_check_rcpt "$SMD/test.cf" 198.51.100.1 "$(date +%s)" '<x@remote.example>')"
else
	t_fail "in place: a sendmail.cf for the map"
fi

# The exclusive lock: an update waits for a reader's shared lock (as
# sendmail and Postfix take it around each lookup), and one held too long
# makes the watcher replace the map by rename instead.
flock -s "$IW/maps/sendmail.db" sleep 1.5 &
READER=$!
sleep 0.2
"$V" -f "$IS" add 203.0.113.6 >/dev/null
sleep 0.8
iw_lacks sendmail 203.0.113.6 && t_ok "in place: no write while a reader holds the shared lock" ||
	t_fail "in place: no write while a reader holds the shared lock"
wait "$READER"
wait_for 3 iw_has sendmail 203.0.113.6 '[0-9]*' && t_ok "in place: the update follows once the reader lets go" ||
	t_fail "in place: the update follows once the reader lets go"
t_expect "in place: ... still in place" "$ino_s" "$(stat -c %i "$IW/maps/sendmail.db")"
flock -s "$IW/maps/sendmail.db" sleep 5 &
READER=$!
sleep 0.2
"$V" -f "$IS" add 203.0.113.7 >/dev/null
wait_for 5 iw_has sendmail 203.0.113.7 '[0-9]*' &&
	[ "$(stat -c %i "$IW/maps/sendmail.db")" != "$ino_s" ] &&
	t_ok "in place: a lock held too long: the map is replaced by rename instead" ||
	t_fail "in place: a lock held too long: the map is replaced by rename instead"
kill "$READER" 2>/dev/null
wait "$READER" 2>/dev/null

# Two updates within one second: the map's mtime moves on in the next
# second, so that a reader that opened in between reopens.
mtime_s() { stat -c %Y "$IW/maps/sendmail.db"; }
same_second=no
for try in 1 2 3 4 5; do
	"$V" -f "$IS" add "198.18.0.$try" >/dev/null
	wait_for 2 iw_has sendmail "198.18.0.$try" '[0-9]*'
	first=$(mtime_s)
	"$V" -f "$IS" add "198.18.1.$try" >/dev/null
	wait_for 2 iw_has sendmail "198.18.1.$try" '[0-9]*'
	if [ "$(mtime_s)" = "$first" ]; then same_second=yes; break; fi
	sleep 1
done
moved() { [ "$(mtime_s)" -gt "$first" ]; }
if [ "$same_second" = yes ]; then
	wait_for 3 moved && t_ok "in place: two updates in one second: the mtime moves on after" ||
		t_fail "in place: two updates in one second: the mtime moves on after"
else
	t_fail "in place: two updates in one second" "never landed in one second"
fi
t_expect "in place: no warning from the watchers" "" "$(cat "$IW/sendmail.err" "$IW/postfix.err")"
stop_inplace

# A store that appears only after the watcher started.
LW=$T_TMP/late
mkdir -m 0755 "$LW"
"$M" -f "$LW/relayers.tdb" -o "$LW/relayers" --watch 2>"$LW/err" &
LATE=$!
stop_late() { kill "$LATE" 2>/dev/null; wait "$LATE" 2>/dev/null; }
t_at_exit stop_late
sleep 0.5
"$V" -f "$LW/relayers.tdb" add 192.0.2.77 >/dev/null
late_has() { makemap -u hash "$LW/relayers" 2>/dev/null | grep -q "^192.0.2.77	"; }
wait_for 5 late_has && t_ok "--watch: a store created after the start is picked up" ||
	t_fail "--watch: a store created after the start is picked up" "$(cat "$LW/err")"
# ... and one put in place by rename, then written to.
cp -p "$LW/relayers.tdb" "$LW/new.tdb"
"$V" -f "$LW/new.tdb" add 192.0.2.78 >/dev/null
mv "$LW/new.tdb" "$LW/relayers.tdb"
"$V" -f "$LW/relayers.tdb" add 192.0.2.79 >/dev/null
late_both() { makemap -u hash "$LW/relayers" 2>/dev/null | grep -c '^192.0.2.7[89]	' | grep -qx 2; }
wait_for 5 late_both && t_ok "--watch: follows the renamed store and its later writes" ||
	t_fail "--watch: follows the renamed store and its later writes"
stop_late

# kill -9 in the middle of in-place updates: the map stays readable
# (makemap -u dumps it whole), and the next run makes it right.
KW=$T_TMP/kill
mkdir -m 0755 "$KW"
KS=$KW/relayers.tdb
"$FILL" "$KS" 20000 "$now"
for delay in 0.01 0.05 0.1 0.2 0.4; do
	"$M" -f "$KS" -o "$KW/relayers" --watch 2>>"$KW/err" &
	KP=$!
	has_first() { makemap -u hash "$KW/relayers" 2>/dev/null | grep -q "^10.0.0.1	"; }
	wait_for 20 has_first || t_fail "kill -9: the watcher made its map"
	"$FILL" "$KS" 5000 "$(($(date +%s) + 5))"
	sleep "$delay"
	# Some of these kills land in the start's full export, and leave
	# its private file behind; the next run removes it.
	children=$(cat "/proc/$KP/task/$KP/children" 2>/dev/null || true)
	# shellcheck disable=SC2086 # a list of pids
	kill -9 "$KP" $children 2>/dev/null
	wait "$KP" 2>/dev/null
	lines=$(makemap -u hash "$KW/relayers" 2>/dev/null | wc -l)
	makemap -u hash "$KW/relayers" >/dev/null 2>&1 && [ "$lines" -eq 20000 ] &&
		t_ok "kill -9 after ${delay}s: the map is readable, all 20000 keys" ||
		t_fail "kill -9 after ${delay}s: the map is readable, all 20000 keys" "$lines lines"
done
# A private file that a writer still holds locked is not a leftover.
flock "$KW/.relayers.db.Zheld1" sleep 30 &
HOLDER=$!
stop_holder() { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; }
t_at_exit stop_holder
wait_for 5 test -e "$KW/.relayers.db.Zheld1"
head -c 4096 /dev/zero > "$KW/.relayers.db.Zstal1"
t_expect_status "kill -9: the next run repairs the map" 0 "$M" -f "$KS" -o "$KW/relayers"
[ ! -e "$KW/.relayers.db.Zstal1" ] && t_ok "kill -9: the next run removes a killed run's private file" ||
	t_fail "kill -9: the next run removes a killed run's private file"
[ -e "$KW/.relayers.db.Zheld1" ] && t_ok "kill -9: a private file someone holds locked is kept" ||
	t_fail "kill -9: a private file someone holds locked is kept"
stop_holder
rm -f "$KW/.relayers.db.Zheld1"
t_expect "kill -9: the repaired map equals the store" "$("$M" -f "$KS" --text | LC_ALL=C sort)" \
	"$(dump "$KW/relayers")"
no_temps "kill -9" "$KW"

# --- Postfix reads the --postfix map ---------------------------------------
if [ -z "${POSTFIX_ROOT:-}" ] || [ ! -x "$POSTFIX_ROOT/usr/sbin/postmap" ]; then
	t_fail "Postfix: postmap unpacked from Debian's package" \
		"POSTFIX_ROOT=${POSTFIX_ROOT:-unset}; run through make check-mapgen"
else
	PC=$T_TMP/postfix-conf
	mkdir -p "$PC"
	# postmap only needs a main.cf whose users exist here.
	printf '%s\n' 'compatibility_level = 3.7' 'mail_owner = daemon' \
		'default_privs = nobody' 'setgid_group = mail' > "$PC/main.cf"
	postmap() {
		LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix \
			timeout 20 "$POSTFIX_ROOT/usr/sbin/postmap" -c "$PC" "$@"
	}
	t_expect "Postfix: postmap -q finds an IPv4 client" "$((now - 60))" \
		"$(postmap -q 192.0.2.7 "hash:$D/postfix")"
	t_expect "Postfix: postmap -q finds a compressed IPv6 client" "$((now - 120))" \
		"$(postmap -q 2001:db8::1 "hash:$D/postfix")"
	postmap -q 192.0.2.99 "hash:$D/postfix" >/dev/null
	t_expect "Postfix: an unrecorded client is not found" 1 "$?"
	t_expect "Postfix: postmap -s lists the same records" "$POSTFIX_LINES" \
		"$(postmap -s "hash:$D/postfix" | LC_ALL=C sort)"
fi

t_done
