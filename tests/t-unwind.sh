#!/bin/sh
# t-unwind.sh: --call-graph's values at option time, and the DWARF unwinder (profile/unwind.c) against
# perf record --call-graph dwarf on the same program: unit-unwind's chains mode samples a child running
# main -> sample_child -> a -> fxunwind_b (built without frame pointers) -> c and unwinds each sample.
. "${srcdir:-.}/tests/lib.sh"
unset TIME

# Option time: one line and 125 for a bad value; the command is not run.
for bad in 'lbr' 'dwarfx' 'dwarf,0' 'dwarf,70000' 'dwarf,8k'; do
	run "$PTIME" --call-graph="$bad" -f '' touch "$TMP/ran" 2>"$TMP/err"
	is "$rc $(wc -l <"$TMP/err") $([ -e "$TMP/ran" ] && echo ran)" "125 2 " "--call-graph=$bad is refused at option time"
done
if "$PTIME" --version | grep -q 'without libdw'; then
	run "$PTIME" --call-graph=dwarf -f '' true 2>"$TMP/err"
	is "$rc $(head -1 "$TMP/err")" \
		"125 ptime: --call-graph=dwarf needs libdw, and this ptime was built without it (use --call-graph=fp, or rebuild with libdw-dev installed)" \
		"without libdw, --call-graph=dwarf is refused with one line"
	run "$PTIME" --call-graph=fp -f "" true 2>/dev/null
	is "$rc" 0 "without libdw, --call-graph=fp is taken"
	done_testing
	exit
fi
for good in '' '=fp' '=dwarf' '=dwarf,4096' '=dwarf,100'; do
	run "$PTIME" "--call-graph$good" -f '' true 2>"$TMP/err"
	is "$rc" 0 "--call-graph$good is taken"
done

# Ours: the offsets (less one, as perf prints return addresses) of the most frequent chain through the
# library, leaf excluded, root first.
run timeout 60 "$FX/unit-unwind" chains >"$TMP/ours" 2>"$TMP/ours.err"
if [ "$rc" -eq 77 ]; then
	skip "DWARF chains of real samples" "$(cat "$TMP/ours.err")"
	done_testing
	exit
fi
is "$rc" 0 "unit-unwind chains runs"
ours=$(grep 'fxunwind_b;c ' "$TMP/ours" | sort -rn | head -1)
echo "# ptime's unwinder: $ours"
echo "# $(tail -1 "$TMP/ours.err")"
ok "$([ -n "$ours" ] && echo 0 || echo 1)" "the unwinder finds main -> a -> fxunwind_b -> c in real samples"

if ! command -v perf >/dev/null 2>&1; then
	skip "the same chain as perf record --call-graph dwarf" "perf is not installed"
	done_testing
	exit
fi
run timeout 120 perf record -q -e cpu-clock:u -F 999 --call-graph dwarf -o "$TMP/perf.data" -- \
	"$FX/unit-unwind" chains >/dev/null 2>"$TMP/perf.err"
if [ "$rc" -ne 0 ] || [ ! -s "$TMP/perf.data" ]; then
	skip "the same chain as perf record --call-graph dwarf" "perf record failed: $(head -1 "$TMP/perf.err")"
	done_testing
	exit
fi
# perf's own attr for --call-graph dwarf: the same registers and stack size as unwind_attr's.
want=$(grep -o 'sample_regs_user: [0-9a-fx]*' "$TMP/ours.err")
got=$(timeout 60 perf evlist -v -i "$TMP/perf.data" 2>/dev/null | grep -o 'sample_regs_user: [0-9a-fx]*' | head -1)
is "$got" "$want" "unwind_attr asks for the registers perf asks for"
want=$(grep -o 'sample_stack_user: [0-9]*' "$TMP/ours.err")
got=$(timeout 60 perf evlist -v -i "$TMP/perf.data" 2>/dev/null | grep -o 'sample_stack_user: [0-9]*' | head -1)
is "$got" "$want" "and for as much stack"
t0=$(date +%s%N)
timeout 120 perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null >"$TMP/script"
t1=$(date +%s%N)
# perf script: one block per sample, leaf first, "ip symbol" per frame; an inlined call repeats the ip.
awk 'BEGIN { RS = "" }
{
	n = 0; last = ""; through = 0
	m = split($0, lines, "\n"); c = ""
	for (j = 1; j <= m; j++) {
		split(lines[j], f, " ")
		# perf makes a frame of -1 where its unwinding stops short (the copied stack ran out): no
		# frame at all, which is what ptime reports there
		if (f[1] == "" || f[1] == last || f[1] == "ffffffffffffffff") continue
		last = f[1]
		if (lines[j] ~ /fxunwind_b/) through = 1
		if (n++ == 0) continue # the leaf
		c = c == "" ? f[1] : f[1] ";" c
	}
	if (through) count[c]++
}
END { for (c in count) print count[c], c }' "$TMP/script" | sort -rn >"$TMP/theirs"
theirs=$(head -1 "$TMP/theirs")
echo "# perf: $theirs"
is "$(echo "$theirs" | cut -d' ' -f2)" "$(echo "$ours" | cut -d' ' -f3)" \
	"the same chain as perf record --call-graph dwarf + perf script, frame by frame"
samples=$(awk 'BEGIN { RS = "" } END { print NR }' "$TMP/script")
echo "# perf script: $samples samples unwound in $(( (t1 - t0) / 1000000 )) ms ($(( (t1 - t0) / 1000 / (samples > 0 ? samples : 1) )) us a sample, with symbols)"
timeout 120 perf report -i "$TMP/perf.data" --stdio -g caller --no-children 2>/dev/null >"$TMP/report"
ok "$(awk '/%/ { if (s != "") print s; s = ""; on = 0 } /---/ { on = 1 }
	on { sub(/^[ |]*-*/, ""); if ($0 != "" && $0 !~ /inlined/) s = s " " $1 } END { print s }' "$TMP/report" |
	grep -q ' main sample_child a fxunwind_b c$' && echo 0 || echo 1)" "perf report -g caller shows main, sample_child, a, fxunwind_b, c"
done_testing
