#!/bin/sh
# t-sample.sh: the sampler against fixtures with known answers: two functions 3:1 on one line each,
# in threads, a forked child, an exec'd child, a shared library, a dlopen'ed one, a clang build,
# a stripped build, the vdso and JIT code; then the callgrind and folded outputs.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
WORK="${srcdir:-.}/tests/fx-hot-work.c"
HEAVY=$(grep -n 'FX-HEAVY' "$WORK" | cut -d: -f1)
LIGHT=$(grep -n 'FX-LIGHT' "$WORK" | cut -d: -f1)
HZ=2500
MS=1200

"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'ptime: sampling' "$TMP/probe"; then
	echo "1..0 # SKIP $(cat "$TMP/probe")"
	exit 0
fi

if "$PTIME" --version | grep -q 'without libdw'; then
	# A build without libdw samples all the same, and names code by file and offset.
	"$PTIME" -j --sample=$HZ "$FX/fx-hot" main 300 2>"$TMP/nodw.json"; rc=$?
	is "$rc" 0 "without libdw: the command runs"
	"$PY" - "$TMP/nodw.json" <<'PYEOF' >"$TMP/nodw.out"
import json, sys
p = json.loads(open(sys.argv[1]).read())["profile"]
print(p["samples"] > 100, p["functions"][0]["function"].startswith("fx-hot+0x"), "without libdw" in p["warnings"][0])
PYEOF
	is "$(cat "$TMP/nodw.out")" "True True True" "without libdw: sampled, named file+0xOFFSET, with a warning that says why"
	done_testing
	exit $?
fi

# hot DESC JSON: at least 90% of samples on the two lines, and their ratio 3:1 within 10%.
hot() {
	"$PY" - "$2" "$HEAVY" "$LIGHT" <<'PYEOF' >"$TMP/hot.out"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
p = d["profile"]
h = sum(l["self_samples"] for l in p["lines"] if l["file"].endswith("fx-hot-work.c") and l["line"] == int(sys.argv[2]))
l = sum(l["self_samples"] for l in p["lines"] if l["file"].endswith("fx-hot-work.c") and l["line"] == int(sys.argv[3]))
# the fixture's known answer is about its user-space code: where ptime samples the kernel too (root),
# the kernel's samples (page faults, the timer) are not the fixture's lines
n = p["samples"] - p.get("samples_in_kernel", 0)
ok = n > 0 and l > 0 and (h + l) >= 0.9 * n and abs(h / l / 3 - 1) <= 0.10
print("%s %d samples, %d on the heavy line, %d on the light, ratio %.2f" % ("ok" if ok else "bad", n, h, l, h / l if l else 0))
PYEOF
	grep -q '^ok' "$TMP/hot.out"; ok $? "$1: $(cat "$TMP/hot.out")"
}

"$PTIME" -j --sample=$HZ "$FX/fx-hot" main $MS 2>"$TMP/main.json"; rc=$?
is "$rc" 0 "--sample keeps the command's status"
hot "main program" "$TMP/main.json"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	validate "$TMP/main.json"; ok $? "the JSON profile validates against the schema"
else
	skip "the JSON profile validates" "python3-jsonschema is not installed"
fi
"$PTIME" -j --sample=$HZ "$FX/fx-hot" threads $MS 2>"$TMP/threads.json"
hot "two threads" "$TMP/threads.json"
# both workers (the main thread too, where ptime samples the kernel's work for it under ASan)
is "$("$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; print(len([t for t in p["threads"] if t["samples"] > 100]) >= 2)' "$TMP/threads.json")" True "two threads: both are sampled"
"$PTIME" -j --sample=$HZ "$FX/fx-hot" fork $MS 2>"$TMP/fork.json"
hot "a forked child" "$TMP/fork.json"
is "$("$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; print(len(p["processes"]) >= 2)' "$TMP/fork.json")" True "a forked child: a second process in the profile"
"$PTIME" -j --sample=$HZ "$FX/fx-hot" exec $MS 2>"$TMP/exec.json"
hot "an exec'd child" "$TMP/exec.json"
"$PTIME" -j --sample=$HZ "$FX/fx-hot-shared" $MS 2>"$TMP/shared.json"
hot "a shared library" "$TMP/shared.json"
is "$("$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; print(p["functions"][0]["dso"].endswith("libfxhot.so"))' "$TMP/shared.json")" True "a shared library: the hot function is in libfxhot.so"
"$PTIME" -j --sample=$HZ "$FX/fx-hot" dlopen $MS "$FX/libfxhot.so" 2>"$TMP/dlopen.json"
hot "a dlopen'ed library" "$TMP/dlopen.json"

