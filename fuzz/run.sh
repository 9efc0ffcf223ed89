#!/bin/sh
# fuzz/run.sh BUILD SECONDS TARGET...: for each target, replays
# fuzz/regressions/TARGET/, then fuzzes for SECONDS from the committed
# seeds (fuzz/corpus/TARGET, never written) and what earlier runs learnt
# (BUILD/fuzz/corpus/TARGET).  A crash leaves its input in BUILD/fuzz/
# and fails the run; copy it into fuzz/regressions/TARGET/ once fixed.
build=$1 seconds=$2
shift 2
failed=0 passed=0
for t in "$@"; do
	bin=$build/fuzz/fuzz_$t
	mkdir -p "$build/fuzz/corpus/$t"
	if [ -n "$(ls "fuzz/regressions/$t" 2>/dev/null)" ] &&
	   ! timeout 120 "$bin" "fuzz/regressions/$t"/* >"$build/fuzz/$t.replay.log" 2>&1; then
		grep -A8 -E 'ERROR|runtime error|Assertion' "$build/fuzz/$t.replay.log" | head -n 20
		echo "FAIL fuzz $t: a regression input fails"
		failed=$((failed + 1))
		continue
	fi
	if timeout $((seconds + 120)) "$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/$t-" \
		"$build/fuzz/corpus/$t" "fuzz/corpus/$t" >"$build/fuzz/$t.log" 2>&1
	then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz/$t.log")
		echo "ok   fuzz $t: $runs runs in $seconds s"
		passed=$((passed + 1))
	else
		grep -A8 -E 'ERROR|runtime error|Assertion' "$build/fuzz/$t.log" | head -n 20
		echo "FAIL fuzz $t: crash; input in $build/fuzz/$t-*"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
