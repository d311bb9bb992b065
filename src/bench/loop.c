/* bench/loop.c: benchmark mode's runs: commands and their parameter products, hooks, warmups, rounds
   in a shuffled or sequential order, when to stop, then the statistics and comparisons. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

extern char **environ;

#define LOOP_SEED 0x7074696d65ULL /* "ptime": a fixed seed, so that the order of a result file reproduces */
#define LOOP_AUTO_SECONDS 3.0    /* -b: at least this long, as hyperfine */
#define LOOP_AUTO_MIN_RUNS 10
#define LOOP_PRECISION_MAX_RUNS 1000
#define LOOP_PRECISION_MAX_TIME 60.0
#define LOOP_MAX_COMMANDS 10000 /* commands of one benchmark, parameter products included */

/* A run as it is kept while the benchmark goes on: a fixed-size record in a memfd, so that ptime's own
   RSS, the floor of every child's ru_maxrss, is the same at run 10,000 as at run 1. */
struct loop_rec {
	uint32_t cmd, round, index;
	int32_t cpu;
	int64_t start_ns;
	int32_t wait_status, exit_status;
};

/* What the loop keeps per command while it runs; all of it allocated before the first run. */
struct loop_cmd {
	size_t target;           /* runs wanted; 0 until -b has timed the first */
	size_t done;
	double spent_s;          /* its runs and hooks so far */
	double *sorted;          /* --precision: the primary metric's values so far, sorted; max_runs of them */
	size_t nsorted;          /* how many: the runs that measured the primary metric */
	double sum;              /* of the primary metric, for the progress line */
	bool finished;
};

struct loop {
	const struct opts *o;
	const struct bench_opts *bo;
	struct bench *b;
	struct loop_cmd *lc;
	int fd;                  /* the memfd of records */
	int tree_fd;             /* --tree: the memfd of each run's tree, reduced (bench/trees.c); -1 */
	size_t rec_size;
	unsigned char *rec;      /* one record's buffer */
	size_t max_runs;
	uint64_t rng;
	struct timespec last_progress;
	bool progress_shown;
	char *events;            /* the counters each run opens: those that open here, or "none" */
	char **skipped;          /* per metric: why a counter this machine cannot count is missing, or NULL */
};

static double loop_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t loop_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* --- commands --- */

/* The words to execute for a command or hook string, by --shell or by what the string holds. */
static int loop_argv(const struct bench_opts *bo, const char *s, char ***argv, const char **shell)
{
	bool needs;
	int rc;

	*shell = NULL;
	if (bo->shell && strcmp(bo->shell, "none") != 0) {
		needs = true;
	} else {
		rc = bench_split_words(s, bo->shell != NULL, argv, &needs);
		if (rc < 0)
			return rc;
	}
	if (needs) {
		const char *sh = bo->shell && strcmp(bo->shell, "none") != 0 ? bo->shell : "/bin/sh";
		char **v = xcalloc(4, sizeof *v);
		v[0] = xstrdup(sh);
		v[1] = xstrdup("-c");
		v[2] = xstrdup(s);
		*argv = v;
		*shell = sh;
	}
	return 0;
}

static char *loop_hook(const char *h, const struct bench_cmd *c)
{
	return h ? bench_substitute(h, c->param_names, c->param_values, c->nparams) : NULL;
}

/* Add one command for each combination of the parameters' values: the cartesian product, the first
   parameter varying fastest, as hyperfine 1.15 lists them. */
