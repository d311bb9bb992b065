/* run/measure.c: one run of one command: spawn it corked, attach the probes in the table, release it,
   wait on its pidfd and every probe's descriptors in one poll loop, then collect into the result. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptime.h"

/* Every probe has the same life: attach to the corked pid, give descriptors to poll and drain
   while the command runs, see the zombie, collect into the result after the reap, and free. */
struct probe_ops {
	const char *name;
	void *(*attach)(const struct opts *o, struct result *r, pid_t pid);
	size_t (*pollfds)(void *st, struct pollfd *out, size_t max);
	void (*drain)(void *st);
	void (*exited)(void *st, struct result *r);  /* the command is a zombie: /proc/PID still holds it */
	void (*collect)(void *st, struct result *r); /* after the reap: rusage is known */
	void (*free)(void *st);
};

/* --- /proc/PID/io: opened while corked (a zombie's files belong to root), read at the exit --- */

struct io_probe {
	int fd;
};

static void *io_attach(const struct opts *o, struct result *r, pid_t pid)
{
	struct io_probe *p;
	int fd;

	/* Only what a report will print is measured: -f '' reads nothing from /proc. */
	if (o->format && !o->json && !format_needs(o->format, "io")) {
		r->io_error = ENODATA;
		return NULL;
	}
	fd = procfs_open_io(pid);
	if (fd < 0) {
		r->io_error = -fd;
		return NULL;
	}
	p = xmalloc(sizeof *p);
	p->fd = fd;
	r->io_error = ECHILD; /* until the zombie is read */
	return p;
}

static void io_exited(void *st, struct result *r)
{
	struct io_probe *p = st;
	r->io_error = -procfs_read_io(p->fd, &r->io);
	p->fd = -1; /* procfs_read_io closed it */
}

