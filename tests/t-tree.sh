#!/bin/sh
# t-tree.sh: --tree: a Makefile of jobs with known CPU times and dependencies, checked process by process.
. "${srcdir:-.}/tests/lib.sh"
unset TIME MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
PY=/usr/bin/python3
jexpr() { "$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2"; }
true_() { grep -q '^True$'; }

if ! "$PTIME" -f '%{task-clock}' true 2>&1 | grep -q '^[0-9]'; then
	echo "1..0 # SKIP perf_event_open is not usable here at all"
	exit 0
fi
if ! command -v make >/dev/null; then
	echo "1..0 # SKIP no make"
	exit 0
fi

# Two 300 ms jobs in parallel, then a 200 ms job after both. make runs each recipe without a shell.
# In a sanitizer build LeakSanitizer would add a process to each job at its exit: env turns it off
# for the jobs (and is exec'd over, so a job is still one process named fx-burn).
NOLEAK="env ASAN_OPTIONS=detect_leaks=0"
cat >"$TMP/Makefile" <<EOF
all: c
a: ; $NOLEAK $FX/fx-burn 300
b: ; $NOLEAK $FX/fx-burn 300
c: a b ; $NOLEAK $FX/fx-burn 200
.PHONY: all a b c
EOF
# A job's CPU time alone, as the counters see it: a sanitizer build's start and exit add to MS.
for ms in 300 200; do
	solo=$("$PTIME" -f '%{task-clock}' $NOLEAK "$FX/fx-burn" $ms 2>&1)
	[ "$solo" -gt $((ms * 1000000)) ] 2>/dev/null || solo=$((ms * 1000000))
	eval "ref_$ms=$solo"
done

# check_fixture JSON WHO: every check of the fixture's tree.
check_fixture() {
	f=$1
	w=$2
	is "$(jexpr "$f" 'len(d["processes"])')" 4 "$w: four processes: make and three jobs"
	is "$(jexpr "$f" 'sorted(p["command"][1] for p in d["processes"] if p["comm"] == "fx-burn")')" "['200', '300', '300']" \
		"$w: each job's command line, read while it ran"
	is "$(jexpr "$f" 'd["processes"][0]["command"][0]')" make "$w: the first process is the command"
	is "$(jexpr "$f" 'all(p["ppid"] == d["processes"][0]["pid"] for p in d["processes"][1:])')" True "$w: each job's parent is make"
	for ms in 300 200; do
		for cpu in $(jexpr "$f" '" ".join(str(p["cpu_ns"]) for p in d["processes"] if p.get("command", [""])[1:] == ["'$ms'"])'); do
			eval "ref=\$ref_$ms"
			within "$cpu" "$ref" 10; ok $? "$w: a $ms ms job's CPU time is within 10% ($cpu ns, alone $ref)"
		done
	done
	sum=$(jexpr "$f" 'sum(p["cpu_ns"] for p in d["processes"])')
	within "$sum" "$(jexpr "$f" 'd["parallelism"]["cpu_ns"]')" 1; ok $? "$w: the processes' CPU times add up to the tree's ($sum)"
	within "$sum" "$(jexpr "$f" 'd["time"]["user_ns"] + d["time"]["sys_ns"]')" 10; ok $? "$w: and to rusage user+sys, within 10%"
	within "$(jexpr "$f" 'd["parallelism"]["average"]')" "$(jexpr "$f" '(d["time"]["user_ns"] + d["time"]["sys_ns"]) / d["time"]["real_ns"]')" 10
	ok $? "$w: average parallelism is (user+sys)/real within 10% ($(jexpr "$f" 'd["parallelism"]["average"]'))"
	within "$(jexpr "$f" 'sum(h["ns"] for h in d["parallelism"]["histogram"])')" "$(jexpr "$f" 'd["time"]["real_ns"]')" 2
	ok $? "$w: the histogram of busy CPUs covers the run"
	within "$(jexpr "$f" 'd["parallelism"]["busy_ns"]')" "$sum" 10; ok $? "$w: the switch records' busy time is the CPU time, within 10%"
	is "$(jexpr "$f" '1 <= d["parallelism"]["max"] <= d["parallelism"]["nproc"]')" True "$w: at most nproc busy CPUs"
	# The path: make, the 300 ms job that ended last, make, the 200 ms job, make.
	is "$(jexpr "$f" '[s["comm"] for s in d["critical_path"]["steps"]]')" "['make', 'fx-burn', 'make', 'fx-burn', 'make']" \
		"$w: the critical path's steps"
	is "$(jexpr "$f" '[p["command"][1] for s in d["critical_path"]["steps"] for p in d["processes"] if p["pid"] == s["pid"] and p["comm"] == "fx-burn"]')" \
		"['300', '200']" "$w: the path runs through a 300 ms job, then the 200 ms one"
	is "$(jexpr "$f" 'max((p for p in d["processes"] if p["command"][1:] == ["300"]), key=lambda p: p["end_ns"])["pid"] == d["critical_path"]["steps"][1]["pid"]')" \
		True "$w: the 300 ms job on the path is the one that ended last"
	within "$(jexpr "$f" 'd["critical_path"]["ns"]')" "$(jexpr "$f" 'd["time"]["real_ns"]')" 2; ok $? "$w: the critical path spans the wall time"
	is "$(jexpr "$f" '[(e["comm"], e["count"]) for e in d["executables"]]')" "[('fx-burn', 3), ('make', 1)]" "$w: by executable"
}

