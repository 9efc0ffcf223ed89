#!/bin/sh
# vsmtprelay, command by command and error by error.  Every refusal must
# name the problem, exit with the documented status and leave the store
# byte-for-byte as it was.
. "$(dirname "$0")/../lib/harness.sh"
T_SUITE=${T_SUITE_NAME:-cli}

V=$RELAYERS_BUILD/vsmtprelay
S=$T_TMP/relayers.tdb
now=$(date +%s)

v() { "$V" -f "$S" "$@"; }
snapshot() { cp "$S" "$T_TMP/before"; }
unchanged() { # NAME
	if cmp -s "$S" "$T_TMP/before"; then t_ok "$1: store unchanged"
	else t_fail "$1: store changed"; fi
}

# --- usage ---------------------------------------------------------------
t_expect_status "no command is a usage error" 64 "$V"
t_expect_match "usage lists the seed's commands" 'expire \[n\]' "$T_ERR"
t_expect_status "--help" 0 "$V" --help
t_expect_match "--help names add" 'add ip \[ticks\]' "$T_OUT"
t_expect_status "--version" 0 "$V" --version
t_expect_match "--version prints one" '^vsmtprelay [0-9]+\.[0-9]+' "$T_OUT"
t_expect_status "unknown command" 64 v frobnicate
t_expect_match "unknown command is named" 'unknown command "frobnicate"' "$T_ERR"
t_expect_status "add needs an address" 64 v add
t_expect_status "add takes at most two arguments" 64 v add 192.0.2.1 1 2
t_expect_status "dump takes no argument" 64 v dump extra

