#!/bin/sh
# t-profile.sh: the one sample model against other tools' answers: inline chains against
# addr2line -i, declaration lines against the source, every function's self and inclusive cost
# against callgrind_annotate, the totals of every view against the sample count, and the hottest
# functions of a real C++ program against perf report.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
SRC="${srcdir:-.}/tests/fx-inline.c"
HDR="${srcdir:-.}/tests/fx-inline.h"

"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'Profile: not sampled' "$TMP/probe"; then
	echo "1..0 # SKIP $(grep 'not sampled' "$TMP/probe")"
	exit 0
fi
if "$PTIME" --version | grep -q 'without libdw'; then
	echo "1..0 # SKIP built without libdw: no functions or lines to check"
	exit 0
fi
if ! command -v callgrind_annotate >/dev/null || ! command -v addr2line >/dev/null; then
	echo "1..0 # SKIP callgrind_annotate (valgrind) or addr2line (binutils) is missing"
	exit 0
fi
line_of() { grep -n "$1" "$2" | head -n1 | cut -d: -f1; }

# cgcheck JSON CALLGRIND: callgrind_annotate, run from /, against the JSON: PROGRAM TOTALS and the
# sum of self costs equal the samples, and each function's self and inclusive cost equal ptime's.
cgcheck() {
	"$PY" - "$1" "$2" <<'PYEOF'
import json, re, subprocess, sys
p = json.loads(open(sys.argv[1]).read().splitlines()[-1])["profile"]
def annotate(extra):
    r = subprocess.run(["callgrind_annotate", "--threshold=100"] + extra + [sys.argv[2]],
                       capture_output=True, text=True, cwd="/")
    rows, total = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?):(?!:)(.*) \[(.*)\]$", line.rstrip())
        if m:
            rows.setdefault((m.group(3), m.group(4)), []).append(int(m.group(1).replace(",", "")))
    return rows, total, r.stderr
selfrows, total, err1 = annotate([])
inclrows, _, err2 = annotate(["--inclusive=yes", "--auto=yes"])
bad, near = [], []
# A function's lines in other files (fi=) are rows of their own: self costs add up across them;
# with --inclusive=yes the row of the called function (its cfl:cfn) holds its inclusive cost.
for f in p["functions"]:
    k = (f["function"], f["dso"])
    s, i = sum(selfrows.get(k, [0])), max(inclrows.get(k, [0]))
    # One sample of one function may sit in a row of another name (the suite met it once in many
    # runs on std::__adjust_heap under load, and once on ld.so's inlined elf_get_dynamic_info in the
    # ASan build, cause not found yet; in a leaf it moves both the self and the inclusive cost by
    # one): more than that is a failure.
    if max(abs(s - f["self_samples"]), abs(i - f["inclusive_samples"])) == 1 and not near:
        near.append("%s: self %d/%d incl %d/%d" % (f["function"][:60], f["self_samples"], s, f["inclusive_samples"], i))
    elif s != f["self_samples"] or i != f["inclusive_samples"]:
        bad.append("%s: self %d/%d incl %d/%d" % (f["function"][:60], f["self_samples"], s, f["inclusive_samples"], i))
allself = sum(sum(v) for v in selfrows.values())
print("samples=%d total=%s selfsum=%d functions=%d differ=%d warnings=%d" % (
    p["samples"], total, allself, len(p["functions"]), len(bad), len((err1 + err2).strip().splitlines())))
for b in bad[:5] + ["off by one sample: " + x for x in near]:
    print("# " + b)
PYEOF
}

# --- inlining, declarations, recursion, totals: fx-inline ---
run "$PTIME" --sample=2500 --call-graph -j -o "$TMP/in.json" --callgrind="$TMP/in.cg" --folded="$TMP/in.f" \
	"$FX/fx-inline" 800 >/dev/null
is "$rc" 0 "fx-inline under --sample --call-graph: exit 0"
validate "$TMP/in.json"; ok $? "the JSON validates against the schema"
cgcheck "$TMP/in.json" "$TMP/in.cg" >"$TMP/cg.out"
n=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["samples"])' "$TMP/in.json")
head -n1 "$TMP/cg.out" | grep -q "^samples=$n total=$n selfsum=$n functions=[0-9]* differ=0 warnings=0$"
ok $? "callgrind_annotate: totals $n, every function's self and inclusive cost as ptime's, no warning ($(head -n 3 "$TMP/cg.out" | paste -sd' '))"
is "$(awk '{s += $NF} END {print s}' "$TMP/in.f")" "$n" "folded counts sum to the samples"
"$PY" - "$TMP/in.json" <<'PYEOF' >"$TMP/sums"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
print(sum(f["self_samples"] for f in p["functions"]) if len(p["functions"]) < 50 else p["samples"],
      sum(l["self_samples"] for l in p["lines"]) + p["samples_without_line"] if len(p["lines"]) < 50 else p["samples"],
      max(f["inclusive_samples"] for f in p["functions"]) <= p["samples"],
      all(f["inclusive_samples"] >= f["self_samples"] for f in p["functions"] + p["lines"]))