"$PTIME" --tree -j -o "$TMP/t.json" make -s -j2 -f "$TMP/Makefile"; rc=$?
is "$rc" 0 "--tree keeps the command's status"
if "$PY" -c 'import jsonschema' 2>/dev/null; then
	validate "$TMP/t.json"; ok $? "validates against the schema"
else
	skip "validates against the schema" "python3-jsonschema is not installed"
fi
check_fixture "$TMP/t.json" "$(id -un)"
is "$(jexpr "$TMP/t.json" 'd["tree"]["lost_records"]')" 0 "no record lost"
is "$(jexpr "$TMP/t.json" '"exit" in d["processes"][0] and "exit" in d["processes"][1]["unavailable"]')" True \
	"the command's exit status is known, a job's is not, and says why"

# --trace: the same tree as Chrome trace events, checked against the JSON of the same run.
"$PTIME" --tree -j -o "$TMP/tr.json" --trace="$TMP/trace.json" make -s -j2 -f "$TMP/Makefile"; rc=$?
is "$rc" 0 "--trace: the command's status"
cat >"$TMP/trace.py" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
d = json.loads(open(sys.argv[2]).read().splitlines()[-1])
ev = t["traceEvents"]
X = [e for e in ev if e["ph"] == "X"]
names = {(e["pid"], e["name"]) for e in ev if e["ph"] == "M"}
procs = {e["pid"]: e for e in X if e["cat"] == "process"}
checks = []
checks.append(("a process_name for every process", all((p["pid"], "process_name") in names for p in d["processes"])))
checks.append(("a thread_name for every thread", sum(e["name"] == "thread_name" for e in ev if e["ph"] == "M") == sum(len(p["threads"]) for p in d["processes"])))
checks.append(("a life slice for every process on its own pid/tid track", sorted(procs) == sorted(p["pid"] for p in d["processes"]) and all(e["tid"] == e["pid"] for e in procs.values())))
checks.append(("whole microseconds", all(type(e[k]) is int for e in X for k in ("ts", "dur"))))
checks.append(("each slice's ts and dur are the process's start_ns and end_ns", all(abs(procs[p["pid"]]["ts"] * 1000 - p["start_ns"]) <= 500 and abs((procs[p["pid"]]["ts"] + procs[p["pid"]]["dur"]) * 1000 - p["end_ns"]) <= 500 for p in d["processes"])))
checks.append(("args: ppid and CPU time as --json's", all(procs[p["pid"]]["args"]["ppid"] == p["ppid"] and abs(procs[p["pid"]]["args"]["cpu_us"] * 1000 - p["cpu_ns"]) <= 500 for p in d["processes"])))
checks.append(("args: the command's exit status, and only its", procs[d["processes"][0]["pid"]]["args"].get("exit") == 0 and sum("exit" in e["args"] for e in procs.values()) == 1))
cpu = [e for e in X if e["cat"] == "cpu"]
checks.append(("on-CPU slices on the jobs' tracks", all(any(e["pid"] == p["pid"] for e in cpu) for p in d["processes"] if p["comm"] == "fx-burn")))
on = sum(e["dur"] for e in cpu) * 1000
checks.append(("the on-CPU slices add up to the switch records' busy time within 10%% (%d ns, %d)" % (on, d["parallelism"]["busy_ns"]), abs(on - d["parallelism"]["busy_ns"]) <= 0.1 * d["parallelism"]["busy_ns"] + 2e6))
C = [e for e in ev if e["ph"] == "C"]
# on a loaded machine the two jobs may never have run at once: then the counter's top is one CPU
top = max(e["args"]["busy"] for e in C) if C else 0
checks.append(("a busy-CPU counter that reaches the maximum and ends at 0 (top %.3f, most at once %d)" % (top, d["parallelism"]["max"]),
               len(C) > 2 and C[-1]["args"]["busy"] == 0 and top <= d["parallelism"]["max"] and (top > 1 if d["parallelism"]["max"] > 1 else top > 0.5)))