static int loop_expand(struct loop *l, const char *text, char *const *argv, const char *name, bool alone,
		       char *err, size_t errlen)
{
	const struct bench_opts *bo = l->bo;
	struct bench *b = l->b;
	size_t combos = 1, i, k, np = alone ? 0 : bo->nparams;

	for (k = 0; k < np; k++) {
		combos *= bo->params[k].n;
		if (combos + b->ncmds > LOOP_MAX_COMMANDS) {
			snprintf(err, errlen, "the parameters give more than %d commands to benchmark", LOOP_MAX_COMMANDS);
			return -1;
		}
	}
	for (i = 0; i < combos; i++) {
		struct bench_cmd *c;
		size_t rest = i;
		b->cmds = xrealloc(b->cmds, (b->ncmds + 1) * sizeof *b->cmds);
		c = &b->cmds[b->ncmds++];
		memset(c, 0, sizeof *c);
		c->nparams = np;
		c->param_names = xcalloc(np + 1, sizeof *c->param_names);
		c->param_values = xcalloc(np + 1, sizeof *c->param_values);
		for (k = 0; k < np; k++) {
			c->param_names[k] = bo->params[k].name;
			c->param_values[k] = xstrdup(bo->params[k].values[rest % bo->params[k].n]);
			rest /= bo->params[k].n;
		}
		if (argv) {
			size_t n, j;
			for (n = 0; argv[n]; n++)
				;
			c->argv = xcalloc(n + 1, sizeof *c->argv);
			for (j = 0; j < n; j++)
				c->argv[j] = loop_hook(argv[j], c);
			c->command = bench_join(c->argv);
		} else {
			c->command = loop_hook(text, c);
			if (loop_argv(bo, c->command, &c->argv, &c->shell_path) < 0) {
				snprintf(err, errlen, "cannot split the command '%s': %s", c->command,
					 *c->command ? "an unterminated quote" : "it is empty");
				return -1;
			}
			c->shell = c->shell_path != NULL;
		}
		c->name = name ? loop_hook(name, c) : xstrdup(c->command);
		c->prepare = loop_hook(bo->prepare, c);
		c->conclude = loop_hook(bo->conclude, c);
		c->setup = loop_hook(bo->setup, c);
		c->cleanup = loop_hook(bo->cleanup, c);
	}
	return 0;
}

/* Whether execvp would find a program called name: a command that cannot run is refused before any
   run, with the reason, rather than failing its first run with status 127 behind /dev/null. */
static int loop_runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES; /* what execve says of a directory */
	return access(path, X_OK) == 0 ? 0 : -errno;
}

static int loop_findable(const char *name)
{
	const char *path = getenv("PATH"), *p;
	char buf[4096];
	int e = ENOENT;

	if (strchr(name, '/'))
		return loop_runnable(name);
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p += strcspn(p, ":") + 1) {
		size_t n = strcspn(p, ":");
		if (snprintf(buf, sizeof buf, "%.*s%s%s", (int)n, p, n ? "/" : "", name) < (int)sizeof buf) {
			int r = loop_runnable(buf);
			if (r == 0)
				return 0;
			if (r == -EACCES)
				e = EACCES;
		}
		if (!p[n])
			break;
	}
	return -e;
}

static int loop_commands(struct loop *l, char *err, size_t errlen)
{
	const struct bench_opts *bo = l->bo;
	size_t ncmd = (l->o->argv ? 1 : 0) + bo->ncommands, i, k = 0;

	if (bo->nnames > ncmd) {
		snprintf(err, errlen, "%zu names (-n) for %zu command%s", bo->nnames, ncmd, ncmd == 1 ? "" : "s");
		return -1;
	}
	if (l->o->argv && loop_expand(l, NULL, l->o->argv, bo->nnames > k ? bo->names[k] : NULL, false, err, errlen) < 0)
		return -1;
	if (l->o->argv)
		k++;
	for (i = 0; i < bo->ncommands; i++, k++)
		if (loop_expand(l, bo->commands[i], NULL, bo->nnames > k ? bo->names[k] : NULL, false, err, errlen) < 0)
			return -1;
	for (i = 0; i < l->b->ncmds; i++) {
		const struct bench_cmd *c = &l->b->cmds[i];
		const char *const hooks[] = { c->setup, c->prepare, c->conclude, c->cleanup };
		const char *const opts[] = { "--setup", "--prepare", "--conclude", "--cleanup" };
		int e = loop_findable(c->argv[0]);
		size_t h;
		if (e < 0) {
			snprintf(err, errlen, "cannot run '%s': %s", c->argv[0], strerror(-e));
			return -1;
		}
		for (h = 0; h < 4; h++) {
			char **argv = NULL;
			const char *sh;
			if (!hooks[h])
				continue;
			if (loop_argv(bo, hooks[h], &argv, &sh) < 0) {
				snprintf(err, errlen, "cannot split %s '%s': an unterminated quote", opts[h], hooks[h]);
				return -1;
			}
			e = loop_findable(argv[0]);
			if (e < 0)
				snprintf(err, errlen, "cannot run %s '%s': %s: %s", opts[h], hooks[h], argv[0], strerror(-e));
			bench_free_argv(argv);
			if (e < 0)
				return -1;
		}
	}
	return 0;
}