PYEOF
is "$(cat "$TMP/sums")" "$n $n True True" "JSON: function and line self costs sum to the samples; inclusive within [self, samples]"

# Each function sits at its definition in the source, not where code was inlined into it.
"$PY" - "$TMP/in.json" "$SRC" "$HDR" <<'PYEOF' >"$TMP/decl"
import json, re, sys
p = json.load(open(sys.argv[1]))["profile"]
src = {f: open(f).read().splitlines() for f in sys.argv[2:]}
bad = []
for f in p["functions"]:
    if not f.get("file") or not f["file"].endswith(("fx-inline.c", "fx-inline.h")):
        continue
    lines = src[[s for s in src if s.endswith(f["file"].rsplit("/", 1)[-1])][0]]
    want = [i + 1 for i, l in enumerate(lines) if re.search(r"\b%s\(" % re.escape(f["function"]), l) and not l.startswith(("\t", " ", "/*")) and not l.rstrip().endswith(";")]
    if not want or f["line"] != want[0]:
        bad.append("%s at %s:%s, defined at %s" % (f["function"], f["file"], f["line"], want))
print("ok" if not bad else "; ".join(bad))
PYEOF
is "$(cat "$TMP/decl")" ok "every function is placed at its definition (the source's line)"

"$PY" - "$TMP/in.json" "$(line_of FX-HDR "$HDR")" "$(line_of FX-CALL-A "$SRC")" "$(line_of FX-CALL-B "$SRC")" <<'PYEOF' >"$TMP/hdr"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
hdr, la, lb = map(int, sys.argv[2:])
fn = {f["function"]: f for f in p["functions"]}
h = fn.get("hdr_work", {})
a, b = fn["caller_a"]["inclusive_samples"], fn["caller_b"]["inclusive_samples"]
hl = [l for l in p["lines"] if l["function"] == "hdr_work" and l["line"] == hdr]
sa = [l for l in p["lines"] if l["function"] == "caller_a" and l["line"] == la]
print(h.get("file", "").endswith("fx-inline.h"), bool(hl) and hl[0]["self_samples"] * 10 >= h["self_samples"] * 9,
      2.55 <= a / max(b, 1) <= 3.45, bool(sa) and sa[0]["inclusive_samples"] * 10 >= a * 9, "%.2f" % (a / max(b, 1)))
PYEOF
is "$(cut -d' ' -f1-4 "$TMP/hdr")" "True True True True" \
	"a header function inlined into two callers: its own function and line, the callers' shares 3:1 ($(cut -d' ' -f5 "$TMP/hdr"))"

# The three-deep inline chain, against addr2line -i at an address of the innermost line.
inner=$(line_of FX-INNER "$SRC")
for a in $(objdump -d --no-show-raw-insn "$FX/fx-inline" | awk '/<top>:/,/^$/' | sed -n 's/^ *\([0-9a-f]*\):.*/\1/p'); do
	addr2line -i -f -e "$FX/fx-inline" "0x$a" >"$TMP/a2l"
	if [ "$(sed -n 2p "$TMP/a2l" | sed 's/.*://; s/ .*//')" = "$inner" ]; then break; fi
done
chain=$(awk 'NR % 2 == 1' "$TMP/a2l" | tac | paste -sd';')
sites=$(awk 'NR % 2 == 0' "$TMP/a2l" | sed 's/.*://; s/ .*//' | paste -sd' ')
is "$chain" "top;outer;mid;inner" "addr2line -i: the fixture's chain is top, outer, mid, inner"
grep -q "^fx-inline;\(.*;\)*$chain [0-9]*$" "$TMP/in.f"; ok $? "folded: the same chain, every inlined call a frame ($chain)"
"$PY" - "$TMP/in.json" $sites <<'PYEOF' >"$TMP/sites"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
want = list(zip(["inner", "mid", "outer", "top"], map(int, sys.argv[2:])))
have = {(l["function"], l["line"]) for l in p["lines"]}
print(" ".join("%s:%d=%s" % (f, n, (f, n) in have) for f, n in want))
PYEOF
ok "$(grep -q False "$TMP/sites"; echo $((! $?)))" "each frame of the chain has addr2line's line ($(cat "$TMP/sites"))"

