#!/bin/sh
# t-outputs.sh: every report is complete or absent, and ptime exits with the command's status
# whatever happens to its own output (full disk, ulimit -f, closed fds, --output-fd).
. "${srcdir:-.}/tests/lib.sh"
unset TIME
cd "$TMP" || exit 1
uid=$(id -u)
# A report longer than a page, so that no page left over on a full file system can hold it.
long=$(seq 1 1500 | tr '\n' ' ')

# nlines FILE: the number of lines in FILE.
nlines() { wc -l <"$1" | tr -d ' '; }

# --- a tiny full file system: the old file stays, byte for byte; the status is the command's ---
fs="$TMP/fs"
mkdir "$fs"
if [ "$uid" -eq 0 ] && mount -t tmpfs -o size=64k,mode=0755 ptime-test "$fs" 2>/dev/null; then
	trap 'umount -l "$fs" 2>/dev/null; rm -rf "$TMP"' EXIT
	# 4000 bytes: an append's first bytes still fit in the last page, the rest does not.
	head -c 4000 /dev/zero | tr "\0" x | fold -w 99 | head -c 4000 >"$TMP/old"
	cp "$TMP/old" "$fs/r.json"
	cp "$TMP/old" "$fs/runs.ndjson"
	cp "$TMP/old" "$fs/cg.out"
	cp "$TMP/old" "$fs/f.folded"
	cp "$TMP/old" "$fs/target"
	ln -s target "$fs/link"
	dd if=/dev/zero of="$fs/fill" bs=4096 2>/dev/null
	dd if=/dev/zero of="$fs/fill2" bs=1 2>/dev/null
	ls -A "$fs" | sort >"$TMP/names"

	timeout 20 "$PTIME" --json -o "$fs/r.json" sh -c 'exit 3' $long 2>"$TMP/err"; rc=$?
	is "$rc" 3 "full fs, -o: the command's status"
	cmp -s "$fs/r.json" "$TMP/old"; ok $? "full fs, -o: the old file is unchanged"
	is "$(cat "$TMP/err")" "ptime: cannot write '$fs/r.json': No space left on device; left as it was" \
		"full fs, -o: one line says so"

	timeout 20 "$PTIME" --json -a -o "$fs/runs.ndjson" sh -c 'exit 3' $long 2>"$TMP/err"; rc=$?
	is "$rc" 3 "full fs, -a: the command's status"
	is "$(wc -c <"$fs/runs.ndjson" | tr -d ' ')" 4000 "full fs, -a: no cut-off record: the length is unchanged"
	cmp -s "$fs/runs.ndjson" "$TMP/old"; ok $? "full fs, -a: the old records are unchanged"
	is "$(cat "$TMP/err")" "ptime: cannot write '$fs/runs.ndjson': No space left on device; left as it was" \
		"full fs, -a: one line says so"

	timeout 20 "$PTIME" --json -o "$fs/link" sh -c 'exit 3' $long 2>"$TMP/err"; rc=$?
	is "$rc:$(nlines "$TMP/err")" 3:1 "full fs, -o through a symlink: the status, one line"
	cmp -s "$fs/target" "$TMP/old"; ok $? "full fs, -o through a symlink: the old file is unchanged"
	[ -L "$fs/link" ]; ok $? "full fs, -o through a symlink: still a symlink"

	timeout 20 "$PTIME" -o /dev/null --sample --call-graph --callgrind="$fs/cg.out" --folded="$fs/f.folded" \
		"$FX/fx-burn" 200 2>"$TMP/err"; rc=$?
	is "$rc" 0 "full fs, --callgrind and --folded: the command's status"
	cmp -s "$fs/cg.out" "$TMP/old"; ok $? "full fs: the old callgrind file is unchanged"
	cmp -s "$fs/f.folded" "$TMP/old"; ok $? "full fs: the old folded file is unchanged"
	# Both files, or none when sampling could not start here: then neither is written at all.
	grep -qv "^ptime: cannot write '$fs/[a-z.]*': No space left on device; left as it was\$" "$TMP/err"
	ok $((!$?)) "full fs: nothing but a line for each profile file"
	ok "$([ "$(nlines "$TMP/err")" -le 2 ] && echo 0 || echo 1)" "full fs: at most a line for each file"

	timeout 20 "$PTIME" --json -o "$fs/new.json" sh -c 'exit 4' $long 2>"$TMP/err"; rc=$?
	is "$rc:$(nlines "$TMP/err")" 4:1 "full fs, a new -o file: the status, one line"
	ok "$([ ! -e "$fs/new.json" ] && echo 0 || echo 1)" "full fs, a new -o file: absent, not cut off"
	is "$(ls -A "$fs" | sort | tr '\n' ' ')" "$(tr '\n' ' ' <"$TMP/names")" "full fs: no temporary file is left"
	umount -l "$fs"
