#!/bin/sh
# t-bench-report.sh: benchmark mode's JSON document (from unit-bench-report) against the schema, and read
# as hyperfine's scripts read an export.
. "${srcdir:-.}/tests/lib.sh"
PY=/usr/bin/python3

if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP python3-jsonschema is not installed"
	exit 0
fi
"$FX/unit-bench-report" --json "$TMP/b.json" >"$TMP/unit.out"; rc=$?
is "$rc" 0 "unit-bench-report writes the document"
if [ ! -s "$TMP/b.json" ]; then
	skip "the document" "json-c cannot be loaded"
	done_testing
	exit
fi
is "$(wc -l <"$TMP/b.json" | tr -d ' ')" 1 "one document on one line"
validate "$TMP/b.json"; ok $? "validates against the schema"

# What hyperfine's scripts read: command, times, mean, stddev, median, exit_codes, parameters.
"$PY" - "$TMP/b.json" <<'PYEOF' >"$TMP/hf.out"
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
for r in results:
    ts = r["times"]
    assert abs(statistics.mean(ts) - r["mean"]) < 1e-12, (r["mean"], ts)
    assert abs(statistics.stdev(ts) - r["stddev"]) < 1e-12
    assert abs(statistics.median(ts) - r["median"]) < 1e-12
    assert min(ts) == r["min"] and max(ts) == r["max"]
    assert len(r["exit_codes"]) == len(ts) == len(r["memory_usage_byte"])
    assert all(isinstance(v, str) for v in r["parameters"].values())
    print(r["command"], len(ts))
PYEOF
ok $? "hyperfine's fields agree with its times ($(tr '\n' ';' <"$TMP/hf.out"))"

# The document without "mode" is not a run document: the schema tells the two apart.
sed 's/"mode":"bench",//' "$TMP/b.json" >"$TMP/nomode.json"
validate "$TMP/nomode.json" >/dev/null; ok $((! $?)) "without mode it is checked as a run, and fails"
done_testing
