#!/bin/sh
# t-text.sh: every string ptime writes is safe for its format: JSON is UTF-8 (checked by python3's
# strict decoder and json module, and the schema) with the original bytes back from "raw_bytes";
# folded stacks and callgrind names cannot break their line grammar; the classic report and the
# annotated source send no control character to the terminal; %C stays GNU time's, byte for byte.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
HZ=1000
ESC=$(printf '\033')

# Arguments: the issue's, controls (well-formed UTF-8, which JSON escapes), overlong forms, a
# surrogate, a code point above U+10FFFF and a truncated sequence, and well-formed non-ASCII.
A1=$(printf 'a\377')
A2=$(printf 'x\ny\033[31m\001\177')
A3=$(printf '\300\257\355\240\200\364\220\200\200\342\202')
A4=$(printf 'f\303\274r \342\202\254')

# check_json FILE FIRST: FILE is strict UTF-8 and strict JSON, and from FIRST on its "command" is
# the arguments that follow, recovered byte for byte; a string's text is Python's own replacement
# (decode errors="replace"), and "raw_bytes" names exactly the strings that were not UTF-8.
check_json() {
	"$PY" - "$@" <<'PYEOF'
import base64, json, os, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")  # strict: raises on any byte that is not UTF-8
assert not any(c < 0x20 for c in data[:-1]), "a raw control byte in the JSON"
doc = json.loads(text)  # strict: control characters must be escaped
first, want = int(sys.argv[2]), [os.fsencode(a) for a in sys.argv[3:]]
raw = doc.get("raw_bytes", {})
def utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
bad = []
for i, b in enumerate(want):
    ptr, got = "/command/%d" % (first + i), doc["command"][first + i]
    if got != b.decode("utf-8", "replace"):
        bad.append("%s: %r is not Python's replacement of %r" % (ptr, got, b))
    rec = base64.b64decode(raw[ptr], validate=True) if ptr in raw else got.encode("utf-8")
    if rec != b:
        bad.append("%s: recovered %r, not %r" % (ptr, rec, b))
    if (ptr in raw) == utf8(b):
        bad.append("%s: in raw_bytes %s, UTF-8 %s" % (ptr, ptr in raw, utf8(b)))
print("ok" if not bad else "bad", "; ".join(bad) or "%d arguments, %d in raw_bytes" % (len(want), len(raw)))
PYEOF
}

# JSON without sampling: the command line.
"$PTIME" --json -o "$TMP/argv.json" sh -c 'exit 0' "$A1" "$A2" "$A3" "$A4"; rc=$?
is "$rc" 0 "a command with arguments that are not UTF-8 runs"
out=$(check_json "$TMP/argv.json" 3 "$A1" "$A2" "$A3" "$A4")
case $out in ok*) ok 0 "JSON: strict UTF-8, strict JSON, argv recovered from raw_bytes ($out)" ;;
*) ok 1 "JSON: strict UTF-8, strict JSON, argv recovered from raw_bytes ($out)" ;; esac
validate "$TMP/argv.json"; ok $? "JSON with raw_bytes: the schema accepts it"
is "$("$PY" -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["raw_bytes"]))' "$TMP/argv.json")" \
	"['/command/3', '/command/5']" "raw_bytes: one JSON Pointer for each argument that is not UTF-8"
grep -q 'x\\ny\\u001b\[31m\\u0001' "$TMP/argv.json"; ok $? "JSON: json-c escapes controls as \\n and \\u00XX"
"$PTIME" --json -o "$TMP/clean.json" sh -c 'exit 0' "$A4"
grep -q raw_bytes "$TMP/clean.json"; is "$?" 1 "raw_bytes is absent when every string is UTF-8"
if command -v jq >/dev/null && command -v base64 >/dev/null; then
	# docs/json.md's jq recipe, decoded by coreutils' base64
	jq -r '.raw_bytes["/command/3"]' "$TMP/argv.json" | base64 -d >"$TMP/a1.bin"
	printf '%s' "$A1" >"$TMP/a1.want"
	cmp -s "$TMP/a1.bin" "$TMP/a1.want"; ok $? "the jq recipe recovers the bytes a\\377"
	is "$(printf '%s' "$A3" | base64 -w0)" "$(jq -r '.raw_bytes["/command/5"]' "$TMP/argv.json")" \
		"raw_bytes is coreutils' base64 of the argument"
else
	skip "the jq recipe" "jq or base64 is not installed"
	skip "raw_bytes against coreutils' base64" "jq or base64 is not installed"