else
	skip "a full file system" "needs root and a tmpfs mount"
fi

# --- /dev/full: written directly, the error said once ---
timeout 20 "$PTIME" -f '%e' -o /dev/full sh -c 'exit 3' 2>"$TMP/err"; rc=$?
is "$rc" 3 "-o /dev/full: the command's status"
is "$(cat "$TMP/err")" "ptime: cannot write '/dev/full': No space left on device" "-o /dev/full: one line"
timeout 20 "$PTIME" --json --output-fd=3 sh -c 'exit 5' 3>/dev/full 2>"$TMP/err"; rc=$?
is "$rc:$(nlines "$TMP/err")" 5:1 "--output-fd onto /dev/full: the status, one line"

# --- the file is replaced only when complete, keeping its mode; links and symlinks stay ---
echo keep >"$TMP/r.txt"
chmod 600 "$TMP/r.txt"
timeout 20 "$PTIME" -f 'new %x' -o "$TMP/r.txt" sh -c 'exit 2' 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/r.txt" | tr '\n' ' ')" "2:Command exited with non-zero status 2 new 2 " "-o: the report replaces the file"
is "$(stat -c %a "$TMP/r.txt")" 600 "-o: a replaced file keeps its mode"
(umask 027; : >"$TMP/ref"; "$PTIME" -f '' -o "$TMP/created" true)
is "$(stat -c %a "$TMP/created")" "$(stat -c %a "$TMP/ref")" "-o: a new file has the mode the shell's > gives it"
if [ "$uid" -eq 0 ]; then
	echo keep >"$TMP/theirs"; chown 65534:65534 "$TMP/theirs"
	"$PTIME" -f 'mine' -o "$TMP/theirs" true
	is "$(stat -c %u:%g "$TMP/theirs"):$(cat "$TMP/theirs")" "65534:65534:mine" "-o as root: a replaced file keeps its owner and group"
fi
echo keep >"$TMP/h1"; ln "$TMP/h1" "$TMP/h2"
"$PTIME" -f 'linked' -o "$TMP/h1" true
is "$(cat "$TMP/h2"):$(stat -c %i "$TMP/h1")" "linked:$(stat -c %i "$TMP/h2")" "-o onto a hard link: both names see the report"
echo keep >"$TMP/t1"; ln -s t1 "$TMP/s1"
"$PTIME" -f 'via link' -o "$TMP/s1" true
is "$([ -L "$TMP/s1" ] && echo link):$(cat "$TMP/t1")" "link:via link" "-o onto a symlink: written through it"
echo "a long old line that is longer than the report" >"$TMP/t2"; ln -s t2 "$TMP/s2"
"$PTIME" -f 'short' -o "$TMP/s2" true
is "$(cat "$TMP/t2")" "short" "-o onto a symlink: a shorter report leaves no old tail"

# -o /dev/stderr onto a log: as if the report went to stderr, not over the command's output.
for redir in '>' '>>'; do
	echo old >"$TMP/log1"; echo old >"$TMP/log2"
	eval "\"\$PTIME\" -f 'REPORT %x' sh -c 'echo cmd-err >&2; exit 2' 2$redir\"\$TMP/log1\""
	eval "\"\$PTIME\" -f 'REPORT %x' -o /dev/stderr sh -c 'echo cmd-err >&2; exit 2' 2$redir\"\$TMP/log2\""
	cmp -s "$TMP/log1" "$TMP/log2"; ok $? "-o /dev/stderr 2$redir log: the log reads as without -o"
done

# Killed while the command runs: nothing is written, the old files stay.
for f in r.json cg.out f.folded; do echo keep >"$TMP/k-$f"; done
timeout 20 "$PTIME" --json -o "$TMP/k-r.json" --callgrind="$TMP/k-cg.out" --folded="$TMP/k-f.folded" \
	sh -c 'kill -9 $PPID; sleep 1' 2>/dev/null
is "$(cat "$TMP/k-r.json" "$TMP/k-cg.out" "$TMP/k-f.folded" | tr '\n' ' ')" "keep keep keep " \
	"ptime killed during the run: -o, --callgrind and --folded files unchanged"
is "$(ls -A "$TMP" | grep -c ptime-)" 0 "ptime killed during the run: no temporary file"

