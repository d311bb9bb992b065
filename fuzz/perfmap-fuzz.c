/* fuzz/perfmap-fuzz.c: /tmp/perf-PID.map text, as a JIT writes it (or another user plants it). */
#include "config.h"

#include "ptime.h"
#include "fuzz.h"

static bool fuzz_perfmap_add(void *ctx, uint64_t start, uint64_t size, const char *name, size_t nlen)
{
	size_t *n = ctx;
	(void)start;
	(void)size;
	if (nlen > PERFMAP_MAX_LINE || memchr(name, '\n', nlen))
		abort(); /* a name is one line, and a long line is skipped, never split */
	return ++*n < PERFMAP_MAX_ENTRIES;
}

FUZZ_TARGET(perfmap)
{
	size_t n = 0;
	perfmap_parse((const char *)data, size, true, fuzz_perfmap_add, &n);
	return 0;
}
