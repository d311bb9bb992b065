/* fx-allocrun.c: run a command under libptime-alloc.so and drain its ring files while it runs, as ptime
   does, with probe/alloc-read.c; then write what the files held to REPORT, for t-alloc.sh.
   Usage: fx-allocrun LIB DIR REPORT [-q] COMMAND [ARG]...   (-q: totals only, no line per size)
   Exits with the command's status (128 + N when killed by signal N). REPORT has, per file:
     file NAME pid= ppid= image= rate= stack= exe= records= dropped= pending= bad= unpaired= why=
     size PID KIND SIZE n= freed= wbytes= wcount= frames=MIN-MAX  (KIND: malloc calloc realloc memalign mmap)
     total PID n= bytes= wbytes= wcount= live_n= live_bytes= frees= free_kinds=F/R/U/M
   and a last line: all n= bytes= wbytes= wcount= live_n= live_bytes= */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"
#include "inject/alloc-record.h"

struct group {
	unsigned kind;
	uint64_t size, n, freed;
	double wbytes, wcount;
	unsigned fmin, fmax;            /* fewest and most frames of its stacks */
};

struct live {                           /* by id: what is live, to pair frees */
	uint64_t id;
	uint32_t group;                 /* index + 1; 0: empty slot */
	bool dead;
};

struct file {
	char name[64];
	struct alloc_file *f;
	struct alloc_proc_info proc;
	char exe[4097];
	struct group *g;
	size_t ng, gcap;
	struct live *lv;                /* open addressing, never shrinks */
	size_t lcap, lused;
	uint64_t unpaired, free_kinds[4];
};

static struct file *files;
static size_t nfiles;

static size_t group_of(struct file *fl, unsigned kind, uint64_t size)
{
	size_t i;

	for (i = 0; i < fl->ng; i++) /* few sizes in a fixture; a real program only adds to totals */
		if (fl->g[i].kind == kind && fl->g[i].size == size)
			return i;
	if (fl->ng == fl->gcap) {
		fl->gcap = fl->gcap ? 2 * fl->gcap : 64;
		fl->g = xrealloc(fl->g, fl->gcap * sizeof *fl->g);
	}
	memset(&fl->g[fl->ng], 0, sizeof fl->g[0]);
	fl->g[fl->ng].kind = kind;
	fl->g[fl->ng].size = size;
	return fl->ng++;
}

static struct live *live_slot(struct file *fl, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ull) & (fl->lcap - 1);

	while (fl->lv[i].group && fl->lv[i].id != id)
		i = (i + 1) & (fl->lcap - 1);
	return &fl->lv[i];
}

static void live_grow(struct file *fl)
{
	struct live *old = fl->lv;
	size_t i, n = fl->lcap;

	fl->lcap = n ? 2 * n : 1024;
	fl->lv = calloc(fl->lcap, sizeof *fl->lv);
	if (!fl->lv)
		exit(125);
	for (i = 0; i < n; i++)
		if (old[i].group && !old[i].dead)
			*live_slot(fl, old[i].id) = old[i];
	fl->lused = 0;
	for (i = 0; i < fl->lcap; i++)
		fl->lused += fl->lv[i].group != 0;
	free(old);
}

static void on_proc(void *ctx, const struct alloc_proc_info *p)
{
	struct file *fl = ctx;

	fl->proc = *p;
	snprintf(fl->exe, sizeof fl->exe, "%s", p->exe);
	fl->proc.exe = fl->exe;
}

static void on_alloc(void *ctx, const struct alloc_event *e)
{
	struct file *fl = ctx;
	size_t gi = group_of(fl, e->kind, e->size);
	struct live *l;

	if (!fl->g[gi].n || e->nframes < fl->g[gi].fmin)
		fl->g[gi].fmin = e->nframes;
	if (e->nframes > fl->g[gi].fmax)
		fl->g[gi].fmax = e->nframes;
	fl->g[gi].n++;
	fl->g[gi].wbytes += (double)e->weight_bytes;
	fl->g[gi].wcount += e->weight_count;
	if (2 * (fl->lused + 1) > fl->lcap)
		live_grow(fl);
	l = live_slot(fl, e->id);
	if (!l->group)
		fl->lused++;
	l->id = e->id;
	l->group = (uint32_t)gi + 1;
	l->dead = false;
}

static void on_free(void *ctx, const struct alloc_event *e)
{
	struct file *fl = ctx;
	struct live *l = fl->lcap ? live_slot(fl, e->id) : NULL;

	if (!l || !l->group || l->dead) {
		fl->unpaired++;
		return;
	}
	l->dead = true;
	fl->g[l->group - 1].freed++;
	fl->free_kinds[(e->kind - ALLOC_FREE) & 3]++;
}

static const struct alloc_read_ops ops = { on_proc, NULL, on_alloc, on_free, NULL };