if command -v clang >/dev/null; then
	clang -g -O1 -o "$TMP/fx-hot-clang" "${srcdir:-.}/tests/fx-hot.c" "$WORK" -lpthread -ldl 2>"$TMP/clang.err"
	if readelf -S "$TMP/fx-hot-clang" | grep -q debug_aranges; then note=" (with .debug_aranges)"; else note=" (no .debug_aranges)"; fi
	"$PTIME" -j --sample=$HZ "$TMP/fx-hot-clang" main $MS 2>"$TMP/clang.json"
	hot "a clang build$note" "$TMP/clang.json"
else
	skip "a clang build" "clang is not installed"
fi

# Separate debug info: the binary keeps no symbols and no DWARF, only a .gnu_debuglink.
objcopy --only-keep-debug "$FX/fx-hot" "$TMP/fx-hot.debug"
objcopy --strip-all --add-gnu-debuglink="$TMP/fx-hot.debug" "$FX/fx-hot" "$TMP/fx-hot-dl"
"$PTIME" -j --sample=$HZ "$TMP/fx-hot-dl" main $MS 2>"$TMP/debuglink.json"
hot "separate debug info through .gnu_debuglink" "$TMP/debuglink.json"

# Inlined code: charged to its own line by default, to its call site with --inline=caller.
INL=$(grep -n '/\* FX-INLINED \*/' "${srcdir:-.}/tests/fx-hot.c" | cut -d: -f1)
SITE=$(grep -n '/\* FX-CALLSITE \*/' "${srcdir:-.}/tests/fx-hot.c" | cut -d: -f1)
share() { # share JSON LINE: percent of samples on fx-hot.c:LINE
	"$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; print(int(100 * sum(l["self_samples"] for l in p["lines"] if l["file"].endswith("/fx-hot.c") and l["line"] == int(sys.argv[2])) / max(p["samples"], 1)))' "$1" "$2"
}
"$PTIME" -j --sample=$HZ "$FX/fx-hot" inline 500 2>"$TMP/inl.json"
ok "$([ "$(share "$TMP/inl.json" "$INL")" -ge 80 ] && echo 0 || echo 1)" "inlined code is charged to its own line ($(share "$TMP/inl.json" "$INL")% on line $INL)"
"$PTIME" -j --sample=$HZ --inline=caller "$FX/fx-hot" inline 500 2>"$TMP/inl2.json"
ok "$([ "$(share "$TMP/inl2.json" "$SITE")" -ge 80 ] && echo 0 || echo 1)" "--inline=caller charges the call site ($(share "$TMP/inl2.json" "$SITE")% on line $SITE)"

# Demangling: C++ and Rust names as their languages write them.
top() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["functions"][0]["function"])' "$1"; }
if command -v g++ >/dev/null; then
	cat >"$TMP/cxx.cc" <<'CXX'
#include <chrono>
namespace ptimetest {
struct Worker { volatile unsigned long sink = 0; __attribute__((noinline)) void spin(long n); };
void Worker::spin(long n) { for (long i = 0; i < n; i++) sink += i; }
}
int main() { ptimetest::Worker w; auto t = std::chrono::steady_clock::now();
	while (std::chrono::steady_clock::now() - t < std::chrono::milliseconds(300)) w.spin(1000000); }
CXX
	g++ -g -O1 -o "$TMP/cxx" "$TMP/cxx.cc"
	"$PTIME" -j --sample=$HZ "$TMP/cxx" 2>"$TMP/cxx.json"
	is "$(top "$TMP/cxx.json")" "ptimetest::Worker::spin(long)" "C++ names are demangled"
