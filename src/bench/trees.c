/* bench/trees.c: --tree in benchmark mode: each run's tree reduced to a few figures per executable, kept
   in a memfd as the run ends, then their statistics over the runs for each command. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ptime.h"

/* One run's tree as kept: this header, then nexes trees_exe records. Both are multiples of 8 bytes. */
struct trees_run {
	uint32_t cmd;
	uint32_t nexes;
	uint32_t processes, threads;
	int32_t max_busy;
	uint32_t lost;
	int64_t cpu_ns;          /* the tree's task-clock (its busy time where that is unknown) */
	int64_t real_ns;
	int64_t critical_path_ns; /* -1: the command was not seen, so there is no path */
};

struct trees_exe {
	char comm[16];
	uint32_t count, pad;
	int64_t cpu_ns, wall_ns, max_cpu_ns;
};

#define TREES_CHUNK 64           /* executables written at once, from the stack */

static int trees_write(int fd, const void *p, size_t n)
{
	ssize_t w = write(fd, p, n);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -ENOSPC;
}

/* Keep what the runs' statistics need of command cmd's tree t, at the end of fd; the tree itself can then
   be freed, so that what ptime holds does not grow with the runs. Returns 0 or -errno. */
int trees_keep(int fd, uint32_t cmd, const struct tree *t)
{
	struct trees_run h;
	struct trees_exe e[TREES_CHUNK];
	size_t i, k;
	int rc;

	memset(&h, 0, sizeof h);
	h.cmd = cmd;
	h.nexes = (uint32_t)t->nexes;
	h.processes = (uint32_t)t->nprocs;
	h.threads = (uint32_t)t->nthreads;
	h.max_busy = t->max_busy;
	h.lost = t->lost > UINT32_MAX ? UINT32_MAX : (uint32_t)t->lost;
	h.cpu_ns = t->cpu_ns >= 0 ? t->cpu_ns : t->busy_ns;
	h.real_ns = t->real_ns;
	h.critical_path_ns = t->npath ? 0 : -1;
	for (i = 0; i < t->npath; i++)
		h.critical_path_ns += t->path[i].end_ns - t->path[i].start_ns;
	if ((rc = trees_write(fd, &h, sizeof h)) < 0)
		return rc;
	for (i = 0; i < t->nexes; i += k) {
		for (k = 0; k < TREES_CHUNK && i + k < t->nexes; k++) {
			const struct tree_exe *x = &t->exes[i + k];
			memset(&e[k], 0, sizeof e[k]);
			memcpy(e[k].comm, x->comm, sizeof e[k].comm);
			e[k].comm[sizeof e[k].comm - 1] = '\0';
			e[k].count = (uint32_t)x->count;
			e[k].cpu_ns = x->cpu_ns;
			e[k].wall_ns = x->wall_ns;
			e[k].max_cpu_ns = t->procs[x->max_cpu].cpu_ns > 0 ? t->procs[x->max_cpu].cpu_ns : 0;
		}
		if ((rc = trees_write(fd, e, k * sizeof *e)) < 0)
			return rc;
	}
	return 0;
}

/* The next run's record at *off in the n bytes at p, or NULL at the end (or at a record cut short). */
static const struct trees_run *trees_next(const unsigned char *p, size_t n, size_t *off, const struct trees_exe **exes)
{
	const struct trees_run *h;

	if (*off + sizeof *h > n)
		return NULL;
	h = (const struct trees_run *)(p + *off);
	if ((n - *off - sizeof *h) / sizeof **exes < h->nexes)
		return NULL;
	*exes = (const struct trees_exe *)(p + *off + sizeof *h);
	*off += sizeof *h + h->nexes * sizeof **exes;
	return h;
}

/* An executable of a command over its runs, while the statistics are gathered. */
struct trees_name {
	char comm[16];
	double cpu;              /* summed over the runs: what ranks it */
	size_t runs;
	size_t slot;             /* its place among the named ones, or BENCH_TREE_EXES for the others */
};

static int trees_by_cpu(const void *a, const void *b)
{
	const struct trees_name *x = a, *y = b;
	if (x->cpu != y->cpu)
		return x->cpu > y->cpu ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

static struct trees_name *trees_find(struct trees_name *names, size_t n, const char *comm)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(names[i].comm, comm) == 0)
			return &names[i];
	return NULL;
}

/* The four figures of one executable (or of the others) in each run, one array each. */
struct trees_cols {
	double *count, *cpu, *wall, *max_cpu;
};

static void trees_exe_stats(const struct trees_cols *c, size_t n, struct bench_exe *out)
{
	stats_compute(c->count, n, &out->count);
	stats_compute(c->cpu, n, &out->cpu_ns);
	stats_compute(c->wall, n, &out->wall_ns);
	stats_compute(c->max_cpu, n, &out->max_cpu_ns);
}