/* --- hooks and runs --- */

/* Run a hook to its end, unmeasured, with the same splitting rules as a command. */
static int loop_hook_run(struct loop *l, const char *what, const char *hook, const struct bench_cmd *c,
			 size_t run)
{
	char **argv = NULL;
	const char *sh;
	pid_t pid;
	int st = 0, rc;

	if (!hook)
		return 0;
	if (loop_argv(l->bo, hook, &argv, &sh) < 0) {
		l->b->failure = xasprintf("cannot split %s '%s': an unterminated quote", what, hook);
		l->b->exit_status = EXIT_CANCELED;
		return -1;
	}
	fflush(NULL);
	rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		l->b->failure = xasprintf("cannot run %s '%s': %s", what, hook, strerror(rc));
		l->b->exit_status = rc == ENOENT ? EXIT_ENOENT : EXIT_CANNOT_INVOKE;
		bench_free_argv(argv);
		return -1;
	}
	bench_free_argv(argv);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (st != 0) {
		char where[64] = "";
		if (run)
			snprintf(where, sizeof where, " at run %zu", run);
		l->b->failure = xasprintf("%s '%s' of '%s' failed%s: %s", what, hook, c->name, where,
					  bench_status_text(st));
		l->b->exit_status = spawn_exit_status(st);
		return -1;
	}
	return 0;
}

static void loop_progress_clear(struct loop *l)
{
	if (l->progress_shown)
		(void)!write(l->bo->err_fd, "\r\033[K", 4);
	l->progress_shown = false;
}