# --- add ---------------------------------------------------------------
t_expect_status "a missing store is not created by dump" 66 v dump
t_expect_match "missing store is named" 'no such file' "$T_ERR"
[ ! -e "$S" ] && t_ok "dump left no store behind" || t_fail "dump created a store"
t_expect_status "add creates the store" 0 v add 192.0.2.1
t_expect "new store mode is 0600" 600 "$(stat -c %a "$S")"
t_expect_status "dump after add" 0 v dump
line=$(printf '%s\n' "$T_OUT" | grep '^192\.0\.2\.1	')
stamp=${line#*	}
if [ -n "$stamp" ] && [ "$stamp" -ge "$now" ] && [ "$stamp" -le $((now + 5)) ]; then
	t_ok "add stamps the current time"
else t_fail "add stamps the current time" "got [$line]"; fi
t_expect_status "add with ticks" 0 v add 192.0.2.2 1700000000
t_expect_status "add replaces a time" 0 v add 192.0.2.2 1700000001
t_expect_match "replaced time shown" '^192\.0\.2\.2	1700000001$' "$(v dump)"
t_expect "one entry per address" 1 "$(v dump | grep -c '^192\.0\.2\.2	')"
t_expect_status "add IPv6 in any form" 0 v add 2001:DB8:0:0:0:0:0:9 1700000002
t_expect_match "IPv6 stored compressed, lower case" '^2001:db8::9	1700000002$' "$(v dump)"
t_expect_status "add v4-mapped" 0 v add ::ffff:192.0.2.3 1700000003
t_expect_match "v4-mapped stored as IPv4" '^192\.0\.2\.3	1700000003$' "$(v dump)"

snapshot
for bad in bogus 192.0.2 192.0.2.256 '192.0.2.1 ' '' mail.example.com 1.2.3.4/24 '-1'; do
	t_expect_status "add refuses address [$bad]" 64 v add "$bad"
done
t_expect_match "bad address is named" '"-1" is not an IP address' "$T_ERR"
for bad in abc -5 1.5 '' 99999999999999999999 ' 5'; do
	t_expect_status "add refuses ticks [$bad]" 64 v add 192.0.2.9 "$bad"
done
t_expect_match "bad ticks are named" 'is not a time' "$T_ERR"
unchanged "refused adds"

# --- list, dump, expire: old, older than n, future -------------------------
rm -f "$S"
v add 198.51.100.1 $((now - 600))	  # 10 minutes old
v add 198.51.100.2 $((now - 7200))	  # 2 hours old
v add 198.51.100.3 $((now - 200000))  # 2+ days old
v add 198.51.100.4 $((now + 86400))	  # pinned: in the future
t_expect "dump shows every entry" 4 "$(v dump | wc -l)"
t_expect "list shows the old ones, not the future one" \
	"198.51.100.1 198.51.100.2 198.51.100.3" \
	"$(v list | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
t_expect "list 60 shows entries older than an hour" "198.51.100.2 198.51.100.3" \
	"$(v list 60 | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
t_expect "list 1440 shows entries older than a day" "198.51.100.3" \
	"$(v list 1440 | cut -f1)"
t_expect_match "list output is ADDRESS<TAB>EPOCH" '^198\.51\.100\.3	[0-9]+$' "$(v list 1440)"
snapshot
for bad in -1 abc 1.5 ''; do
	t_expect_status "list refuses minutes [$bad]" 64 v list "$bad"
	t_expect_status "expire refuses minutes [$bad]" 64 v expire "$bad"
done
t_expect_match "negative minutes are named" 'cannot be negative' \
	"$(v expire -1 2>&1)"
unchanged "refused expires"
t_expect_status "expire 1440 (the nightly crontab)" 0 v expire 1440
t_expect "expire 1440 removed only the day-old entry" \
	"198.51.100.1 198.51.100.2 198.51.100.4" \
	"$(v dump | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
t_expect_status "expire" 0 v expire
t_expect "expire keeps only the future entry" "198.51.100.4" "$(v dump | cut -f1)"

# --- delete ------------------------------------------------------------
v add 203.0.113.1; v add 203.0.113.2; v add 2001:db8::2
snapshot
t_expect_status "delete refuses a bad address and changes nothing" 64 \
	v delete 203.0.113.1 not-an-ip
unchanged "refused delete"
t_expect_status "delete several" 0 v delete 203.0.113.1 2001:DB8:0::2
t_expect "deleted entries are gone" "198.51.100.4 203.0.113.2" \
	"$(v dump | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
t_expect_status "delete of an absent address says so" 1 v delete 203.0.113.2 203.0.113.99
t_expect_match "absent address named" '203\.0\.113\.99: no such entry' "$T_ERR"
t_expect "present ones are still deleted" "198.51.100.4" "$(v dump | cut -f1)"

# --- makemap round trip (the seed's promise) -----------------------------
rm -f "$S"
v add 192.0.2.50 $((now - 60)); v add 2001:db8::50 $((now - 60))
v list > "$T_TMP/list.txt"
if (cd "$T_TMP" && makemap hash relayers < list.txt); then
	t_expect "makemap rebuilds a map from list output" \
		"$(sort "$T_TMP/list.txt")" \
		"$(makemap -u hash "$T_TMP/relayers" | sort)"
else t_fail "makemap accepts list output"; fi

# --- check -------------------------------------------------------------
t_expect_status "check a good store" 0 v check
t_expect_match "check counts entries" 'ok, 2 entries' "$T_OUT"
t_expect_status "check --repair on a good store" 0 v check --repair
t_expect_status "check refuses other arguments" 64 v check --frob

# --- stores that must be refused ------------------------------------------
refused() { # NAME STATUS PATTERN: every command refuses the file at $S
	name=$1 want=$2 pattern=$3
	snapshot
	for cmd in dump list expire "delete 192.0.2.50" "add 192.0.2.51" check; do
		# shellcheck disable=SC2086
		t_expect_status "$name: $cmd exits $want" "$want" v $cmd
	done
	t_expect_match "$name: message" "$pattern" "$T_ERR"
	unchanged "$name"
}
cp "$S" "$T_TMP/good.tdb"
chmod 0666 "$S"; refused "world-writable store" 77 'chmod go-w'
chmod 0620 "$S"; refused "group-writable store" 77 'lets others write'
chmod 0600 "$S"
chown 65534 "$S"; refused "store owned by nobody" 77 'owned by uid 65534'
chown 0 "$S"
printf 'not a tdb\n' > "$S"; refused "foreign file" 65 'not a relay store'
: > "$S"; refused "empty file" 65 'not a relay store'
head -c 4096 "$T_TMP/good.tdb" > "$S"; refused "truncated store" 65 'not a valid tdb file \(truncated or corrupt\)'
rm -f "$S"; ln -s "$T_TMP/good.tdb" "$S"
cp "$T_TMP/good.tdb" "$T_TMP/good.orig"
t_expect_status "symlinked store refused" 77 v dump
t_expect_match "symlink named" 'symbolic link' "$T_ERR"
t_expect_status "add through a symlink refused" 77 v add 192.0.2.52
if cmp -s "$T_TMP/good.tdb" "$T_TMP/good.orig"; then t_ok "symlink target untouched"
else t_fail "symlink target untouched"; fi
rm -f "$S"; mkdir "$S"
t_expect_status "directory refused" 77 v dump
rm -rf "$S"; mkfifo "$S"
t_expect_status "FIFO refused without hanging" 77 timeout 10 "$V" -f "$S" dump
rm -f "$S"
t_expect_status "add into a missing directory fails" 66 \
	"$V" -f "$T_TMP/no/such/dir.tdb" add 192.0.2.1

# Takes tdb's whole-store lock on store $1 in the background (pid in
# $holder) and waits until it is held; fails the suite if it is not.
hold_whole_store() {
	python3 - "$1" "$2" <<'PY' &
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
# tdb's whole-store lock: every hash chain, from the freelist to the end.
# The freelist head is the first word after struct tdb_header (magic_food
# [32], seven uint32 fields, reserved[27]); read the header so that a
# store that is not a tdb of that layout stops the test, not the lock.
header = struct.Struct("=32s7I27I")
raw = os.pread(fd, header.size, 0)
magic, version, hash_size = header.unpack(raw)[:3]
if not magic.startswith(b"TDB file\n") or version != 0x26011967 + 6:
    sys.exit("not a tdb header of the known layout: %r %#x" % (magic, version))
freelist_top = header.size
if freelist_top + 4 * (hash_size + 1) > os.fstat(fd).st_size:
    sys.exit("hash table of %d chains past the end of the file" % hash_size)
fcntl.lockf(fd, fcntl.LOCK_EX, 0, freelist_top)
open(sys.argv[2], "w").close()
time.sleep(30)
PY
	holder=$!
	for _ in $(seq 50); do [ -e "$2" ] && break; sleep 0.1; done
	[ -e "$2" ] && t_ok "the whole-store lock of $(basename "$1") is held" ||
		t_fail "the whole-store lock of $(basename "$1") is held"
}

# --- a busy store: bounded waits, then "store PATH is busy" ------------
cp "$T_TMP/good.tdb" "$S"
hold_whole_store "$S" "$T_TMP/locked"
start=$(date +%s)
t_expect_status "add on a locked store gives up" 75 timeout 20 "$V" -f "$S" add 192.0.2.60
t_expect_match "busy is named" 'store .*/relayers\.tdb is busy: ' "$T_ERR"
t_expect_status "expire on a locked store gives up" 75 timeout 20 "$V" -f "$S" expire
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -le 14 ]; then t_ok "busy store answered within the bound"
else t_fail "busy store answered within the bound" "${elapsed}s"; fi
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
t_expect_status "store usable once the lock is gone" 0 v add 192.0.2.60