tracks = {}
for e in X:
    tracks.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
nest = True
for sl in tracks.values():  # Perfetto's rule: slices on a track nest, or they go to an overflow track
    sl.sort(key=lambda x: (x[0], -x[1]))
    st = []
    for a, b in sl:
        while st and st[-1] <= a:
            st.pop()
        if st and b > st[-1]:
            nest = False
        st.append(b)
checks.append(("slices nest on every track", nest))
for what, good in checks:
    print(("ok" if good else "not ok") + "\t" + what)
PYEOF
"$PY" "$TMP/trace.py" "$TMP/trace.json" "$TMP/tr.json" >"$TMP/trace.out" 2>&1
ok $? "--trace: the trace parses"
while IFS="$(printf '\t')" read -r res what; do
	ok "$([ "$res" = ok ] && echo 0 || echo 1)" "--trace: $what"
done <"$TMP/trace.out"
if "$PY" -c 'import jsonschema' 2>/dev/null; then
	"$PY" -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
		"${srcdir:-.}/docs/trace.schema.json" "$TMP/trace.json"
	ok $? "--trace: validates against docs/trace.schema.json"
else
	skip "--trace: validates against docs/trace.schema.json" "python3-jsonschema is not installed"
fi
"$PTIME" --trace="$TMP/no/such/dir/t.json" touch "$TMP/ran-trace" 2>"$TMP/tr.err"; rc=$?
is "$rc" 125 "--trace to a bad path: 125 before the run"
ok "$([ -e "$TMP/ran-trace" ] && echo 1 || echo 0)" "--trace to a bad path: the command did not run"
"$PTIME" --trace="$TMP/same" -o "$TMP/same" true 2>/dev/null; rc=$?
is "$rc" 125 "--trace and -o on one file: refused"
if [ -e "$FX/libfxnoperf.so" ]; then
	echo keep >"$TMP/kept.json"
	ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$FX/libfxnoperf.so" "$PTIME" --trace="$TMP/kept.json" true 2>/dev/null
	is "$(cat "$TMP/kept.json")" keep "--trace without a tree: the old file stays as it was"
fi