/* The progress line: redrawn in place at most ten times a second, on a terminal only. */
static void loop_progress(struct loop *l, size_t ci, const char *what, size_t k, size_t n)
{
	struct bench *b = l->b;
	const struct loop_cmd *lc = &l->lc[ci];
	const struct bench_metric *m = &b->metrics[b->primary];
	struct timespec now;
	char est[64] = "", eta[48] = "", total[24] = "?", line[512];
	struct winsize ws;
	double left = 0;
	size_t i;

	if (!l->bo->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (l->progress_shown && (now.tv_sec - l->last_progress.tv_sec) * NS_PER_SEC +
					 (now.tv_nsec - l->last_progress.tv_nsec) < NS_PER_SEC / 10)
		return;
	l->last_progress = now;
	if (lc->done && strcmp(m->unit, "ns") == 0)
		snprintf(est, sizeof est, ", mean %s %.2f ms", m->label, lc->sum / (double)lc->done / 1e6);
	else if (lc->done)
		snprintf(est, sizeof est, ", mean %s %.6g", m->label, lc->sum / (double)lc->done);
	/* the time left: each command's runs to go at its own pace so far */
	for (i = 0; i < b->ncmds; i++) {
		const struct loop_cmd *x = &l->lc[i];
		size_t want = l->bo->runs ? l->bo->runs : x->target;
		if (x->done && want > x->done)
			left += x->spent_s / (double)x->done * (double)(want - x->done);
	}
	if (left > 0)
		snprintf(eta, sizeof eta, ", ETA %d:%02d", (int)(left / 60), (int)left % 60);
	if (n)
		snprintf(total, sizeof total, "%zu", n);
	n = (size_t)snprintf(line, sizeof line, "[%zu/%zu] %s: %s %zu of %s%s%s", ci + 1, b->ncmds, b->cmds[ci].name,
			     what, k, total, est, eta);
	/* One row of the terminal, or \r and erase would leave the wrapped part behind at each redraw; cut at
	   a character's start. */
	if (ioctl(l->bo->err_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > (size_t)ws.ws_col - 1) {
		n = (size_t)ws.ws_col - 1;
		while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	if (n >= sizeof line)
		n = sizeof line - 1;
	dprintf(l->bo->err_fd, "\r\033[K%.*s", (int)n, line);
	l->progress_shown = true;
}

/* A signal asked the benchmark to stop: say so, with the runs done, and exit as killed by it. */
static void loop_stop(struct loop *l)
{
	const char *name = sigabbrev_np(spawn_stopped());
	size_t i, done = 0;

	for (i = 0; i < l->b->ncmds; i++)
		done += l->lc[i].done;
	free(l->b->failure);
	l->b->failure = xasprintf("stopped by SIG%s after %zu measured run%s; nothing is reported", name ? name : "?",
				  done, done == 1 ? "" : "s");
	l->b->exit_status = 128 + spawn_stopped();
}

/* One run of command ci, measured; warmups are run the same way and not kept. */
static int loop_once(struct loop *l, size_t ci, size_t round, bool warm)
{
	struct bench *b = l->b;
	struct bench_cmd *c = &b->cmds[ci];
	struct loop_cmd *lc = &l->lc[ci];
	struct opts ro;
	struct result r;
	struct loop_rec *rec = (struct loop_rec *)l->rec;
	double *v = (double *)(l->rec + sizeof *rec), t0 = loop_now();
	size_t i;
	int rc;

	if (loop_hook_run(l, "--prepare", c->prepare, c, warm ? 0 : lc->done + 1) < 0)
		return -1;
	ro = *l->o;
	ro.json = false;
	ro.format = NULL;
	ro.format_opt = NULL;
	ro.sample_hz = 0;
	if (l->events)
		ro.events = l->events;
	ro.argv = c->argv;
	rc = measure_run(&ro, &r);
	if (rc) {
		counters_free(r.counters);
		tree_free(r.tree);
		b->failure = xasprintf("cannot run '%s'", c->name);
		b->exit_status = rc;
		return -1;
	}
	/* The tree is reduced to its figures at once and freed: a whole tree per run would grow with the runs. */
	if (!warm && r.tree && c->tree) {
		if (r.tree->why[0]) {
			c->tree->missing++;
			if (!c->tree->why)
				c->tree->why = xstrdup(r.tree->why);
		} else if ((rc = trees_keep(l->tree_fd, (uint32_t)ci, r.tree)) < 0) {
			counters_free(r.counters);
			tree_free(r.tree);
			b->failure = xasprintf("cannot keep the runs' trees: %s", strerror(-rc));
			b->exit_status = EXIT_CANCELED;
			return -1;
		}
	}
	tree_free(r.tree);
	r.tree = NULL;
	if (!warm) {
		memset(rec, 0, sizeof *rec);
		rec->cmd = (uint32_t)ci;
		rec->round = (uint32_t)round;
		rec->index = (uint32_t)lc->done + 1;
		rec->cpu = r.cpu;
		rec->start_ns = (int64_t)r.start_wall.tv_sec * NS_PER_SEC + r.start_wall.tv_nsec;
		rec->wait_status = r.wait_status;
		rec->exit_status = r.exit_status;
		for (i = 0; i < b->nmetrics; i++) {
			const char *name = b->metrics[i].name;
			struct mval mv;
			if (strcmp(name, "cpu_ns") == 0) {
				struct mval u = metrics_by_name(&r, "user_ns"), s = metrics_by_name(&r, "sys_ns");
				mv = u;
				mv.i = u.i + s.i;
			} else {
				mv = metrics_by_name(&r, name);
			}
			v[i] = mv.kind == MVAL_INT ? (double)mv.i : mv.kind == MVAL_REAL ? mv.d : NAN;
			if (mv.kind == MVAL_NONE && !c->why[i])
				c->why[i] = xstrdup(l->skipped && l->skipped[i] ? l->skipped[i] : mv.why ? mv.why : "not measured");
		}
		if (write(l->fd, l->rec, l->rec_size) != (ssize_t)l->rec_size) {
			counters_free(r.counters);
			b->failure = xasprintf("cannot keep the runs: %s", strerror(errno));
			b->exit_status = EXIT_CANCELED;
			return -1;
		}
		lc->done++;
		if (!isnan(v[b->primary])) {
			lc->sum += v[b->primary];
			if (lc->sorted) { /* insertion keeps it sorted for the median's CI */
				size_t j = lc->nsorted++;
				while (j > 0 && lc->sorted[j - 1] > v[b->primary]) {
					lc->sorted[j] = lc->sorted[j - 1];
					j--;
				}
				lc->sorted[j] = v[b->primary];
			}
		}
		if (r.exit_status != 0)
			c->failed++;
	}
	counters_free(r.counters);
	if (spawn_stopped()) {
		loop_stop(l);
		return -1;
	}
	if (r.exit_status != 0) {
		bool interrupted = WIFSIGNALED(r.wait_status) &&
				   (WTERMSIG(r.wait_status) == SIGINT || WTERMSIG(r.wait_status) == SIGTERM ||
				    WTERMSIG(r.wait_status) == SIGHUP);
		if (!l->bo->ignore_failure || interrupted) {
			if (warm)
				b->failure = xasprintf("'%s' failed in warmup: %s", c->name, bench_status_text(r.wait_status));
			else
				b->failure = xasprintf("'%s' failed on run %zu: %s%s", c->name, lc->done,
						       bench_status_text(r.wait_status),
						       interrupted ? "" : l->bo->show_output ? " (-i records failures and goes on)"
								   : " (--show-output shows its output; -i goes on)");
			b->exit_status = r.exit_status;
			return -1;
		}
	}
	if (loop_hook_run(l, "--conclude", c->conclude, c, warm ? 0 : lc->done) < 0)
		return -1;
	if (!warm) /* the count of -b, --max-time and the ETA go by measured runs only */
		lc->spent_s += loop_now() - t0;
	return 0;
}

/* Whether command ci needs another run, and if not, why it stopped. */
static bool loop_wants(struct loop *l, size_t ci)
{
	const struct bench_opts *bo = l->bo;
	struct loop_cmd *lc = &l->lc[ci];
	struct bench_cmd *c = &l->b->cmds[ci];
	size_t min_runs = bo->min_runs ? bo->min_runs : bo->precision_pct > 0 ? LOOP_AUTO_MIN_RUNS : 2;
	double max_time = bo->max_time_s > 0 ? bo->max_time_s : bo->precision_pct > 0 && !bo->runs ? LOOP_PRECISION_MAX_TIME : 0;

	if (lc->finished)
		return false;
	if (lc->done == 0)
		return true;
	if (bo->runs) {
		if (lc->done >= bo->runs) {
			c->stop = "--runs";
			return !(lc->finished = true);
		}
	} else if (!lc->target) {
		/* -b: as hyperfine, enough runs for 3 s, at least 10, from the first run's time with its hooks */
		double n = lc->spent_s > 0 ? floor(LOOP_AUTO_SECONDS / lc->spent_s) : (double)l->max_runs;
		size_t lo = bo->min_runs ? bo->min_runs : LOOP_AUTO_MIN_RUNS;
		if (n < (double)lo)
			n = (double)lo;
		if (n > (double)l->max_runs)
			n = (double)l->max_runs;
		lc->target = (size_t)n;
	}
	if (bo->precision_pct > 0 && lc->sorted && lc->nsorted >= min_runs) {
		double mci[2], med = stats_quantile(lc->sorted, lc->nsorted, 0.5);
		if (stats_median_ci(lc->sorted, lc->nsorted, mci) && med > 0 &&
		    fmax(med - mci[0], mci[1] - med) / med * 100.0 <= bo->precision_pct) {
			c->precision_met = true;
			c->stop = "--precision";
			return !(lc->finished = true);
		}
	}
	/* --max-time stops a command once its runs took that long, but never before an explicit
	   --min-runs, nor before 2 runs otherwise */
	if (max_time > 0 && lc->spent_s >= max_time && lc->done >= (bo->min_runs ? bo->min_runs : 2)) {
		c->stop = "--max-time";
		return !(lc->finished = true);
	}
	if (lc->done >= l->max_runs) {
		c->stop = bo->max_runs ? "--max-runs" : bo->precision_pct > 0 ? "the run limit" : "3 s";
		return !(lc->finished = true);
	}
	if (bo->precision_pct <= 0 && !bo->runs && lc->done >= lc->target) {
		c->stop = lc->target == l->max_runs && bo->max_runs ? "--max-runs" :
			  lc->target == (bo->min_runs ? bo->min_runs : LOOP_AUTO_MIN_RUNS) && bo->min_runs ? "--min-runs" :
			  lc->target == LOOP_AUTO_MIN_RUNS ? "at least 10 runs" : "3 s";
		return !(lc->finished = true);
	}
	return true;
}

/* The runs themselves: warmups, then rounds until every command has stopped. */
static int loop_rounds(struct loop *l)
{
	struct bench *b = l->b;
	size_t *order = xcalloc(b->ncmds, sizeof *order), i, k, w, round;
	int rc = 0;

	for (i = 0; i < b->ncmds && rc == 0; i++)
		for (w = 0; w < l->bo->warmup && rc == 0; w++) {
			loop_progress(l, i, "warmup", w + 1, l->bo->warmup);
			rc = loop_once(l, i, 0, true);
		}
	for (round = 1; rc == 0; round++) {
		size_t n = 0;
		for (i = 0; i < b->ncmds; i++)
			if (loop_wants(l, i))
				order[n++] = i;
		if (n == 0)
			break;
		if (l->bo->order == BENCH_SHUFFLE)
			for (k = n; k > 1; k--) { /* Fisher-Yates */
				size_t j = (size_t)(loop_rand(&l->rng) % k), t = order[k - 1];
				order[k - 1] = order[j];
				order[j] = t;
			}
		for (k = 0; k < n && rc == 0; k++) {
			struct loop_cmd *lc = &l->lc[order[k]];
			if (spawn_stopped()) {
				loop_stop(l);
				rc = -1;
				break;
			}
			loop_progress(l, order[k], "run", lc->done + 1, l->bo->runs ? l->bo->runs : lc->target);
			rc = loop_once(l, order[k], round, false);
		}
		b->rounds = round;
	}
	free(order);
	return rc;
}

/* --- after the runs --- */

/* Read the records back and give each command its runs. */
static int loop_collect(struct loop *l)
{
	struct bench *b = l->b;
	off_t size = lseek(l->fd, 0, SEEK_END);
	size_t n = size > 0 ? (size_t)size / l->rec_size : 0, i;
	unsigned char *all;

	if (n == 0)
		return 0;
	all = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, l->fd, 0);
	if (all == MAP_FAILED)
		return -errno;
	for (i = 0; i < b->ncmds; i++)
		b->cmds[i].runs = xcalloc(l->lc[i].done ? l->lc[i].done : 1, sizeof *b->cmds[i].runs);
	b->values = xmalloc(n * b->nmetrics * sizeof *b->values);
	for (i = 0; i < n; i++) {
		const struct loop_rec *rec = (const struct loop_rec *)(all + i * l->rec_size);
		struct bench_cmd *c = &b->cmds[rec->cmd];
		struct bench_run *run = &c->runs[c->nruns++];
		run->cmd = rec->cmd;
		run->round = rec->round;
		run->index = rec->index;
		run->cpu = rec->cpu;
		run->start_ns = rec->start_ns;
		run->wait_status = rec->wait_status;
		run->exit_status = rec->exit_status;
		run->v = b->values + i * b->nmetrics;
		memcpy(run->v, all + i * l->rec_size + sizeof *rec, b->nmetrics * sizeof *run->v);
	}
	munmap(all, (size_t)size);
	return 0;
}

/* "exit status 2" or "killed by signal 9 (Killed)", for a wait status; static. */
const char *bench_status_text(int st)
{
	static char buf[96];
	if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exit status %d", WEXITSTATUS(st));
	else
		snprintf(buf, sizeof buf, "wait status %#x", (unsigned)st);
	return buf;
}

/* Find the reference: --reference names a command (its string or its name); one it does not name is
   benchmarked too, first, as hyperfine does. */
static int loop_reference(struct loop *l, char *err, size_t errlen)
{
	struct bench *b = l->b;
	const char *ref = l->bo->reference;
	struct bench_cmd added;
	size_t i;

	b->reference = 0;
	if (!ref)
		return 0;
	for (i = 0; i < b->ncmds; i++)
		if (strcmp(b->cmds[i].command, ref) == 0 || strcmp(b->cmds[i].name, ref) == 0) {
			b->reference = i;
			return 0;
		}
	if (loop_expand(l, ref, NULL, NULL, true, err, errlen) < 0)
		return -1;
	added = b->cmds[b->ncmds - 1];
	memmove(b->cmds + 1, b->cmds, (b->ncmds - 1) * sizeof *b->cmds);
	b->cmds[0] = added;
	return 0;
}

/* Run the benchmark o->bench asks for into b. Returns 0 (b->exit_status then says how it ended), or
   EXIT_CANCELED after one line on standard error when nothing could run. */
int bench_run(const struct opts *o, struct bench *b)
{
	struct loop l;
	char err[512];
	size_t i;
	int rc = 0;
	double t0;

	memset(b, 0, sizeof *b);
	memset(&l, 0, sizeof l);
	b->opts = o->bench;
	b->seed = LOOP_SEED;
	l.o = o;
	l.bo = o->bench;
	l.b = b;
	l.rng = b->seed;
	l.fd = l.tree_fd = -1;
	if (loop_commands(&l, err, sizeof err) < 0 || loop_reference(&l, err, sizeof err) < 0 ||
	    record_metrics(o, b, err, sizeof err) < 0 || record_check_primary(o, b, err, sizeof err) < 0)
		goto bad;
	if (l.bo->baseline && report_bench_baseline(l.bo->baseline, b, err, sizeof err) < 0)
		goto bad;
	l.max_runs = l.bo->runs ? l.bo->runs : l.bo->max_runs ? l.bo->max_runs :
		     l.bo->precision_pct > 0 ? LOOP_PRECISION_MAX_RUNS : 100000;
	l.fd = memfd_create("ptime-runs", MFD_CLOEXEC);
	if (l.fd < 0) {
		snprintf(err, sizeof err, "cannot keep the runs: memfd_create: %s", strerror(errno));
		goto bad;
	}
	/* Everything the runs need is allocated now, before the first: ptime's RSS stays as it is. The heap
	   is never given back either (malloc would trim it after some runs): what ptime holds at each exec,
	   the floor of each run's ru_maxrss, must not change from one run to the next. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	if (o->tree && (l.tree_fd = memfd_create("ptime-trees", MFD_CLOEXEC)) < 0) {
		snprintf(err, sizeof err, "cannot keep the runs' trees: memfd_create: %s", strerror(errno));
		goto bad;
	}
	l.rec_size = sizeof(struct loop_rec) + b->nmetrics * sizeof(double);
	l.rec = xcalloc(1, l.rec_size);
	l.lc = xcalloc(b->ncmds, sizeof *l.lc);
	for (i = 0; i < b->ncmds; i++) {
		b->cmds[i].why = xcalloc(b->nmetrics, sizeof *b->cmds[i].why);
		if (o->tree)
			b->cmds[i].tree = xcalloc(1, sizeof *b->cmds[i].tree);
		if (l.bo->precision_pct > 0) {
			/* untouched until used: pages that are never written are not resident */
			l.lc[i].sorted = xmalloc(l.max_runs * sizeof *l.lc[i].sorted);
		}
	}
	procfs_read_host(&b->host);
	noise_read_state(&b->noise);
	record_counters(o, b, &l.events, &l.skipped);
	malloc_trim(0); /* what parsing --baseline and the setup freed is not part of any run's floor */

	spawn_many_runs();
	t0 = loop_now();
	for (i = 0; i < b->ncmds && rc == 0; i++)
		rc = loop_hook_run(&l, "--setup", b->cmds[i].setup, &b->cmds[i], 0);
	if (rc == 0)
		rc = loop_rounds(&l);
	loop_progress_clear(&l);
	for (i = 0; i < b->ncmds; i++) {
		char *failure = b->failure;
		int status = b->exit_status;
		b->failure = NULL;
		if (loop_hook_run(&l, "--cleanup", b->cmds[i].cleanup, &b->cmds[i], 0) < 0 && !failure) {
			failure = b->failure;
			status = b->exit_status;
			b->failure = NULL;
		}
		free(b->failure);
		b->failure = failure;
		b->exit_status = status;
	}
	b->wall_ns = (int64_t)((loop_now() - t0) * 1e9);
	if (!b->failure) {
		int e = loop_collect(&l);
		if (e == 0 && l.tree_fd >= 0)
			e = trees_collect(l.tree_fd, b);
		if (e < 0) {
			b->failure = xasprintf("cannot read the runs back: %s", strerror(-e));
			b->exit_status = EXIT_CANCELED;
		} else {
			verdict_finish(b);
		}
	}
	close(l.fd);
	if (l.tree_fd >= 0)
		close(l.tree_fd);
	free(l.rec);
	free(l.events);
	for (i = 0; l.skipped && i < b->nmetrics; i++)
		free(l.skipped[i]);
	free(l.skipped);
	for (i = 0; i < b->ncmds; i++)
		free(l.lc[i].sorted);
	free(l.lc);
	return 0;
bad:
	dprintf(l.bo->err_fd, "ptime: %s\n", err);
	if (l.fd >= 0)
		close(l.fd);
	if (l.tree_fd >= 0)
		close(l.tree_fd);
	return EXIT_CANCELED;
}