static void io_free(void *st)
{
	struct io_probe *p = st;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

/* --- perf counters: opened on the corked child with enable_on_exec, read after the reap --- */

/* The counters the reports need: -e, else the default set for the full reports, else what -f names. */
static struct counters *counters_wanted(const struct opts *o)
{
	char *list, *err = NULL;
	struct counters *cs;

	if (o->events)
		return strcmp(o->events, "none") == 0 ? NULL : counters_create(o->events, &err);
	if (o->json || !o->format)
		return counters_create(NULL, &err);
	list = counters_for_format(o->format);
	if (!list)
		return NULL;
	cs = counters_create(list, &err);
	free(list);
	return cs;
}

static void *counters_attach(const struct opts *o, struct result *r, pid_t pid)
{
	r->counters = counters_wanted(o);
	if (r->counters)
		counters_open(r->counters, pid);
	return r->counters;
}

static void counters_collect(void *st, struct result *r)
{
	counters_read(st, &r->ru);
	if (r->stopped[0])
		counters_stopped(st, r->stopped);
}

/* --- the sampler: one ring per CPU, drained while the command runs --- */

static void *sampler_attach(const struct opts *o, struct result *r, pid_t pid)
{
	void *st;

	if (!o->sample_hz)
		return NULL;
	r->profile = profile_new(o->inline_caller);
	if (r->memory && r->memory->prof)
		profile_share(r->profile, r->memory->prof);
	/* When sampling cannot start the command runs all the same; every report says why. */
	st = sampler_open(pid, o->sample_hz, 0, o->call_graph, o->call_graph_stack, !o->no_python, r->profile);
	if (!st)
		profile_unshare(r->profile); /* never finished: the others must not keep their DWARF for it */
	return st;
}

static sigjmp_buf measure_jmp;

#define MEASURE_RESERVE (2u << 20)

static void measure_recover(void)
{
	siglongjmp(measure_jmp, -1);
}

static void measure_fault(int sig)
{
	siglongjmp(measure_jmp, sig);
}

/* Resolve the profile. The command has run: whatever resolving its samples meets (memory running
   short under ulimit -v, an assertion or a fault inside libdw on a hostile debug file), the rest
   of the report is printed and ptime exits with the command's status; the profile says why it
   is missing. */
static void profile_finish_guarded(struct profile *p, void (*finish)(void *), void *arg, int exit_status)
{
	static const int faults[] = { SIGABRT, SIGSEGV, SIGBUS };
	struct sigaction sa, old[3];
	void *volatile reserve;
	size_t i;
	int why;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = measure_fault;
	sa.sa_flags = SA_NODEFER;
	for (i = 0; i < 3; i++)
		sigaction(faults[i], &sa, &old[i]);
	/* Address space held back for the report: resolving may leave the rest in use (a sampler given up
	   half way is not freed), and the report of times must still be written. Big enough to be a
	   mapping of its own, so that free gives it back. */
	reserve = malloc(MEASURE_RESERVE);
	why = sigsetjmp(measure_jmp, 1);
	if (why == 0) {
		xmalloc_on_failure(exit_status, measure_recover);
		finish(arg);
	} else {
		p->abandoned = true;
		if (why < 0)
			snprintf(p->why, sizeof p->why, "out of memory while resolving the samples to functions and lines");
		else
			snprintf(p->why, sizeof p->why, "resolving the samples to functions and lines failed: %s",
				 strsignal(why));
	}
	free(reserve);
	xmalloc_on_failure(exit_status, NULL);
	for (i = 0; i < 3; i++)
		sigaction(faults[i], &old[i], NULL);
}

static void sampler_finish_st(void *st)
{
	sampler_finish(st);
}

static void sampler_collect(void *st, struct result *r)
{
	r->profile->sys_ns = (int64_t)r->ru.ru_stime.tv_sec * NS_PER_SEC + r->ru.ru_stime.tv_usec * 1000;
	r->profile->cpu_ns = r->profile->sys_ns + (int64_t)r->ru.ru_utime.tv_sec * NS_PER_SEC +
			     r->ru.ru_utime.tv_usec * 1000;
	profile_finish_guarded(r->profile, sampler_finish_st, st, r->exit_status);
	if (r->stopped[0] && !r->profile->abandoned)
		snprintf(r->profile->why, sizeof r->profile->why,
			 "the kernel stops sampling at a privileged exec (%.200s)", r->stopped);
}

static void sampler_free_st(void *st)
{
	sampler_free(st);
}

/* --- the process tree: side-band rings per CPU, drained on a tick while the command runs --- */

static void *tree_attach(const struct opts *o, struct result *r, pid_t pid)
{
	return o->tree ? tree_open(pid, o->sample_hz == 0, &r->tree) : NULL;
}

/* --- the tree's cgroup: the corked child is moved into it, read and removed after the reap --- */

static void *cgroup_attach(const struct opts *o, struct result *r, pid_t pid)
{
	if (!o->tree || !r->tree || r->tree->why[0])
		return NULL;
	return cgroup_open(pid, &r->tree->memory);
}

static void cgroup_collect_st(void *st, struct result *r)
{
	(void)r;
	cgroup_collect(st);
}

/* --- the allocation sampler: its environment is set before the fork, its rings drained on a timer --- */

static struct alloc_probe *measure_alloc; /* made before the fork, attached after it */

static void *alloc_attach_st(const struct opts *o, struct result *r, pid_t pid)
{
	struct alloc_probe *a = measure_alloc;
	(void)o;
	(void)r;
	(void)pid;
	measure_alloc = NULL;
	if (a)
		alloc_attach(a);
	return a;
}

static void alloc_finish_st(void *arg)
{
	profile_finish(arg);
}

static void alloc_collect_st(void *st, struct result *r)
{
	alloc_collect(st, r);
	profile_finish_guarded(r->memory->prof, alloc_finish_st, r->memory->prof, r->exit_status);
}

/* --- first touches: page faults sampled with their stacks, in every process, preloaded or not --- */

#define MEASURE_FAULT_PERIOD 64 /* one page fault in 64: a sample per 256 KiB first touched */

static void *faults_attach(const struct opts *o, struct result *r, pid_t pid)
{
	char why[256];
	void *st;
	int cg = o->call_graph_named ? o->call_graph : unwind_available(why, sizeof why) ? 2 : 1;
	unsigned stack = o->call_graph_stack ? o->call_graph_stack : 4096; /* the touching code is near the fault */

	if (!r->memory)
		return NULL;
	/* Unwound stacks unless --call-graph=fp: most faults are in libc's memset or memcpy, which keep no
	   frame, and a frame-pointer chain then names nothing past them. Unwinding is what it costs: a
	   make -j2 build took 1.59 of its bare time at one fault in 8, 1.31 at one in 64, 1.14 with frame
	   pointers. */
	r->memory->fault_period = MEASURE_FAULT_PERIOD;
	r->memory->faults = profile_new(o->inline_caller);
	if (r->memory->prof)
		profile_share(r->memory->faults, r->memory->prof);
	r->memory->faults->touch_sites = true;
	r->memory->faults->names = o->names;
	st = sampler_open(pid, 0, MEASURE_FAULT_PERIOD, cg, stack, false, r->memory->faults);
	if (!st)
		profile_unshare(r->memory->faults);
	return st;
}

static void faults_collect(void *st, struct result *r)
{
	profile_finish_guarded(r->memory->faults, sampler_finish_st, st, r->exit_status);
}

static const struct probe_ops probes[] = {
	{ "io", io_attach, NULL, NULL, io_exited, NULL, io_free },
	{ "counters", counters_attach, NULL, NULL, NULL, counters_collect, NULL },
	{ "sampler", sampler_attach, sampler_pollfds, sampler_drain, NULL, sampler_collect, sampler_free_st },
	{ "tree", tree_attach, tree_pollfds, tree_drain, tree_exited, tree_collect, tree_close },
	{ "cgroup", cgroup_attach, NULL, NULL, NULL, cgroup_collect_st, cgroup_close },
	{ "memory", alloc_attach_st, alloc_pollfds, alloc_drain, NULL, alloc_collect_st, alloc_free },
	{ "faults", faults_attach, sampler_pollfds, sampler_drain, NULL, faults_collect, sampler_free_st },
};
#define NPROBES (sizeof probes / sizeof probes[0])

/* Wait until the command exits (it stays a zombie), draining every probe that has descriptors. */
static void measure_poll(void *const *st, pid_t pid)
{
	struct pollfd fds[256];
	size_t n = 0, i, k;
	int pidfd;

	for (i = 0; i < NPROBES; i++)
		if (st[i] && probes[i].pollfds)
			n += probes[i].pollfds(st[i], fds + 1 + n, sizeof fds / sizeof fds[0] - 1 - n);
	if (n == 0)
		return; /* nothing to drain: the blocking waitid is all */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fds[0].fd = pidfd;
	fds[0].events = POLLIN;
	n++;
	for (;;) {
		int rc = poll(fds, (nfds_t)n, pidfd >= 0 ? -1 : 20);
		if (rc < 0 && errno != EINTR)
			break;
		if (pidfd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
			break; /* exited: the caller times it now, and the probes drain after */
		if (pidfd < 0) {
			siginfo_t si;
			memset(&si, 0, sizeof si);
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == pid)
				break;
		}
		for (k = 1; k < n; k++)
			if (fds[k].revents & (POLLHUP | POLLERR))
				fds[k].fd = -1;
		for (i = 0; i < NPROBES; i++)
			if (st[i] && probes[i].drain)
				probes[i].drain(st[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
}

/* Whether a report will show the command's max RSS: the classic, -v, JSON and benchmark reports, and
   a format with %M or %{max_rss_bytes}. */
static bool measure_shows_rss(const struct opts *o)
{
	const char *p;

	if (!o->format || o->json || o->verbose || o->bench)
		return true;
	for (p = o->format; *p; p++)
		if (*p == '%' && p[1] && *++p == 'M')
			return true;
	return strstr(o->format, "%{max_rss_bytes}") != NULL;
}

/* Run the command with every probe the reports need; returns 0, or an exit status if it could not run. */
int measure_run(const struct opts *o, struct result *r)
{
	struct spawn sp;
	void *st[NPROBES];
	size_t i;
	int rc;

	memset(r, 0, sizeof *r);
	r->argv = o->argv;
	r->page_size = sysconf(_SC_PAGESIZE);

	if (o->memory) {
		r->memory = xcalloc(1, sizeof *r->memory);
		measure_alloc = alloc_prepare(o, r->memory);
	}
	rc = spawn_fork(&sp, o->argv);
	if (rc < 0) {
		if (measure_alloc)
			alloc_restore_env(measure_alloc);
		alloc_free(measure_alloc);
		measure_alloc = NULL;
		fprintf(stderr, "ptime: cannot %s: %s\n", sp.failed, strerror(-rc));
		return EXIT_CANCELED;
	}
	caps_secure_exec(o->argv[0], r->stopped, sizeof r->stopped);
	r->cpu = -1;
	/* --cpus pins the command alone, not ptime: set while it is corked, inherited by what it starts. */
	if (o->bench && o->bench->cpuset && sched_setaffinity(sp.pid, o->bench->cpuset_size, o->bench->cpuset) < 0)
		fprintf(stderr, "ptime: cannot pin the command to --cpus=%s: %s\n", o->bench->cpus, strerror(errno));
	/* The probes attach while the child waits on the cork. */
	for (i = 0; i < NPROBES; i++)
		st[i] = probes[i].attach(o, r, sp.pid);

	sp.lower_floor = measure_shows_rss(o);
	spawn_release(&sp, r);
	measure_poll(st, sp.pid);
	/* The child shares ptime's memory until its exec (CLONE_VM) and reads environ there: ptime's own
	   environment is put back only once the command has exited. */
	for (i = 0; i < NPROBES; i++)
		if (st[i] && probes[i].free == alloc_free)
			alloc_restore_env(st[i]);
	if (spawn_wait_exit(&sp, r) == 0) {
		if (o->bench)
			r->cpu = procfs_last_cpu(sp.pid);
		for (i = 0; i < NPROBES; i++)
			if (st[i] && probes[i].exited)
				probes[i].exited(st[i], r);
	}
	spawn_reap(&sp, r);
	if (r->ran)
		xmalloc_on_failure(r->exit_status, NULL); /* out of memory from here on keeps its status */

	for (i = 0; i < NPROBES; i++)
		if (st[i] && probes[i].collect)
			probes[i].collect(st[i], r);
	for (i = 0; i < NPROBES; i++)
		if (st[i] && probes[i].free &&
		    !(probes[i].attach == sampler_attach && r->profile && r->profile->abandoned) &&
		    !(probes[i].attach == faults_attach && r->memory->faults->abandoned) &&
		    !(probes[i].free == alloc_free && r->memory && r->memory->prof->abandoned))
			probes[i].free(st[i]); /* a sampler given up half way is left to the exit */
	if (!r->ran) {
		fprintf(stderr, "ptime: lost the command (pid %d)\n", (int)sp.pid);
		return EXIT_CANCELED;
	}
	return 0;
}