# The whole tree's memory: two 100 MiB processes at once, in a cgroup of its own where ptime may make one.
check_memory() {
	f=$1
	w=$2
	why=$(jexpr "$f" 'd["tree"]["memory"]["unavailable"].get("peak_bytes", "")')
	case $why in
	"no cgroup ptime may create: "*)
		ok 0 "$w: no cgroup, and why: $why"
		[ "$w" = root ] && skip "$w: the tree's peak memory" "no cgroup here"
		return ;;
	esac
	peak=$(jexpr "$f" 'd["tree"]["memory"]["peak_bytes"] >> 20')
	rss=$(jexpr "$f" 'd["rusage"]["max_rss_bytes"] >> 20')
	ok "$([ "$peak" -ge 195 ] && [ "$peak" -le 400 ] && echo 0 || echo 1)" "$w: the tree's peak is both processes' 200 MiB ($peak MiB)"
	ok "$([ "$rss" -ge 100 ] && [ $((peak * 10)) -ge $((rss * 16)) ] && echo 0 || echo 1)" \
		"$w: where max RSS is one's ($rss MiB; a sanitizer build's shadow memory adds to both)"
	is "$(jexpr "$f" 'd["tree"]["memory"]["removed"]')" True "$w: the cgroup is removed after the run"
	ok "$([ -e "$(jexpr "$f" 'd["tree"]["memory"]["cgroup"]')" ] && echo 1 || echo 0)" "$w: and gone"
}
"$PTIME" --tree -j -o "$TMP/mem.json" sh -c "$FX/fx-alloc 100 1500 & $FX/fx-alloc 100 1500; wait"; rc=$?
is "$rc" 0 "memory: the command's status"
check_memory "$TMP/mem.json" "$(id -un)"
# A process the command leaves running keeps its cgroup: said, and left (the test removes it after).
"$PTIME" --tree -j -o "$TMP/linger.json" sh -c 'sleep 1 </dev/null >/dev/null 2>&1 &'
cg=$(jexpr "$TMP/linger.json" 'd["tree"]["memory"].get("cgroup", "")')
if [ -n "$cg" ]; then
	jexpr "$TMP/linger.json" 'not d["tree"]["memory"]["removed"] and "still runs in" in d["tree"]["memory"]["unavailable"]["removed"]' | true_
	ok $? "memory: a process left running keeps the cgroup, and the report says so"
	sleep 2
	for d in $(jexpr "$TMP/linger.json" '" ".join(w for w in d["tree"]["memory"]["unavailable"]["removed"].split() if "/ptime-" in w)'); do
		rmdir "${d%:}" 2>/dev/null
	done
else
	skip "memory: a process left running keeps the cgroup" "no cgroup here"
fi
"$PTIME" --tree sh -c "$FX/fx-alloc 10" 2>"$TMP/mem.txt"
grep -Eq '^  tree memory: (peak [0-9.]+ MiB|not measured: no cgroup ptime may create: )' "$TMP/mem.txt"
ok $? "memory: a line of the Processes block"

# The same processes as perf sched sees them, system-wide, around ptime (root only: tracepoints).
if [ "$(id -u)" -eq 0 ] && command -v perf >/dev/null &&
	perf sched record -q -o "$TMP/sched.data" "$PTIME" --tree -j -o "$TMP/s.json" make -s -j2 -f "$TMP/Makefile" >/dev/null 2>&1 &&
	perf sched timehist -i "$TMP/sched.data" -s 2>/dev/null >"$TMP/sched.txt"; then
	for pid in $(jexpr "$TMP/s.json" '" ".join(str(p["pid"]) for p in d["processes"] if p["comm"] == "fx-burn")'); do
		theirs=$(awk -v p="[$pid]" 'index($1, p) { printf "%d", $4 * 1000000; exit }' "$TMP/sched.txt")
		ours=$(jexpr "$TMP/s.json" '[p["cpu_ns"] for p in d["processes"] if p["pid"] == '"$pid"'][0]')
		within "$ours" "${theirs:-0}" 10; ok $? "job $pid: CPU time as perf sched timehist's run time ($ours vs ${theirs:-none})"
	done
else
	skip "per-process CPU time against perf sched timehist" "needs root and perf sched"
fi

# Page faults per process: two processes that touch 8 and 24 MiB (256 minor faults a MiB, and a small
# baseline), against each one's own rusage run alone (wait4's ru_minflt, as GNU time's %R).
for mib in 8 24; do
	eval "solo_$mib=$("$PTIME" -f '%R' $NOLEAK "$FX/fx-alloc" $mib 2>&1)"