fi
# The same bytes whatever the locale: ptime never reads it, and its checks are byte ranges.
locs=$(locale -a 2>/dev/null | grep -v -x -e C -e POSIX | head -3)
for loc in C $locs; do
	LC_ALL=$loc "$PTIME" --json -o "$TMP/loc.json" sh -c 'exit 0' "$A1" "$A2" "$A3" "$A4" 2>/dev/null
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps([d["command"], d["raw_bytes"]]))' \
		"$TMP/loc.json" >"$TMP/loc-$loc.out"
	cmp -s "$TMP/loc-C.out" "$TMP/loc-$loc.out"; ok $? "LC_ALL=$loc: the same strings and raw_bytes, and JSON numbers"
done

# %C is GNU time's: the arguments as they are, newline and ESC included.
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%C' -o "$TMP/gnu.C" sh -c 'exit 0' "$A1" "$A2"
	"$PTIME" -f '%C' -o "$TMP/ptime.C" sh -c 'exit 0' "$A1" "$A2"
	cmp -s "$TMP/gnu.C" "$TMP/ptime.C"; ok $? "%C writes the arguments raw, byte for byte as GNU time does"
else
	skip "%C against GNU time" "/usr/bin/time is not installed"
fi

# The sampled names: a fixture that renames its processes and names its JIT code with escapes.
"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'ptime: sampling' "$TMP/probe"; then
	skip "sampled names" "$(cat "$TMP/probe")"
	done_testing
	exit $?
fi
nodw=false
"$PTIME" --version | grep -q 'without libdw' && nodw=true

timeout 60 "$PTIME" -j -o "$TMP/comm.json" --sample=$HZ --folded="$TMP/comm.folded" --callgrind="$TMP/comm.cg" \
	"$FX/fx-comm" 75 "$A1" >"$TMP/pid"; rc=$?
is "$rc" 0 "fx-comm runs sampled"
rm -f "/tmp/perf-$(cat "$TMP/pid").map"
out=$(check_json "$TMP/comm.json" 2 "$A1")
case $out in ok*) ok 0 "sampled JSON: strict UTF-8, strict JSON, argv recovered ($out)" ;;
*) ok 1 "sampled JSON: strict UTF-8, strict JSON, argv recovered ($out)" ;; esac
validate "$TMP/comm.json"; ok $? "sampled JSON with raw_bytes: the schema accepts it"

"$PY" - "$TMP/comm.json" "$nodw" <<'PYEOF' >"$TMP/names.out"
import base64, json, re, sys
doc = json.load(open(sys.argv[1]))
raw = {k: base64.b64decode(v) for k, v in doc.get("raw_bytes", {}).items()}
def at(ptr):  # RFC 6901, by hand
    v = doc
    for t in ptr.split("/")[1:]:
        t = t.replace("~1", "/").replace("~0", "~")
        v = v[int(t)] if isinstance(v, list) else v[t]
    return v
bad = [k for k, b in raw.items() if at(k) != b.decode("utf-8", "replace")]
comms = {p["comm"] for p in doc["profile"]["processes"]}
want = {"fx-comm", "a\nEVIL 9999999\n", "\x1b[31mred\x1b[0m", "b\ufffd\ufffd"}
if comms != want:
    bad.append("comms %r" % sorted(comms))
if b"b\xff\xfe" not in [b for k, b in raw.items() if re.fullmatch(r"/profile/processes/\d+/comm", k)]:
    bad.append("the comm b\\xff\\xfe is not in raw_bytes")
if sys.argv[2] == "false" and b"\x1b[31mjit\xff\x1b[0m" not in [b for k, b in raw.items() if re.fullmatch(r"/profile/functions/\d+/function", k)]:
    bad.append("the JIT name is not in raw_bytes")
print("ok" if not bad else "bad", "; ".join(bad) or "%d strings in raw_bytes, each Python's replacement of its bytes" % len(raw))
PYEOF
case $(cat "$TMP/names.out") in ok*) ok 0 "sampled JSON: comm and function names recovered ($(cat "$TMP/names.out"))" ;;
*) ok 1 "sampled JSON: comm and function names recovered ($(cat "$TMP/names.out"))" ;; esac

# Folded: one line per stack, "frames count", counts summing to the samples; the comm that holds
# "\nEVIL 9999999\n" is one escaped frame, not a line of its own.
"$PY" - "$TMP/comm.folded" "$TMP/comm.json" <<'PYEOF' >"$TMP/folded.out"
import json, re, sys
data = open(sys.argv[1], "rb").read()
samples = json.load(open(sys.argv[2]))["profile"]["samples"]
lines = data.split(b"\n")
bad = []
if lines[-1] != b"":
    bad.append("no final newline")
lines = lines[:-1]
good = [l for l in lines if re.fullmatch(rb"[^\n]* [0-9]+", l) and not any(c < 0x20 or c == 0x7f for c in l)]
if len(good) != len(lines):
    bad.append("%d of %d lines are not 'frames count'" % (len(lines) - len(good), len(lines)))
