/* unit-trees.c: --tree in benchmark mode (bench/trees.c): runs' trees kept, read back, ranked and summed. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

/* A tree of nexes executables: the k-th has k+1 processes and (100 - k) ms of CPU plus extra_ms, its
   largest process half of that; one process of it on a critical path of path_ms in real_ms. */
static struct tree *mktree(size_t nexes, int64_t extra_ms, int64_t real_ms, int64_t path_ms)
{
	struct tree *t = calloc(1, sizeof *t);
	size_t k;

	t->nexes = nexes;
	t->exes = calloc(nexes, sizeof *t->exes);
	t->nprocs = nexes;
	t->procs = calloc(nexes, sizeof *t->procs);
	t->nthreads = nexes + 1;
	for (k = 0; k < nexes; k++) {
		struct tree_exe *e = &t->exes[k];
		snprintf(e->comm, sizeof e->comm, "exe%02u", (unsigned)(k % 100));
		e->count = k + 1;
		e->cpu_ns = (100 - (int64_t)k + extra_ms) * 1000000;
		e->wall_ns = 2 * e->cpu_ns;
		e->max_cpu = k;
		t->procs[k].cpu_ns = e->cpu_ns / 2;
		t->cpu_ns += e->cpu_ns;
	}
	t->real_ns = real_ms * 1000000;
	t->max_busy = 2;
	t->npath = 2;
	t->path = calloc(2, sizeof *t->path);
	t->path[0].end_ns = path_ms * 1000000 / 2;
	t->path[1].start_ns = t->path[0].end_ns;
	t->path[1].end_ns = path_ms * 1000000;
	t->lost = 1;
	return t;
}

static void rmtree(struct tree *t)
{
	free(t->exes);
	free(t->procs);
	free(t->path);
	free(t);
}

int main(void)
{
	struct bench b;
	struct bench_cmd cmds[2];
	struct bench_tree trees[2];
	const struct bench_tree *bt = &trees[0];
	int fd = memfd_create("unit-trees", 0);
	struct tree *t;
	size_t k;

	memset(&b, 0, sizeof b);
	memset(cmds, 0, sizeof cmds);
	memset(trees, 0, sizeof trees);
	cmds[0].tree = &trees[0];
	cmds[1].tree = &trees[1];
	b.cmds = cmds;
	b.ncmds = 2;

	/* command 0: three runs of 13 executables, the last of them only in the first run; command 1 between */
	t = mktree(13, 0, 1000, 900);
	ok(trees_keep(fd, 0, t) == 0, "a run kept");
	rmtree(t);
	t = mktree(1, 0, 50, 50);
	ok(trees_keep(fd, 1, t) == 0, "another command's run kept");
	rmtree(t);
	for (k = 0; k < 2; k++) {
		t = mktree(12, 10 * (int64_t)(k + 1), 1000, 1000);
		ok(trees_keep(fd, 0, t) == 0, "run %zu kept", k + 2);
		rmtree(t);
	}
	ok(trees_collect(fd, &b) == 0, "read back");

	is_int(bt->runs, 3, "three runs of command 0");
	is_int(trees[1].runs, 1, "one of command 1");
	is_int(trees[1].nexes, 1, "whose one executable is named");
	is_int(trees[1].others.nexes, 0, "and no others");
	is_int(bt->lost, 3, "lost records summed");
	is_int(bt->nexes, BENCH_TREE_EXES, "ten executables named");
	is_str(bt->exes[0].comm, "exe00", "the most CPU first");
	is_str(bt->exes[9].comm, "exe09", "the tenth");
	is_int(bt->exes[3].count.median, 4, "processes per run");
	is_int(bt->exes[3].count.n, 3, "over every run");
	ok(fabs(bt->exes[0].cpu_ns.median - 110e6) < 1, "CPU median: 100, 110, 120 ms");
	ok(fabs(bt->exes[0].cpu_ns.mean - 110e6) < 1 && fabs(bt->exes[0].cpu_ns.stddev - 10e6) < 1, "mean and stddev");
	ok(fabs(bt->exes[0].max_cpu_ns.median - 55e6) < 1, "its largest process");
	ok(fabs(bt->exes[0].wall_ns.max - 240e6) < 1, "the sum of lives");
	is_int(bt->others.nexes, 3, "three others");
	is_int(bt->others.runs, 3, "in every run");
	/* the others in a run: exe10, exe11 (and exe12 in the first): 11+12 processes, then 11+12+13 */
	is_int(bt->others.count.min, 23, "others' processes, summed, in the runs without exe12");
	is_int(bt->others.count.max, 36, "and with it");
	ok(fabs(bt->others.cpu_ns.max - (90 + 89 + 88) * 1e6) < 1 && fabs(bt->others.cpu_ns.min - (100 + 99) * 1e6) < 1,
	   "others' CPU summed in each run");
	ok(fabs(bt->others.max_cpu_ns.max - 55e6) < 1 && fabs(bt->others.max_cpu_ns.min - 45e6) < 1,
	   "others' largest process: the largest of them in each run");
	is_int(bt->processes.median, 12, "the tree's processes");
	is_int(bt->threads.max, 14, "threads");
	ok(fabs(bt->parallelism.min - (13 * 100 - 78) * 1e6 / 1e9) < 1e-9, "parallelism: CPU / real");
	ok(fabs(bt->critical_path_ns.min - 900e6) < 1 && bt->critical_path_ns.max == 1000e6, "the critical path");
	is_int(bt->max_busy.median, 2, "at most busy");

	for (k = 0; k < 2; k++)
		trees_free(&trees[k]);
	close(fd);
	return done();
}
