#!/bin/sh
# t-fuzz.sh: every fuzz target, without libFuzzer, on its seeds and on each input that once crashed it.
. "${srcdir:-.}/tests/lib.sh"
replay="$FX/../fuzz/replay"

# replay TARGET FILE: the target runs it to the end (a crash, an abort or a sanitizer report fails).
replay() {
	timeout 60 "$replay" "$1" "$2" >"$TMP/out" 2>&1
	ok $? "$1: $(basename "$(dirname "$2")")/$(basename "$2")"
	[ ! -s "$TMP/out" ] || sed 's/^/# /' "$TMP/out" | head -n 30
}

for d in "$srcdir"/fuzz/seeds/*/; do
	for f in "$d"*; do
		replay "$(basename "$d")" "$f"
	done
done
# The elf seeds are made by make fuzz; here: fixtures with and without debug info, and system files.
for f in "$FX/fx-hot" "$FX/libfxhot.so" "$FX/fx-exit" "$replay" /bin/true /usr/lib/x86_64-linux-gnu/libc.so.6; do
	[ -e "$f" ] && replay elf "$f"
done
# The ring seeds are written by fuzz/seed-ring.py (records of a sampled /bin/true), as make fuzz does.
if /usr/bin/python3 "$srcdir/fuzz/seed-ring.py" "$TMP/ring" 2>/dev/null; then
	for f in "$TMP/ring"/*; do
		replay ring "$f"
	done
fi
# The alloc seeds: fuzz/seed-alloc.py (the records of a CPython process's sample).
if /usr/bin/python3 "$srcdir/fuzz/seed-alloc.py" "$TMP/alloc" 2>/dev/null; then
	for f in "$TMP/alloc"/*; do
		replay alloc "$f"
	done
fi
for d in "$srcdir"/fuzz/regress/*/; do
	[ -d "$d" ] || continue
	for f in "$d"*; do
		[ -e "$f" ] && replay "$(basename "$d")" "$f"
	done
done
"$replay" nosuch 2>/dev/null; is $? 2 "an unknown target is refused"
done_testing