/* Command ci's statistics from the n bytes of records at p. */
static void trees_command(const unsigned char *p, size_t n, uint32_t ci, struct bench_tree *bt)
{
	const struct trees_run *h;
	const struct trees_exe *x;
	struct trees_name *names = NULL;
	size_t nnames = 0, cap = 0, runs = 0, named, off, r, i, k;
	double *cols, *procs, *threads, *cpu, *par, *busy, *path;
	struct trees_cols *ec;
	size_t npath = 0, npar = 0;

	/* first the executables, ranked by their CPU over all the runs */
	for (off = 0; (h = trees_next(p, n, &off, &x)) != NULL;) {
		if (h->cmd != ci)
			continue;
		runs++;
		bt->lost += h->lost;
		for (i = 0; i < h->nexes; i++) {
			struct trees_name *nm = trees_find(names, nnames, x[i].comm);
			if (!nm) {
				if (nnames == cap) {
					cap = cap ? cap * 2 : 16;
					names = xrealloc(names, cap * sizeof *names);
				}
				nm = &names[nnames++];
				memset(nm, 0, sizeof *nm);
				memcpy(nm->comm, x[i].comm, sizeof nm->comm);
			}
			nm->cpu += (double)x[i].cpu_ns;
			nm->runs++;
		}
	}
	bt->runs = runs;
	if (!runs) {
		free(names);
		return;
	}
	qsort(names, nnames, sizeof *names, trees_by_cpu);
	/* one executable more than the named ones is named too: "others" of one would hide its name */
	named = nnames > BENCH_TREE_EXES + 1 ? BENCH_TREE_EXES : nnames;
	for (i = 0; i < nnames; i++)
		names[i].slot = i < named ? i : BENCH_TREE_EXES;

	/* then each figure in each run: the named executables' and the others' (slot named), the tree's */
	cols = xcalloc((named + 1) * 4 * runs + 6 * runs, sizeof *cols);
	ec = xcalloc(named + 1, sizeof *ec);
	for (k = 0; k <= named; k++) {
		ec[k].count = cols + (k * 4 + 0) * runs;
		ec[k].cpu = cols + (k * 4 + 1) * runs;
		ec[k].wall = cols + (k * 4 + 2) * runs;
		ec[k].max_cpu = cols + (k * 4 + 3) * runs;
	}
	procs = cols + (named + 1) * 4 * runs;
	threads = procs + runs;
	cpu = threads + runs;
	par = cpu + runs;
	busy = par + runs;
	path = busy + runs;
	for (off = 0, r = 0; (h = trees_next(p, n, &off, &x)) != NULL;) {
		if (h->cmd != ci)
			continue;
		procs[r] = h->processes;
		threads[r] = h->threads;
		cpu[r] = (double)h->cpu_ns;
		busy[r] = h->max_busy;
		if (h->real_ns > 0)
			par[npar++] = (double)h->cpu_ns / (double)h->real_ns;
		if (h->critical_path_ns >= 0)
			path[npath++] = (double)h->critical_path_ns;
		for (i = 0; i < h->nexes; i++) {
			const struct trees_name *nm = trees_find(names, nnames, x[i].comm);
			k = nm->slot < named ? nm->slot : named;
			ec[k].count[r] += x[i].count;
			ec[k].cpu[r] += (double)x[i].cpu_ns;
			ec[k].wall[r] += (double)x[i].wall_ns;
			if ((double)x[i].max_cpu_ns > ec[k].max_cpu[r])
				ec[k].max_cpu[r] = (double)x[i].max_cpu_ns;
		}
		r++;
	}
	stats_compute(procs, runs, &bt->processes);
	stats_compute(threads, runs, &bt->threads);
	stats_compute(cpu, runs, &bt->cpu_ns);
	stats_compute(busy, runs, &bt->max_busy);
	stats_compute(par, npar, &bt->parallelism);
	stats_compute(path, npath, &bt->critical_path_ns);
	bt->exes = xcalloc(named ? named : 1, sizeof *bt->exes);
	bt->nexes = named;
	for (k = 0; k < named; k++) {
		struct bench_exe *e = &bt->exes[k];
		memcpy(e->comm, names[k].comm, sizeof e->comm);
		e->runs = names[k].runs;
		e->nexes = 1;
		trees_exe_stats(&ec[k], runs, e);
	}
	if (nnames > named) {
		bt->others.nexes = nnames - named;
		for (r = 0; r < runs; r++)
			bt->others.runs += ec[named].count[r] > 0;
		trees_exe_stats(&ec[named], runs, &bt->others);
	}
	free(ec);
	free(cols);
	free(names);
}

/* After the runs: every command's statistics of its trees, from the records trees_keep left in fd.
   Returns 0 or -errno. */
int trees_collect(int fd, struct bench *b)
{
	off_t size = lseek(fd, 0, SEEK_END);
	unsigned char *all = NULL;
	size_t i;

	if (size < 0)
		return -errno;
	if (size > 0) {
		all = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (all == MAP_FAILED)
			return -errno;
	}
	for (i = 0; i < b->ncmds; i++)
		if (b->cmds[i].tree)
			trees_command(all, (size_t)size, (uint32_t)i, b->cmds[i].tree);
	if (all)
		munmap(all, (size_t)size);
	return 0;
}

/* Free what a command's trees hold (not bt itself). */
void trees_free(struct bench_tree *bt)
{
	if (!bt)
		return;
	free(bt->why);
	free(bt->exes);
	memset(bt, 0, sizeof *bt);
}
