/* unit-tree.c: the tree model's on-CPU stretches: gaps under TREE_SPAN_GAP_NS merged, the per-thread cap. */
#include "config.h"

#include <string.h>

#include "ptime.h"
#include "tap.h"

#define T0 1000000ULL /* perf time of the release */

int main(void)
{
	struct tree *t = tree_new(100, 2, T0);
	const int64_t unknown[TREE_COUNTS] = { -1, -1, -1 };
	const struct tree_thread *th, *busy = NULL;
	uint64_t at = T0;
	size_t i;
	bool noted = false;

	/* The command: on at the release, off, on again 50 us later (one stretch), then 200 us later (another). */
	tree_seen(t, T0, 100, 100, 0);
	tree_switch(t, T0 + 1000000, 100, 100, 0, true);
	tree_switch(t, T0 + 1050000, 100, 100, 0, false);
	tree_switch(t, T0 + 2000000, 100, 100, 0, true);
	tree_switch(t, T0 + 2200000, 100, 100, 0, false);
	tree_switch(t, T0 + 2300000, 100, 100, 0, true);
	/* A child whose stretches are 1 ms apart, more of them than a thread keeps. */
	tree_fork(t, T0 + 2400000, 101, 100, 101);
	at = T0 + 2500000;
	for (i = 0; i < TREE_SPANS_MAX + 10; i++, at += 1000000) {
		tree_switch(t, at, 101, 101, 1, false);
		tree_switch(t, at + 500000, 101, 101, 1, true);
	}
	tree_exit(t, at, 101, 101);
	tree_exit(t, at + 1000, 100, 100);
	tree_finish(t, T0, at + 1000, unknown, 0);

	th = &t->threads[t->procs[0].first_thread];
	is_int(th->nspans, 2, "the command: two stretches (a 50 us gap merged, a 200 us one kept)");
	is_int(th->spans[0].start_ns, 0, "the first from the release");
	is_int(th->spans[0].end_ns, 2000000, "to the second switch-out");
	is_int(th->spans[1].start_ns, 2200000, "the second from its switch-in");
	is_int(th->spans[1].end_ns, 2300000, "to its switch-out");
	for (i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == 101)
			busy = &t->threads[i];
	ok(busy != NULL, "the child is a thread of the tree");
	is_int(busy->nspans, TREE_SPANS_MAX, "the child: as many stretches as a thread keeps");
	ok(busy->spans_capped, "and says it was capped");
	is_int(busy->spans[TREE_SPANS_MAX - 1].end_ns, (int64_t)(at - 1000000 + 500000 - T0),
	       "the last one runs on to the last switch-out");
	is_int(busy->spans[1].start_ns - busy->spans[0].start_ns, 1000000, "the kept ones are 1 ms apart");
	is_int(t->spans_capped, 1, "one thread capped");
	for (i = 0; i < t->nnotes; i++)
		noted |= strstr(t->notes[i], "on-CPU stretches") != NULL;
	ok(noted, "a note says so");
	is_int(t->nspans, 2 + TREE_SPANS_MAX, "the tree's count of stretches");
	tree_free(t);

	/* Forks past the threads' first allocations: each child still finds its parent (the threads move). */
	t = tree_new(200, 2, T0);
	tree_seen(t, T0, 200, 200, 0);
	for (i = 0; i < 300; i++)
		tree_fork(t, T0 + 1000 * (i + 1), 1000 + (int)i, 200, 1000 + (int)i);
	tree_exit(t, T0 + 1000000, 200, 200);
	tree_finish(t, T0, T0 + 1000000, unknown, 0);
	noted = true;
	for (i = 1; i < t->nprocs; i++)
		noted &= t->procs[i].parent == 0 && t->procs[i].ppid == 200;
	ok(noted, "300 children, each under the command");
	is_int(t->procs[0].nchildren, 300, "and the command has them all");
	tree_free(t);
	return done();
}