# --- who and revoke: owners beside the entries ----------------------------
W=$T_TMP/who.tdb
TOOL=$RELAYERS_BUILD/tests/store-tool
w() { "$V" -f "$W" "$@"; }
keys() { "$TOOL" keys "$W" | sort | tr '\n' ' '; }
t_expect_status "who refuses a bad address" 64 w who 192.0.2.1 bogus
t_expect_status "revoke needs a user" 64 w revoke
t_expect_status "revoke takes one user" 64 w revoke alice bob
t_expect_status "revoke refuses an empty user" 64 w revoke ''
# A wave-1 store: entries and the marker, nothing else.
w add 198.51.100.5 1700000005
t_expect "a store made by add holds the marker and entries only" \
	"198.51.100.5 relayers:store " "$(keys)"
t_expect_status "who on a store without owners" 0 w who
t_expect "an entry without owner shows - and -" "198.51.100.5	1700000005	-	-" "$T_OUT"
t_expect_status "revoke of a user who opened nothing exits 1" 1 w revoke alice
t_expect "... and says so" 'revoked 0 addresses opened by "alice"' "$T_OUT"
# Owners as a front end records them (relay_store_put_owner, in a transaction).
"$TOOL" put "$W" 198.51.100.1 1700000001 alice dovecot &&
"$TOOL" put "$W" 198.51.100.2 1700000002 alice imap &&
"$TOOL" put "$W" 198.51.100.3 1700000003 bob dovecot &&
"$TOOL" put "$W" 2001:db8::4 1700000004 'al ice	"x"' pop
t_expect "owners recorded through the core" 0 $?
t_expect_status "who lists every entry" 0 w who
t_expect "who: address, time, user, service; escaped" \
"198.51.100.1	1700000001	alice	dovecot
198.51.100.2	1700000002	alice	imap
198.51.100.3	1700000003	bob	dovecot
198.51.100.5	1700000005	-	-
2001:db8::4	1700000004	al\x20ice\x09\x22x\x22	pop" "$(printf '%s\n' "$T_OUT" | sort)"
t_expect_status "who for given addresses, one absent" 1 w who 198.51.100.3 198.51.100.9 2001:DB8::4
t_expect "who prints the ones found, in order" \
"198.51.100.3	1700000003	bob	dovecot
2001:db8::4	1700000004	al\x20ice\x09\x22x\x22	pop" "$T_OUT"
t_expect_match "who names the absent one" '198\.51\.100\.9: no such entry' "$T_ERR"
# The wave-1 commands see entries only, exactly as before.
t_expect "dump prints addresses and times only" \
"198.51.100.1	1700000001
198.51.100.2	1700000002
198.51.100.3	1700000003
198.51.100.5	1700000005
2001:db8::4	1700000004" "$(w dump | sort)"
t_expect "dump reports no skipped records" "" "$(w dump 2>&1 >/dev/null)"
t_expect "list likewise" "" "$(w list 2>&1 >/dev/null)"
t_expect "check counts entries only" "$W: ok, 5 entries" "$(w check)"
if [ -x "$RELAYERS_BUILD/mapgen" ]; then
	mkdir -p "$T_TMP/wmap"
	"$RELAYERS_BUILD/mapgen" -f "$W" -o "$T_TMP/wmap/relayers" 2>"$T_TMP/wmap.err"
	t_expect "mapgen exports with nothing skipped" "0 " \
		"$? $(grep -i skip "$T_TMP/wmap.err")"