/* Free what a command holds. */
void bench_cmd_free(struct bench_cmd *c, size_t nmetrics)
{
	size_t i;

	if (c->base)
		report_bench_baseline_free(c->base);
	free(c->command);
	free(c->name);
	bench_free_argv(c->argv);
	free(c->prepare);
	free(c->conclude);
	free(c->setup);
	free(c->cleanup);
	for (i = 0; i < c->nparams; i++)
		free(c->param_values[i]);
	free(c->param_values);
	free(c->param_names);
	free(c->runs);
	free(c->stats);
	trees_free(c->tree);
	free(c->tree);
	for (i = 0; c->why && i < nmetrics; i++)
		free(c->why[i]);
	free(c->why);
	memset(c, 0, sizeof *c);
}

/* Free what bench_run allocated in b. */
void bench_free(struct bench *b)
{
	size_t i;

	for (i = 0; i < b->ncmds; i++)
		bench_cmd_free(&b->cmds[i], b->nmetrics);
	free(b->cmds);
	for (i = 0; i < b->ncmps; i++)
		free(b->cmps[i].r);
	free(b->cmps);
	for (i = 0; i < b->nmetrics; i++)
		free((char *)b->metrics[i].name);
	free(b->metrics);
	free(b->values);
	noise_free(&b->noise);
	free(b->failure);
	memset(b, 0, sizeof *b);
}
