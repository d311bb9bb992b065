#!/bin/sh
# t-bench.sh: benchmark mode (-r, -b, -c, ...): every option, the export against hyperfine's contract and
# hyperfine's own output on the same commands, statistics recomputed independently from the runs.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
# py FILE EXPR: EXPR evaluated with d = the JSON document in FILE
py() { "$PY" -c 'import json,sys,statistics,math; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
true_() { [ "$1" = True ]; }
BURN="$FX/fx-burn"
EXIT="$FX/fx-exit"

if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP python3-jsonschema is not installed"
	exit 0
fi

# --- one command as argv, -r N: the export field by field, recomputed from its runs ---
run "$PTIME" -r 7 --export-json="$TMP/a.json" "$BURN" 5 2>"$TMP/a.txt"
is "$rc" 0 "-r 7: exit status 0"
validate "$TMP/a.json"; ok $? "the export validates against the schema"
is "$(py "$TMP/a.json" 'd["mode"]')" bench "mode is bench"
is "$(py "$TMP/a.json" 'len(d["results"])')" 1 "one result"
is "$(py "$TMP/a.json" 'd["results"][0]["command"]')" "$BURN 5" "command is the argv joined"
is "$(py "$TMP/a.json" 'len(d["results"][0]["times"])')" 7 "seven times"
is "$(py "$TMP/a.json" 'len(d["results"][0]["runs"])')" 7 "seven runs"
is "$(py "$TMP/a.json" 'd["results"][0]["exit_codes"]')" "[0, 0, 0, 0, 0, 0, 0]" "exit_codes"
true_ "$(py "$TMP/a.json" 'all(abs(t - r["real_ns"] / 1e9) < 1e-9 for t, r in zip(d["results"][0]["times"], d["results"][0]["runs"]))')"
ok $? "times are the runs' real_ns in seconds"
true_ "$(py "$TMP/a.json" 'abs(d["results"][0]["mean"] - statistics.mean(d["results"][0]["times"])) < 1e-9')"
ok $? "mean is the mean of times"
true_ "$(py "$TMP/a.json" 'abs(d["results"][0]["stddev"] - statistics.stdev(d["results"][0]["times"])) < 1e-9')"
ok $? "stddev is the sample standard deviation of times"
true_ "$(py "$TMP/a.json" 'abs(d["results"][0]["median"] - statistics.median(d["results"][0]["times"])) < 1e-9')"
ok $? "median is the median of times"
true_ "$(py "$TMP/a.json" 'd["results"][0]["min"] == min(d["results"][0]["times"]) and d["results"][0]["max"] == max(d["results"][0]["times"])')"
ok $? "min and max of times"
true_ "$(py "$TMP/a.json" 'abs(d["results"][0]["user"] - statistics.mean(r["user_ns"] for r in d["results"][0]["runs"]) / 1e9) < 1e-9')"
ok $? "user is the mean user_ns in seconds"
true_ "$(py "$TMP/a.json" 'abs(d["results"][0]["system"] - statistics.mean(r["sys_ns"] for r in d["results"][0]["runs"]) / 1e9) < 1e-9')"
ok $? "system is the mean sys_ns in seconds"
true_ "$(py "$TMP/a.json" 'd["results"][0]["memory_usage_byte"] == [r["max_rss_bytes"] for r in d["results"][0]["runs"]]')"
ok $? "memory_usage_byte is each run's max_rss_bytes"
true_ "$(py "$TMP/a.json" 'all(r["cpu_ns"] == r["user_ns"] + r["sys_ns"] for r in d["results"][0]["runs"])')"
ok $? "cpu_ns is user_ns + sys_ns"
true_ "$(py "$TMP/a.json" '[r["index"] for r in d["results"][0]["runs"]] == list(range(1, 8)) and [r["round"] for r in d["results"][0]["runs"]] == list(range(1, 8))')"
ok $? "each run has its index and round"
true_ "$(py "$TMP/a.json" 'all(isinstance(r["cpu"], int) and r["cpu"] >= 0 for r in d["results"][0]["runs"])')"
ok $? "each run has the CPU it ended on"
true_ "$(py "$TMP/a.json" 'all(b["start_ns"] > a["start_ns"] for a, b in zip(d["results"][0]["runs"], d["results"][0]["runs"][1:]))')"
ok $? "start times increase"
s='d["results"][0]["statistics"]["user_ns"]'
true_ "$(py "$TMP/a.json" "abs($s[\"mean\"] - statistics.mean(r[\"user_ns\"] for r in d[\"results\"][0][\"runs\"])) < 1e-3")"
ok $? "statistics of another metric (user_ns): mean"
true_ "$(py "$TMP/a.json" "$s[\"n\"] == 7 and $s[\"min\"] <= $s[\"q1\"] <= $s[\"median\"] <= $s[\"q3\"] <= $s[\"max\"]")"
ok $? "statistics: n and quartiles in order"
true_ "$(py "$TMP/a.json" "$s[\"median_ci95\"][0] <= $s[\"median\"] <= $s[\"median_ci95\"][1] and $s[\"mean_ci95\"][0] <= $s[\"mean\"] <= $s[\"mean_ci95\"][1]")"
ok $? "statistics: the CIs hold the estimates"
# The CPU time fx-burn spends is fixed: 5 ms of its own per run, whatever the load, and its start-up.
true_ "$(py "$TMP/a.json" '5e6 <= d["results"][0]["statistics"]["cpu_ns"]["median"] <= 60e6')"
ok $? "fx-burn 5: median CPU time at least 5 ms"
# GNU time on the same command: its user+sys (10 ms resolution) against ptime's median cpu_ns
"$PTIME" -r 3 --export-json="$TMP/g.json" "$BURN" 150 2>/dev/null
g=$(/usr/bin/time -f '%U %S' "$BURN" 150 2>&1 >/dev/null | awk '{ print ($1 + $2) * 1e9 }')
within "$(py "$TMP/g.json" 'd["results"][0]["statistics"]["cpu_ns"]["median"]')" "$g" 15
ok $? "median CPU time agrees with GNU time's user+sys within 15%"
grep -q '^Benchmark 1: ' "$TMP/a.txt"; ok $? "text report: Benchmark 1:"
grep -q 'Time (mean ± σ):' "$TMP/a.txt"; ok $? "text report: hyperfine's Time line"
grep -q 'Range (min … max):' "$TMP/a.txt"; ok $? "text report: hyperfine's Range line"
grep -q '7 runs' "$TMP/a.txt"; ok $? "text report: the number of runs"

# --- the same command under hyperfine 1.15: its export's keys and its numbers ---
if command -v hyperfine >/dev/null; then
	hyperfine -N -r 7 --style none --export-json "$TMP/h.json" "$BURN 5" >/dev/null 2>&1
	true_ "$(py "$TMP/h.json" 'set(d["results"][0]).issubset(set(json.load(open(sys.argv[1].replace("h.json", "a.json")))["results"][0]) | {"parameters"})')"
	ok $? "every key of hyperfine's result is in ptime's"
	# user time is CPU time, fixed by the fixture: the two tools agree within 25%
	hu=$(py "$TMP/h.json" 'd["results"][0]["user"]')
	pu=$(py "$TMP/a.json" 'd["results"][0]["user"]')
	within "$pu" "$hu" 25; ok $? "mean user time agrees with hyperfine's ($pu s, $hu s)"
	hyperfine -N -r 3 --style none --export-csv "$TMP/h.csv" "$BURN 1" >/dev/null 2>&1
	"$PTIME" -r 3 --export-csv="$TMP/p.csv" "$BURN" 1 2>/dev/null
	is "$(head -n 1 "$TMP/p.csv" | cut -d, -f1-8)" "$(head -n 1 "$TMP/h.csv" | cut -d, -f1-8)" "CSV: hyperfine's columns first"
	hyperfine -N -r 3 --style none --export-markdown "$TMP/h.md" "$BURN 1" >/dev/null 2>&1
	"$PTIME" -r 3 --export-markdown="$TMP/p.md" "$BURN" 1 2>/dev/null
	is "$(sed -n 1p "$TMP/p.md" | sed 's/\[[^]]*\]/[u]/g')" "$(sed -n 1p "$TMP/h.md" | sed 's/\[[^]]*\]/[u]/g')" "Markdown: hyperfine's header"
	is "$(sed -n 2p "$TMP/p.md" | tr -d ' ')" "$(sed -n 2p "$TMP/h.md" | tr -d ' ')" "Markdown: hyperfine's rule line"
else
	skip "hyperfine comparison" "hyperfine is not installed"
fi

# --- commands as strings: words without a shell, shell syntax under /bin/sh ---
"$PTIME" -r 1 --export-json="$TMP/c.json" -c "printf '%s|' 'a b' c" -c 'echo x | cat' -c 'echo "$HOME"' 2>/dev/null
"$PTIME" -r 1 --export-json="$TMP/c3.json" --shell=none -c 'echo a|b' 2>/dev/null
true_ "$(py "$TMP/c.json" 'd["results"][0]["argv"] == ["printf", "%s|", "a b", "c"] and d["results"][0]["shell"] is None')"
ok $? "plain words are split by quoting rules and run with no shell"
is "$(py "$TMP/c.json" 'd["results"][1]["shell"]')" /bin/sh "a pipe runs under /bin/sh"
is "$(py "$TMP/c.json" 'd["results"][2]["shell"]')" /bin/sh "a variable runs under /bin/sh"
true_ "$(py "$TMP/c3.json" 'd["results"][0]["argv"] == ["echo", "a|b"] and d["results"][0]["shell"] is None')"
ok $? "--shell=none: no shell even for shell syntax"
"$PTIME" -r 1 --export-json="$TMP/s.json" --shell=/bin/bash -c 'true' 2>"$TMP/s.txt"
is "$(py "$TMP/s.json" 'd["results"][0]["argv"]')" "['/bin/bash', '-c', 'true']" "--shell=PATH: always under it"
grep -q '/bin/bash' "$TMP/s.txt"; ok $? "the text report says which shell"
"$PTIME" -r 1 --export-json="$TMP/p1.json" -c "true 2" "$EXIT" 0 2>/dev/null
is "$(py "$TMP/p1.json" '[r["argv"][-1] for r in d["results"]]')" "['0', '2']" "the positional command comes first"
# the commands' own output goes to /dev/null, as hyperfine's, unless --show-output
out=$("$PTIME" -r 2 -c 'echo visible' 2>/dev/null)
is "$out" "" "the command's output is not shown"
out=$("$PTIME" -r 2 --show-output -c 'echo visible' 2>/dev/null)
is "$out" "visible
visible" "--show-output shows it"

# --- hooks, warmups, names ---
log="$TMP/hooks.log"
: >"$log"
"$PTIME" -r 3 -w 2 --export-json="$TMP/w.json" --setup="echo setup >>$log" --prepare="echo prepare >>$log" \
	--conclude="echo conclude >>$log" --cleanup="echo cleanup >>$log" -c 'true' -c 'false || true' 2>/dev/null
is "$(grep -c setup "$log")" 2 "--setup once per command"
is "$(grep -c cleanup "$log")" 2 "--cleanup once per command"
is "$(grep -c prepare "$log")" 10 "--prepare before every run, warmups too (2 x (2 + 3))"
is "$(grep -c conclude "$log")" 10 "--conclude after every run, warmups too"
is "$(py "$TMP/w.json" '[len(r["runs"]) for r in d["results"]]')" "[3, 3]" "warmups are not kept"
is "$(py "$TMP/w.json" 'd["warmup"]')" 2 "the export says how many warmups"
"$PTIME" -r 1 --export-json="$TMP/n.json" -n first -n second -c true -c 'true ' 2>/dev/null
is "$(py "$TMP/n.json" '[r["name"] for r in d["results"]]')" "['first', 'second']" "-n names the commands in order"
run "$PTIME" -r 1 -n a -n b -c true
is "$rc" 125 "more names than commands: 125"

# --- parameter scans ---
"$PTIME" -r 1 --export-json="$TMP/P.json" -P n 1 3 -c "true {n}" -n 'job {n}' --prepare='test {n} -ge 1' 2>/dev/null
is "$(py "$TMP/P.json" '[r["parameters"]["n"] for r in d["results"]]')" "['1', '2', '3']" "-P: one command per value, as strings"
is "$(py "$TMP/P.json" '[r["command"].split()[-1] for r in d["results"]]')" "['1', '2', '3']" "-P: {n} substituted in the command"
is "$(py "$TMP/P.json" '[r["name"] for r in d["results"]]')" "['job 1', 'job 2', 'job 3']" "-P: and in names"
"$PTIME" -r 1 --export-json="$TMP/D.json" -P x 0 1 -D 0.25 -c "true {x}" 2>/dev/null
is "$(py "$TMP/D.json" '[r["parameters"]["x"] for r in d["results"]]')" "['0.00', '0.25', '0.50', '0.75', '1.00']" "-D: decimal steps"
"$PTIME" -r 1 --export-json="$TMP/L.json" -L a x,y -L b 1,2 -c "true {a}{b}" 2>/dev/null
is "$(py "$TMP/L.json" '[r["command"].split()[-1] for r in d["results"]]')" "['x1', 'y1', 'x2', 'y2']" "-L twice: the cartesian product, the first varying fastest"
hyperfine_cmds() { hyperfine -N -r 1 --style none --export-json "$TMP/hL.json" -L a x,y -L b 1,2 "true {a}{b}" >/dev/null 2>&1; }
if command -v hyperfine >/dev/null && hyperfine_cmds; then
	is "$(py "$TMP/hL.json" '[r["command"] for r in d["results"]]')" "$(py "$TMP/L.json" '[r["command"] for r in d["results"]]')" \
		"-L: the same commands in the same order as hyperfine"
fi

# --- failures ---
run "$PTIME" -r 3 "$EXIT" 3 2>"$TMP/f.txt"
is "$rc" 3 "a failing run stops the benchmark with its status"
is "$(wc -l <"$TMP/f.txt" | tr -d ' ')" 1 "with one line"
grep -q "'$EXIT 3' failed on run 1: exit status 3" "$TMP/f.txt"; ok $? "naming the command, the run and the status"
run "$PTIME" -r 2 "$EXIT" 9 kill 2>"$TMP/k.txt"
is "$rc" 137 "a killed run: 128+9"
grep -q 'killed by signal 9' "$TMP/k.txt"; ok $? "the line names the signal"
run "$PTIME" -r 3 -i --export-json="$TMP/i.json" "$EXIT" 3 2>/dev/null
is "$rc" 0 "-i: failures are recorded, the benchmark goes on"
is "$(py "$TMP/i.json" 'd["results"][0]["exit_codes"]')" "[3, 3, 3]" "-i: exit_codes"
run "$PTIME" -r 2 --prepare=false -c true 2>"$TMP/pf.txt"
ok $(test "$rc" -ne 0; echo $?) "a failing --prepare stops the benchmark"
grep -q -- '--prepare' "$TMP/pf.txt"; ok $? "and says so"

# --- the order of runs ---
"$PTIME" -r 12 --export-json="$TMP/o.json" -c true -c 'true ' 2>/dev/null
true_ "$(py "$TMP/o.json" 'any(a["start_ns"] > b["start_ns"] for a, b in zip(d["results"][0]["runs"], d["results"][1]["runs"]))')"
ok $? "shuffled rounds: the second command sometimes runs first"
true_ "$(py "$TMP/o.json" 'all(a["round"] == b["round"] for a, b in zip(d["results"][0]["runs"], d["results"][1]["runs"]))')"
ok $? "runs of several commands interleave in rounds"
"$PTIME" -r 12 --order=sequential --export-json="$TMP/q.json" -c true -c 'true ' 2>/dev/null
true_ "$(py "$TMP/q.json" 'all(a["start_ns"] < b["start_ns"] for a, b in zip(d["results"][0]["runs"], d["results"][1]["runs"]))')"
ok $? "--order=sequential: in the given order each round"
"$PTIME" -r 12 --export-json="$TMP/o2.json" -c true -c 'true ' 2>/dev/null
is "$(py "$TMP/o2.json" '[r["round"] for r in d["results"][0]["runs"]]')" "$(py "$TMP/o.json" '[r["round"] for r in d["results"][0]["runs"]]')" "the shuffle has a fixed seed"

# --- --cpus ---
"$PTIME" -r 5 --cpus=0 --export-json="$TMP/cpu.json" "$BURN" 2 2>/dev/null
is "$(py "$TMP/cpu.json" 'sorted(set(r["cpu"] for r in d["results"][0]["runs"]))')" "[0]" "--cpus=0: every run ends on CPU 0"
run "$PTIME" -r 1 --cpus=4095 true
is "$rc" 125 "--cpus naming a CPU ptime may not use: 125"

# --- how many runs ---
"$PTIME" -b -M 12 --export-json="$TMP/b.json" true 2>/dev/null
is "$(py "$TMP/b.json" 'len(d["results"][0]["runs"])')" 12 "-b -M 12: at most 12 runs"
"$PTIME" -b -m 3 -M 4 --export-json="$TMP/b2.json" "$BURN" 1 2>/dev/null
is "$(py "$TMP/b2.json" 'len(d["results"][0]["runs"])')" 4 "-b: runs for 3 s, within --max-runs"
"$PTIME" -b -m 3 --max-time=0.2 --export-json="$TMP/mt.json" sleep 0.1 2>/dev/null
true_ "$(py "$TMP/mt.json" '2 <= len(d["results"][0]["runs"]) <= 3')"
ok $? "--max-time stops adding runs"
"$PTIME" --precision=50 --export-json="$TMP/pr.json" "$BURN" 2 2>/dev/null
true_ "$(py "$TMP/pr.json" 'd["results"][0]["precision_met"] and len(d["results"][0]["runs"]) >= 10')"
ok $? "--precision=50: met, after at least 10 runs"
"$PTIME" --precision=0.0001 -M 11 --export-json="$TMP/pr2.json" sleep 0.001 2>"$TMP/pr2.txt"
true_ "$(py "$TMP/pr2.json" 'not d["results"][0]["precision_met"] and len(d["results"][0]["runs"]) == 11')"
ok $? "--precision out of reach: stopped by --max-runs, and says so"
grep -qi 'precision' "$TMP/pr2.txt"; ok $? "the text report warns that the precision was not reached"

# --- comparisons, on CPU time, which fx-burn fixes whatever the load ---
"$PTIME" -r 8 --metric=cpu --export-json="$TMP/cmp.json" -c "$BURN 10" -c "$BURN 30" -c "$BURN 0" 2>"$TMP/cmp.txt"
is "$(py "$TMP/cmp.json" 'd["metric"]')" cpu_ns "--metric=cpu is cpu_ns"
is "$(py "$TMP/cmp.json" 'len(d["comparisons"])')" 2 "one comparison per command but the reference"
c='d["comparisons"][0]'
is "$(py "$TMP/cmp.json" "$c[\"reference\"]")" "$BURN 10" "the reference is the first command"
is "$(py "$TMP/cmp.json" "$c[\"verdict\"]")" slower "three times the CPU: slower"
# fx-burn's start-up costs CPU too: fx-burn 0 measures it, so the expected ratio is (30 + c0) / (10 + c0)
true_ "$(py "$TMP/cmp.json" "abs($c[\"ratio\"] / ((30e6 + d[\"results\"][2][\"statistics\"][\"cpu_ns\"][\"median\"]) / (10e6 + d[\"results\"][2][\"statistics\"][\"cpu_ns\"][\"median\"])) - 1) < 0.15 and $c[\"ci95\"][0] <= $c[\"ratio\"] <= $c[\"ci95\"][1] and $c[\"p_value\"] < 0.01")"
ok $? "its ratio is (30 + c0) / (10 + c0) within 15%, inside its CI, with a small p-value"
true_ "$(py "$TMP/cmp.json" "abs($c[\"ratio\"] - d[\"results\"][1][\"statistics\"][\"cpu_ns\"][\"median\"] / d[\"results\"][0][\"statistics\"][\"cpu_ns\"][\"median\"]) < 1e-9")"
ok $? "the ratio is the ratio of the medians"
true_ "$(py "$TMP/cmp.json" '"real_ns" in d["comparisons"][0]["metrics"]')"
ok $? "other metrics' ratios beside it"
grep -q 'times slower' "$TMP/cmp.txt"; ok $? "text: times slower"
"$PTIME" -r 8 --metric=cpu --noise=10 --export-json="$TMP/same.json" -c "$BURN 10" -c "$BURN 10 " 2>/dev/null
is "$(py "$TMP/same.json" 'd["comparisons"][0]["verdict"]')" no_difference "the same work: no significant difference"
"$PTIME" -r 6 --metric=cpu --reference="$BURN 30" --export-json="$TMP/ref.json" -c "$BURN 10" -c "$BURN 30" 2>/dev/null
is "$(py "$TMP/ref.json" 'd["comparisons"][0]["reference"]')" "$BURN 30" "--reference picks a command"
is "$(py "$TMP/ref.json" 'd["comparisons"][0]["verdict"]')" faster "and the others are compared with it"
"$PTIME" -r 3 --reference='true' --export-json="$TMP/ref2.json" -c "$EXIT 0" 2>/dev/null
is "$(py "$TMP/ref2.json" '[r["command"] for r in d["results"]]')" "['true', '$EXIT 0']" "a --reference not among the commands is run first"

# --- baselines and the regression gate ---
"$PTIME" -r 6 --metric=cpu -n job --export-json="$TMP/base.json" -c "$BURN 10" 2>/dev/null
run "$PTIME" -r 6 --metric=cpu -n job --baseline="$TMP/base.json" --max-regression=5% --export-json="$TMP/reg.json" -c "$BURN 30" 2>"$TMP/reg.txt"
is "$rc" 3 "--max-regression: a slower command than its baseline exits 3"
grep -q "'job' is .*% slower than its baseline" "$TMP/reg.txt"; ok $? "and says so on standard error"
true_ "$(py "$TMP/reg.json" 'any(c.get("baseline") and c["regression"] for c in d["comparisons"])')"
ok $? "the comparison with the baseline is marked as a regression"
run "$PTIME" -r 6 --metric=cpu -n job --baseline="$TMP/base.json" --max-regression=5 -c "$BURN 10" 2>/dev/null
is "$rc" 0 "the same work as its baseline passes the gate"
if command -v hyperfine >/dev/null; then
	hyperfine -N -r 5 --style none --export-json "$TMP/hb.json" "$BURN 10" >/dev/null 2>&1
	run "$PTIME" -r 5 --baseline="$TMP/hb.json" --export-json="$TMP/hbr.json" "$BURN" 10 2>/dev/null
	is "$rc" 0 "a hyperfine export serves as a baseline"
	true_ "$(py "$TMP/hbr.json" 'any(c.get("baseline") for c in d["comparisons"])')"
	ok $? "and is compared with (matched by command string)"
fi

# --- text and JSON to the report target ---
run "$PTIME" -r 2 --json -o "$TMP/j.json" true
is "$rc" 0 "--json -o: status 0"
validate "$TMP/j.json"; ok $? "--json writes the same document to -o"

# --- the progress line: on a terminal only ---
if command -v script >/dev/null; then
	script -qec "$PTIME -r 40 sleep 0.02" /dev/null >"$TMP/tty.txt" 2>&1
	grep -q "$(printf '\r\033\\[K\\[1/1\\] sleep 0.02: run')" "$TMP/tty.txt"; ok $? "a progress line on a terminal"
	grep -q "$(printf 'ETA')" "$TMP/tty.txt"; ok $? "with an ETA"
else
	skip "progress line" "script is not installed"
fi
"$PTIME" -r 5 sleep 0.01 2>"$TMP/pipe.txt"
ok $(grep -q "$(printf '\r')" "$TMP/pipe.txt"; test $? -ne 0; echo $?) "no progress line into a pipe"

# --- bad input: one line, 125, nothing runs ---
bad() { # bad DESCRIPTION ARGS...
	d=$1
	shift
	rm -f "$TMP/ran"
	run "$PTIME" "$@" 2>"$TMP/bad.txt"
	is "$rc:$(head -c 7 "$TMP/bad.txt")" "125:ptime: " "$d"
	ok $(test ! -e "$TMP/ran"; echo $?) "$d: nothing ran"
}
bad "-r 0" -r 0 touch "$TMP/ran"
bad "-r x" -r x touch "$TMP/ran"
bad "-r with -b" -r 3 -b touch "$TMP/ran"
bad "-r with --precision" -r 3 --precision=5 touch "$TMP/ran"
bad "-D without -P" -r 1 -D 2 touch "$TMP/ran"
bad "-P min above max" -r 1 -P x 3 1 -c "touch $TMP/ran"
bad "-P with too few arguments" -r 1 -P x 3
bad "an unknown --metric" -r 1 --metric=instrucions touch "$TMP/ran"
grep -q "did you mean 'instructions'" "$TMP/bad.txt"; ok $? "an unknown --metric suggests the near one"
bad "--order=x" -r 1 --order=x touch "$TMP/ran"
bad "--noise=x" -r 1 --noise=x touch "$TMP/ran"
bad "--max-regression without --baseline" -r 1 --max-regression=5 touch "$TMP/ran"
bad "a missing --baseline" -r 1 --baseline="$TMP/none.json" touch "$TMP/ran"
echo '{"x":1}' >"$TMP/notbench.json"
bad "a --baseline that is not an export" -r 1 --baseline="$TMP/notbench.json" touch "$TMP/ran"
bad "-f with -r" -r 2 -f %e touch "$TMP/ran"
bad "--sample with -r" -r 2 --sample touch "$TMP/ran"
bad "an unterminated quote" -r 1 -c "touch '$TMP/ran"
bad "a command that cannot be found" -r 1 -c "touch $TMP/ran" -c /nonexistent/cmd
bad "--shell that does not exist" -r 1 --shell=/nonexistent/sh -c "touch $TMP/ran"
bad "the same file for -o and --export-json" -r 1 -o "$TMP/same" --export-json="$TMP/same" touch "$TMP/ran"
echo keep >"$TMP/keep.json"
run "$PTIME" -r 1 --export-json="$TMP/keep.json" --metric=nosuch true 2>/dev/null
is "$(cat "$TMP/keep.json")" keep "an export file is left as it was on bad input"

echo "1..$tap_n"
exit $((tap_failed > 0))
