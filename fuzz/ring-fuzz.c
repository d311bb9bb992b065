/* fuzz/ring-fuzz.c: the perf ring's records (samples, mmap2, comm, fork, exit, lost), replayed in
   time order into a profile and resolved, as the sampler does with what the kernel wrote. */
#include "config.h"

#include "ptime.h"
#include "fuzz.h"

FUZZ_TARGET(ring)
{
	struct profile *p;
	uint64_t self = 0;
	size_t i;

	if (size < 1)
		return 0;
	/* the first byte chooses the mode: call chains or not, inlined code as its own frames or not */
	p = profile_new(data[0] & 2);
	sampler_replay_bytes(data + 1, size - 1, data[0] & 1, p);
	for (i = 0; i < p->nfuncs; i++)
		self += p->funcs[i].self;
	if (self != p->samples)
		abort(); /* the self costs are the samples, whatever the records said */
	profile_free(p);
	return 0;
}
