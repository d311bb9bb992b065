#!/bin/sh
# t-alloc.sh: libptime-alloc.so inside fx-mem, read back by fx-allocrun (probe/alloc-read.c): exact counts
# and bytes per kind at rate 1 against what fx-mem.c allocates, unbiased estimates at a small rate,
# threads, fork, exec and _exit, the command's status and output untouched, and garbage files survived.
. "${srcdir:-.}/tests/lib.sh"

LIB=$FX/../src/inject/libptime-alloc.so
RUN=$FX/fx-allocrun
MEM=$FX/fx-mem
base=$TMP
[ -d /dev/shm ] && [ -w /dev/shm ] && base=$(mktemp -d /dev/shm/ptime-test.XXXXXX) && trap 'rm -rf "$TMP" "$base"' EXIT
# A sanitizer build instruments the library too (CFLAGS come last), and ASan's own malloc must then come
# first: there is nothing of ours left to test in that process.
if ldd "$LIB" 2>/dev/null | grep -q 'lib[a-z]*san'; then
	skip "libptime-alloc.so" "built with a sanitizer, which replaces malloc itself"
	done_testing
	exit
fi
n=0
# go [ENV=V...] -- COMMAND...: run under the sampler with a fresh directory; the report is in $rep.
go() {
	n=$((n + 1))
	dir=$base/d$n
	rep=$TMP/rep$n
	mkdir -m 700 "$dir"
	envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	run env $envs "$RUN" "$LIB" "$dir" "$rep" "$@" >"$TMP/out$n" 2>"$TMP/err$n"
	out=$TMP/out$n
}
# get PID KIND SIZE KEY: a field of a size line of $rep; "none" when there is no such line.
get() {
	awk -v p="$1" -v k="$2" -v s="$3" -v key="$4" '
		$1 == "size" && $2 == p && $3 == k && $4 == s {
			for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] }
			found = 1 }
		END { if (!found) print "none" }' "$rep"
}
# file_field NAME KEY: a field of the file line of NAME.
file_field() {
	awk -v f="$1" -v key="$2" '$1 == "file" && $2 == f {
		for (i = 3; i <= NF; i++) { j = index($i, "="); if (substr($i, 1, j - 1) == key) print substr($i, j + 1) } }' "$rep"
}
# sites PID WHAT: the sizes that fx-mem.c's sites() allocates, counted in PID's file.
sites() {
	p=$1
	got="$(get "$p" malloc 1111 n)/$(get "$p" malloc 1111 freed) $(get "$p" malloc 2222 n)/$(get "$p" malloc 2222 freed)"
	got="$got $(get "$p" malloc 333 n)/$(get "$p" malloc 333 freed) $(get "$p" malloc 1001 n)/$(get "$p" malloc 1001 freed)"
	got="$got $(get "$p" malloc 300000 n)/$(get "$p" malloc 300000 freed) $(get "$p" malloc 4441 n)/$(get "$p" malloc 4441 freed)"
	is "$got" "3/0 5/5 1000/1000 1/1 1/1 1/1" "$2: malloc sites, allocated/freed"
	bytes=$(awk -v p="$p" '$1 == "size" && $2 == p && $3 == "malloc" && $4 ~ /^(1111|2222|333|1001|300000|4441)$/ {
		split($5, a, "="); split($7, w, "="); n += a[2]; b += a[2] * $4; wb += w[2] } END { print n, b, wb }' "$rep")
	is "$bytes" "1011 652885 652885" "$2: malloc sites, count, bytes and weight at rate 1"
	is "$(get "$p" calloc 777 n)/$(get "$p" calloc 777 freed)/$(get "$p" calloc 777 wbytes)" "1/1/777" "$2: calloc(7, 111)"
	got="$(get "$p" realloc 2002 n)/$(get "$p" realloc 2002 freed) $(get "$p" realloc 4004 n)/$(get "$p" realloc 4004 freed)"
	is "$got $(get "$p" realloc 8008 n)/$(get "$p" realloc 8008 freed)" "1/1 1/1 1/1" "$2: realloc growth, each a new block"
	is "$(get "$p" memalign 6666 n)/$(get "$p" memalign 6666 freed)" "1/1" "$2: posix_memalign"
	is "$(get "$p" mmap 20480 n)/$(get "$p" mmap 20480 freed)" "1/1" "$2: anonymous mmap and munmap"
	is "$(get "$p" mmap 303104 n)" "none" "$2: glibc's own mmap for the large block is not counted twice"
}

bare=$("$MEM"; echo "status $?")

