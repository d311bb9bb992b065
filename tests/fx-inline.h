/* fx-inline.h: a header function inlined into two callers of fx-inline.c. */
static inline __attribute__((always_inline)) unsigned hdr_work(unsigned x)
{
	return x * 2654435761u + (x >> 3); /* FX-HDR */
}
