#!/bin/sh
# fuzz/build.sh: what `make fuzz` runs: ptime's library and each target built with clang and libFuzzer
# (ASan+UBSan) in the build tree's fuzz/, and each target's seed corpus in fuzz/corpus/NAME.
# Usage: build.sh SRCDIR 'CC' 'CFLAGS' 'LIBRARY SOURCES' 'TARGET SOURCES' ['LIBS']
set -eu
srcdir=$1 cc=$2 cflags=$3 lib_sources=$4 targets=$5 libs=${6:-}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
flags="-g -O1 -fno-omit-frame-pointer $san -I. -I$srcdir/src -I$srcdir/fuzz $cflags"
mkdir -p fuzz/obj
# libFuzzer is in clang's runtime package: say so rather than fail at the first link
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	$cc -x c - -fsanitize=fuzzer -o fuzz/obj/probe 2>/dev/null; then
	echo "make fuzz: needs $cc with libFuzzer (Debian: clang and libclang-rt-14-dev, which .ci/deps installs)" >&2
	exit 1
fi
rm -f fuzz/obj/probe

# Only what changed is built again: an object is older than its source, ptime.h or config.h.
stale() { # stale OUTPUT INPUT...
	out=$1
	shift
	[ -e "$out" ] || return 0
	for f in "$@"; do [ "$f" -nt "$out" ] && return 0; done
	return 1
}

objs=
for src in $lib_sources; do
	case $src in *.c) ;; *) continue ;; esac
	obj=fuzz/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if stale "$obj" "$srcdir/$src" "$srcdir/src/ptime.h" config.h; then
		echo "  CC(fuzz) $src"
		$cc $flags -fsanitize=fuzzer-no-link -c "$srcdir/$src" -o "$obj"
	fi
	objs="$objs $obj"
done
if stale fuzz/libptime-fuzz.a $objs; then
	rm -f fuzz/libptime-fuzz.a
	ar cr fuzz/libptime-fuzz.a $objs
fi

for src in $targets; do
	name=$(basename "$src" .c)
	if stale "fuzz/$name" "$srcdir/$src" "$srcdir/fuzz/fuzz.h" fuzz/libptime-fuzz.a; then
		echo "  LD(fuzz) fuzz/$name"
		$cc $flags -fsanitize=fuzzer "$srcdir/$src" fuzz/libptime-fuzz.a $libs -ldl -lm -o "fuzz/$name"
	fi
done

# The seed corpora: the committed text seeds, and for elf real ELF files made here, never committed.
for src in $targets; do
	name=$(basename "$src" -fuzz.c)
	rm -rf "fuzz/corpus/$name"
	mkdir -p "fuzz/corpus/$name"
	[ ! -d "$srcdir/fuzz/seeds/$name" ] || cp "$srcdir/fuzz/seeds/$name"/* "fuzz/corpus/$name/"
done
if [ -d fuzz/corpus/ring ]; then
	python3 "$srcdir/fuzz/seed-ring.py" fuzz/corpus/ring
fi
if [ -d fuzz/corpus/alloc ]; then
	python3 "$srcdir/fuzz/seed-alloc.py" fuzz/corpus/alloc
fi
if [ -d fuzz/corpus/elf ]; then
	e=fuzz/corpus/elf
	tiny=$srcdir/fuzz/seed-elf.c
	# gcc writes .debug_aranges, clang does not; a stripped one, a compressed one, a shared object
	gcc -g -O2 "$tiny" -o $e/gcc-g-O2
	$cc -g -O1 "$tiny" -o $e/clang-g-O1
	gcc -g -O0 -gz=zlib "$tiny" -o $e/gcc-gz
	gcc -O2 -s "$tiny" -o $e/gcc-stripped
	gcc -g -O2 -fPIC -shared "$tiny" -o $e/gcc-shared.so
	gcc -g -O2 -c "$tiny" -o $e/gcc-object.o
	cp /bin/true $e/bin-true
fi