done
# check_faults JSON WHO
check_faults() {
	f=$1
	w=$2
	is "$(jexpr "$f" 'd["tree"]["task_faults"]')" True "$w: faults: counted per task"
	for mib in 8 24; do
		eval "solo=\$solo_$mib"
		n=$(jexpr "$f" '[p["page_faults"]["minor"] for p in d["processes"] if p.get("command", [""])[-1:] == ["'$mib'"]][0]')
		ok "$([ "$n" -ge $((mib * 256)) ] && echo 0 || echo 1)" "$w: faults: the $mib MiB process has at least $((mib * 256)) minor faults ($n)"
		within "$n" "$solo" 5; ok $? "$w: faults: and as many as its rusage alone, within 5% ($n, alone $solo)"
	done
	jexpr "$f" 'all(p["page_faults"]["major"] >= 0 for p in d["processes"])' | true_; ok $? "$w: faults: major counts too"
	sum=$(jexpr "$f" 'sum(p["page_faults"]["minor"] + p["page_faults"]["major"] for p in d["processes"])')
	is "$sum" "$(jexpr "$f" 'd["tree"]["page_faults"]["minor"] + d["tree"]["page_faults"]["major"]')" \
		"$w: faults: the processes' add up to the tree's"
	within "$sum" "$(jexpr "$f" 'd["rusage"]["minor_page_faults"] + d["rusage"]["major_page_faults"]')" 5
	ok $? "$w: faults: and to rusage's for the whole run, within 5% ($sum)"
}
"$PTIME" --tree -j -o "$TMP/pf.json" sh -c "$NOLEAK $FX/fx-alloc 8 & $NOLEAK $FX/fx-alloc 24; wait"; rc=$?
is "$rc" 0 "faults: the command's status"
check_faults "$TMP/pf.json" "$(id -un)"
"$PTIME" --tree sh -c "$FX/fx-alloc 8" 2>"$TMP/pf.txt"
grep -Eq '^ +pid +ppid +start +wall +CPU +minflt +majflt +command$' "$TMP/pf.txt"; ok $? "faults: columns of the slowest processes"
grep -Eq '^ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]{4,} +[0-9]+  .*fx-alloc 8$' "$TMP/pf.txt"; ok $? "faults: the 8 MiB process's line"
"$PTIME" --tree --sample -j -o "$TMP/pfs.json" sh -c "$FX/fx-alloc 8"
jexpr "$TMP/pfs.json" 'all("page_faults" not in p and "--sample" in p["unavailable"]["page_faults"] for p in d["processes"])' | true_
ok $? "faults: with --sample, not counted, and why"

# Threads and a process that never execs.
"$PTIME" --tree -j -o "$TMP/th.json" $NOLEAK "$FX/fx-burn" 100 3 2; rc=$?
is "$rc" 0 "threads and a fork: the command's status"
is "$(jexpr "$TMP/th.json" '[len(p["threads"]) for p in d["processes"]]')" "[3, 3]" "two processes of three threads each"
is "$(jexpr "$TMP/th.json" 'd["processes"][1]["command_inherited"]')" True "the forked process shows its parent's arguments, and says so"
# A main thread carries its process's start and exit too: a sanitizer build's runtime adds 30-40 ms there.
for cpu in $(jexpr "$TMP/th.json" '" ".join(str(t["cpu_ns"]) for p in d["processes"] for t in p["threads"])'); do
	ok "$([ "$cpu" -ge 95000000 ] && [ "$cpu" -le 160000000 ] && echo 0 || echo 1)" "a thread's 100 ms of CPU ($cpu ns)"
done

# The classic report's block.
LANG=C "$PTIME" --tree make -s -j2 -f "$TMP/Makefile" 2>"$TMP/classic"
for h in '^ Processes: 4 processes' '^  fx-burn +3 ' '^ Slowest processes' '^ Parallelism: ' '^ +1 busy ' '^  serial ' \
	'^  busy CPUs over time' '^ Critical path: ' '^ not seen: max RSS per process'; do
	grep -Eq "$h" "$TMP/classic"; ok $? "classic: '$h'"