fi
# revoke: all of one account, nobody else, exact names only.
t_expect_status "revoke al matches no one (exact match)" 1 w revoke al
t_expect_status "revoke alice" 0 w revoke alice
t_expect "revoke says how many" 'revoked 2 addresses opened by "alice"' "$T_OUT"
t_expect "alice's addresses and owner records are gone, others stay" \
	"198.51.100.3 198.51.100.5 2001:db8::4 relayers:by:198.51.100.3 relayers:by:2001:db8::4 relayers:store " \
	"$(keys)"
t_expect_status "revoke a name with a tab, quotes and a space" 0 w revoke 'al ice	"x"'
t_expect "... removes its address" 'revoked 1 addresses opened by "al ice\x09\x22x\x22"' "$T_OUT"
# delete takes the owner record with the entry.
t_expect_status "delete an owned entry" 0 w delete 198.51.100.3
t_expect "delete removed the owner record too" "198.51.100.5 relayers:store " "$(keys)"
# revoke is one transaction: on a busy store it changes nothing.
"$TOOL" put "$W" 198.51.100.1 1700000001 alice dovecot
cp "$W" "$T_TMP/who.before"
hold_whole_store "$W" "$T_TMP/wlocked"
t_expect_status "revoke on a locked store gives up" 75 timeout 20 "$V" -f "$W" revoke alice
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
cmp -s "$W" "$T_TMP/who.before" && t_ok "... and leaves the store as it was" ||
	t_fail "... and leaves the store as it was"
# expire: orphaned owners and aged account records go with old entries.
mkdir -p "$T_TMP/wconf"
"$RELAYERS_BUILD/tests/pam-logins" -d "$T_TMP/wconf" -m "$RELAYERS_BUILD/pam_relayers.so" \
	-a "db=$W exclude= max_addrs=3" -r 198.51.100.7 >/dev/null 2>&1
t_expect "a login writes an entry, its owner and the account" \
	"198.51.100.1 198.51.100.5 198.51.100.7 relayers:acct:alice relayers:by:198.51.100.1 relayers:by:198.51.100.7 relayers:store " \
	"$(keys)"
"$TOOL" age "$W" alice 7200
w add 198.51.100.7 $(( $(date +%s) - 7200 ))
t_expect_status "expire 60" 0 w expire 60
t_expect "expire removed the old entries, their owners and the aged account" \
	"relayers:store " "$(keys)"