else
	skip "C++ names are demangled" "g++ is not installed"
fi
if command -v rustc >/dev/null; then
	cat >"$TMP/fxrust.rs" <<'RS'
mod fxrust {
    #[inline(never)]
    pub fn spin(n: u64) -> u64 { let mut s = 0u64; for i in 0..n { s = s.wrapping_add(std::hint::black_box(i)); } s }
}
fn main() { let t = std::time::Instant::now(); let mut s = 0; while t.elapsed().as_millis() < 300 { s += fxrust::spin(1_000_000); } std::process::exit((s & 1) as i32 * 0); }
RS
	rustc -g -C opt-level=1 -o "$TMP/fxrust" "$TMP/fxrust.rs"
	"$PTIME" -j --sample=$HZ "$TMP/fxrust" 2>"$TMP/rust.json"
	is "$(top "$TMP/rust.json")" "fxrust::fxrust::spin" "Rust names are demangled, without the hash"
else
	skip "Rust names are demangled" "rustc is not installed"
fi

strip -o "$TMP/fx-hot-stripped" "$FX/fx-hot"
"$PTIME" -j --sample=$HZ "$TMP/fx-hot-stripped" main 300 2>"$TMP/stripped.json"; rc=$?
is "$rc" 0 "a stripped build runs"
"$PY" - "$TMP/stripped.json" <<'PYEOF' >"$TMP/stripped.out"
import json, sys
p = json.loads(open(sys.argv[1]).read().splitlines()[-1])["profile"]
top = p["functions"][0]["function"]
warned = [w for w in p["warnings"] if "fx-hot-stripped" in w and "stripped" in w]
print("ok" if top.startswith("fx-hot-stripped+0x") and len(warned) == 1 else "bad", top, warned)
PYEOF
grep -q '^ok' "$TMP/stripped.out"; ok $? "a stripped build: named dso+0xOFFSET, one warning ($(cat "$TMP/stripped.out"))"

"$PTIME" -j --sample=$HZ "$FX/fx-hot" vdso 500 2>"$TMP/vdso.json"
"$PY" - "$TMP/vdso.json" <<'PYEOF' >"$TMP/vdso.out"
import json, sys
p = json.loads(open(sys.argv[1]).read().splitlines()[-1])["profile"]
v = sum(f["self_samples"] for f in p["functions"] if f["dso"] == "[vdso]")
named = sum(f["self_samples"] for f in p["functions"] if f["dso"] == "[vdso]" and not f["function"].startswith("[vdso]+"))
print("ok" if v >= 0.5 * p["samples"] and named > 0 else "bad", "%d of %d samples in the vdso, %d in named functions" % (v, p["samples"], named))
PYEOF
grep -q '^ok' "$TMP/vdso.out"; ok $? "a vdso-heavy loop: $(cat "$TMP/vdso.out")"

"$PTIME" -j --sample=$HZ "$FX/fx-hot" jit 500 2>"$TMP/jit.json"
"$PY" -c 'import json,sys; p=json.loads(open(sys.argv[1]).read())["profile"]; f=p["functions"][0]; print(f["function"], f["self_samples"] >= 0.8 * p["samples"])' "$TMP/jit.json" >"$TMP/jit.out"
rm -f "/tmp/perf-$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["processes"][0]["pid"])' "$TMP/jit.json").map"
is "$(cat "$TMP/jit.out")" "fx_jit_loop True" "JIT code named through /tmp/perf-PID.map"

# Call chains: inclusive cost reaches main.
"$PTIME" -j --sample=$HZ --call-graph "$FX/fx-hot" main 500 2>"$TMP/cg.json"
is "$("$PY" -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; m=[f for f in p["functions"] if f["function"]=="main"]; print(bool(m) and m[0]["inclusive_samples"] >= 0.9*(p["samples"]-p.get("samples_in_kernel",0)))' "$TMP/cg.json")" True \
	"--call-graph: main's inclusive cost covers the samples"