# 1. Every allocation, with full unwinding.
go PTIME_ALLOC_RATE=1 -- "$MEM"
is "$(cat "$out"; echo "status $rc")" "$bare" "output and status as without the sampler"
files=$(awk '$1 == "file"' "$rep" | wc -l)
is "$files" 2 "one file for fx-mem, one for its forked child"
f1=$(awk '$1 == "file" { print $2 }' "$rep" | sed -n 1p)
f2=$(awk '$1 == "file" { print $2 }' "$rep" | sed -n 2p)
p1=$(file_field "$f1" pid)
p2=$(file_field "$f2" pid)
if [ "$(file_field "$f2" ppid)" = "$p1" ]; then parent=$p1; child=$p2; cf=$f2; pf=$f1; else parent=$p2; child=$p1; cf=$f1; pf=$f2; fi
is "$(file_field "$cf" ppid)" "$parent" "the child's file names its parent"
is "$(file_field "$pf" exe)" "$(readlink -f "$MEM")" "the file names the executable"
is "$(file_field "$pf" rate)/$(file_field "$pf" stack)" "1/1" "the file says rate 1, unwound stacks"
is "$(file_field "$pf" dropped)/$(file_field "$pf" bad)/$(file_field "$pf" unpaired)/$(file_field "$pf" pending)" "0/0/0/0" \
	"nothing dropped, bad, unpaired or left over"
sites "$parent" "parent"
sites "$child" "forked child"
fr=$(get "$parent" malloc 333 frames)
ok "$([ "${fr%-*}" -ge 3 ] && echo 0 || echo 1)" "the stack of a site reaches past main ($fr frames)"
is "$(get "$parent" malloc 4441 frames | awk -F- '{ print ($1 >= 2) }')" 1 "the second thread's site has a stack"
live=$(awk -v p="$parent" '$1 == "total" && $2 == p { print $8 }' "$rep")
ok "$(echo "$live" | awk -F= '{ exit !($2 >= 3333 && $2 < 3333 + 16384) }'; echo $?)" \
	"held at exit: the kept blocks and little else ($live)"

# 2. _exit skips every exit handler: the records are in the file already.
go PTIME_ALLOC_RATE=1 -- "$MEM" exit
is "$rc" 3 "_exit's status comes through"
p=$(awk '$1 == "file" { sub("pid=", "", $3); print $3 }' "$rep")
sites "$p" "_exit"

# SIGKILL: nothing of the process runs after it; the ring is in the page cache.
go PTIME_ALLOC_RATE=1 -- "$MEM" kill
is "$rc" 137 "SIGKILL's status comes through"
p=$(awk '$1 == "file" { sub("pid=", "", $3); print $3 }' "$rep")
sites "$p" "SIGKILL"

# 3. exec: the same pid gets a new file for its new image, found again through LD_PRELOAD.
go PTIME_ALLOC_RATE=1 -- "$MEM" exec
is "$rc" 0 "exec: status"
ex=$(awk '$1 == "file" && $5 == "image=1" { sub("pid=", "", $3); print $3 }' "$rep")
ok "$([ -n "$ex" ] && echo 0 || echo 1)" "exec: the new image wrote file PID-1"
is "$(get "$ex" malloc 5550 n)" 1 "exec: the image before exec kept its record"
is "$(awk -v p="$ex" '$1 == "file" && $3 == "pid=" p' "$rep" | wc -l)" 2 "exec: two files for one pid"
sites "$ex" "exec'd image"

# 4. Threads at rate 1, and forks while they allocate (no child may hang on a lock it inherited).
go PTIME_ALLOC_RATE=1 -- timeout 120 "$MEM" threads
is "$rc" 0 "threads and forks: status"
tp=$(awk '$1 == "file" && /exe=[^ ]*fx-mem/ { sub("pid=", "", $3); print $3 }' "$rep")
is "$(for p in $tp; do get "$p" malloc 3333 n; done | grep -v none)" 80000 "4 threads x 20000 blocks, each seen"
is "$(for p in $tp; do get "$p" malloc 3335 n; done | grep -c '^1$')" 20 "20 forked children, each its own file"
is "$(awk '$1 == "file" { d += substr($10, 9); u += substr($13, 10) } END { print d + 0, u + 0 }' "$rep")" "0 0" \
	"threads: nothing dropped, nothing unpaired"