# --- ulimit -f: SIGXFSZ does not kill ptime; the command keeps the signal ---
head -c 3000 /dev/zero | tr '\0' y | fold -w 99 >"$TMP/big"
cp "$TMP/big" "$TMP/big.old"
sh -c 'ulimit -f 8; exec "$0" --json -o "$1" sh -c "exit 3" $2' "$PTIME" "$TMP/big" "$long" 2>"$TMP/err"; rc=$?
is "$rc" 3 "ulimit -f, -o: the command's status"
cmp -s "$TMP/big" "$TMP/big.old"; ok $? "ulimit -f, -o: the old file is unchanged"
is "$(cat "$TMP/err")" "ptime: cannot write '$TMP/big': File too large; left as it was" "ulimit -f, -o: one line"
sh -c 'ulimit -f 8; exec "$0" --json -a -o "$1" sh -c "exit 3" $2' "$PTIME" "$TMP/big" "$long" 2>"$TMP/err"; rc=$?
is "$rc:$(nlines "$TMP/err")" "3:1" "ulimit -f, -a: the status, one line"
cmp -s "$TMP/big" "$TMP/big.old"; ok $? "ulimit -f, -a: the file is unchanged"
sh -c 'ulimit -f 8; sh -c "head -c 100000 /dev/zero >$1"' sh "$TMP/xfsz" 2>/dev/null; want=$?
sh -c 'ulimit -f 8; exec "$0" -f "" sh -c "head -c 100000 /dev/zero >$1"' "$PTIME" "$TMP/xfsz" 2>/dev/null; rc=$?
is "$rc" "$want" "ulimit -f: the command is still killed by SIGXFSZ as without ptime"
if command -v perl >/dev/null; then
	want=$(perl -e '$SIG{XFSZ}="IGNORE"; exec @ARGV' grep SigIgn /proc/self/status)
	got=$(perl -e '$SIG{XFSZ}="IGNORE"; exec @ARGV' "$PTIME" -f '' grep SigIgn /proc/self/status 2>/dev/null)
	is "$got" "$want" "an ignored SIGXFSZ is still ignored in the command"

	# --- a parent that ignores SIGCHLD ---
	perl -e '$SIG{CHLD}="IGNORE"; exec @ARGV' "$PTIME" -f '%x' sh -c 'exit 3' 2>"$TMP/err"; rc=$?
	is "$rc:$(tail -n 1 "$TMP/err")" "3:3" "SIGCHLD ignored by the parent: the command's status and report"
	want=$(grep SigIgn /proc/self/status)
	got=$(perl -e '$SIG{CHLD}="IGNORE"; exec @ARGV' "$PTIME" -f '' grep SigIgn /proc/self/status 2>/dev/null)
	is "$got" "$want" "SIGCHLD ignored by the parent: the command gets the default"
else
	skip "ignored SIGXFSZ and SIGCHLD" "no perl"
fi

# --- the same file twice ---
marker="$TMP/ran"
same() { # same DESCRIPTION ARGS...
	desc=$1; shift
	"$PTIME" "$@" touch "$marker" 2>"$TMP/err"; rc=$?
	is "$rc:$(nlines "$TMP/err")" "125:2" "$desc: exit 125, one line and the Try line"
	grep -q "name the same file" "$TMP/err"; ok $? "$desc: says why"
	ok "$([ ! -e "$marker" ] && echo 0 || echo 1)" "$desc: the command did not run"
	rm -f "$marker"
}
same "-o X --callgrind=X" -o "$TMP/same" --callgrind="$TMP/same"
same "-o X --folded=./X" -o same --folded=./same
echo keep >"$TMP/exists"; ln -s exists "$TMP/exists-link"; ln "$TMP/exists" "$TMP/exists-hard"
same "--callgrind=X --folded=a symlink to X" --callgrind="$TMP/exists" --folded="$TMP/exists-link"
same "-o X --folded=a hard link of X" -o "$TMP/exists" --folded="$TMP/exists-hard"
is "$(cat "$TMP/exists")" keep "the same file twice: the file is untouched"

# --- closed standard descriptors: a report file never takes their place ---
timeout 20 "$PTIME" -f 'REPORT' --callgrind="$TMP/cg2" "$FX/fx-burn" 50 2>&-; rc=$?
is "$rc" 0 "stderr closed: the command's status"
is "$(cat "$TMP/cg2" 2>/dev/null | grep -c REPORT)" 0 "stderr closed: the report is not written into the callgrind file"
timeout 20 "$PTIME" -f 'REPORT' -o "$TMP/r2" sh -c 'echo hello' >&-
is "$(cat "$TMP/r2")" "REPORT" "stdout closed: the command's output is not in the -o file"
timeout 20 "$PTIME" -f '' -o "$TMP/r3" sh -c 'cat >/dev/null && echo read-ok' <&- >"$TMP/out3"
is "$(cat "$TMP/out3")" "read-ok" "stdin closed: the command reads /dev/null, not the -o file"