# expire leaves tdb's free list short: the holes of removed entries, none
# merging with the next (every other entry goes), would make a login that
# allocates walk them all.
F=$T_TMP/holes.tdb
for i in $(seq 1 200); do
	if [ $((i % 2)) = 0 ]; then stamp=$((now - 7200)); else stamp=$now; fi
	"$V" -f "$F" add "10.$i.0.1" "$stamp" || t_fail "holes: add 10.$i.0.1"
done
t_expect_status "expire of every other entry" 0 "$V" -f "$F" expire 60
t_expect "... keeps the other half" 100 "$("$V" -f "$F" dump | wc -l)"
holes=$(tdbtool "$F" freelist | grep -c 'rec_len')
[ "$holes" -le 5 ] && t_ok "... and leaves at most 4 holes in the free list" ||
	t_fail "... and leaves at most 4 holes in the free list (tdbtool: $((holes - 1)))"
t_expect_match "... in a sound tdb" 'integrity is OK' "$(tdbtool "$F" check)"

# A store too big to repack within a login's timeout (over 8 MiB after the
# removals) is rewritten beside itself, as a repair does, and comes out with
# a short free list all the same.  Every other entry is old, so no two
# holes could merge.
F=$T_TMP/big-holes.tdb
"$TOOL" fill "$F" 131072 $((now - 7200)) "$now" || t_fail "big holes: fill"
size_before=$(stat -c %s "$F")
t_expect_status "expire of half of a store of $(( size_before >> 20 )) MiB" 0 \
	"$V" -f "$F" expire 60
t_expect "... keeps the other half" 65536 "$("$V" -f "$F" dump | wc -l)"
holes=$(tdbtool "$F" freelist | grep -c 'rec_len')
[ "$holes" -le 5 ] && t_ok "... and leaves at most 4 holes in the free list" ||
	t_fail "... and leaves at most 4 holes in the free list (tdbtool: $((holes - 1)))"
t_expect_status "... in a sound relay store" 0 "$V" -f "$F" check

# --- rehash: the same records in a store with another hash size ------------
R=$T_TMP/rehash.tdb
r() { "$V" -f "$R" "$@"; }
chains() { tdbtool "$R" info | sed -n 's/^Number of hash chains: //p'; }
records() { # the store's keys, and who's and dump's lines, as files in $T_TMP/$1.*
	"$TOOL" keys "$R" | sort >"$T_TMP/$1.keys"
	r who | sort >"$T_TMP/$1.who"
	r dump | sort >"$T_TMP/$1.dump"
}
same_records() { # NAME BEFORE AFTER
	for part in keys who dump; do
		if cmp -s "$T_TMP/$2.$part" "$T_TMP/$3.$part"; then t_ok "$1: $part unchanged"
		else t_fail "$1: $part unchanged" "$(diff "$T_TMP/$2.$part" "$T_TMP/$3.$part" | head -5)"; fi
	done
}
mkdir -p "$T_TMP/rconf"
logins() { # FIRST COUNT: real logins from 10.x addresses, each recording an entry and its owner
	"$RELAYERS_BUILD/tests/pam-logins" -d "$T_TMP/rconf" -m "$RELAYERS_BUILD/pam_relayers.so" \
		-a "db=$R exclude= max_addrs=0 timeout=2000" -b "$1" -n "$2" -v "$R"
}
logins 0 300 >/dev/null 2>&1
r add 198.51.100.9 1700000009 # an entry no login owns
records before
t_expect "the store: 301 entries, 300 owners, the marker (no guard: no account)" "301 300 1 602" \
	"$(wc -l <"$T_TMP/before.dump") $(grep -c '^relayers:by:' "$T_TMP/before.keys") \
$(grep -c '^relayers:store$' "$T_TMP/before.keys") $(wc -l <"$T_TMP/before.keys")"
t_expect "a new store has RELAY_STORE_HASH_SIZE chains" 100003 "$(chains)"
t_expect_status "rehash --hash-size 31" 0 r rehash --hash-size 31
t_expect "... says what it kept and the old and new hash size" \
	"$R: rehashed: kept 602 records; hash size 100003 -> 31, 0.0 -> 19.4 records a chain" \
	"$(printf '%s\n' "$T_OUT" | head -1)"
t_expect "... and the new store has 31 chains" 31 "$(chains)"
records small
same_records "rehash to 31 chains" before small
t_expect "... under the old owner and mode" "0:0 600" "$(stat -c '%u:%g %a' "$R")"
t_expect_status "check passes on the rehashed store" 0 r check
t_expect "... counts its entries" "$R: ok, 301 entries" "$T_OUT"
t_expect_match "... and says its chains are long, naming rehash" \
	'602 records in 31 hash chains, 19 a chain for every login to walk; "vsmtprelay -f .* rehash"' "$T_ERR"