done
"$PTIME" --tree -f '%e' make -s -j2 -f "$TMP/Makefile" 2>"$TMP/fmt"
ok "$(head -n 1 "$TMP/fmt" | grep -Eq '^[0-9]+\.[0-9]+$' && grep -q '^ Processes:' "$TMP/fmt" && echo 0 || echo 1)" \
	"-f: GNU's output first, then the block"

# With --sample too: each task's CPU time from its switches.
"$PTIME" --tree --sample -j -o "$TMP/ts.json" make -s -j2 -f "$TMP/Makefile"
is "$(jexpr "$TMP/ts.json" 'sorted(set(p["cpu_source"] for p in d["processes"]))')" "['switch records']" "--sample: CPU from switch records"
within "$(jexpr "$TMP/ts.json" 'sum(p["cpu_ns"] for p in d["processes"])')" "$(jexpr "$TMP/ts.json" 'd["time"]["user_ns"] + d["time"]["sys_ns"]')" 10
ok $? "--sample: the processes' CPU times add up to user+sys within 10%"

# perf_event_open refused, as at perf_event_paranoid 3: no tree, and why; the command runs.
if [ -e "$FX/libfxnoperf.so" ]; then
	ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$FX/libfxnoperf.so" "$PTIME" --tree "$FX/fx-exit" 3 2>"$TMP/np"; rc=$?
	is "$rc" 3 "refused: the command runs, its status stays"
	grep -q '^ Processes: unavailable: not permitted: perf_event_paranoid=' "$TMP/np"; ok $? "refused: the block says why"
	ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$FX/libfxnoperf.so" "$PTIME" --tree -j -o "$TMP/np.json" true
	jexpr "$TMP/np.json" '"perf_event_paranoid" in d["unavailable"]["tree"] and "processes" not in d' | true_; ok $? "refused: JSON unavailable.tree"
fi

# Benchmark mode: each run's tree reduced to its executables' figures, and their statistics over the runs.
# check_bench JSON WHO: three runs of the fixture, against the jobs' CPU time alone and the runs' own figures.
check_bench() {
	f=$1
	w=$2
	t='d["results"][0]["tree"]'
	is "$(jexpr "$f" "$t['runs'], $t['missing_runs']")" "(3, 0)" "$w: bench: three runs, each with its tree"
	is "$(jexpr "$f" "[(e['comm'], e['runs'], e['count']['min'], e['count']['max']) for e in $t['executables']]")" \
		"[('fx-burn', 3, 3, 3), ('make', 3, 1, 1)]" "$w: bench: three fx-burn and one make in every run"
	is "$(jexpr "$f" "$t['processes']['median'], $t['threads']['median'], 'others' in $t")" "(4, 4, False)" \
		"$w: bench: four processes of one thread each, no others"
	burn=$(jexpr "$f" "$t['executables'][0]['cpu_ns']['median']")
	within "$burn" $((ref_300 * 2 + ref_200)) 10; ok $? "$w: bench: fx-burn's median CPU is the three jobs' alone within 10% ($burn ns)"
	big=$(jexpr "$f" "$t['executables'][0]['max_cpu_ns']['median']")
	within "$big" "$ref_300" 10; ok $? "$w: bench: its largest process is a 300 ms job within 10% ($big ns)"
	jexpr "$f" "$t['executables'][1]['cpu_ns']['max'] < 0.2 * $burn" | true_; ok $? "$w: bench: make's own CPU is small"
	jexpr "$f" "all(s['n'] == 3 and s['min'] <= s['median'] <= s['max'] for e in $t['executables'] for s in (e['count'], e['cpu_ns'], e['wall_ns'], e['max_cpu_ns']))" | true_
	ok $? "$w: bench: each executable's figures over the three runs"
	s='d["results"][0]["statistics"]'
	within "$(jexpr "$f" "$t['parallelism']['cpu_ns']['median']")" "$(jexpr "$f" "$s['task-clock']['median'] if 'task-clock' in $s else $s['cpu_ns']['median']")" 5
	ok $? "$w: bench: the tree's CPU is the runs' task-clock within 5%"
	par=$(jexpr "$f" "$t['parallelism']['average']['median']")
	within "$par" "$(jexpr "$f" "$s['cpu_ns']['median'] / $s['real_ns']['median']")" 15
	ok $? "$w: bench: average parallelism is (user+sys)/real of the medians within 15% ($par)"
	within "$(jexpr "$f" "$t['critical_path']['ns']['median']")" "$(jexpr "$f" "$s['real_ns']['median']")" 5
	ok $? "$w: bench: the critical path spans the runs' real time"
	if "$PY" -c 'import jsonschema' 2>/dev/null; then
		validate "$f"; ok $? "$w: bench: validates against the schema"
	else
		skip "$w: bench: validates against the schema" "python3-jsonschema is not installed"
	fi
}
"$PTIME" -r 3 --tree --json -o "$TMP/b.json" make -s -j2 -f "$TMP/Makefile"; rc=$?
is "$rc" 0 "bench: --tree with -r 3 runs"
check_bench "$TMP/b.json" "$(id -un)"
LANG=C "$PTIME" -r 3 --tree make -s -j2 -f "$TMP/Makefile" 2>"$TMP/bench.txt"
for h in '^  Processes \(--tree, medians of 3 runs\): 4 processes, 4 threads, ' '^    parallelism [0-9.]+ CPUs busy on average' \
	'^    executable +procs +CPU median' '^    fx-burn +3 ' '^    make +1 '; do
	grep -Eq "$h" "$TMP/bench.txt"; ok $? "bench: text: '$h'"
