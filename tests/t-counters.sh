#!/bin/sh
# t-counters.sh: perf counters: agreement with rusage and perf stat, inheritance, privilege, bad events.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
jget() { "$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval("d"+sys.argv[2]))' "$1" "$2"; }
jexpr() { "$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2"; }

if ! "$PTIME" -f '%{task-clock}' true 2>&1 | grep -q '^[0-9]'; then
	echo "1..0 # SKIP perf_event_open is not usable here at all"
	exit 0
fi

# task-clock of a known CPU loop agrees with user+sys within 10%.
"$PTIME" -f '%{task-clock} %{user_ns} %{sys_ns}' "$FX/fx-burn" 300 2>"$TMP/tc"
read -r tc u s <"$TMP/tc"
within "$tc" $((u + s)) 10; ok $? "task-clock agrees with user+sys ($tc vs $((u + s)))"

# Threads and child processes are counted: 4 x 100 ms of CPU at least (a sanitizer build adds its
# own start-up to each process), and as much as rusage says they used.
"$PTIME" -f '%{task-clock} %{user_ns} %{sys_ns}' "$FX/fx-burn" 100 2 2 2>"$TMP/tc2"
read -r tc u s <"$TMP/tc2"
ok "$([ "$tc" -ge 380000000 ] && within "$tc" $((u + s)) 10 && echo 0 || echo 1)" \
	"task-clock covers 2 threads x 2 processes ($tc ns for 400 ms of work; rusage $((u + s)))"

# The same numbers as perf stat, within 5%.
if command -v perf >/dev/null && perf stat -x, -e task-clock true >/dev/null 2>&1; then
	# page faults of a known allocation; task-clock of a loop that burns a known CPU time
	perf stat -x, -e page-faults "$FX/fx-alloc" 64 2>"$TMP/perf" >/dev/null
	pf=$(awk -F, '$3 ~ /^page-faults/ { print $1 }' "$TMP/perf")
	"$PTIME" -f '%{page-faults}' "$FX/fx-alloc" 64 2>"$TMP/ours"
	of=$(cat "$TMP/ours")
	# Two runs of one loop differ by what else the machine does (a sanitizer build's exit varies by
	# tens of ms on a busy one), and that only ever adds CPU time: the least of three runs of each,
	# interleaved, is what each tool measures of the loop itself.
	: >"$TMP/pts"
	: >"$TMP/ots"
	for i in 1 2 3; do
		perf stat -x, -e task-clock "$FX/fx-burn" 300 2>"$TMP/perf" >/dev/null
		awk -F, '$3 ~ /^task-clock/ { printf "%d\n", $1 * 1000000 }' "$TMP/perf" >>"$TMP/pts"
		"$PTIME" -f '%{task-clock}' "$FX/fx-burn" 300 2>>"$TMP/ots"
	done
	pt=$(sort -n "$TMP/pts" | head -n 1)
	ot=$(sort -n "$TMP/ots" | head -n 1)
	within "$of" "$pf" 5; ok $? "page-faults agree with perf stat ($of vs $pf)"
	within "$ot" "$pt" 5; ok $? "task-clock agrees with perf stat ($ot vs $pt)"
else
	skip "page-faults agree with perf stat" "perf stat does not work here"
	skip "task-clock agrees with perf stat" "perf stat does not work here"
fi

# Hardware counters: counted where there is a PMU, 'not supported' where there is none;
# either way the command's status is unchanged.
"$PTIME" -j -e cycles,instructions "$FX/fx-exit" 3 2>"$TMP/hw.json"; rc=$?
is "$rc" 3 "the command's status is unchanged by hardware counters"
if perf stat -e cycles:u true >/dev/null 2>&1 && ! perf stat -x, -e cycles:u true 2>&1 | grep -q 'not supported'; then
	ok "$(jget "$TMP/hw.json" '["counters"]["events"][0]["value"] > 0' | grep -q True && echo 0 || echo 1)" "cycles counted on this PMU"
else
	is "$(jget "$TMP/hw.json" '["counters"]["events"][0]["why"]')" "not supported" "no PMU: cycles is 'not supported'"
	is "$(jget "$TMP/hw.json" '["unavailable"]["ipc"]')" "instructions: not supported" "no PMU: IPC says why"
fi

# The reports.
"$PTIME" "$FX/fx-burn" 50 2>"$TMP/classic"
grep -q '^ Performance counters' "$TMP/classic"; ok $? "classic report: a counters block"
grep -Eq '^ +[0-9,]+\.[0-9]{2} msec task-clock(:u)? +# +[0-9.]+ CPUs utilized' "$TMP/classic"; ok $? "classic: task-clock with CPUs utilized, as perf stat"
grep -Eq '^ +[0-9,]+ +page-faults(:u)? +# +[0-9.]+ [KMG]?/sec' "$TMP/classic"; ok $? "classic: page-faults with a rate"
"$PTIME" -v "$FX/fx-exit" 0 2>"$TMP/verbose"
is "$(sed -n 23p "$TMP/verbose")" "	Exit status: 0" "-v: the 23 GNU lines come first"
grep -q 'task-clock' "$TMP/verbose"; ok $((! $?)) "-v: no counters block unless -e asks (GNU's lines only)"
"$PTIME" -e none "$FX/fx-exit" 0 2>"$TMP/none"
ok "$(grep -q 'Performance counters' "$TMP/none" && echo 1 || echo 0)" "-e none: no counters block"
"$PTIME" -j -e none "$FX/fx-exit" 0 2>"$TMP/none.json"
is "$(jget "$TMP/none.json" '["unavailable"]["counters"]')" "counting was turned off (-e none)" "-e none in JSON says so"
strace -f -e trace=perf_event_open -o "$TMP/trace" "$PTIME" -f '%e' true 2>/dev/null
ok "$(grep -c perf_event_open "$TMP/trace" 2>/dev/null | grep -qx 0 && echo 0 || echo 1)" "-f without counters opens no event"
"$PTIME" -f '%{ipc}|%{task-clock}' "$FX/fx-exit" 0 2>"$TMP/fmt"
grep -Eq '^(\?|[0-9.]+)\|[0-9]+$' "$TMP/fmt"; ok $? "-f reaches counters and derived metrics by name ($(cat "$TMP/fmt"))"

# --events=list
"$PTIME" --events=list >"$TMP/list"; rc=$?
is "$rc" 0 "--events=list exits 0"
grep -Eq '^task-clock +countable' "$TMP/list"; ok $? "--events=list: task-clock is countable"
grep -Eq '^L1-dcache-load-misses ' "$TMP/list"; ok $? "--events=list: cache events are listed"

# Bad input: 125, one line naming the token, the command not run.
for bad in "cylces:did you mean 'cycles'" "rxyz:malformed raw event 'rxyz'" "cycles:q:unknown modifier ':q'"; do
	tok=${bad%%:*}; rest=${bad#*:}
	case $bad in cycles:q:*) tok=cycles:q; rest=${bad#cycles:q:} ;; esac
	"$PTIME" -e "$tok" touch "$TMP/ran" 2>"$TMP/err"; rc=$?
	is "$rc" 125 "-e $tok: exit 125"
	grep -q "$rest" "$TMP/err"; ok $? "-e $tok: names the problem"
	ok "$([ -e "$TMP/ran" ] && echo 1 || echo 0)" "-e $tok: the command did not run"
done

# Unprivileged, and with a file capability.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	asuser "$PTIME" -j "$FX/fx-burn" 50 2>"$TMP/u.json"; rc=$?
	is "$rc" 0 "unprivileged: the run succeeds"
	p=$(cat /proc/sys/kernel/perf_event_paranoid)
	if [ "$p" -ge 2 ]; then
		is "$(jget "$TMP/u.json" '["counters"]["user_only_fallback"]')" True "paranoid $p: falls back to user space only"
		is "$(jexpr "$TMP/u.json" '[e["source"] for e in d["counters"]["events"] if e["name"]=="context-switches"][0]')" rusage \
			"paranoid $p: context-switches come from rusage"
	fi
	ok "$(jexpr "$TMP/u.json" '[e for e in d["counters"]["events"] if e["name"]=="task-clock"][0]["value"] > 0' | grep -q True && echo 0 || echo 1)" \
		"unprivileged: task-clock counted"
	asuser "$PTIME" -f '%{read_bytes}' cat /etc/passwd 2>"$TMP/uio" >/dev/null
	ok "$(grep -Eq '^[0-9]+$' "$TMP/uio" && echo 0 || echo 1)" "unprivileged: /proc/PID/io of one's own zombie is read ($(cat "$TMP/uio"))"

	cp "$PTIME" "$TMP/ptime-cap"
	if command -v setcap >/dev/null && setcap cap_perfmon+ep "$TMP/ptime-cap" 2>/dev/null; then
		chmod 755 "$TMP/ptime-cap"
		asuser "$TMP/ptime-cap" -f '' grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status >"$TMP/caps"
		is "$(awk '{print $2}' "$TMP/caps" | sort -u)" 0000000000000000 "file capability: the command holds no capability"
		is "$(wc -l <"$TMP/caps" | tr -d ' ')" 4 "file capability: all four sets were read"
		asuser "$TMP/ptime-cap" -j -e context-switches,task-clock "$FX/fx-burn" 50 2>"$TMP/cap.json"
		is "$(jget "$TMP/cap.json" '["capabilities"]')" "{'held': ['cap_perfmon'], 'used': True}" "the JSON says which capability was held and used"
		is "$(jget "$TMP/cap.json" '["counters"]["user_only_fallback"]')" False "with CAP_PERFMON the kernel is counted too"
	else
		skip "file capability tests" "setcap is not available on $TMP"
	fi
else
	skip "unprivileged and file-capability tests" "needs root and setpriv to switch users"
fi

done_testing
