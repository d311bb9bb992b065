#!/bin/sh
# fuzz/run.sh: run fuzz targets for a bounded time, each on a scratch copy of its seed corpus, so that
# the tree is not modified; a fixed seed makes a run repeatable. From the build tree, after make fuzz.
# Usage: fuzz/run.sh SECONDS [NAME...]     (NAME: format, options, events, procfs, elf, perfmap, ring; default all)
set -eu
secs=${1:-60}
[ $# -eq 0 ] || shift
names=$*
if [ -z "$names" ]; then
	for f in fuzz/*-fuzz; do names="$names $(basename "$f" -fuzz)"; done
fi
status=0
here=$(cd "$(dirname "$0")" && pwd)
LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
for name in $names; do
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/ptime-fuzz-$name.XXXXXX")
	cp -R "fuzz/corpus/$name" "$scratch/corpus"
	# the inputs that once failed start each run too, so that clang's sanitizers see them again
	[ ! -d "$here/regress/$name" ] || cp "$here/regress/$name"/* "$scratch/corpus/"
	seeds=$(ls "$scratch/corpus" | wc -l)
	start=$(date +%s)
	if "./fuzz/$name-fuzz" -seed=1 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$scratch/" "$scratch/corpus" >"$scratch/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
		cov=$(grep -o 'cov: [0-9]*' "$scratch/log" | tail -n 1)
		echo "fuzz $name: $runs runs in $(($(date +%s) - start)) s from $seeds seeds, $cov, no crash"
		rm -rf "$scratch"
	else
		echo "fuzz $name: FAILED after $(($(date +%s) - start)) s; log and input in $scratch"
		grep -A40 -E '^==[0-9]+==|runtime error|deadly signal|out-of-memory|timeout' "$scratch/log" | head -n 80
		for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
			[ -e "$a" ] || continue
			echo "input $a:"
			od -A d -c "$a" | head -n 20
		done
		status=1
	fi
done
exit $status