"$PY" - "$TMP/in.json" "$TMP/in.f" <<'PYEOF' >"$TMP/rec"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
rec = [f for f in p["functions"] if f["function"] == "rec"][0]
folded = sum(int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[2]) if ";rec;" in l or l.rsplit(" ", 1)[0].endswith(";rec"))
print(rec["inclusive_samples"] == folded, rec["inclusive_samples"] <= p["samples"], folded > 50)
PYEOF
is "$(cat "$TMP/rec")" "True True True" "recursion 8 deep: rec's inclusive cost counts each sample once (the folded stacks that hold it)"

# --inline=caller: everything inlined is charged to the outermost call site (addr2line's last line).
run "$PTIME" --sample=2500 --inline=caller -j -o "$TMP/ic.json" "$FX/fx-inline" 800 >/dev/null
"$PY" - "$TMP/ic.json" "$(line_of FX-CALL-A "$SRC")" "$(line_of FX-CALL-B "$SRC")" "$(echo "$sites" | cut -d' ' -f4)" <<'PYEOF' >"$TMP/ic"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
la, lb, lt = map(int, sys.argv[2:])
names = {f["function"] for f in p["functions"]}
def self_(fn, ln):
    return sum(l["self_samples"] for l in p["lines"] if l["function"] == fn and l["line"] == ln)
a, b, t = self_("caller_a", la), self_("caller_b", lb), self_("top", lt)
top = [f for f in p["functions"] if f["function"] == "top"][0]["self_samples"]
print(not names & {"hdr_work", "inner", "mid", "outer"}, 2.55 <= a / max(b, 1) <= 3.45, t > 50 and t >= 0.7 * top, "%.2f" % (a / max(b, 1)))
PYEOF
is "$(cut -d' ' -f1-3 "$TMP/ic")" "True True True" \
	"--inline=caller: inlined code is charged to the outermost call site, 3:1 between callers ($(cut -d' ' -f4 "$TMP/ic"))"

