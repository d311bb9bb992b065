/* report/folded.c: folded stacks ("comm;outer;inner N") for flame graphs; the counts sum to the samples
   (or to the memory cost that profile_select chose). */
#include "config.h"

#include "ptime.h"

/* Write one line per distinct stack; returns 0 or -1 on a write error. */
int report_folded(FILE *fp, const struct profile *p)
{
	size_t i;
	for (i = 0; i < p->nstacks; i++)
		if (p->stacks[i].count && fprintf(fp, "%s %llu\n", text_folded_stack(p->stacks[i].stack), (unsigned long long)p->stacks[i].count) < 0)
			return -1;
	return fflush(fp) == 0 ? 0 : -1;
}
