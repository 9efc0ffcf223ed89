#!/bin/sh
# make bench: prints the figures docs/PERFORMANCE.md records, side by side
# in one run so that the machine's noise falls on every variant alike.
# It never fails on speed: a non-zero exit means a benchmark could not
# run at all (a login failed, a program is missing).
#
# RELAYERS_BUILD   the build directory (default build)
# BENCH_ROUNDS     interleaved login rounds per store size (default 2000)
# BENCH_ENTRIES    entries in the big store (default 1000000)
# BENCH_SKIP_CALLGRIND=1 skips the instruction counts (valgrind is slow)
# BENCH_WATCH_SECONDS how long mapgen --watch is measured (default 20)
# BENCH_SECTIONS   the sections to run, by function name (default all)
# BENCH_SYSCALL_LOGINS logins counted per figure of syscalls_per_login (default 200)
set -eu

: "${RELAYERS_BUILD:=build}"
B=$(cd "$RELAYERS_BUILD" && pwd)
ROUNDS=${BENCH_ROUNDS:-2000}
BIG=${BENCH_ENTRIES:-1000000}
MID=$((BIG / 10))
PEER_EVERY=25
PROCS=8
PER_PROC=250
OLD_MINUTES=1440	# store_fill makes every other entry 3 days old
D=$B/bench/data
LOGIN=$B/bench/login_bench
VSMTPRELAY=$B/vsmtprelay
MAPGEN=$B/mapgen
MODULE=$B/pam_relayers.so
PAMDIR=$(pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
MATRIX=$(find /usr/lib -name pam_matrix.so -path '*pam_wrapper*' 2>/dev/null | head -n 1)
HERE=$(cd "$(dirname "$0")" && pwd)

for f in "$LOGIN" "$B/bench/store_fill" "$B/bench/mapgen_lag" "$VSMTPRELAY" "$MODULE" "$MATRIX" \
	 "$PAMDIR/pam_permit.so" "$PAMDIR/pam_exec.so"; do
	[ -e "$f" ] || { echo "bench: missing $f" >&2; exit 1; }
done
for tool in tdbtool makemap valgrind; do
	command -v "$tool" >/dev/null || { echo "bench: missing $tool" >&2; exit 1; }
done

section() { printf '\n== %s\n' "$*"; }

# Wall seconds of a command, with 10 ms resolution from /usr/bin/time
# replaced by the shell's own clock; the peak RSS (KiB) goes to $PEAK.
# Output and errors of the command are kept in $D/last.out / last.err.
run_timed() {
	start=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$D/rss" "$@" >"$D/last.out" 2>"$D/last.err"
	end=$(date +%s.%N)
	PEAK=$(tail -n 1 "$D/rss")
	SECONDS_TAKEN=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
}

# median of three runs of a command, in seconds (peak RSS of the last).
median3() {
	t1=; t2=; t3=
	run_timed "$@"; t1=$SECONDS_TAKEN
	run_timed "$@"; t2=$SECONDS_TAKEN
	run_timed "$@"; t3=$SECONDS_TAKEN
	SECONDS_TAKEN=$(printf '%s\n%s\n%s\n' "$t1" "$t2" "$t3" | sort -n | sed -n 2p)
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

machine() {
	section "machine"
	echo "nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "kernel $(uname -r); Debian $(cat /etc/debian_version)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit $(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "rounds $ROUNDS per store size; big store $BIG entries"
}

# Stores are made once per run; the module, the floor and the peers each
# add their own new addresses to them, so a store ends a little bigger.
make_stores() {
	section "stores (made once per run under $D)"
	rm -rf "$D"
	mkdir -p "$D/conf"
	chmod 0755 "$D"
	for n in 0 "$MID" "$BIG"; do
		run_timed "$B/bench/store_fill" "$D/s$n.tdb" "$n"
		echo "store of $n entries filled in ${SECONDS_TAKEN}s"
	done
	# Pristine copies for the exporters, before any login adds to it.
	cp "$D/s$BIG.tdb" "$D/export.tdb"
	cp "$D/s$BIG.tdb" "$D/expire.tdb"
}

# stack_a: pam_matrix + pam_permit.  stack_b: stack_a + pam_relayers with
# the guard off; stack_c: the same with the guard on (its defaults).  Logins
# come from a pool of accounts u0..u498 (login_bench's BENCH_USERS).
# The peers: stack_a + pam_exec running the script an admin would write.
write_stacks() {
	store=$1 conf=$D/conf
	rm -f "$conf"/*
	: > "$D/passdb"
	for s in stack_a stack_b stack_c peer_tdbtool peer_vsmtprelay; do
		awk -v s="$s" 'BEGIN { for (u = 0; u < 499; u++) print "u" u ":secret:" s }' \
			>> "$D/passdb"
	done
	base="auth required $MATRIX passdb=$D/passdb
account required $PAMDIR/pam_permit.so"
	printf '%s\n' "$base" > "$conf/stack_a"
	printf '%s\naccount optional %s db=%s exclude= max_addrs=0\n' "$base" "$MODULE" \
		"$store" > "$conf/stack_b"
	printf '%s\naccount optional %s db=%s exclude= max_addrs=20 max_addrs_minutes=60\n' \
		"$base" "$MODULE" "$store" > "$conf/stack_c"
	# shellcheck disable=SC2016 # expanded by the script, not here
	printf '#!/bin/sh\nexec tdbtool %s store "$PAM_RHOST" "$(date +%%s)"\n' \
		"$store" > "$D/peer_tdbtool.sh"
	# shellcheck disable=SC2016 # expanded by the script, not here
	printf '#!/bin/sh\nexec %s -f %s add "$PAM_RHOST"\n' "$VSMTPRELAY" \
		"$store" > "$D/peer_vsmtprelay.sh"
	chmod 0755 "$D"/peer_*.sh
	for p in tdbtool vsmtprelay; do
		printf '%s\naccount optional %s/pam_exec.so %s\n' "$base" "$PAMDIR" \
			"$D/peer_$p.sh" > "$conf/peer_$p"
	done
	printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' \
		"$PAMDIR" "$PAMDIR" > "$conf/other"
}

# Every login and floor write uses a client address no earlier one used.
NEXT_CLIENT=0
take_clients() { FIRST=$NEXT_CLIENT; NEXT_CLIENT=$((NEXT_CLIENT + $1)); }

login_cost() {
	section "added cost per login (interleaved A, B, C (guard on), floor, floor without mmap; a peer login every $PEER_EVERY rounds)"
	for n in 0 "$MID" "$BIG"; do
		write_stacks "$D/s$n.tdb"
		take_clients $((ROUNDS * 6))
		echo "-- store of $n entries"
		"$LOGIN" interleave "$D/conf" "$D/s$n.tdb" "$ROUNDS" "$PEER_EVERY" "$FIRST"
	done
	# The big store again for IPv6 clients, for re-logins (100 addresses
	# over and over), and right after vsmtprelay expire removed half.
	cp "$D/s$BIG.tdb" "$D/halved-login.tdb"
	"$VSMTPRELAY" -f "$D/halved-login.tdb" expire "$OLD_MINUTES"
	for variant in "s$BIG IPv6" "s$BIG re-login" "halved-login IPv4" "halved-login IPv6"; do
		set -- $variant
		write_stacks "$D/$1.tdb"
		take_clients $((ROUNDS * 6))
		echo "-- store $1, $2 clients"
		BENCH_CLIENT_IPV6=$([ "$2" = IPv6 ] && echo 1 || echo 0) \
		BENCH_RELOGIN_POOL=$([ "$2" = re-login ] && echo 100 || echo 0) \
			"$LOGIN" interleave "$D/conf" "$D/$1.tdb" "$ROUNDS" 0 "$FIRST"
	done
}

# Instruction counts do not move with the machine's load: what the
# module's own work costs per login, apart from the kernel's part.
instructions() {
	section "instructions per login (callgrind; syscalls and page faults not counted)"
	if [ "${BENCH_SKIP_CALLGRIND:-0}" = 1 ]; then echo "skipped"; return; fi
	count=100
	for n in 0 "$BIG"; do
		write_stacks "$D/s$n.tdb"
		for s in stack_a stack_b stack_c; do
			take_clients "$count"
			UID_WRAPPER_DISABLE_DEEPBIND=1 valgrind --tool=callgrind \
				--callgrind-out-file="$D/cg.out" \
				"$LOGIN" single "$D/conf" "$s" "$count" "$FIRST" \
				>/dev/null 2>&1
			callgrind_annotate --inclusive=yes --threshold=100 "$D/cg.out" 2>/dev/null |
				awk -v s="$s" -v n="$n" -v c="$count" '
				/:pam_acct_mgmt / { gsub(/,/, "", $1); acct = $1 }
				/:pam_login_timed / { gsub(/,/, "", $1); whole = $1 }
				END { printf "store %-8s %s: %8.0f Ir per acct_mgmt, %9.0f Ir per login\n",
					n, s, acct / c, whole / c }'
		done
		take_clients "$count"
		valgrind --tool=callgrind --callgrind-out-file="$D/cg.out" \
			"$LOGIN" floor "$D/s$n.tdb" "$count" "$FIRST" >/dev/null 2>&1
		callgrind_annotate --inclusive=yes --threshold=100 "$D/cg.out" 2>/dev/null |
			awk -v n="$n" -v c="$count" '
			/:tdb_floor_record / { gsub(/,/, "", $1); f = $1 }
			END { printf "store %-8s floor:   %8.0f Ir per open+store+close\n", n, f / c }'
	done
}

concurrency() {
	section "$PROCS concurrent login processes, store of $BIG entries"
	write_stacks "$D/s$BIG.tdb"
	for s in stack_a stack_b stack_c; do
		take_clients $((PROCS * PER_PROC))
		"$LOGIN" concurrent "$D/conf" "$s" "$PROCS" "$PER_PROC" "$FIRST"
	done
}

login_memory() {
	section "peak memory of one login process (200 logins)"
	for n in 0 "$BIG"; do
		write_stacks "$D/s$n.tdb"
		for s in stack_a stack_b; do
			take_clients 200
			printf 'store %-8s %s:' "$n" "$s"
			"$LOGIN" single "$D/conf" "$s" 200 "$FIRST" | sed -n 's/.*peak RSS/ peak RSS/p'
		done
	done
}

map_entries() { makemap -u hash "$1" 2>/dev/null | wc -l; }

# makemap is slow (seconds); one run each, against three of mapgen.
exporters() {
	store=$D/export.tdb
	section "exporters on $BIG entries (mapgen: median of 3; makemap: 1 run)"
	echo "store size $(stat -c %s "$store") bytes"
	median3 "$VSMTPRELAY" -f "$store" dump
	echo "vsmtprelay dump: ${SECONDS_TAKEN}s, peak RSS ${PEAK} KiB, $(wc -l < "$D/last.out") lines"
	run_timed sh -c "'$VSMTPRELAY' -f '$store' dump | makemap -r hash '$D/makemap'"
	mm_all=$SECONDS_TAKEN
	echo "vsmtprelay dump | makemap -r hash: ${mm_all}s, peak RSS ${PEAK} KiB, map $(stat -c %s "$D/makemap.db") bytes"
	run_timed sh -c "'$VSMTPRELAY' -f '$store' list $OLD_MINUTES | makemap -r hash '$D/makemap-age'"
	mm_age=$SECONDS_TAKEN
	echo "vsmtprelay list $OLD_MINUTES | makemap -r hash: ${mm_age}s"
	if [ ! -x "$MAPGEN" ]; then
		echo "mapgen: not built"
		return
	fi
	for variant in "" "--postfix" "--max-age $OLD_MINUTES"; do
		# shellcheck disable=SC2086 # the variant is words on purpose
		median3 "$MAPGEN" -f "$store" -o "$D/mapgen" $variant
		against=$mm_all
		[ "$variant" = "--max-age $OLD_MINUTES" ] && against=$mm_age
		echo "mapgen ${variant:-(sendmail)}: ${SECONDS_TAKEN}s, peak RSS ${PEAK} KiB," \
			"map $(stat -c %s "$D/mapgen.db") bytes, $(map_entries "$D/mapgen.db") entries;" \
			"makemap/mapgen $(ratio "$against" "$SECONDS_TAKEN")x"
	done
}

# mapgen --watch while logins come at 10 a second: the watcher's CPU
# share (its children's included), bytes written a second and the lag
# from a login's store write to its key in the map (bench/mapgen_lag.c;
# the logins are relay_store_record(), the module's own call).
WATCH_SECONDS=${BENCH_WATCH_SECONDS:-20}
watch_under_logins() {
	section "mapgen --watch with 10 logins/s for ${WATCH_SECONDS}s (half new addresses, half refreshes)"
	rm -rf "$D/watch" && mkdir -m 0755 "$D/watch" "$D/watch/map"
	cp "$D/export.tdb" "$D/watch/big.tdb"
	"$B/bench/store_fill" "$D/watch/small.tdb" 1000
	for store in big small; do
		take_clients $((WATCH_SECONDS * 10 + 10))
		echo "-- store of $([ $store = big ] && echo "$BIG" || echo 1000) entries"
		"$B/bench/mapgen_lag" "$MAPGEN" "$D/watch/$store.tdb" "$D/watch/map/$store" \
			"$WATCH_SECONDS" 10 "$FIRST" || echo "mapgen_lag failed ($?)"
	done
}

# System calls of COUNT logins of one service under strace -c -f (the
# program's start included; syscalls_added subtracts it).
syscalls_of() {
	service=$1 count=$2 first=$3
	strace -f -c -o "$D/strace.out" "$LOGIN" single "$D/conf" "$service" "$count" "$first" \
		>/dev/null 2>&1 || { echo "bench: strace of $service failed" >&2; exit 1; }
	awk '$NF == "total" { print $4 }' "$D/strace.out"
}

# Calls a login adds: (calls of N+20 logins - calls of 20) / N, for the
# stack with the module minus stack_a, so that the program's start and the
# module's first load fall out.  $2 = first client, reused for re-logins.
SYSCALL_LOGINS=${BENCH_SYSCALL_LOGINS:-200}
syscalls_added() {
	service=$1 first=$2
	b=$(( $(syscalls_of "$service" $((SYSCALL_LOGINS + 20)) "$first") - $(syscalls_of "$service" 20 "$((first + SYSCALL_LOGINS + 20))") ))
	awk -v b="$b" -v a="$A_CALLS" -v n="$SYSCALL_LOGINS" 'BEGIN { printf "%.1f", (b - a) / n }'
}

# The issue-15 figure: system calls per login at every store size, after
# expire halved a store (a long free list), IPv4 and IPv6, new addresses
# and re-logins from addresses already in the store.
syscalls_per_login() {
	n=$SYSCALL_LOGINS
	section "system calls added per login (strace -c; ($((n + 20)) logins - 20 logins) / $n, module stack minus stack_a)"
	cp "$D/expire.tdb" "$D/halved.tdb"
	write_stacks "$D/s0.tdb"
	take_clients $((2 * n + 40))
	A_CALLS=$(( $(syscalls_of stack_a $((n + 20)) "$FIRST") - $(syscalls_of stack_a 20 "$((FIRST + n + 20))") ))
	printf '%-28s %-5s %9s %9s %13s %13s\n' store family "B new" "C new" "B re-login" "C re-login"
	for name in s0 "s$BIG" halved; do
		write_stacks "$D/$name.tdb"
		for family in 4 6; do
			if [ "$family" = 6 ]; then BENCH_CLIENT_IPV6=1; else BENCH_CLIENT_IPV6=0; fi
			export BENCH_CLIENT_IPV6
			take_clients $((2 * n + 80)); fb=$FIRST
			take_clients $((2 * n + 80)); fc=$FIRST
			bn=$(syscalls_added stack_b "$fb"); cn=$(syscalls_added stack_c "$fc")
			br=$(syscalls_added stack_b "$fb"); cr=$(syscalls_added stack_c "$fc")
			printf '%-28s %-5s %9s %9s %13s %13s\n' "$name" "IPv$family" "$bn" "$cn" "$br" "$cr"
		done
	done
	BENCH_CLIENT_IPV6=0
	echo "-- the calls of 220 logins with stack_c, store s$BIG, new IPv4 addresses (program start included)"
	take_clients 220
	write_stacks "$D/s$BIG.tdb"
	syscalls_of stack_c 220 "$FIRST" >/dev/null
	sed -n '1,/^-/d; /^-/d; p' "$D/strace.out" | sort -k4,4nr | head -n 12
}

expire() {
	store=$D/expire.tdb
	section "vsmtprelay expire $OLD_MINUTES on $BIG entries (half of them old)"
	run_timed "$VSMTPRELAY" -f "$store" expire "$OLD_MINUTES"
	echo "expire: ${SECONDS_TAKEN}s, peak RSS ${PEAK} KiB; $("$VSMTPRELAY" -f "$store" dump | wc -l) entries left"
}

# vsmtprelay refresh against a MOCK anvil socket (tests/refresh/mock_anvil.py)
# listing 1000 sessions: 1000 real IMAP sessions are too heavy for a bench.
refresh_sessions() {
	section "vsmtprelay refresh of 1000 sessions (mock anvil), one transaction each run"
	mkdir -p "$D/anvil" && chmod 0755 "$D/anvil"
	rm -f "$D/anvil/anvil"
	/usr/bin/python3 "$HERE/../tests/refresh/mock_anvil.py" "$D/anvil/anvil" generate 1000 \
		> "$D/mock.out" 2>&1 &
	mock=$!
	for _ in $(seq 100); do grep -q ready "$D/mock.out" && break; sleep 0.05; done
	cp "$D/export.tdb" "$D/refresh-big.tdb"
	for store in "$D/s0.tdb" "$D/refresh-big.tdb"; do
		entries=$("$VSMTPRELAY" -f "$store" dump | wc -l)
		for pass in "first run" "a second later"; do
			[ "$pass" = "first run" ] || sleep 1	# a new second: every stamp moves
			run_timed "$VSMTPRELAY" -f "$store" refresh --anvil "$D/anvil/anvil" -v
			echo "store of $entries entries, $pass: ${SECONDS_TAKEN}s," \
				"peak RSS ${PEAK} KiB; $(tail -n 1 "$D/last.out" | sed 's/.*addresses: //; s/;.*//')"
		done
	done
	kill "$mock" 2>/dev/null || true
	wait "$mock" 2>/dev/null || true
}

# relayersd: lookups through its socket at each store size, 1, 8 and 64
# clients each with one request in flight; the server's memory after.
relayersd_lookups() {
	section "relayersd lookups through its unix socket (3 s each)"
	if [ ! -x "$B/relayersd" ]; then echo "relayersd: not built"; return; fi
	for n in 0 "$MID" "$BIG"; do
		sock=$D/relayersd.sock
		"$B/relayersd" -f "$D/s$n.tdb" --listen "unix:$sock" 2>"$D/relayersd.err" &
		pid=$!
		i=0
		while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		for c in 1 8 64; do
			"$B/bench/relayersd_bench" "$sock" "$c" 3 "$n" || echo "relayersd_bench failed"
		done
		# The store is mapped: file pages count in RSS, private ones do not grow.
		echo "  relayersd after: $(awk '/^(VmRSS|RssAnon|RssFile)/ { printf "%s %s %s  ", $1, $2, $3 }' "/proc/$pid/status")"
		kill -TERM "$pid"; wait "$pid" || true
	done
	# The floor an MTA pays today: the same keys in the exported map.
	if [ -x "$MAPGEN" ] && "$MAPGEN" -f "$D/s$BIG.tdb" -o "$D/floor"; then
		"$B/bench/bdb_lookup" "$D/floor.db" 3 "$BIG" || echo "bdb_lookup failed"
	fi
}

# The floor at the smaller stores too (relayersd_lookups measures it at
# $BIG): the same keys in the map mapgen exports, read as sendmail reads it.
map_floor() {
	section "the same keys in mapgen's Berkeley DB map at 0 and $MID entries (3 s each)"
	if [ ! -x "$MAPGEN" ]; then echo "mapgen: not built"; return; fi
	for n in 0 "$MID"; do
		"$MAPGEN" -f "$D/s$n.tdb" -o "$D/floor$n" || { echo "mapgen failed"; continue; }
		"$B/bench/bdb_lookup" "$D/floor$n.db" 3 "$n" || echo "bdb_lookup failed"
	done
}

# check --repair on a damaged copy of the big store: how long a repair
# takes, and how long it holds writers off, idle and with logins writing
# while it reads (then it reads again under the locks).  Three bucket
# pointers of the hash table are overwritten: tdb_check fails.
damage_buckets() {
	for off in 2000 50000 300000; do
		printf 'XXXX' | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
	done
}

repair() {
	section "vsmtprelay check --repair on a damaged store of $BIG entries"
	store=$D/repair.tdb
	cp "$D/export.tdb" "$store"
	median3 "$VSMTPRELAY" -f "$store" check
	echo "check of the sound store (what the 5-minute repair job runs): ${SECONDS_TAKEN}s, under one read lock"
	damage_buckets "$store"
	run_timed "$VSMTPRELAY" -f "$store" check --repair
	echo "idle: ${SECONDS_TAKEN}s in all, peak RSS ${PEAK} KiB"
	sed 's/^[^:]*: /  /' "$D/last.out"
	damage_buckets "$store"
	write_stacks "$store"
	# Enough logins to outlast the repair.
	take_clients $((PROCS * PER_PROC * 12))
	"$LOGIN" concurrent "$D/conf" stack_b "$PROCS" $((PER_PROC * 12)) "$FIRST" \
		> "$D/repair-logins.out" 2>&1 &
	sleep 0.3
	run_timed "$VSMTPRELAY" -f "$store" check --repair
	wait
	echo "with $PROCS login processes writing: ${SECONDS_TAKEN}s in all"
	sed 's/^[^:]*: /  /' "$D/last.out"
	sed 's/^/  logins: /' "$D/repair-logins.out"
}

latency() {
	section "login -> relay latency (mapgen --watch)"
	RELAYERS_BUILD=$B timeout 300 "$HERE/../tests/e2e/latency.sh" ||
		echo "latency.sh failed ($?)"
	section "login -> relay latency (relayersd, sendmail's socket map)"
	CHAIN_MODE=socketmap RELAYERS_BUILD=$B timeout 300 "$HERE/../tests/e2e/latency.sh" ||
		echo "latency.sh (socketmap) failed ($?)"
}

# Several hosts through Redis: a store write to OK from relayersd --redis
# (relayers-shipper, Redis on loopback), at 0 and $MID other entries.
redis_lag() {
	section "store write -> relay through Redis (relayers-shipper, relayersd --redis)"
	for n in 0 "$MID"; do
		"$HERE/redis_lag.sh" "$B" 200 "$n" || echo "redis_lag.sh failed"
	done
}

# BENCH_SECTIONS picks sections by function name (default: all of them);
# machine and make_stores always run, syscalls_per_login needs expire.
SECTIONS=${BENCH_SECTIONS:-login_cost concurrency login_memory exporters watch_under_logins expire syscalls_per_login refresh_sessions relayersd_lookups map_floor repair redis_lag instructions latency}
began=$(date +%s)
machine
make_stores
case " $SECTIONS " in
*" expire "*) ;;
*" syscalls_per_login "*) SECTIONS="expire $SECTIONS" ;;
esac
for s in $SECTIONS; do
	"$s"
done
section "done in $(( $(date +%s) - began ))s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