# 5. Sampled at 4096 bytes: the estimates against the 1,310,080,000 bytes in 110,000 blocks of fx-mem volume.
for st in unwind fp; do
	go PTIME_ALLOC_RATE=4096 PTIME_ALLOC_STACK=$st -- "$MEM" volume
	is "$rc" 0 "volume ($st): status"
	all=$(awk '$1 == "all"' "$rep")
	wb=$(echo "$all" | sed 's/.* wbytes=\([0-9]*\).*/\1/')
	wc=$(echo "$all" | sed 's/.* wcount=\([0-9.]*\).*/\1/')
	within "$wb" 1310080000 5
	ok $? "volume ($st): estimated bytes $wb within 5% of 1310080000"
	within "$wc" 110000 5
	ok $? "volume ($st): estimated count $wc within 5% of 110000"
	# Each sample's weight, against size / (1 - exp(-size / rate)) computed here.
	bad=$(awk '$1 == "size" && $3 == "malloc" { split($5, a, "="); split($7, w, "="); s = $4
		want = s / (1 - exp(-s / 4096)); if (a[2] > 0 && (w[2] / a[2] - want > 1 || want - w[2] / a[2] > 1)) print s }' "$rep")
	is "$bad" "" "volume ($st): every weight is size / (1 - exp(-size / rate))"
done

# A full ring that nobody drains: the writer waits its bound, then drops and counts, and never pairs a
# free with an allocation that was dropped.
n=$((n + 1)); dir=$base/d$n; rep=$TMP/rep$n; mkdir -m 700 "$dir"
run env PTIME_ALLOC_DIR="$dir" PTIME_ALLOC_RATE=1 PTIME_ALLOC_RING=65536 PTIME_ALLOC_WAIT_MS=5 LD_PRELOAD="$LIB" "$MEM" volume
is "$rc" 0 "full ring: status"
run "$RUN" "$LIB" "$dir" "$rep" true
f=$(awk '$1 == "file" && /exe=[^ ]*fx-mem/ { print $2 }' "$rep") # true has a ring of its own too
ok "$([ "$(file_field "$f" dropped)" -gt 100000 ] && echo 0 || echo 1)" "full ring: drops counted ($(file_field "$f" dropped))"
is "$(file_field "$f" bad)/$(file_field "$f" unpaired)" "0/0" "full ring: what was kept reads whole, frees paired"

# 6. The default rate, and no directory at all: the command runs as ever.
go -- "$MEM"
is "$(cat "$out"; echo "status $rc")" "$bare" "default rate: output and status"
is "$(awk '$1 == "file" && $0 ~ /rate=524288/' "$rep" | wc -l | tr -d ' ')" \
	"$(awk '$1 == "file"' "$rep" | wc -l | tr -d ' ')" "default rate: 524288 in every file"
got=$(env PTIME_ALLOC_DIR= LD_PRELOAD="$LIB" PTIME_ALLOC_RATE=1 "$MEM"; echo "status $?")
is "$got" "$bare" "without PTIME_ALLOC_DIR: no sampling, same output"

# 7. Files the command may have scribbled on: counted as bad, never a crash.
for kind in size type first; do
	go -- true
	python3 - "$dir/999-0" "$kind" <<'PYEOF'
import struct, sys
path, kind = sys.argv[1], sys.argv[2]
ring = 64 << 10
hdr = bytearray(4096)
hdr[0:8] = b"PTALLOC\0"
struct.pack_into("<IIQI", hdr, 8, 2, 4096, ring, 999)  # ALLOC_VERSION
data = bytearray(ring)
stamp = lambda pos: ((pos // 8) ^ 0x9e3779b9) & 0xffffffff
proc = struct.pack("<IHHIIQQIIII", stamp(0), 2, 48, 999, 1, 1, 0, 1, 0, 0, 0)
recs = [proc]
if kind == "size":
	recs.append(struct.pack("<IHH", stamp(48), 3, 65528) + bytes(16))
elif kind == "type":
	recs.append(struct.pack("<IHH", stamp(48), 77, 24) + bytes(16))
else:
	recs = [struct.pack("<IHH", stamp(0), 4, 40) + bytes(32)]
pos = 0
for r in recs:
	data[pos:pos + len(r)] = r
	pos += len(r)
struct.pack_into("<Q", hdr, 64, pos)
open(path, "wb").write(hdr + data)
PYEOF
	run "$RUN" "$LIB" "$dir" "$rep" true
	is "$rc/$(file_field 999-0 bad)" "0/1" "garbage ($kind): the reader survives and counts one bad record"
done
printf 'not a ring' >"$dir/998-0"
ln -s /etc/passwd "$dir/997-0"
run "$RUN" "$LIB" "$dir" "$rep" true
is "$rc/$(grep -c '^file 99[78]' "$rep")" "0/0" "a short file and a symbolic link are not read"

done_testing