# --- which step failed ---
# nofile N ARGS...: run ARGS with only fds 0-2 open (the harness may leave more) and ulimit -n N.
nofile() {
	/usr/bin/python3 -c 'import os, resource, sys
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[1])))
os.execv(sys.argv[2], sys.argv[2:])' "$@"
}
nofile 4 "$PTIME" true 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "125:ptime: cannot create the cork pipe: Too many open files" "ulimit -n 4: the cork pipe is named"
nofile 5 "$PTIME" true 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "125:ptime: cannot create the ready pipe: Too many open files" "ulimit -n 5: the ready pipe is named"

# --- --output-fd: only the report in the pipe, and the command does not inherit it ---
cmd='echo out; echo err >&2; if [ -e /proc/$$/fd/3 ]; then echo fd3-open; else echo fd3-closed; fi'
timeout 20 "$PTIME" --json --output-fd=3 sh -c "$cmd" 3>&1 >"$TMP/cmd.log" 2>&1 | cat >"$TMP/pipe"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["exit"]["code"])' "$TMP/pipe"
ok $? "--output-fd=3 3>&1: the pipe holds exactly one JSON object"
is "$(nlines "$TMP/pipe")" 1 "--output-fd=3: one line in the pipe"
is "$(tr '\n' ' ' <"$TMP/cmd.log")" "out err fd3-closed " "--output-fd=3: the command's output goes where it should, fd 3 not inherited"
timeout 20 "$PTIME" -f '' sh -c "$cmd" 3>/dev/null >"$TMP/cmd2.log" 2>&1
is "$(grep fd3 "$TMP/cmd2.log")" "fd3-open" "without --output-fd, fd 3 is the command's (the check can fail)"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	validate "$TMP/pipe"; ok $? "--output-fd: the JSON matches the schema"
else
	skip "--output-fd: the JSON matches the schema" "no python3-jsonschema"
fi
: >"$TMP/fdlog"
timeout 20 "$PTIME" -f 'one %x' --output-fd=4 sh -c 'exit 6' 4>>"$TMP/fdlog"
timeout 20 "$PTIME" -f 'two %x' --output-fd=4 true 4>>"$TMP/fdlog"; rc=$?
is "$rc:$(tr '\n' ' ' <"$TMP/fdlog")" "0:Command exited with non-zero status 6 one 6 two 0 " "--output-fd onto a file opened for appending"

fderr() { # fderr DESCRIPTION WANT-FIRST-LINE ARGS...
	desc=$1 want=$2; shift 2
	"$PTIME" "$@" touch "$marker" 2>"$TMP/err" 5</dev/null; rc=$?
	is "$rc:$(head -n 1 "$TMP/err")" "125:$want" "$desc: exit 125 and the message"
	is "$(nlines "$TMP/err")" 2 "$desc: one line and the Try line"
	ok "$([ ! -e "$marker" ] && echo 0 || echo 1)" "$desc: the command did not run"
	rm -f "$marker"
}
fderr "--output-fd closed" "ptime: cannot write to --output-fd=7: Bad file descriptor" --output-fd=7
fderr "--output-fd read-only" "ptime: cannot write to --output-fd=5: not open for writing" --output-fd=5
fderr "--output-fd not a number" "ptime: invalid --output-fd '3x' (a file descriptor number)" --output-fd=3x
fderr "-o and --output-fd" "ptime: -o and --output-fd both say where the report goes: give one" \
	-o "$TMP/r4" --output-fd=2
ok "$([ ! -e "$TMP/r4" ] && echo 0 || echo 1)" "-o and --output-fd: no file created"

# --- a path that cannot be written is found before the run, as someone who may not write there ---
mkdir "$TMP/ro-dir"; echo keep >"$TMP/ro-dir/old"; chmod 755 "$TMP" "$TMP/ro-dir"; chmod 666 "$TMP/ro-dir/old"
if [ "$uid" -eq 0 ] && command -v setpriv >/dev/null; then
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif [ "$uid" -ne 0 ]; then
	chmod 555 "$TMP/ro-dir"
	as_user() { "$@"; }
else
	as_user=
fi
if command -v as_user >/dev/null; then
	as_user "$PTIME" -o "$TMP/ro-dir/new" touch "$marker" 2>"$TMP/err"; rc=$?
	is "$rc:$(head -n 1 "$TMP/err")" "125:ptime: cannot open '$TMP/ro-dir/new': Permission denied" \
		"a new -o file in a directory that may not be written: 125 before the run"
	ok "$([ ! -e "$marker" ] && echo 0 || echo 1)" "an unwritable directory: the command did not run"
	as_user "$PTIME" -f 'in place' -o "$TMP/ro-dir/old" true 2>"$TMP/err"; rc=$?
	is "$rc:$(cat "$TMP/ro-dir/old")" "0:in place" "a writable file in a directory that is not: written in place"
else
	skip "an unwritable directory" "no setpriv"
fi

chmod 755 "$TMP/ro-dir" 2>/dev/null
done_testing
