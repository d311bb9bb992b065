#!/bin/sh
# t-names.sh: names as perf and binutils print them, end to end: a loop through the PLT shows "abs@plt"
# (objdump's label) and no "_init"; C++ names in the text report are shortened (--names), and in JSON
# they are nm -C's names in full; a bad --names is refused.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3

run "$PTIME" --names=nonsense true 2>"$TMP/err"
is "$rc" 125 "a bad --names: exit 125"
is "$(head -1 "$TMP/err")" "ptime: invalid --names 'nonsense' (short, full or bare)" "... with one line that says so"

"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'ptime: sampling' "$TMP/probe" || "$PTIME" --version | grep -q 'without libdw'; then
	skip "PLT and C++ names" "no sampling here, or a build without libdw"
	done_testing
	exit
fi

# The kernel's share of a syscall-bound command is in no user-space sample: the report says how much.
timeout 60 "$PTIME" -f '%S' --sample dd if=/dev/zero of=/dev/null bs=1 count=200000 2>"$TMP/dd.txt"
pct=$(sed -n 's/.*CPU time (\([0-9]*\)%) were in the kernel and not sampled: .*/\1/p' "$TMP/dd.txt")
if grep -q 'samples of [a-z-]*:u ' "$TMP/dd.txt"; then
	ok "$([ -n "$pct" ] && [ "$pct" -ge 20 ] && echo 0 || echo 1)" "dd bs=1: the kernel's share of the CPU time is reported as unsampled (${pct:-no line}%)"
else
	skip "dd bs=1: the kernel's unsampled share" "the kernel was sampled"
fi

# The PLT: objdump names the stub the loop calls; ptime must too, and charge nothing to _init.
if objdump -d "$FX/fx-plt" 2>/dev/null | grep -q '<abs@plt>:'; then
	timeout 60 "$PTIME" -j --sample=2000 "$FX/fx-plt" 0.4 2>"$TMP/plt.json"; rc=$?
	is "$rc" 0 "fx-plt runs"
	"$PY" - "$TMP/plt.json" <<'PYEOF' >"$TMP/plt.out"
import json, sys
p = json.loads(open(sys.argv[1]).read())["profile"]
f = {x["function"]: x["self_samples"] for x in p["functions"]}
# PLT stubs were charged to _init (3 to 6% of samples); a sample in a real _init at start-up is not that
print(f.get("abs@plt", 0) > 0.02 * p["samples"], f.get("_init", 0) < 0.01 * p["samples"], f.get("abs@plt", 0), p["samples"])
PYEOF
	set -- $(cat "$TMP/plt.out") x x x x
	is "$1 $2" "True True" "abs@plt has its samples ($3 of $4), and _init under 1%"
else
	skip "abs@plt has its samples" "objdump shows no abs@plt in fx-plt"
fi

# C++: a std::map<std::string, std::vector<int>> program built here, when g++ is installed.
if ! command -v g++ >/dev/null 2>&1; then
	skip "C++ names" "g++ is not installed"
	done_testing
	exit
fi
cat >"$TMP/map.cc" <<'CCEOF'
#include <map>
#include <string>
#include <vector>
#include <cstdio>
#include <ctime>
int main() {
	std::map<std::string, std::vector<int>> m;
	long n = 0;
	while ((double)clock() / CLOCKS_PER_SEC < 0.4) {
		for (int i = 0; i < 2000; i++)
			m[std::to_string(i % 500)].push_back(i);
		m.clear();
		n++;
	}
	std::printf("%ld\n", n > 0);
}
CCEOF
# -O0: the tree's functions stay out of line, with their 300 to 800 character names
g++ -O0 -g -o "$TMP/map" "$TMP/map.cc"
timeout 60 "$PTIME" -j --sample=2000 "$TMP/map" 2>"$TMP/map.json" >/dev/null
nm -C "$TMP/map" | sed 's/^[0-9a-f]* [A-Za-z] //' >"$TMP/nm"
"$PY" - "$TMP/map.json" "$TMP/map" "$TMP/nm" <<'PYEOF' >"$TMP/map.out"
import json, sys
p = json.loads(open(sys.argv[1]).read())["profile"]
nm = set(open(sys.argv[3]).read().splitlines())
mine = [x["function"] for x in p["functions"] if x["dso"] == sys.argv[2] and "::" in x["function"]]
bad = [f for f in mine if f not in nm]
print(len(mine) > 0 and not bad, len(mine), json.dumps(bad[:2]).replace(" ", "_"))
PYEOF
set -- $(cat "$TMP/map.out") x x x
is "$1" "True" "JSON names the program's C++ functions as nm -C does, in full ($2 functions; not in nm: $3)"
timeout 60 "$PTIME" -f '' --sample=2000 --names=full "$TMP/map" 2>"$TMP/full.txt" >/dev/null
timeout 60 "$PTIME" -f '' --sample=2000 "$TMP/map" 2>"$TMP/short.txt" >/dev/null
long_full=$(awk 'length > 300' "$TMP/full.txt" | wc -l)
long_short=$(awk 'length > 300' "$TMP/short.txt" | wc -l)
ok "$([ "$long_full" -gt 0 ] && [ "$long_short" -eq 0 ] && echo 0 || echo 1)" \
	"--names=full has $long_full rows over 300 characters, the default report none ($long_short)"
ok "$(grep -q '<>' "$TMP/short.txt" && ! grep -q 'std::__cxx11::basic_string<char' "$TMP/short.txt" && echo 0 || echo 1)" \
	"... template arguments shown as <>"
done_testing