# The classic report's profile, and --annotate.
"$PTIME" --sample=$HZ "$FX/fx-hot" fork 300 2>"$TMP/bycomm"
grep -Eq '^ by command: fx-hot 100\.0% \(([2-9]|[0-9]{2,}) processes\)$' "$TMP/bycomm"; ok $? "classic: samples by command over a tree of processes ($(grep 'by command' "$TMP/bycomm"))"
"$PTIME" --sample=$HZ --annotate "$FX/fx-hot" main 300 2>"$TMP/classic"
grep -Eq '^ Profile: [0-9,]+ samples of ((cycles|cpu-clock)(:u)? at 2500 Hz|cycles(:u)?, one every [0-9,]+ cycles \(2500 Hz)' "$TMP/classic"
ok $? "classic: the profile line names the event and rate"
grep -Eq '^ +[0-9.]+% +[0-9.]+% +fx_heavy' "$TMP/classic"; ok $? "classic: the hottest function"
grep -Eq "^ +$HEAVY +[0-9,]+ +[0-9.]+% .*FX-HEAVY" "$TMP/classic"; ok $? "--annotate: the heavy line with its samples and source"
grep -Eq "^ +$((HEAVY - 1)) +.*\| " "$TMP/classic"; ok $? "--annotate: a context line above it"
"$PTIME" -f '' --sample=$HZ --annotate=full "$FX/fx-hot" main 200 2>"$TMP/full"
grep -Eq '^ +1 +\| /\* fx-hot-work.c: ' "$TMP/full"; ok $? "--annotate=full prints whole files, from line 1"

# callgrind: read by callgrind_annotate from another directory, with no warning; totals = samples.
"$PTIME" --sample=$HZ --callgrind="$TMP/cg.out" --folded="$TMP/folded" -j -o "$TMP/both.json" "$FX/fx-hot" main 500
samples=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["samples"])' "$TMP/both.json")
if command -v callgrind_annotate >/dev/null; then
	(cd / && callgrind_annotate "$TMP/cg.out" >"$TMP/ca.out" 2>"$TMP/ca.err"); rc=$?
	is "$rc:$(cat "$TMP/ca.err")" "0:" "callgrind_annotate reads the file with no warning"
	total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }' "$TMP/ca.out")
	is "$total" "$samples" "callgrind_annotate's total is the sample count"
	grep -q 'fx_heavy' "$TMP/ca.out"; ok $? "callgrind_annotate lists fx_heavy"
else
	skip "callgrind_annotate" "valgrind is not installed"
fi
is "$(awk '{ s += $NF } END { print s }' "$TMP/folded")" "$samples" "folded stack counts sum to the samples"
grep -Eq '^fx-hot;.*fx_heavy[^ ]* [0-9]+$' "$TMP/folded"; ok $? "folded stacks start with the command"

# Where sampling cannot start, the command still runs and one line says why.
max=$(cat /proc/sys/kernel/perf_event_max_sample_rate)
if [ "$max" -lt 1000000 ]; then
	"$PTIME" -f '%x' --sample=1000000 "$FX/fx-exit" 3 2>"$TMP/why"; rc=$?
	is "$rc" 3 "a rate above the kernel's limit: the command still runs with its status"
	is "$(sed -n 2p "$TMP/why")" 3 "a rate above the kernel's limit: the format's report is printed first"
	is "$(grep -c 'cannot sample at 1000000 Hz: kernel.perf_event_max_sample_rate is '"$max" "$TMP/why")" 1 \
		"a rate above the kernel's limit: one line after it says why"
	"$PTIME" -j --sample=1000000 "$FX/fx-exit" 0 2>"$TMP/why.json"
	grep -q '"profile":"cannot sample at 1000000 Hz' "$TMP/why.json"; ok $? "a rate above the kernel's limit: the JSON says why"
	validate "$TMP/why.json"; ok $? "a rate above the kernel's limit: the JSON validates"
else
	skip "a rate above the kernel's limit" "perf_event_max_sample_rate is $max"
fi

# Unprivileged, at perf_event_paranoid 2.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" -j --sample=$HZ "$FX/fx-hot" main $MS 2>"$TMP/user.json"
	hot "unprivileged" "$TMP/user.json"
else
	skip "unprivileged sampling" "needs root and setpriv to switch users"
fi

done_testing
