#!/bin/sh
# t-pyread.sh: probe/pyread.c reads the Python stacks of every CPython 3.9 to 3.13 on this machine: fx-pyread
# starts tests/fx-py-known.py (a worker thread and the main thread each in a loop on a known line) as its own
# child and prints both stacks; older Pythons are refused with "layout not known".
. "${srcdir:-.}/tests/lib.sh"
unset TIME
script="$srcdir/tests/fx-py-known.py"

if [ "$(uname -m)" != x86_64 ]; then
	skip "Python stacks" "fixed layouts are for x86_64 only"
	done_testing
	exit
fi
if "$PTIME" --version | grep -q 'without libdw'; then
	run "$FX/fx-pyread" --run /usr/bin/python3 "$script" >"$TMP/out" 2>&1
	is "$(grep '^why' "$TMP/out")" "why: built without libdw" "without libdw, a Python is refused with the reason"
	is "$(sed -n 2p "$TMP/out")" final "and that reason is for good: it is not looked for again"
	done_testing
	exit
fi

wline=$(grep -n 'WORKER-LINE' "$script" | cut -d: -f1)
mline=$(grep -n 'MAIN-LINE' "$script" | cut -d: -f1)
# The loop's two lines: its test (the one above the mark) and its body.
wlines="$((wline - 1)) $wline"
mlines="$((mline - 1)) $mline"

# top_frame OUT TID: the innermost frame that fx-pyread printed for thread TID.
top_frame() {
	awk -v t="thread $2" '$0 ~ /^thread / { on = ($0 == t); next } on && !done { print; done = 1 }' "$1"
}
checked=0
pys=/usr/bin/python3
for d in /root/.pyenv/versions/3.9.* /root/.pyenv/versions/3.10.* /root/.pyenv/versions/3.11.* \
	/root/.pyenv/versions/3.12.* /root/.pyenv/versions/3.13.*; do
	pys="$pys $d/bin/python"
done
for py in $pys; do
	if ! [ -x "$py" ] || ! "$py" -c '' 2>/dev/null; then
		continue
	fi
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	run timeout 60 "$FX/fx-pyread" --run "$py" "$script" >"$TMP/out" 2>&1
	pid=$(awk '/^thread / { print $2; exit }' "$TMP/out")
	tid=$(awk '/^thread / { n++; if (n == 2) { print $2; exit } }' "$TMP/out")
	ok "$rc" "CPython $v ($py): both stacks read"
	main=$(top_frame "$TMP/out" "$pid")
	work=$(top_frame "$TMP/out" "$tid")
	found=1
	for l in $mlines; do
		[ "$main" = "$script:$l main_loop" ] && found=0
	done
	ok "$found" "CPython $v: the main thread is in main_loop on its loop's lines"
	[ "$found" -eq 0 ] || sed 's/^/# /' "$TMP/out"
	found=1
	for l in $wlines; do
		[ "$work" = "$script:$l worker" ] && found=0
	done
	ok "$found" "CPython $v: the worker thread is in worker on its loop's lines"
	[ "$found" -eq 0 ] || sed 's/^/# /' "$TMP/out"
	is "$(awk '/^thread / { n++ } n == 1 && /^\// { l = $0 } END { print l }' "$TMP/out" | sed 's/:[0-9]* / /')" \
		"$script <module>" "CPython $v: the main thread's outermost frame is the module"
	checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || skip "Python stacks" "no CPython 3.9 to 3.13 here"

# Versions without a layout: refused, with the reason.
for d in /root/.pyenv/versions/2.7.* /root/.pyenv/versions/3.8.*; do
	py="$d/bin/python"
	if ! [ -x "$py" ] || ! "$py" -c '' 2>/dev/null; then
		skip "an old CPython is refused" "no $d here"
		continue
	fi
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	run timeout 60 "$FX/fx-pyread" --run "$py" "$script" >"$TMP/out" 2>&1
	is "$(head -1 "$TMP/out")" "why: CPython $v: layout not known" "CPython $v is refused: layout not known"
	is "$(sed -n 2p "$TMP/out")" final "CPython $v: that reason is for good"
done

# A CPython caught in its execve, its executable not mapped yet: a reason, so that ptime looks again.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ctypes' 2>/dev/null; then
	run env LD_BIND_NOW=1 timeout 60 "$FX/fx-pyread" --run /usr/bin/python3 "$srcdir/tests/fx-py-unmapped.py" >"$TMP/out" 2>&1
	is "$(head -1 "$TMP/out")" "why: $(readlink -f /usr/bin/python3): not mapped yet" \
		"an executable not yet mapped is a reason to look again, not a process that is no CPython"
	is "$(sed -n 2p "$TMP/out")" "may pass" "and that reason may pass"
else
	skip "a CPython in its execve" "no /usr/bin/python3 with ctypes"
fi

# Not Python at all: no reason.
run "$FX/fx-pyread" $$ $$ >"$TMP/out" 2>&1
is "$(cat "$TMP/out")" "why: not CPython" "a shell is no CPython, and no reason is given"
done_testing
