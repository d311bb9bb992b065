#!/bin/sh
# t-gnu.sh: ptime against GNU time itself: formats, status lines, exit codes, -o/-a, TIME, options.
. "${srcdir:-.}/tests/lib.sh"
GNU=/usr/bin/time
if ! "$GNU" --version 2>&1 | grep -q 'GNU Time'; then
	echo "1..0 # SKIP GNU time is not installed (apt-get install time)"
	exit 0
fi
unset TIME

# both FMT-OPTS... -- CMD...: run GNU time and ptime alike; compare stderr (own name blanked) and status.
both() {
	"$GNU" "$@" >"$TMP/g.out" 2>"$TMP/g.err"; grc=$?
	"$PTIME" "$@" >"$TMP/p.out" 2>"$TMP/p.err"; prc=$?
	sed -i "s|^$GNU: |TIME: |; s|^ptime: |TIME: |; s|'||g" "$TMP/g.err" "$TMP/p.err"
}
same() { # same DESCRIPTION [normalise-sed]
	if [ -n "${2:-}" ]; then sed -i "$2" "$TMP/g.err" "$TMP/p.err"; fi
	if cmp -s "$TMP/g.err" "$TMP/p.err" && [ "$grc" = "$prc" ]; then ok 0 "$1"; else
		ok 1 "$1"; echo "# gnu ($grc):"; sed 's/^/#   /' "$TMP/g.err"; echo "# ptime ($prc):"; sed 's/^/#   /' "$TMP/p.err"
	fi
}
digits='s/[0-9][0-9]*/N/g'

both -f '%C|%x|%Z|%X|%D|%K|%p|%t|%W|%k|%r|%s|%%|\t|\n|\\|\q|%Q|%j' "$FX/fx-exit" 3
same "every fixed specifier and escape, byte for byte, with the status line"
both -f 'x%' "$FX/fx-exit" 0
same "a trailing % prints ? and no newline"
both -f '%e %E %U %S %P %M %F %R %w %c %I %O' "$FX/fx-exit" 0
same "time and rusage specifiers have GNU's shape" "$digits"
both -v "$FX/fx-exit" 4
same "-v prints GNU's status line and 23 lines and nothing else" "$digits"
is "$(grep -c . "$TMP/p.err")" 24 "-v: status line and 23 lines"
is "$(tail -n 1 "$TMP/p.err" | cut -f2 | cut -d: -f1)" "Exit status" "-v: Exit status is the last line"
"$GNU" -v -o "$TMP/g.o" "$FX/fx-exit" 0; "$PTIME" -v -o "$TMP/p.o" "$FX/fx-exit" 0
sed -i "$digits" "$TMP/g.o" "$TMP/p.o"
ok "$(cmp -s "$TMP/g.o" "$TMP/p.o"; echo $?)" "-v -o FILE: the file has GNU's lines, byte for byte"
TIME='%x' "$GNU" -v "$FX/fx-exit" 0 2>"$TMP/g.err"; TIME='%x' "$PTIME" -v "$FX/fx-exit" 0 2>"$TMP/p.err"
sed -i "$digits" "$TMP/g.err" "$TMP/p.err"
ok "$(cmp -s "$TMP/g.err" "$TMP/p.err"; echo $?)" "-v beats TIME, byte for byte"
"$PTIME" -v -e task-clock "$FX/fx-exit" 0 2>"$TMP/p.err"
ok "$(sed -n 24,\$p "$TMP/p.err" | grep -q 'task-clock' && echo 0 || echo 1)" "-v -e LIST: the counters come after GNU's lines"
both -p "$FX/fx-exit" 5
same "-p: POSIX format with no status line" "$digits"
both -p -f '%x' "$FX/fx-exit" 5
same "-f after -p brings the status line back"
both -f '%x' -v "$FX/fx-exit" 6
same "-v beats -f" "$digits"
both -q -f '%x' "$FX/fx-exit" 7
same "-q drops the status line"
both -f '%x %Tt' "$FX/fx-exit" 9 kill
same "killed by a signal: status line, %x is 0, exit 128+N" 's/?Tt/signalled/'
both -f '%x' "$FX/fx-exit" 15 kill
same "SIGTERM: exit 143"
both -f '%x' "$FX/fx-exit" 255
same "exit 255"
both -f '%x' /nonexistent/cmd
same "a missing command: 127 and GNU's message" 's/cannot run \(.*\): /cannot run \1: /'
chmod -x "$TMP/g.out" 2>/dev/null
printf 'x\n' >"$TMP/noexec"; chmod 644 "$TMP/noexec"
both -f '%x' "$TMP/noexec"
same "a command that cannot run: 126"

TIME='%x|%C' both "$FX/fx-exit" 2
same "the TIME variable gives the format"
TIME='%C' both -f '%x' "$FX/fx-exit" 2
same "-f beats TIME"
TIME='' both "$FX/fx-exit" 0
same "an empty TIME prints an empty line"

both --f '%x' "$FX/fx-exit" 1
same "--f abbreviates --format"
both --format='%x' --quiet "$FX/fx-exit" 1
same "--format=FMT and --quiet"
both -f%x "$FX/fx-exit" 1
same "-fFMT glued"

"$GNU" -o "$TMP/g.o" -f '%x %C' "$FX/fx-exit" 3 2>/dev/null
"$PTIME" -o "$TMP/p.o" -f '%x %C' "$FX/fx-exit" 3 2>/dev/null
cmp -s "$TMP/g.o" "$TMP/p.o"; ok $? "-o writes the same report to the file"
"$GNU" -a -o "$TMP/g.o" -f '%x' "$FX/fx-exit" 0
"$PTIME" -a -o "$TMP/p.o" -f '%x' "$FX/fx-exit" 0
cmp -s "$TMP/g.o" "$TMP/p.o"; ok $? "-a appends"
"$GNU" --o="$TMP/g.o" --a -f '%x' "$FX/fx-exit" 0
"$PTIME" --o="$TMP/p.o" --a -f '%x' "$FX/fx-exit" 0
cmp -s "$TMP/g.o" "$TMP/p.o"; ok $? "--o and --a abbreviate --output-file and --append"

both
same "no command: missing program to run, exit 125" 's|^Try .* --help|Try TIME --help|'
both --bogus true
same "unknown long option: exit 125" 's|^Try .* --help|Try TIME --help|'
both -y true
same "unknown short option: exit 125" 's|^Try .* --help|Try TIME --help|'
both -f
same "option missing its argument: exit 125" 's|^Try .* --help|Try TIME --help|'

"$GNU" -f '%M' "$FX/fx-alloc" 64 2>"$TMP/g.m"
"$PTIME" -f '%M' "$FX/fx-alloc" 64 2>"$TMP/p.m"
within "$(cat "$TMP/p.m")" "$(cat "$TMP/g.m")" 5; ok $? "%M of a 64 MiB allocation agrees with GNU time within 5% ($(cat "$TMP/p.m") vs $(cat "$TMP/g.m"))"
ok "$([ "$(cat "$TMP/p.m")" -ge 65536 ] && echo 0 || echo 1)" "%M covers the 64 MiB"

"$GNU" -f '%U' "$FX/fx-burn" 300 2>"$TMP/g.u"
"$PTIME" -f '%U' "$FX/fx-burn" 300 2>"$TMP/p.u"
within "$(cat "$TMP/p.u")" "$(cat "$TMP/g.u")" 15; ok $? "%U of 300 ms of CPU agrees with GNU time ($(cat "$TMP/p.u") vs $(cat "$TMP/g.u"))"

done_testing
