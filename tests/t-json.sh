#!/bin/sh
# t-json.sh: --json: one complete object that validates against docs/ptime.schema.json, in any locale.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
field() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$1" "$2"; }

if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP python3-jsonschema is not installed"
	exit 0
fi

"$PTIME" --json "$FX/fx-alloc" 16 2>"$TMP/a.json"; rc=$?
is "$rc" 0 "--json keeps the command's status"
is "$(wc -l <"$TMP/a.json" | tr -d ' ')" 1 "one object on one line"
validate "$TMP/a.json"; ok $? "validates against the schema"
is "$(field "$TMP/a.json" '["command"]')" "['$FX/fx-alloc', '16']" "command is the argv"
is "$(field "$TMP/a.json" '["exit"]["type"]')" exited "exit type"
is "$(field "$TMP/a.json" '["schema_version"]')" 1 "schema version 1"
ok "$(field "$TMP/a.json" '["rusage"]["max_rss_bytes"] >= 16*1024*1024' | grep -q True && echo 0 || echo 1)" "max_rss_bytes covers 16 MiB"
is "$(field "$TMP/a.json" '["unavailable"]["swaps"]')" "not maintained by Linux" "an unmaintained field says why"
ok "$(field "$TMP/a.json" '["time"]["real_ns"] > 0' | grep -q True && echo 0 || echo 1)" "real_ns measured"
grep -Eq '"start_time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"' "$TMP/a.json"; ok $? "start_time is ISO 8601 UTC"
ok "$(field "$TMP/a.json" '["host"]["cpus_online"] >= 1' | grep -q True && echo 0 || echo 1)" "host.cpus_online"

"$PTIME" -j "$FX/fx-exit" 9 kill 2>"$TMP/k.json"; rc=$?
is "$rc" 137 "-j: killed command gives 137"
validate "$TMP/k.json"; ok $? "a signalled run validates"
is "$(field "$TMP/k.json" '["exit"]["signal_name"]'):$(field "$TMP/k.json" '["exit"]["signal"]')" "SIGKILL:9" "signal number and name"

"$PTIME" -j /nonexistent/x 2>"$TMP/n.json"; rc=$?
is "$rc" 127 "-j: a missing command gives 127"
tail -n 1 "$TMP/n.json" >"$TMP/n1.json"
validate "$TMP/n1.json"; ok $? "the report of a missing command validates"

rm -f "$TMP/runs.ndjson"
for i in 1 2 3; do "$PTIME" -j -a -o "$TMP/runs.ndjson" "$FX/fx-exit" $i; done
is "$(wc -l <"$TMP/runs.ndjson" | tr -d ' ')" 3 "-a: one object per line"
validate "$TMP/runs.ndjson"; ok $? "-a: the NDJSON file validates line by line"

if locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
	LC_ALL=de_DE.UTF-8 "$PTIME" -j "$FX/fx-burn" 50 2>"$TMP/de.json"
	validate "$TMP/de.json"; ok $? "de_DE.UTF-8: still valid JSON"
	grep -Eq '"cpu_percent":[0-9]+(\.[0-9]+)?[,}]' "$TMP/de.json"; ok $? "de_DE.UTF-8: a decimal point, not a comma"
	LC_ALL=de_DE.UTF-8 "$PTIME" -f '%{cpu_percent}' "$FX/fx-burn" 50 2>"$TMP/de.txt"
	ok "$(grep -q ',' "$TMP/de.txt" && echo 1 || echo 0)" "de_DE.UTF-8: -f prints a decimal point ($(cat "$TMP/de.txt"))"
else
	skip "de_DE.UTF-8 locale" "locale not generated (.ci/deps generates it)"
fi

done_testing
