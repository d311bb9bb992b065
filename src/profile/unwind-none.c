/* profile/unwind-none.c: the unwinder of a build without libdw (./configure --without-libdw): no CFI can
   be read, so --call-graph=dwarf is refused at option time and every chain is empty, with the reason. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ptime.h"

struct unwinder {
	struct unwind_stats stats;
};

static const char unwind_none_why[] = "--call-graph=dwarf needs libdw, and this ptime was built without it "
				      "(use --call-graph=fp, or rebuild with libdw-dev installed)";

/* False, with why: nothing here reads CFI. */
bool unwind_available(char *why, size_t len)
{
	snprintf(why, len, "%s", unwind_none_why);
	return false;
}

/* Nothing to ask the kernel for: the samples could not be unwound. */
int unwind_attr(struct perf_event_attr *a, size_t stack_bytes)
{
	(void)a;
	(void)stack_bytes;
	return -EOPNOTSUPP;
}

/* No sample carries registers and stack in this build. */
long unwind_parse_sample(const unsigned char *p, size_t len, uint64_t regs_mask, struct unwind_sample *out)
{
	(void)p;
	(void)len;
	(void)regs_mask;
	(void)out;
	return -EOPNOTSUPP;
}

/* An unwinder that unwinds nothing. */
struct unwinder *unwind_new(void)
{
	return xcalloc(1, sizeof(struct unwinder));
}

/* No frames: see unwind_why. */
size_t unwind_stack(struct unwinder *u, const struct unwind_maps *maps, const uint64_t *regs, uint64_t regs_mask,
		    const unsigned char *stack, size_t stack_size, uint64_t *ips, size_t max)
{
	(void)maps;
	(void)regs;
	(void)regs_mask;
	(void)stack;
	(void)stack_size;
	(void)ips;
	(void)max;
	u->stats.samples++;
	u->stats.end_error++;
	return 0;
}

/* Why there are no frames. */
const char *unwind_why(const struct unwinder *u)
{
	(void)u;
	return unwind_none_why;
}

/* Every sample ended in error. */
const struct unwind_stats *unwind_stats(const struct unwinder *u)
{
	return &u->stats;
}

/* Free the unwinder. */
void unwind_free(struct unwinder *u)
{
	free(u);
}
