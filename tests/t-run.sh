#!/bin/sh
# t-run.sh: what the command sees, signals, the classic report and the timing of one run.
. "${srcdir:-.}/tests/lib.sh"
unset TIME

out=$("$PTIME" -f '' sh -c 'echo to-stdout; echo to-stderr >&2' 2>"$TMP/err")
is "$out" "to-stdout" "the command's stdout is untouched"
is "$(head -n 1 "$TMP/err")" "to-stderr" "the command's stderr comes first, untouched"

want=$("$FX/fx-fds")
got=$("$PTIME" -f '' "$FX/fx-fds" 2>/dev/null)
is "$got" "$want" "the command holds only the fds it would hold without ptime"
got=$("$PTIME" -o "$TMP/report" -f '' "$FX/fx-fds")
is "$got" "$want" "the -o file is not inherited by the command"
got=$("$PTIME" -j -o "$TMP/report.json" "$FX/fx-fds")
is "$got" "$want" "--json opens nothing the command inherits"

# SIGTERM and SIGHUP to ptime go to the command, and the report is still written.
"$PTIME" -f 'report %x %Tt' -o "$TMP/term" sleep 5 &
pid=$!
sleep 0.3
kill -TERM $pid
wait $pid; rc=$?
is "$rc" 143 "SIGTERM to ptime: the command dies of it, ptime exits 143"
is "$(tail -n 1 "$TMP/term")" "report 0 signalled" "SIGTERM to ptime: the report is still written"
# Under nohup, SIGHUP is ignored from the start: the command inherits that, as it would without ptime.
if [ $((0x$(awk '/^SigIgn:/ { print $2 }' /proc/self/status) & 1)) -eq 1 ]; then
	skip "SIGHUP is passed on too" "SIGHUP is ignored here (nohup): the command ignores it too"
else
	"$PTIME" -f 'report %Tn' -o "$TMP/hup" sleep 5 &
	pid=$!
	sleep 0.3
	kill -HUP $pid
	wait $pid; rc=$?
	is "$rc:$(tail -n 1 "$TMP/hup")" "129:report 1" "SIGHUP is passed on too"
fi
# SIGINT to ptime alone is ignored: the command goes on.
"$PTIME" -f 'report %x' -o "$TMP/int" sh -c 'sleep 0.5; exit 4' &
pid=$!
sleep 0.2
kill -INT $pid
wait $pid; rc=$?
is "$rc:$(tail -n 1 "$TMP/int")" "4:report 4" "SIGINT to ptime alone is ignored while the command runs"

# The classic report.
"$PTIME" "$FX/fx-exit" 0 2>"$TMP/classic"
is "$(sed -n 1p "$TMP/classic")" "" "classic: a blank line first"
grep -Eq '^real	[0-9]+m[0-9]+\.[0-9]{3}s$' "$TMP/classic"; ok $? "classic: real in the shell's format"
grep -Eq '^user	[0-9]+m[0-9]+\.[0-9]{3}s$' "$TMP/classic"; ok $? "classic: user"
grep -Eq '^sys	[0-9]+m[0-9]+\.[0-9]{3}s$' "$TMP/classic"; ok $? "classic: sys"
for label in 'cpu' 'max rss' 'page faults' 'context switches' 'read' 'written'; do
	grep -Eq "^$label  +[^ ]" "$TMP/classic"; ok $? "classic: $label row"
done
"$PTIME" sh -c 'exit 3' 2>"$TMP/classic3"; rc=$?
is "$rc:$(head -n 1 "$TMP/classic3")" "3:Command exited with non-zero status 3" "classic: the status line"

# I/O: reading a known file shows at least its size.
head -c 3000000 /dev/zero >"$TMP/blob"
"$PTIME" -f '%{read_bytes} %{read_syscalls}' cat "$TMP/blob" >/dev/null 2>"$TMP/io"
read -r rb rs <"$TMP/io"
ok "$([ "$rb" -ge 3000000 ] && [ "$rs" -ge 1 ] && echo 0 || echo 1)" "read_bytes counts the 3 MB read ($rb in $rs calls)"
"$PTIME" -f '%{write_bytes}' sh -c "head -c 1000000 /dev/zero >'$TMP/w'" 2>"$TMP/io"
ok "$([ "$(cat "$TMP/io")" -ge 1000000 ] && echo 0 || echo 1)" "write_bytes includes a child's writes ($(cat "$TMP/io"))"