/* Open the files that appeared in dir, then drain every one. Returns the records read. */
static long drain_all(const char *dir)
{
	char path[4200];
	struct dirent *d;
	DIR *dp = opendir(dir);
	size_t i;
	long n = 0, r;
	int rc;

	while (dp && (d = readdir(dp))) {
		if (d->d_name[0] == '.' || strstr(d->d_name, ".new") || strlen(d->d_name) >= sizeof files[0].name)
			continue;
		for (i = 0; i < nfiles; i++)
			if (strcmp(files[i].name, d->d_name) == 0)
				break;
		if (i < nfiles)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		files = xrealloc(files, (nfiles + 1) * sizeof *files);
		memset(&files[nfiles], 0, sizeof files[0]);
		rc = alloc_read_open(path, &files[nfiles].f);
		if (rc < 0) {
			fprintf(stderr, "fx-allocrun: %s: %s\n", path, strerror(-rc));
			continue;
		}
		memcpy(files[nfiles].name, d->d_name, strlen(d->d_name) + 1); /* its length was checked above */
		nfiles++;
	}
	if (dp)
		closedir(dp);
	for (i = 0; i < nfiles; i++) {
		r = alloc_read_drain(files[i].f, &ops, &files[i]);
		if (r > 0)
			n += r;
	}
	return n;
}

static const char *kind_name(unsigned k)
{
	static const char *const names[] = { "?", "malloc", "calloc", "realloc", "memalign", "mmap" };

	return k < 6 ? names[k] : "?";
}

static void report(FILE *out, bool quiet)
{
	double all[6] = { 0 }, t[6];
	struct alloc_read_stats st;
	struct group *g;
	size_t i, j;

	for (i = 0; i < nfiles; i++) {
		struct file *fl = &files[i];
		alloc_read_stats(fl->f, &st);
		fprintf(out, "file %s pid=%d ppid=%d image=%u rate=%llu stack=%u exe=%s records=%llu dropped=%llu "
			"pending=%llu bad=%llu unpaired=%llu why=%s\n", fl->name, (int)fl->proc.pid, (int)fl->proc.ppid,
			fl->proc.image, (unsigned long long)fl->proc.rate, fl->proc.stack_mode, fl->exe,
			(unsigned long long)st.records, (unsigned long long)st.dropped,
			(unsigned long long)st.pending_bytes, (unsigned long long)st.bad,
			(unsigned long long)fl->unpaired, st.broken ? st.why : "-");
		memset(t, 0, sizeof t);
		for (j = 0; j < fl->ng; j++) {
			g = &fl->g[j];
			if (!quiet)
				fprintf(out, "size %d %s %llu n=%llu freed=%llu wbytes=%.0f wcount=%.3f frames=%u-%u\n",
					(int)fl->proc.pid, kind_name(g->kind), (unsigned long long)g->size,
					(unsigned long long)g->n, (unsigned long long)g->freed, g->wbytes, g->wcount,
					g->fmin, g->fmax);
			t[0] += (double)g->n;
			t[1] += (double)(g->n * g->size);
			t[2] += g->wbytes;
			t[3] += g->wcount;
			t[4] += (double)(g->n - g->freed);
			t[5] += (double)((g->n - g->freed) * g->size);
		}
		fprintf(out, "total %d n=%.0f bytes=%.0f wbytes=%.0f wcount=%.1f live_n=%.0f live_bytes=%.0f "
			"free_kinds=%llu/%llu/%llu/%llu\n", (int)fl->proc.pid, t[0], t[1], t[2], t[3], t[4], t[5],
			(unsigned long long)fl->free_kinds[0], (unsigned long long)fl->free_kinds[1],
			(unsigned long long)fl->free_kinds[2], (unsigned long long)fl->free_kinds[3]);
		for (j = 0; j < 6; j++)
			all[j] += t[j];
	}
	fprintf(out, "all files=%zu n=%.0f bytes=%.0f wbytes=%.0f wcount=%.1f live_n=%.0f live_bytes=%.0f\n", nfiles,
		all[0], all[1], all[2], all[3], all[4], all[5]);
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 2000000 };
	const char *lib, *dir, *rep;
	bool quiet = false;
	int st = 0, argi = 4;
	pid_t pid, w = 0;
	FILE *out;

	if (argc < 5) {
		fprintf(stderr, "usage: fx-allocrun LIB DIR REPORT [-q] COMMAND [ARG]...\n");
		return 125;
	}
	lib = argv[1];
	dir = argv[2];
	rep = argv[3];
	if (strcmp(argv[4], "-q") == 0) {
		quiet = true;
		argi++;
	}
	pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		setenv("PTIME_ALLOC_DIR", dir, 1);
		setenv("LD_PRELOAD", lib, 1);
		execvp(argv[argi], argv + argi);
		_exit(127);
	}
	while ((w = waitpid(pid, &st, WNOHANG)) == 0)
		if (drain_all(dir) == 0)
			nanosleep(&tick, NULL);
	/* Its children may still write; the command's own tests wait for them, so what is left is in the files. */
	while (drain_all(dir) > 0)
		;
	out = fopen(rep, "w");
	if (!out)
		return 125;
	report(out, quiet);
	fclose(out);
	if (w != pid)
		return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