total = sum(int(l.rsplit(b" ", 1)[1]) for l in good)
if total != samples:
    bad.append("counts sum to %d, not %d" % (total, samples))
if len(set(l.rsplit(b" ", 1)[0] for l in lines)) != len(lines):
    bad.append("a stack on two lines")
heads = {l.split(b";")[0] for l in lines}
want = {b"fx-comm", rb"a\nEVIL 9999999\n", rb"\x1b[31mred\x1b[0m", rb"b\xff\xfe"}
if heads != want:
    bad.append("first frames %r" % sorted(heads))
print("ok" if not bad else "bad", "; ".join(bad) or "%d lines, %d samples" % (len(lines), total))
PYEOF
case $(cat "$TMP/folded.out") in ok*) ok 0 "folded: $(cat "$TMP/folded.out")" ;;
*) ok 1 "folded: $(cat "$TMP/folded.out")" ;; esac

# Callgrind: no control byte but the line ends; callgrind_annotate reads it and shows the names escaped.
"$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(any(c < 0x20 and c != 10 or c == 0x7f for c in d))' "$TMP/comm.cg"
ok $? "callgrind: no control byte in the file but line ends"
if command -v callgrind_annotate >/dev/null && ! $nodw; then
	(cd / && timeout 60 callgrind_annotate "$TMP/comm.cg" >"$TMP/ca.out" 2>"$TMP/ca.err"); rc=$?
	is "$rc:$(cat "$TMP/ca.err")" "0:" "callgrind_annotate reads the file with no warning"
	grep -qF '\x1b[31mjit\xff\x1b[0m' "$TMP/ca.out"; ok $? "callgrind_annotate shows the JIT name escaped"
else
	skip "callgrind_annotate reads the file" "callgrind_annotate is not installed, or no libdw"
	skip "callgrind_annotate shows the JIT name escaped" "callgrind_annotate is not installed, or no libdw"
fi

# The classic report: the names escaped, no ESC, no byte that is not UTF-8, no forged line.
timeout 60 "$PTIME" --sample=$HZ "$FX/fx-comm" 75 >"$TMP/pid" 2>"$TMP/classic"; rc=$?
is "$rc" 0 "fx-comm runs with the classic report"
rm -f "/tmp/perf-$(cat "$TMP/pid").map"
grep -q "$ESC" "$TMP/classic"; is "$?" 1 "classic report: no ESC byte"
"$PY" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/classic" 2>/dev/null
ok $? "classic report: UTF-8 throughout"
grep -q '^EVIL' "$TMP/classic"; is "$?" 1 "classic report: the comm's newline does not start a line"
grep -qF ' by command: ' "$TMP/classic" && grep -qF 'a\nEVIL 9999999\n' "$TMP/classic" &&
	grep -qF '\x1b[31mred\x1b[0m' "$TMP/classic" && grep -qF 'b\xff\xfe' "$TMP/classic"
ok $? "classic report: the commands by name, escaped"
if ! $nodw; then
	grep -qF '\x1b[31mjit\xff\x1b[0m' "$TMP/classic"; ok $? "classic report: the JIT function's name, escaped"
else
	skip "classic report: the JIT function's name" "built without libdw"
fi

# Annotated source: a hot line whose comment holds ESC, an 8-bit CSI (0x9b) and a tab.
CC=${CC:-cc}
if command -v "$CC" >/dev/null && ! $nodw; then
	printf '%s\n' '/* ann.c: a loop whose line carries control bytes. */' '#include <time.h>' \
		'int main(void) { volatile unsigned long x = 0; unsigned long i;' \
		"	do for (i = 0; i < 1000000; i++) x++; while (clock() < CLOCKS_PER_SEC / 4); /* $(printf '\033]0;owned\007 \233 31m\t')tab */" \
		'	return 0; }' >"$TMP/ann.c"
	"$CC" -g -O0 -o "$TMP/ann" "$TMP/ann.c"
	timeout 60 "$PTIME" -f '' --sample=$HZ --annotate "$TMP/ann" 2>"$TMP/ann.out"
	grep -q "$ESC" "$TMP/ann.out"; is "$?" 1 "annotate: no ESC byte from the source"
	"$PY" -c 'import sys; d=open(sys.argv[1], "rb").read(); d.decode("utf-8"); sys.exit(b"\x07" in d)' "$TMP/ann.out" 2>/dev/null
	ok $? "annotate: no BEL and no byte that is not UTF-8"
	grep -qF '\x1b]0;owned\x07 \x9b 31m	tab' "$TMP/ann.out"; ok $? "annotate: the controls escaped, the tab kept"
else
	skip "annotate: no ESC byte" "no C compiler, or no libdw"
	skip "annotate: no BEL" "no C compiler, or no libdw"
	skip "annotate: the controls escaped" "no C compiler, or no libdw"
fi

done_testing
