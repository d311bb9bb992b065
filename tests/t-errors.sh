#!/bin/sh
# t-errors.sh: bad input: one line, the Try line, exit 125, the command not run, no file touched.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
marker="$TMP/ran"

check() { # check DESCRIPTION EXPECTED-FIRST-LINE ARGS...
	desc=$1 want=$2
	shift 2
	"$PTIME" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	is "$rc" 125 "$desc: exit 125"
	is "$(sed -n 1p "$TMP/err")" "$want" "$desc: the message"
	is "$(sed -n 2p "$TMP/err")" "Try 'ptime --help' for more information." "$desc: the Try line"
	is "$(wc -l <"$TMP/err" | tr -d ' ')" 2 "$desc: nothing more"
	ok "$([ ! -e "$marker" ] && echo 0 || echo 1)" "$desc: the command did not run"
	rm -f "$marker"
}

check "unknown option" "ptime: unrecognized option '--bogus'" --bogus touch "$marker"
check "unknown short option" "ptime: invalid option -- 'y'" -y touch "$marker"
check "no command" "ptime: missing program to run" -f '%e'
check "-f with no argument" "ptime: option requires an argument -- 'f'" -f
check "--format with no argument" "ptime: option '--format' requires an argument" --format
check "--json takes no argument" "ptime: option '--json' doesn't allow an argument" --json=1 touch "$marker"
check "ambiguous option" "ptime: option '--ver' is ambiguous" --ver touch "$marker"
# GNU getopt names the whole argument, "=VALUE" included; ptime leaves out its "; possibilities:" list.
if [ -x /usr/bin/time ]; then
	for a in --=x --= --bogus=1 --ver=x --verb=x; do
		gnu=$(/usr/bin/time "$a" true 2>&1 >/dev/null | sed -n '1{s/^[^:]*: //;s/; possibilities:.*//;p}')
		check "$a as GNU time says it" "ptime: $gnu" "$a" touch "$marker"
	done
else
	skip "option errors as GNU time says them" "no /usr/bin/time"
fi
check "unknown metric" "ptime: unknown metric '%{max_rss}' in the format; did you mean '%{max_rss_bytes}'?" \
	-f '%{max_rss}' touch "$marker"
check "unopenable -o" "ptime: cannot open '/nonexistent/dir/report': No such file or directory" \
	-o /nonexistent/dir/report touch "$marker"

echo keep >"$TMP/report"
"$PTIME" -o "$TMP/report" --bogus touch "$marker" 2>/dev/null
is "$(cat "$TMP/report")" keep "an option error leaves an existing -o file untouched"
"$PTIME" -o "$TMP/report" -f '%{nope}' touch "$marker" 2>/dev/null
is "$(cat "$TMP/report")" keep "a format error leaves an existing -o file untouched"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	echo keep >"$TMP/ro"; chmod 444 "$TMP/ro"; chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTIME" -o "$TMP/ro" true 2>"$TMP/err"; rc=$?
	is "$rc:$(head -n 1 "$TMP/err")" "125:ptime: cannot open '$TMP/ro': Permission denied" "a read-only -o file: Permission denied, 125"
elif [ "$(id -u)" -ne 0 ]; then
	echo keep >"$TMP/ro"; chmod 444 "$TMP/ro"
	"$PTIME" -o "$TMP/ro" true 2>"$TMP/err"; rc=$?
	is "$rc:$(head -n 1 "$TMP/err")" "125:ptime: cannot open '$TMP/ro': Permission denied" "a read-only -o file: Permission denied, 125"
else
	skip "a read-only -o file" "no setpriv"
fi

# -e given twice is joined, and freed: under LeakSanitizer a leak would turn the status 3 into 1.
"$PTIME" -e task-clock -e page-faults -o "$TMP/twice" sh -c 'exit 3' 2>/dev/null; rc=$?
is "$rc" 3 "-e twice: the command's status"
grep -q 'page-faults' "$TMP/twice"; ok $? "-e twice: both lists are counted"

"$PTIME" --help --bogus >"$TMP/help"; rc=$?
is "$rc" 0 "--help before a bad option: help, exit 0, as GNU time"
"$PTIME" --help >"$TMP/help"; rc=$?
is "$rc" 0 "--help exits 0"
grep -q '^Usage: ptime' "$TMP/help"; ok $? "--help prints the usage on stdout"
"$PTIME" --version >"$TMP/ver"; rc=$?
is "$rc:$(head -n1 "$TMP/ver" | cut -d' ' -f1)" "0:ptime" "--version"

done_testing
