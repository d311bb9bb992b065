#!/bin/sh
# t-bounds.sh: ptime's own memory and time stay bounded whatever the command does to its map
# tables, and its memory does not grow with the length of a sampled run (unique stacks only).
. "${srcdir:-.}/tests/lib.sh"
unset TIME
GNU=/usr/bin/time

"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'Profile: not sampled' "$TMP/probe"; then
	echo "1..0 # SKIP $(grep 'not sampled' "$TMP/probe")"
	exit 0
fi
if ! "$GNU" --version 2>&1 | grep -q 'GNU Time'; then
	echo "1..0 # SKIP GNU time is not installed (apt-get install time)"
	exit 0
fi

# ptime's memory bound: under ASan its own shadow and quarantine take about 90 MB before any work.
limit=100000
ldd "$PTIME" 2>/dev/null | grep -q libasan && limit=400000

# rss CMD...: ptime's peak RSS in kB (GNU time's %M of ptime, whose command stays small), and in
# $TMP/own the CPU seconds ptime itself used: GNU time's user+sys of ptime and the command, less
# the command's own, as ptime measured it.
rss() {
	"$GNU" -f '%M %U %S' -o "$TMP/gnu" timeout 120 "$PTIME" -f '%x %U %S' --sample --call-graph "$@" 2>"$TMP/out"; rc=$?
	cut -d' ' -f1 "$TMP/gnu" >"$TMP/rss"
	awk -v c="$(grep -v '^$' "$TMP/out" | head -n1)" '{ split(c, a, " "); printf "%.2f\n", $2 + $3 - a[2] - a[3] }' "$TMP/gnu" >"$TMP/own"
	sed -i '1s/ .*//' "$TMP/out"
}

# A JIT that maps code at 120,000 new addresses: the map table was replayed in O(n^2).
rss "$FX/fx-maps" jit 120000
is "$rc:$(head -n1 "$TMP/out")" "0:0" "120,000 mappings at new addresses: finished, with the command's status"
ok "$([ "$(cat "$TMP/rss")" -lt $limit ] && echo 0 || echo 1)" "120,000 mappings: ptime's peak RSS $(cat "$TMP/rss") kB < $((limit / 1000)) MB"
ok "$(awk '{ exit !($1 < 4) }' "$TMP/own"; echo $?)" "120,000 mappings: ptime's own CPU time $(cat "$TMP/own") s < 4 s (it was 11 s)"

# 10,000 executable mappings and 600 forks: each fork copied the table (190 MB) and exit freed nothing.
rss "$FX/fx-maps" fork 600 10000
is "$rc:$(head -n1 "$TMP/out")" "0:0" "10,000 mappings and 600 forks: finished, with the command's status"
ok "$([ "$(cat "$TMP/rss")" -lt $limit ] && echo 0 || echo 1)" "10,000 mappings and 600 forks: ptime's peak RSS $(cat "$TMP/rss") kB < $((limit / 1000)) MB"

# Memory short while resolving the samples (ulimit -v): the command has run, so ptime exits with its
# status at every limit, and a profile it could not build says why (libdw's error() exited 1, its
# assertions 134, xmalloc 125).
if ldd "$PTIME" 2>/dev/null | grep -q libasan; then
	skip "ulimit -v from 20 to 60 MB" "ASan reserves terabytes of address space for its shadow memory"
	skip "... the report says why the profile is missing" "ASan"
else
bad=
# 1 MB steps: where libdw runs short moves with the build, and the window where it does is narrow
for kb in $(seq 18000 1000 40000) 60000; do
	(ulimit -v $kb; exec "$PTIME" -f '%x' --sample sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exit 3') \
		>/dev/null 2>"$TMP/v.err"
	rc=$?
	[ "$rc" = 3 ] || bad="$bad $kb:$rc"
	grep -q 'Profile: unavailable: ' "$TMP/v.err" && unavailable=$kb
	grep -q 'cannot write the report' "$TMP/v.err" && lost="${lost:-} $kb"
done
is "${bad:-none}" none "ulimit -v from 18 to 60 MB: the command's status (3) every time"
is "${lost:-none}" none "ulimit -v from 18 to 60 MB: the report is written every time"
if "$PTIME" --version | grep -q 'without libdw'; then
	skip "... the report says why the profile is missing" "built without libdw: naming by offset needs almost no memory"
else
	ok "$([ -n "${unavailable:-}" ] && echo 0 || echo 1)" "... and where the profile could not be built, the report says so (${unavailable:-never} kB)"
fi
fi

# The same work six times as long: the profile holds unique stacks, not samples. (Not under ASan,
# whose quarantine keeps freed memory in ptime's RSS.)
if ldd "$PTIME" 2>/dev/null | grep -q libasan; then
	skip "a sampled run 6 times as long: ptime's peak RSS" "ASan's quarantine holds freed memory"
	done_testing
	exit $?
fi
rss --sample=10000 "$FX/fx-inline" 600
short=$(cat "$TMP/rss")
rss --sample=10000 "$FX/fx-inline" 3600
long=$(cat "$TMP/rss")
ok "$([ "$long" -lt $((short + 2048)) ] && echo 0 || echo 1)" "a sampled run 6 times as long: ptime's peak RSS $short kB, then $long kB (< +2 MB)"

done_testing