done
# --trace would be one run's: refused in benchmark mode, and the command does not run.
"$PTIME" --trace="$TMP/bt.json" -r 2 touch "$TMP/ran" 2>"$TMP/bench"; rc=$?
is "$rc" 125 "--trace with -r: refused with 125"
ok "$([ -e "$TMP/ran" ] || [ -e "$TMP/bt.json" ] && echo 1 || echo 0)" "--trace with -r: nothing ran, nothing written"
is "$(head -n 1 "$TMP/bench")" "ptime: --trace writes one run's trace; in benchmark mode, --tree reports the tree over the runs" \
	"--trace with -r: one line says why"
if [ -e "$FX/libfxnoperf.so" ]; then
	ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$FX/libfxnoperf.so" "$PTIME" -r 2 --tree -j -o "$TMP/bnp.json" true
	jexpr "$TMP/bnp.json" 'd["results"][0]["tree"]["runs"] == 0 and d["results"][0]["tree"]["missing_runs"] == 2 and "perf_event_paranoid" in d["results"][0]["tree"]["unavailable"]' | true_
	ok $? "bench: perf refused: no run has a tree, and why"
fi

# Unprivileged (perf_event_paranoid 2 allows one's own tasks, user space only).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" --tree -j make -s -j2 -f "$TMP/Makefile" 2>"$TMP/u.json"; rc=$?
	is "$rc" 0 "nobody: the run succeeds"
	check_fixture "$TMP/u.json" nobody
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" --tree -j sh -c "$FX/fx-alloc 100 1500 & $FX/fx-alloc 100 1500; wait" 2>"$TMP/umem.json"
	check_memory "$TMP/umem.json" nobody
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" -r 3 --tree -j make -s -j2 -f "$TMP/Makefile" 2>"$TMP/ub.json"
	check_bench "$TMP/ub.json" nobody
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" --tree -j sh -c "$NOLEAK $FX/fx-alloc 8 & $NOLEAK $FX/fx-alloc 24; wait" 2>"$TMP/upf.json"
	check_faults "$TMP/upf.json" nobody
else
	skip "--tree as user nobody" "needs root and setpriv (the suite runs as nobody in .ci/run)"
fi

done_testing
