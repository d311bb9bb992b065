/* probe/pyread-line.c: a CPython code object's line table, read from another process, turned into the line of a bytecode offset. */
#include "config.h"

#include "inject/pylayout.h"

/* 3.9: co_lnotab, pairs of (bytecode increment, signed line increment) from co_firstlineno, as
   PyCode_Addr2Line of 3.9 walks them: the line of the last pair whose address is not past addr. */
static int pyline_lnotab(const unsigned char *t, size_t n, int first, long addr)
{
	long a = 0;
	int line = first;
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		a += t[i];
		if (a > addr)
			break;
		line += (signed char)t[i + 1];
	}
	return line;
}

/* 3.10 (PEP 626): pairs of (bytecode length, signed line delta, -128: no line); ranges of length 0
   only move the line, as PyLineTable_NextAddressRange skips them. */
static int pyline_310(const unsigned char *t, size_t n, int first, long addr)
{
	long end = 0;
	int computed = first, line = -1;
	size_t i;

	for (i = 0; i + 1 < n && end <= addr; i += 2) {
		int delta = (signed char)t[i + 1];
		end += t[i];
		if (delta == -128) {
			line = -1;
		} else {
			computed += delta;
			line = computed;
		}
	}
	return end > addr ? line : -1;
}

/* A varint of the 3.11 location table at t[*i]: six bits a byte, low first, bit 6 says more follow. */
static unsigned pyline_varint(const unsigned char *t, size_t n, size_t *i)
{
	unsigned val = 0, shift = 0, b;

	do {
		if (*i >= n || shift > 28)
			return 0;
		b = t[(*i)++];
		val |= (b & 63u) << shift;
		shift += 6;
	} while (b & 64);
	return val;
}

/* 3.11+ location table: entries start with a byte whose bit 7 is set; bits 0-2 are the length in
   code units minus 1, bits 3-6 the kind (15 no line, 14 long form and 13 no columns: a signed
   varint line delta, 10-12 one line of delta kind-10, below 10 the same line). */
static int pyline_311(const unsigned char *t, size_t n, int first, long addr)
{
	long end = 0;
	int computed = first, line = -1;
	size_t i = 0;

	while (i < n && end <= addr) {
		unsigned b = t[i], code = (b >> 3) & 15;
		size_t j = i + 1;
		unsigned u;

		if (!(b & 128))
			return -1; /* not the start of an entry: the table is not what it should be */
		switch (code) {
		case 14:
		case 13:
			u = pyline_varint(t, n, &j);
			computed += (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
			break;
		case 12:
		case 11:
		case 10:
			computed += (int)code - 10;
			break;
		default:
			break;
		}
		line = code == 15 ? -1 : computed;
		end += (long)((b & 7) + 1) * 2;
		for (i++; i < n && !(t[i] & 128); i++)
			;
	}
	return end > addr ? line : -1;
}

/* The line of bytecode byte offset addr in a table of format fmt (PYLINE_*); first is co_firstlineno.
   A negative addr is a frame that has not started: its first line. Returns 0 when the offset has no line. */
int pyline_find(int fmt, const unsigned char *t, size_t n, int first, long addr)
{
	int line;

	if (addr < 0)
		return first > 0 ? first : 0;
	if (!t)
		return 0;
	switch (fmt) {
	case PYLINE_LNOTAB: line = pyline_lnotab(t, n, first, addr); break;
	case PYLINE_310: line = pyline_310(t, n, first, addr); break;
	case PYLINE_311: line = pyline_311(t, n, first, addr); break;
	default: line = -1; break;
	}
	return line > 0 ? line : 0;
}
