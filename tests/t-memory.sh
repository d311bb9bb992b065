#!/bin/sh
# t-memory.sh: --memory against what tests/fx-memsites.c allocates on its marked lines (exactly at
# --memory-rate=1, within 5% at a sampling rate), against heaptrack_print on the same binary, across a
# fork, a shell and an unprivileged user; the command's status and output untouched; every output
# (classic, JSON, callgrind, folded, annotate) with the same totals; a static binary explained; bad
# options refused.
. "${srcdir:-.}/tests/lib.sh"

PY=/usr/bin/python3
MS=$FX/fx-memsites
SRC=${srcdir:-.}/tests/fx-memsites.c
LIB=$FX/../src/inject/libptime-alloc.so
if ldd "$LIB" 2>/dev/null | grep -q 'lib[a-z]*san'; then
	echo "1..0 # SKIP libptime-alloc.so is built with a sanitizer, which replaces malloc itself"
	exit 0
fi
if "$PTIME" --version | grep -q 'without libdw'; then
	# The counts need no symbols; the sites' functions and lines do.
	run "$PTIME" --memory --memory-rate=1 --json -o "$TMP/nodw.json" "$MS"
	is "$rc" 0 "without libdw: the command's status"
	validate "$TMP/nodw.json"; ok $? "without libdw: the JSON report is valid against the schema"
	is "$("$PY" -c 'import json,sys; m=json.load(open(sys.argv[1]))["memory"]; print(m["peak_heap_bytes"], 100014 <= m["allocations"] < 100022)' "$TMP/nodw.json")" \
		"10785760 True" "without libdw: the heap's peak and the allocations, exactly"
	echo "# built without libdw: no functions or lines to check"
	done_testing
	exit
fi
jexpr() { "$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# line WORD: the line of fx-memsites.c marked "SITE WORD"
line() { grep -n "SITE $1 " "$SRC" | cut -d: -f1; }
# site JSON WORD KEY: the cost KEY of the site on that line (none when there is no such site)
site() {
	"$PY" - "$1" "$(line "$2")" "$3" <<'PYEOF'
import json, sys
m = json.loads(open(sys.argv[1]).read().splitlines()[-1])["memory"]
got = [s for s in m["sites"] if s.get("file", "").endswith("fx-memsites.c") and s.get("line") == int(sys.argv[2])]
print(sum(s[sys.argv[3]] for s in got) if got else "none")
PYEOF
}

# 1. Every allocation recorded: each site's costs, exactly.
run "$PTIME" --memory --memory-rate=1 --json -o "$TMP/r1.json" "$MS"
is "$rc" 0 "rate 1: the command's status"
validate "$TMP/r1.json"; ok $? "rate 1: the JSON report is valid against the schema"
is "$(site "$TMP/r1.json" keep allocated_bytes)/$(site "$TMP/r1.json" keep allocations)/$(site "$TMP/r1.json" keep leaked_bytes)/$(site "$TMP/r1.json" keep peak_bytes)" \
	"300000/3/300000/300000" "keep: 3 x 100000 bytes allocated, leaked, held at the peak"
is "$(site "$TMP/r1.json" held allocated_bytes)/$(site "$TMP/r1.json" held allocations)/$(site "$TMP/r1.json" held leaked_bytes)/$(site "$TMP/r1.json" held peak_bytes)" \
	"10485760/10/0/10485760" "held: 10 x 1 MiB, all held at the peak, none leaked"
is "$(site "$TMP/r1.json" temp allocated_bytes)/$(site "$TMP/r1.json" temp allocations)/$(site "$TMP/r1.json" temp temporary_allocations)/$(site "$TMP/r1.json" temp peak_bytes)" \
	"6400000/100000/100000/0" "temp: 100000 x 64 bytes, each temporary, none at the peak"
is "$(site "$TMP/r1.json" thread allocated_bytes)/$(site "$TMP/r1.json" thread allocations)/$(site "$TMP/r1.json" thread peak_bytes)" \
	"2097152/1/0" "thread: 2 MiB in the second thread, after the peak"
is "$(jexpr "$TMP/r1.json" 'd["memory"]["peak_heap_bytes"]')" 10785760 "the heap's peak: the kept and the held blocks"
is "$(jexpr "$TMP/r1.json" 'd["memory"]["peak_heap_bytes"] == sum(s["peak_bytes"] for s in d["memory"]["sites"])')" True \
	"the sites' shares of the peak add up to the peak"
is "$(jexpr "$TMP/r1.json" 'd["memory"]["allocations"] - 100014 in range(0, 8)')" True \
	"allocations: the fixture's 100014 and the few of the C library"

# 2. The same binary under heaptrack: its exact figures for the same sites.
if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null; then
	(cd "$TMP" && heaptrack -o "$TMP/ht" "$MS" >/dev/null 2>&1)
	heaptrack_print -a 1 -p 1 -l 1 -T 1 -s 0 -n 20 "$TMP/ht.zst" >"$TMP/ht.txt" 2>/dev/null
	# "N calls to allocation functions with X peak consumption from" / function / "  at FILE:LINE", per section
	"$PY" - "$TMP/ht.txt" "$TMP/r1.json" "$(line keep)" "$(line held)" "$(line temp)" "$(line thread)" >"$TMP/cmp" <<'PYEOF'
import json, re, sys
text = open(sys.argv[1]).read().splitlines()
m = json.loads(open(sys.argv[2]).read())["memory"]
lines = [int(x) for x in sys.argv[3:]]
def num(s):
    k = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}
    g = re.match(r"([0-9.]+)([KMG]?)B?$", s)
    return float(g.group(1)) * k[g.group(2)]