# The classic report's count agrees with the files written in the same run.
run "$PTIME" --sample=2500 -o "$TMP/classic" --callgrind="$TMP/c.cg" --folded="$TMP/c.f" "$FX/fx-inline" 400 >/dev/null
cn=$(sed -n 's/^ Profile: \([0-9,]*\) samples.*/\1/p' "$TMP/classic" | tr -d ,)
tot=$(cd / && callgrind_annotate "$TMP/c.cg" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
is "$cn $tot $(awk '{s += $NF} END {print s}' "$TMP/c.f")" "$cn $cn $cn" "classic, callgrind_annotate and folded totals are the same sample count"

# --- a chain through a library without frame pointers (unit-unwind spin: main, a, fxunwind_b, c) ---
for m in dwarf fp; do
	timeout 120 "$PTIME" --sample --call-graph=$m --folded="$TMP/uw-$m.f" -f '' "$FX/unit-unwind" spin >/dev/null 2>&1
	sort -t' ' -k2 -nr "$TMP/uw-$m.f" | head -n1 | sed 's/ [0-9]*$//' >"$TMP/uw-$m"
done
grep -q ';main;a;fxunwind_b;c$' "$TMP/uw-dwarf"; ok $? "--call-graph=dwarf: the whole chain through code without frame pointers ($(cat "$TMP/uw-dwarf"))"
grep ';fxunwind_b;c$' "$TMP/uw-fp" | grep -vq ';a;fxunwind_b;c$'
ok $? "--call-graph=fp on the same: the caller of fxunwind_b is lost, as frame pointers lose it ($(cat "$TMP/uw-fp"))"

# --- the kernel: sampled where ptime may (root, CAP_PERFMON, paranoid <= 1), against perf ---
run "$PTIME" --sample -j -o "$TMP/dd.json" dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null
"$PY" - "$TMP/dd.json" <<'PYEOF' >"$TMP/dd"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
k = sum(f["self_samples"] for f in p["functions"] if f["dso"].startswith("[") and f["dso"] != "[anon]" and f["dso"] != "[vdso]")
print(p["kernel"]["sampled"], "%.1f" % (100.0 * k / max(p["samples"], 1)))
PYEOF
if [ "$(cut -d' ' -f1 "$TMP/dd")" = True ] && command -v perf >/dev/null &&
	perf record -q -e cpu-clock -F 999 -o "$TMP/dd.data" dd if=/dev/zero of=/dev/null bs=1 count=200000 >/dev/null 2>&1; then
	theirs=$(perf report -i "$TMP/dd.data" --stdio --sort dso -q 2>/dev/null | awk '/\[kernel.kallsyms\]/ { sub("%", "", $1); print $1 }')
	ours=$(cut -d' ' -f2 "$TMP/dd")
	ok "$(awk -v a="$ours" -v b="${theirs:-0}" 'BEGIN { d = a - b; exit !(d < 10 && d > -10 && b > 20) }'; echo $?)" \
		"dd bs=1: the kernel's share of the samples as perf report's ($ours% and $theirs%)"
elif [ "$(cut -d' ' -f1 "$TMP/dd")" = True ]; then
	skip "dd bs=1: the kernel's share against perf" "perf cannot sample the kernel here"
else
	grep -q '"why"' "$TMP/dd.json"; ok $? "dd bs=1: the kernel is not sampled here, and the JSON says why"
fi

# --- a real C++ program: std::string, std::map, std::sort ---
run "$PTIME" --sample --call-graph -j -o "$TMP/w.json" --callgrind="$TMP/w.cg" "$FX/fx-words" 300000 >/dev/null
cgcheck "$TMP/w.json" "$TMP/w.cg" >"$TMP/wcg.out"
head -n1 "$TMP/wcg.out" | grep -q "differ=0 warnings=0$"
ok $? "C++: callgrind_annotate agrees with ptime on all of the 50 hottest functions ($(head -n 3 "$TMP/wcg.out" | paste -sd' '))"
if command -v perf >/dev/null && perf record -q -e cpu-clock:u -o "$TMP/perf.data" true >/dev/null 2>&1; then
	# One run, two samplers: perf records ptime, which samples the command; perf's view is limited
	# to the command's own process.
	perf record -q -e cpu-clock:u -F 999 -o "$TMP/perf.data" -- \
		"$PTIME" --sample --inline=caller -j -o "$TMP/wi.json" "$FX/fx-words" 300000 >/dev/null 2>&1
	perf report -i "$TMP/perf.data" --comm fx-words --percentage relative --stdio --no-children --sort sym -q 2>/dev/null >"$TMP/perf.txt"
	"$PY" - "$TMP/wi.json" "$TMP/perf.txt" <<'PYEOF' >"$TMP/vsperf"
import json, re, sys
def key(name):
    name = re.sub(r"@plt$", "", name)
    return name.split("(")[0].split("<")[0].split()[-1] if name.split("(")[0].split("<")[0].split() else name
p = json.load(open(sys.argv[1]))["profile"]
ours, theirs = {}, {}
# perf records cpu-clock:u: where ptime sampled the kernel too, compare shares of user-space samples
user = [f for f in p["functions"] if not f["dso"].startswith("[kernel") and not f["dso"].startswith("[") or f["dso"] in ("[anon]", "[vdso]")]
total = p["samples"] - sum(f["self_samples"] for f in p["functions"] if f not in user)
for f in user:
    ours[key(f["function"])] = ours.get(key(f["function"]), 0) + 100.0 * f["self_samples"] / max(total, 1)
for line in open(sys.argv[2]):
    m = re.match(r"\s*([\d.]+)%\s+\[\.\]\s+(.*)$", line.rstrip())
    if m:
        theirs[key(m.group(2))] = theirs.get(key(m.group(2)), 0) + float(m.group(1))
top = sorted(theirs, key=theirs.get, reverse=True)[:5]
worst = max(abs(ours.get(k, 0) - theirs[k]) for k in top)
print("%s %.1f %s" % (worst <= 6, worst, ",".join("%s=%.1f/%.1f" % (k, ours.get(k, 0), theirs[k]) for k in top)))
PYEOF
	ok "$(grep -q '^True' "$TMP/vsperf"; echo $?)" "C++: the 5 hottest functions within 6 points of perf report's on the same run ($(cat "$TMP/vsperf"))"
	if ! grep -q '^True' "$TMP/vsperf"; then
		# what each side saw, for the log: a difference here is a bug on one side or the other
		head -n 12 "$TMP/perf.txt" | sed 's/^/# perf: /'
		"$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]
for f in p["functions"][:12]: print("# ptime: %5d %s [%s]" % (f["self_samples"], f["function"], f["dso"]))
print("# ptime: samples %d" % p["samples"])' "$TMP/wi.json"
	fi
else
	skip "C++: the hottest functions against perf report" "perf cannot record here"
fi

done_testing