t_expect_status "rehash, sized for its records" 0 r rehash
t_expect "... back to the smallest size of the list" 100003 "$(chains)"
records sized
same_records "rehash back" before sized
t_expect_status "check after the second rehash" 0 r check
t_expect "... says nothing of chains" "" "$T_ERR"
ls "$T_TMP" | grep -q '\.salvage\.' && t_fail "rehash left no scratch file" || t_ok "rehash left no scratch file"

cp "$R" "$T_TMP/rehash.orig"
for bad in 0 -1 abc 1.5 '' ' 5' 268435457 99999999999999999999; do
	t_expect_status "rehash refuses hash size [$bad]" 64 r rehash --hash-size "$bad"
done
t_expect_match "a bad hash size is named, with the bounds" \
	'"99999999999999999999" is not a hash size \(a whole number of chains, 1 to 268435456\)' "$T_ERR"
t_expect_status "rehash --hash-size needs a number" 64 r rehash --hash-size
t_expect_match "... and says what rehash takes" 'rehash takes only --hash-size n' "$T_ERR"
t_expect_status "rehash refuses a bare number" 64 r rehash 31
t_expect_status "rehash refuses three arguments" 64 r rehash --hash-size 31 x
cmp -s "$R" "$T_TMP/rehash.orig" && t_ok "refused rehashes leave the store as it was" ||
	t_fail "refused rehashes leave the store as it was"
t_expect_status "rehash of a missing store" 66 "$V" -f "$T_TMP/none.tdb" rehash
t_expect_match "... names it" 'none\.tdb: no such file' "$T_ERR"
[ ! -e "$T_TMP/none.tdb" ] && t_ok "... and creates none" || t_fail "... and creates none"
printf 'not a tdb\n' >"$T_TMP/foreign.tdb"
t_expect_status "rehash of a file that is not a relay store" 65 "$V" -f "$T_TMP/foreign.tdb" rehash
t_expect_match "... says why" 'not a relay store' "$T_ERR"
t_expect_match "... and points to check --repair" 'sound store only; "vsmtprelay -f .*foreign\.tdb check --repair"' "$T_ERR"
t_expect "... and leaves it as it was" "not a tdb" "$(cat "$T_TMP/foreign.tdb")"

# Logins go on during rehashes, which take over what they wrote: every
# login read back from the store is in it at the end, with its owner.
logins 300 2700 >/dev/null 2>&1
logins 3000 3000 >"$T_TMP/during.ok" 2>"$T_TMP/during.err" &
during=$!
rounds=0 meanwhile=0 failed=0
while kill -0 "$during" 2>/dev/null; do
	"$V" -f "$R" rehash --hash-size $((rounds % 2 == 0 ? 1009 : 100003)) \
		>"$T_TMP/round.out" 2>&1 || failed=$((failed + 1))
	grep -q 'wrote meanwhile' "$T_TMP/round.out" && meanwhile=$((meanwhile + 1))
	rounds=$((rounds + 1))
done
wait "$during"
t_expect "3000 logins during the rehashes, each recorded" "0 3000" "$? $(wc -l <"$T_TMP/during.ok")"
t_expect "every rehash succeeded" 0 "$failed"
[ "$rounds" -ge 2 ] && [ "$meanwhile" -ge 1 ] &&
	t_ok "rehashes ran while logins wrote ($rounds rounds, $meanwhile took writes over)" ||
	t_fail "rehashes ran while logins wrote" "$rounds rounds, $meanwhile took writes over"
r dump | cut -f1 | sort >"$T_TMP/after.addrs"
sed 's/ ok$//' "$T_TMP/during.ok" | sort >"$T_TMP/during.addrs"
t_expect "every login during the rehashes is in the store" "" \
	"$(comm -23 "$T_TMP/during.addrs" "$T_TMP/after.addrs" | head -3)"
t_expect "6000 logins and one added entry in all, each login with its owner" "6001 6000" \
	"$(wc -l <"$T_TMP/after.addrs") $(r who | grep -c '	alice	relayers-test$')"
t_expect_status "check passes after rehashes under load" 0 r check

t_done