sec, ht = None, {}
for i, l in enumerate(text):
    if l.isupper() and l.strip():
        sec = l.strip()
    g = re.match(r"(\d+) calls to allocation functions with (\S+) peak consumption from", l)
    if not g:
        g2 = re.match(r"(\S+) peak memory consumed over (\d+) calls from", l)
        g3 = re.match(r"(\S+) leaked over (\d+) calls from", l)
    for j in range(i + 1, min(i + 4, len(text))):
        a = re.match(r"\s+at .*fx-memsites\.c:(\d+)", text[j])
        if a:
            break
    else:
        continue
    ln = int(a.group(1))
    if g and sec == "MOST CALLS TO ALLOCATION FUNCTIONS":
        ht.setdefault(ln, {})["calls"] = int(g.group(1))
    elif not g and g2 and sec == "PEAK MEMORY CONSUMERS":
        ht.setdefault(ln, {})["peak"] = num(g2.group(1))
    elif not g and g3 and sec == "MEMORY LEAKS":
        ht.setdefault(ln, {})["leaked"] = num(g3.group(1))
bad = []
for ln in lines:
    mine = [s for s in m["sites"] if s.get("file", "").endswith("fx-memsites.c") and s.get("line") == ln]
    h = ht.get(ln, {})
    if not mine or "calls" not in h:
        bad.append("line %d: ptime %s, heaptrack %s" % (ln, bool(mine), h))
        continue
    s = mine[0]
    if s["allocations"] != h["calls"]:
        bad.append("line %d: %d calls, heaptrack %d" % (ln, s["allocations"], h["calls"]))
    # heaptrack prints 2 decimals in K/M units: within 1%
    if abs(s["peak_bytes"] - h.get("peak", 0)) > 0.01 * max(s["peak_bytes"], 1000):
        bad.append("line %d: peak %d, heaptrack %s" % (ln, s["peak_bytes"], h.get("peak")))
    if abs(s["leaked_bytes"] - h.get("leaked", 0)) > 0.01 * max(s["leaked_bytes"], 1000):
        bad.append("line %d: leaked %d, heaptrack %s" % (ln, s["leaked_bytes"], h.get("leaked")))