# Real time: a 200 ms sleep reads 200 ms, and ptime's own setup is not in it.
ns=$("$PTIME" -f '%{real_ns}' sleep 0.2 2>&1)
ok "$([ "$ns" -ge 200000000 ] && [ "$ns" -lt 700000000 ] && echo 0 || echo 1)" "real_ns of sleep 0.2 ($ns)"
"$PTIME" -f '%{real_ns}' true 2>"$TMP/true"
ok "$([ "$(cat "$TMP/true")" -lt 150000000 ] && echo 0 || echo 1)" "real_ns of true is small ($(cat "$TMP/true") ns)"

# User time of CPU spread across threads and child processes.
"$PTIME" -f '%{user_ns}' "$FX/fx-burn" 200 2 2 2>"$TMP/burn"
u=$(cat "$TMP/burn")
ok "$([ "$u" -ge 720000000 ] && [ "$u" -le 1200000000 ] && echo 0 || echo 1)" "user time covers 2 threads in 2 processes ($u ns for 800 ms of work)"

# execvp's PATH search, done by ptime itself for the cloned child: as glibc's execvp does it, and as GNU
# time (which calls execvp) does it on the same input where GNU time is installed.
mkdir -p "$TMP/pa" "$TMP/pb" "$TMP/pc/cmd" "$TMP/pd"
printf '#!/bin/sh\necho from-a\n' >"$TMP/pa/cmd"; chmod 644 "$TMP/pa/cmd"
printf '#!/bin/sh\necho from-b\n' >"$TMP/pb/cmd"; chmod 755 "$TMP/pb/cmd"
printf 'echo no-hashbang "$0" "$@"\n' >"$TMP/pd/ns"; chmod 755 "$TMP/pd/ns"
chmod 755 "$TMP"
pathenv() { if [ "$pv" = -unset ]; then env -u PATH "$@"; else env PATH="$pv" "$@"; fi; }
pathrun() { # pathrun DESCRIPTION WANT PATH|-unset DIR COMMAND...: output and status, run in DIR with PATH
	desc=$1 want=$2 pv=$3 dir=$4
	shift 4
	got=$(cd "$dir" && pathenv "$PTIME" -f '%x' "$@" 2>&1 | sed "s/^ptime: cannot run '\(.*\)':/cannot run \1:/" | tr '\n' '|')
	is "$got" "$want" "$desc"
	if [ -x /usr/bin/time ]; then
		gnu=$(cd "$dir" && pathenv /usr/bin/time -f '%x' "$@" 2>&1 | sed 's|^/usr/bin/time: ||' | tr '\n' '|')
		is "$got" "$gnu" "$desc: as GNU time"
	else
		skip "$desc: as GNU time" "no /usr/bin/time"
	fi
}
denied='cannot run cmd: Permission denied|Command exited with non-zero status 126|126|'
pathrun "PATH: a file that may not be run is passed over for a later one" 'from-b|0|' "$TMP/pa:$TMP/pb" / cmd
pathrun "PATH: a directory named like the command is passed over" 'from-b|0|' "$TMP/pc:$TMP/pb" / cmd
pathrun "PATH: the earlier entry wins" 'from-b|0|' "$TMP/pb:$TMP/pa" / cmd
pathrun "PATH: only a file that may not be run: Permission denied, 126" "$denied" "$TMP/pa" / cmd
pathrun "PATH: only a directory: Permission denied, 126" "$denied" "/nonexistent:$TMP/pc" / cmd
pathrun "PATH: denied first, missing after: still Permission denied" "$denied" "$TMP/pa:/nonexistent" / cmd
pathrun "PATH: nowhere: 127" 'cannot run cmd: No such file or directory|Command exited with non-zero status 127|127|' \
	/nonexistent / cmd
pathrun "PATH: an entry that is a file: its error, 126" \
	'cannot run cmd: Not a directory|Command exited with non-zero status 126|126|' "$TMP/pb/cmd" / cmd
pathrun "PATH: an empty entry is the current directory; a file without #! runs under /bin/sh" \
	'no-hashbang ns x y|0|' "/nonexistent:" "$TMP/pd" ns x y
pathrun "PATH empty: the current directory" 'no-hashbang ns x|0|' "" "$TMP/pd" ns x
pathrun "PATH: an empty entry in the middle" 'no-hashbang ns|0|' "/nonexistent::$TMP/pb" "$TMP/pd" ns
pathrun "a name with a slash is not searched" 'no-hashbang ./ns z|0|' "$TMP/pb" "$TMP/pd" ./ns z
pathrun "a name with a slash: no file" \
	'cannot run ./cmd: No such file or directory|Command exited with non-zero status 127|127|' "$TMP/pb" / ./cmd
pathrun "PATH unset: glibc's /bin:/usr/bin" 'unset|0|' -unset / sh -c 'echo unset'
pathrun "an empty command name: 127" \
	'cannot run : No such file or directory|Command exited with non-zero status 127|127|' "$TMP/pb" / ''

done_testing