print("; ".join(bad) if bad else "same")
PYEOF
	is "$(cat "$TMP/cmp")" same "heaptrack_print: the same calls, peak and leaked bytes for each of the four sites"
	htcalls=$(sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' "$TMP/ht.txt")
	ok "$(jexpr "$TMP/r1.json" "abs(d['memory']['allocations'] - $htcalls) <= 3" | grep -q True; echo $?)" \
		"heaptrack_print: the same number of calls in all ($htcalls; heaptrack adds its own libstdc++'s pool)"
else
	skip "heaptrack_print: the same sites" "heaptrack is not installed"
	skip "heaptrack_print: the same calls" "heaptrack is not installed"
fi

# 3. A forked child: its own process, its own sites; the tree's heap never holds both at once.
run "$PTIME" --memory --memory-rate=1 --json -o "$TMP/f.json" "$MS" fork
is "$rc" 0 "fork: the command's status"
is "$(jexpr "$TMP/f.json" 'len(d["memory"]["processes"])')" 2 "fork: two processes"
is "$(site "$TMP/f.json" held allocations)/$(site "$TMP/f.json" temp allocations)/$(site "$TMP/f.json" keep leaked_bytes)" \
	"20/200000/600000" "fork: each site twice, the kept blocks leaked by both"
is "$(jexpr "$TMP/f.json" '10785760 <= d["memory"]["peak_heap_bytes"] < 10785760 + 65536')" True \
	"fork: the tree's peak is one process's (the child's kept blocks left the heap at its exit)"
validate "$TMP/f.json"; ok $? "fork: the JSON report is valid against the schema"

# 4. Sampled at 4096 bytes: unbiased estimates, within 5%.
run "$PTIME" --memory --memory-rate=4096 --json -o "$TMP/s.json" "$MS" small
is "$rc" 0 "sampled: the command's status"
t=$(site "$TMP/s.json" temp allocated_bytes)
within "$t" 128000000 5; ok $? "sampled: temp's bytes $t within 5% of 128000000"
t=$(site "$TMP/s.json" temp allocations)
within "$t" 2000000 5; ok $? "sampled: temp's allocations $t within 5% of 2000000"
t=$(site "$TMP/s.json" held peak_bytes)
within "$t" 10485760 5; ok $? "sampled: held's share of the peak $t within 5% of 10485760"
t=$(jexpr "$TMP/s.json" 'd["memory"]["peak_heap_bytes"]')
within "$t" 10785760 5; ok $? "sampled: the heap's peak $t within 5% of 10785760"
is "$(jexpr "$TMP/s.json" 'd["memory"]["rate_bytes"]')" 4096 "sampled: the rate is in the report"

# 5. Every view has the same totals: callgrind (callgrind_annotate's totals), folded stacks, classic.
run "$PTIME" --memory --memory-rate=1 --callgrind="$TMP/cg.out" --folded="$TMP/f.txt" --folded-cost=allocated \
	--json -o "$TMP/v.json" "$MS"
is "$rc" 0 "views: status"
if command -v callgrind_annotate >/dev/null; then
	tot=$(callgrind_annotate "$TMP/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/\([^)]*\)/, ""); gsub(",", ""); print $1, $2, $3, $4; exit }')
	is "$tot" "$(jexpr "$TMP/v.json" '"%d %d %d %d" % tuple(d["memory"][k] for k in ("allocated_bytes", "allocations", "peak_heap_bytes", "leaked_bytes"))')" \
		"callgrind_annotate: allocated bytes, allocations, peak and leaked bytes are the report's"
	callgrind_annotate --show=LeakedBytes "$TMP/cg.out" 2>/dev/null | grep -q 'keep_site'
	ok $? "callgrind_annotate --show=LeakedBytes: the kept blocks' function"
else
	skip "callgrind_annotate: the report's totals" "valgrind is not installed"
	skip "callgrind_annotate --show" "valgrind is not installed"
fi
is "$(awk '{ s += $NF } END { print s }' "$TMP/f.txt")" "$(jexpr "$TMP/v.json" 'd["memory"]["allocated_bytes"]')" \
	"--folded-cost=allocated: the stacks' bytes add up to the bytes allocated"
grep -q ';held;held_site [0-9]*$' "$TMP/f.txt"; ok $? "--folded: held_site under held, as called"
run "$PTIME" --memory --memory-rate=1 --folded="$TMP/l.txt" --folded-cost=leaked "$MS" 2>/dev/null
is "$(grep keep_site "$TMP/l.txt" | awk '{ print $NF }')" 300000 "--folded-cost=leaked: the kept blocks"
"$PTIME" --memory --memory-rate=1 "$MS" 2>"$TMP/classic"
grep -q "held at the heap peak" "$TMP/classic" && grep -q "keep_site.*fx-memsites.c:$(line keep)" "$TMP/classic"
ok $? "classic: the Memory block names the kept blocks' line"
"$PTIME" --memory --memory-rate=1 --annotate=0 "$MS" 2>"$TMP/ann"
grep -q "^ *$(line held) *10,485,760 .* 10 | .*SITE held" "$TMP/ann"
ok $? "--annotate: bytes and allocations beside the held line"

# 6. The command as it would run: its status and output, through _exit and a signal.
run "$PTIME" --memory sh -c 'echo out; exit 7' >"$TMP/o" 2>/dev/null
is "$(cat "$TMP/o") $rc" "out 7" "a shell's output and status"
run "$PTIME" --memory sh -c 'kill -TERM $$' 2>/dev/null
is "$rc" 143 "killed by a signal: 128+15"
run "$PTIME" --memory --memory-rate=1 --json -o "$TMP/sh.json" sh -c "$MS; $MS"
is "$(jexpr "$TMP/sh.json" 'sum(1 for p in d["memory"]["processes"] if p["exe"].endswith("fx-memsites"))')/$(site "$TMP/sh.json" held allocations)" \
	"2/20" "children of a shell: each one's allocations"
run env LD_PRELOAD=libm.so.6 "$PTIME" --memory sh -c 'echo "$LD_PRELOAD"' >"$TMP/pre" 2>/dev/null
grep -q '^libm.so.6 /.*libptime-alloc.so$' "$TMP/pre"; ok $? "the user's LD_PRELOAD first, then ptime's"
run env PYTHONMALLOC=pymalloc "$PTIME" --memory sh -c 'echo "$PYTHONMALLOC"' >"$TMP/pym" 2>/dev/null
is "$(cat "$TMP/pym")" pymalloc "the user's PYTHONMALLOC stands"
ok "$(ls /dev/shm "${TMPDIR:-/tmp}" 2>/dev/null | grep -c '^ptime-mem\.' | grep -qx 0; echo $?)" "no record directory is left behind"

# The command can write anything where the rings go: a FIFO, a link, garbage, a ring header that lies.
run timeout 60 "$PTIME" --memory --memory-rate=1 --json -o "$TMP/h.json" sh -c 'd=$PTIME_ALLOC_DIR; mkfifo "$d/1-0"; ln -s /etc/passwd "$d/2-0"
	head -c 9000 /dev/urandom >"$d/3-0"; printf "PTALLOC\0\001\0\0\0\0\020\0\0" >"$d/4-0"; truncate -s 300M "$d/5-0"; '"$MS"'; exit 3'
is "$rc" 3 "hostile files among the rings: ptime ends, with the command's status"
validate "$TMP/h.json"; ok $? "hostile files among the rings: the JSON report is valid"
is "$(site "$TMP/h.json" held allocations)" 10 "hostile files among the rings: the real ring is read all the same"

# Frame-pointer stacks in programs built without frame pointers (Debian's binutils and gcc): the walk
# stays within the stack whatever the register holds (as crashed on a frame pointer of -16).
if command -v "${CC:-cc}" >/dev/null; then
	run "$PTIME" --memory --memory-rate=1 --call-graph=fp --json -o "$TMP/cc.json" "${CC:-cc}" -c -O2 -o "$TMP/fx.o" "${srcdir:-.}/tests/fx-alloc.c"
	is "$rc" 0 "fp stacks through the compiler and the assembler: their status"
	ok "$(jexpr "$TMP/cc.json" 'len(d["memory"]["processes"]) >= 3' | grep -q True; echo $?)" "fp stacks: the driver, cc1 and as each seen"
else
	skip "fp stacks through the compiler" "no C compiler"
	skip "fp stacks: each process" "no C compiler"
fi

# A library dlopen'ed after the first sample, by a relative name: its allocation is named all the same.
if printf '#include <stdlib.h>\nvoid *grab(void) { return malloc(123457); }\n' >"$TMP/grab.c" &&
	${CC:-cc} -g -shared -fPIC -o "$TMP/libgrab.so" "$TMP/grab.c" 2>/dev/null &&
	printf '#include <dlfcn.h>\n#include <stdlib.h>\nint main(void) { void *k = malloc(99); void *h = dlopen("./libgrab.so", RTLD_NOW);\n void *(*g)(void) = h ? (void *(*)(void))dlsym(h, "grab") : 0; return !g || !g() || !k; }\n' >"$TMP/dl.c" &&
	${CC:-cc} -g -o "$TMP/dl" "$TMP/dl.c" -ldl 2>/dev/null; then
	(cd "$TMP" && "$PTIME" --memory --memory-rate=1 --json -o "$TMP/dl.json" ./dl); rc=$?
	is "$rc" 0 "dlopen: the command's status"
	is "$(jexpr "$TMP/dl.json" '[(s["function"], s.get("line")) for s in d["memory"]["sites"] if s["allocated_bytes"] == 123457]')" \
		"[('grab', 2)]" "dlopen: the dlopen'ed library's allocation is named, on its line"
else
	skip "dlopen: status" "no C compiler"
	skip "dlopen: the library's allocation" "no C compiler"
fi

# 7. A static binary cannot be preloaded: one line says so; its first touches are still sampled.
if ${CC:-cc} -static -g -O0 -o "$TMP/static" "${srcdir:-.}/tests/fx-alloc.c" 2>/dev/null; then
	run "$PTIME" --memory --json -o "$TMP/st.json" "$TMP/static" 8
	is "$rc" 0 "static: the command's status"
	jexpr "$TMP/st.json" 'd["unavailable"]["memory_allocations"]' | grep -q 'static binary'
	ok $? "static: unavailable.memory_allocations says why"
	validate "$TMP/st.json"; ok $? "static: the JSON report is valid against the schema"
	if jexpr "$TMP/st.json" '"memory_first_touch" in d["unavailable"]' | grep -q False; then
		t=$(jexpr "$TMP/st.json" 'sum(s["touched_bytes"] for s in d["memory"]["first_touch"]["sites"] if s["function"] == "main")')
		within "$t" 8388608 10; ok $? "static: main first touched its 8 MiB ($t bytes in sampled faults)"
	else
		skip "static: main first touched its 8 MiB" "$(jexpr "$TMP/st.json" 'd["unavailable"]["memory_first_touch"]')"
	fi
	"$PTIME" --memory "$TMP/static" 2 2>"$TMP/st.txt"
	is "$(grep -c '^Memory: allocations not seen: .*static binary' "$TMP/st.txt")" 1 "static: the classic report's one line"
else
	skip "static binary" "no static C library to link one"
fi

# First touches of a preloaded program: the 10 MiB that held() memsets, on its line, 1 in 64 faults sampled.
run "$PTIME" --memory --json -o "$TMP/ft.json" "$MS"
if jexpr "$TMP/ft.json" '"memory_first_touch" in d["unavailable"]' | grep -q False; then
	t=$(jexpr "$TMP/ft.json" 'sum(s["touched_bytes"] for s in d["memory"]["first_touch"]["sites"] if s["function"] == "held")')
	within "$t" 10485760 10; ok $? "first touches: held's memset of 10 MiB ($t bytes)"
else
	skip "first touches: held's memset" "$(jexpr "$TMP/ft.json" 'd["unavailable"]["memory_first_touch"]')"
fi

# 8. Python: a sample taken in Python code has its thread's Python frames, walked inside the process.
PM=${srcdir:-.}/tests/fx-py-mem.py
# pysite JSON FUNC KEY: the cost KEY of fx-py-mem.py's function FUNC, on its marked line
pysite() {
	"$PY" - "$1" "$2" "$3" "$(grep -n "SITE $2\$" "$PM" | cut -d: -f1)" <<'PYEOF'
import json, sys
m = json.loads(open(sys.argv[1]).read().splitlines()[-1])["memory"]
got = [s for s in m["sites"] if s.get("file", "").endswith("fx-py-mem.py") and s.get("function") == sys.argv[2]
       and s.get("line") == int(sys.argv[4])]
print(sum(s[sys.argv[3]] for s in got) if got else "none")
PYEOF
}
for v in 3.11 3.12 3.13; do
	if [ "$v" = 3.11 ]; then py=$PY; else py=$(ls -d /root/.pyenv/versions/$v.*/bin/python3 2>/dev/null | head -1); fi
	if [ -z "$py" ] || ! [ -x "$py" ]; then
		for m in main thread fork split zlib; do skip "Python $v: $m" "no CPython $v here"; done
		continue
	fi
	# Each bytearray(n) is a block of n + 1 bytes and its object's; at rate 1, exactly 2000 of each.
	for m in main thread fork; do
		run "$PTIME" --memory --memory-rate=1 --json -o "$TMP/py$v$m.json" "$py" "$PM" $m
		t=$(pysite "$TMP/py$v$m.json" three allocated_bytes); o=$(pysite "$TMP/py$v$m.json" one allocated_bytes)
		is "$rc/$(pysite "$TMP/py$v$m.json" three allocations)/$(pysite "$TMP/py$v$m.json" one allocations)/$(
			"$PY" -c "print(2000 * 30001 <= $t <= 2000 * 30201 and 2000 * 10001 <= $o <= 2000 * 10201)" 2>&1)" \
			"0/4000/4000/True" "Python $v, $m: each line's blocks at rate 1, on its line ($t, $o bytes)"
	done
	# Sampled at 64 KiB: the split 3:1 within 10%.
	run "$PTIME" --memory --memory-rate=65536 --json -o "$TMP/py$v.json" "$py" "$PM" main 20000
	t=$(pysite "$TMP/py$v.json" three allocated_bytes); o=$(pysite "$TMP/py$v.json" one allocated_bytes)
	is "$("$PY" -c "print(2.7 <= $t / $o <= 3.3)" 2>&1)" True "Python $v: the lines' split at rate 64 KiB is 3:1 within 10% ($t, $o)"
	# An extension's C code stays between the Python frames that called it.
	run "$PTIME" --memory --memory-rate=4096 --folded="$TMP/py$v.folded" --folded-cost=allocated "$py" "$PM" zlib
	grep -Eq ';packed;(<listcomp>;)?(zlib_compress;[a-z_]*;)?deflateInit2_ ' "$TMP/py$v.folded"; ok $? "Python $v: zlib's C frames under the Python line that called it"
done

# With --tree, the tree's cgroup peak beside the sum of RSS, when ptime could make the cgroup.
run "$PTIME" --memory --tree -o "$TMP/tree.txt" "$MS"
if grep -q "no cgroup" "$TMP/tree.txt"; then
	skip "--tree: the cgroup's peak in the Memory block" "$(grep -m1 "no cgroup" "$TMP/tree.txt")"
else
	grep -Eq '^  tree cgroup +[0-9.]+ [KMG]iB at its peak \((memory.peak|memory.max_usage_in_bytes)' "$TMP/tree.txt"
	ok $? "--tree: the cgroup's peak in the Memory block"
fi

# 9. Bad options: one line, 125, the command not run.
for a in --memory-rate=0 --memory-rate=x --memory-rate=-5 --memory-interval=0 "--folded-cost=bytes --memory --folded=$TMP/x" \
	"--folded-cost=peak --folded=$TMP/x" "--folded-cost=peak --memory"; do
	# shellcheck disable=SC2086
	run "$PTIME" $a touch "$TMP/ran" 2>"$TMP/err"
	is "$rc/$(wc -l <"$TMP/err")/$([ -e "$TMP/ran" ] && echo ran)" "125/2/" "refused: $a"
done

# 10. As an unprivileged user.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	u=$TMP/u
	mkdir -m 1777 "$u"
	chmod 711 "$TMP"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$u" "$PTIME" --memory --memory-rate=1 --json -o "$u/r.json" "$MS" fork
	is "$rc" 0 "unprivileged: status"
	is "$(site "$u/r.json" held allocations)/$(site "$u/r.json" keep leaked_bytes)" "20/600000" "unprivileged: both processes' sites"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$u" "$PTIME" --memory --memory-rate=1 --json -o "$u/py.json" "$PY" "$PM" fork
	is "$rc/$(pysite "$u/py.json" three allocations)/$(pysite "$u/py.json" one allocations)" "0/4000/4000" "unprivileged: a forked Python child's lines"
else
	skip "unprivileged: status" "needs root and setpriv to switch users"
	skip "unprivileged: sites" "needs root and setpriv to switch users"
	skip "unprivileged: Python lines" "needs root and setpriv to switch users"
fi
done_testing
