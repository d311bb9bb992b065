/* probe/tree.c: the process side-band: per-CPU inherited task-clock events whose rings carry every
   fork, exec, exit and context switch of the command's tree, and each exiting task's own counts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

#define TREE_RING_ORDER 5        /* 32 pages a CPU: 128 KiB, some 4000 switches */
#define TREE_TICK_NS 10000000    /* rings drained, command lines read, every 10 ms: a wakeup costs 60-100 us on a VM */
#define TREE_TRAILER 24          /* sample_id: pid, tid, time, cpu, res */

/* A command line read before its exec record is replayed: replay waits a round, a short job may not. */
struct tree_early {
	int pid;
	uint64_t time;           /* of the exec record */
	char *buf;
	size_t len;
};

struct tree_probe {
	int ncpu;
	int *fds;                /* task-clock per CPU: the ring, and the side-band */
	struct ring *rings;
	struct bytes *bufs;      /* records copied out of each ring, not yet replayed */
	size_t *pos;
	uint64_t prev_newest, round_newest;
	int timer;
	struct tree_early *early; /* command lines read as their exec records were copied out */
	size_t nearly, capearly;
	uint64_t origin, end;    /* CLOCK_MONOTONIC ns of the release and the exit */
	struct tree *tree;
};

static int tree_perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void tree_attr(struct perf_event_attr *a, uint64_t config, bool kernel, bool stat)
{
	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU; /* no samples: the sample_id of every record */
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID;
	a->disabled = 1;
	a->enable_on_exec = 1;
	a->inherit = 1;
	a->inherit_stat = stat;  /* each exiting task's own counts, in a PERF_RECORD_READ */
	a->exclude_kernel = !kernel;
	a->exclude_hv = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;      /* record times comparable with the release's CLOCK_MONOTONIC */
	a->clockid = CLOCK_MONOTONIC;
	a->task = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->context_switch = 1;
	a->watermark = 1;
	a->wakeup_watermark = (unsigned)((sysconf(_SC_PAGESIZE) << TREE_RING_ORDER) / 2);
}

static uint64_t tree_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Open task-clock with the side-band on each CPU in turn. One event a CPU, opened in CPU order, and no
   other kind: when the kernel swaps the contexts of a parent and a child it takes for clones, it swaps
   their counts pairwise in list order (perf_event_sync_stat), and a child's list follows the parent's
   groups tree, ordered by CPU, then by PMU, then by opening. A second inherited counter (page faults)
   came out of that with the other's counts on this kernel, so per-task page faults are not counted;
   and beside the sampler's events, which are per CPU too, the pairs would not match either: with
   --sample there is no inherit_stat (stat false), and each task's CPU time comes from its switches. */
static int tree_open_cpus(struct tree_probe *tp, pid_t pid, bool kernel, bool stat)
{
	struct perf_event_attr a;
	int cpu, e;

	tree_attr(&a, PERF_COUNT_SW_TASK_CLOCK, kernel, stat);
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		tp->fds[cpu] = tree_perf_open(&a, pid, cpu);
		if (tp->fds[cpu] >= 0 || errno == ENODEV || errno == ENXIO) /* an offline CPU */
			continue;
		e = errno;
		for (cpu--; cpu >= 0; cpu--)
			if (tp->fds[cpu] >= 0) {
				close(tp->fds[cpu]);
				tp->fds[cpu] = -1;
			}
		return -e;
	}
	return 0;
}

/* Open the events on every CPU of the corked child pid and make *out its tree; stat: each exiting task
   reports its task-clock (see tree_open_cpus for when it cannot). NULL, with (*out)->why, when there
   can be no tree; the command runs all the same. */
void *tree_open(pid_t pid, bool stat, struct tree **out)
{
	struct tree_probe *tp = xcalloc(1, sizeof *tp);
	struct itimerspec its = { { 0, TREE_TICK_NS }, { 0, TREE_TICK_NS } };
	bool kernel = true;
	int cpu, e, paranoid = procfs_paranoid();

	tp->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	tp->tree = *out = tree_new(pid, tp->ncpu, tree_now());
	tp->tree->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	tp->fds = xmalloc((size_t)tp->ncpu * sizeof *tp->fds);
	tp->rings = xcalloc((size_t)tp->ncpu, sizeof *tp->rings);
	tp->bufs = xcalloc((size_t)tp->ncpu, sizeof *tp->bufs);
	tp->pos = xcalloc((size_t)tp->ncpu, sizeof *tp->pos);
	tp->timer = -1;
	for (cpu = 0; cpu < tp->ncpu; cpu++)
		tp->fds[cpu] = -1;

	caps_raise_perfmon();
	e = tree_open_cpus(tp, pid, kernel, stat);
	if (e == -EACCES || e == -EPERM) { /* perf_event_paranoid 2: user space only, side-band all the same */
		kernel = false;
		e = tree_open_cpus(tp, pid, kernel, stat);
	}
	if (e < 0) {
		caps_lower();
		if (e == -EACCES || e == -EPERM)
			snprintf(tp->tree->why, sizeof tp->tree->why,
				 "not permitted: perf_event_paranoid=%d (fix: sysctl kernel.perf_event_paranoid=2, "
				 "or setcap cap_perfmon+ep on ptime)", paranoid);
		else if (e == -ENOSYS)
			snprintf(tp->tree->why, sizeof tp->tree->why, "perf_event_open is not available here");
		else
			snprintf(tp->tree->why, sizeof tp->tree->why, "the side-band events cannot be opened: %s",
				 strerror(-e));
		tree_close(tp);
		return NULL;
	}
	tp->tree->user_only = !kernel;
	tp->tree->task_counts = stat;
	if (!stat)
		tree_note(tp->tree, "CPU time per task: from its context switches, not its own task-clock (with --sample "
			  "the kernel's per-task counts would be mixed with the sampler's)");
	caps_lower();
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		unsigned order = TREE_RING_ORDER;
		if (tp->fds[cpu] < 0)
			continue;
		/* Under the locked-memory limit of an unprivileged user (and beside --sample's rings), a smaller ring. */
		while ((e = ring_open(&tp->rings[cpu], tp->fds[cpu], order)) == -EPERM && order > 1)
			order--;
		if (e < 0) {
			snprintf(tp->tree->why, sizeof tp->tree->why, "the side-band ring cannot be mapped: %s", strerror(-e));
			tree_close(tp);
			return NULL;
		}
	}
	/* Side-band records wake no one until a ring is half full: a tick drains them, so that a process's
	   command line is read while it still runs. */
	tp->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tp->timer >= 0)
		timerfd_settime(tp->timer, 0, &its, NULL);
	return tp;
}

/* --- records: each ends with the sample_id trailer (pid, tid, time, cpu) --- */

static size_t tree_rec_size(const unsigned char *p, size_t n)
{
	struct perf_event_header h;
	if (n < sizeof h)
		return 0;
	memcpy(&h, p, sizeof h);
	if (h.size < sizeof h + TREE_TRAILER || h.size > n || h.size % 8)
		return 0;
	return h.size;
}

static uint64_t tree_rec_time(const unsigned char *p)
{
	uint64_t t;
	uint16_t size;
	memcpy(&size, p + 6, 2);
	memcpy(&t, p + size - 16, 8);
	return t;
}

/* Read pid's command line into buf (TREE_CMDLINE_MAX + 1 bytes): its length without trailing NULs,
   0 when it has none yet (a zombie, or an exec that has not set its arguments), -1 when pid is gone. */
static ssize_t tree_proc_cmdline(int pid, char *buf)
{
	char path[64];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -1 : 0;
	while (len < TREE_CMDLINE_MAX + 1 && (n = read(fd, buf + len, TREE_CMDLINE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > TREE_CMDLINE_MAX)
		len = TREE_CMDLINE_MAX;
	while (len && buf[len - 1] == '\0')
		len--;
	return (ssize_t)len;
}

/* Give the tree pid's command line, while it runs; pid stays pending when it has none yet. */
static void tree_read_cmdline(struct tree *t, int pid)
{
	char buf[TREE_CMDLINE_MAX + 1];
	ssize_t len = tree_proc_cmdline(pid, buf);
	if (len < 0)
		tree_cmdline_gone(t, pid);
	else if (len > 0)
		tree_cmdline(t, pid, buf, (size_t)len, len == TREE_CMDLINE_MAX);
}

/* The exec record at p was just copied out: read the command line at once, for its replay. */
static void tree_early_read(struct tree_probe *tp, const unsigned char *p)
{
	const struct perf_event_header *h = (const void *)p;
	char buf[TREE_CMDLINE_MAX + 1];
	struct tree_early *e;
	uint32_t pid;
	ssize_t len;

	if (h->type != PERF_RECORD_COMM || !(h->misc & PERF_RECORD_MISC_COMM_EXEC) || h->size < sizeof *h + 8 + TREE_TRAILER)
		return;
	memcpy(&pid, p + sizeof *h, 4);
	if ((len = tree_proc_cmdline((int)pid, buf)) <= 0)
		return;
	if (tp->nearly == tp->capearly) {
		tp->capearly = tp->capearly ? tp->capearly * 2 : 16;
		tp->early = xrealloc(tp->early, tp->capearly * sizeof *tp->early);
	}
	e = &tp->early[tp->nearly++];
	e->pid = (int)pid;
	e->time = tree_rec_time(p);
	e->buf = xmalloc((size_t)len);
	memcpy(e->buf, buf, (size_t)len);
	e->len = (size_t)len;
}

/* The command line read early for the exec record of pid at time, given to the tree; false if none. */
static bool tree_early_take(struct tree_probe *tp, int pid, uint64_t time)
{
	size_t i;
	for (i = 0; i < tp->nearly; i++)
		if (tp->early[i].pid == pid && tp->early[i].time == time) {
			struct tree_early e = tp->early[i];
			tp->early[i] = tp->early[--tp->nearly];
			tree_cmdline(tp->tree, pid, e.buf, e.len, e.len == TREE_CMDLINE_MAX);
			free(e.buf);
			return true;
		}
	return false;
}

static void tree_record(struct tree_probe *tp, const unsigned char *p)
{
	const struct perf_event_header *h = (const void *)p;
	const unsigned char *b = p + sizeof *h, *tr = p + h->size - TREE_TRAILER;
	size_t len = h->size - sizeof *h - TREE_TRAILER;
	struct tree *t = tp->tree;
	uint32_t pid, tid, spid, stid, cpu, ppid;
	uint64_t time, v;

	memcpy(&spid, tr, 4);
	memcpy(&stid, tr + 4, 4);
	memcpy(&time, tr + 8, 8);
	memcpy(&cpu, tr + 16, 4);
	switch (h->type) {
	case PERF_RECORD_SWITCH:
		tree_switch(t, time, (int)spid, (int)stid, (int)cpu, h->misc & PERF_RECORD_MISC_SWITCH_OUT);
		break;
	case PERF_RECORD_FORK:
		if (len < 24)
			break;
		tree_seen(t, time, (int)spid, (int)stid, (int)cpu);
		memcpy(&pid, b, 4);
		memcpy(&ppid, b + 4, 4);
		memcpy(&tid, b + 8, 4);
		memcpy(&v, b + 16, 8);
		tree_fork(t, v, (int)pid, (int)ppid, (int)tid);
		break;
	case PERF_RECORD_EXIT:
		if (len < 24)
			break;
		memcpy(&pid, b, 4);
		memcpy(&tid, b + 8, 4);
		memcpy(&v, b + 16, 8);
		tree_exit(t, v, (int)pid, (int)tid);
		break;
	case PERF_RECORD_COMM: {
		char comm[16];
		if (len < 9)
			break;
		memcpy(&pid, b, 4);
		memcpy(&tid, b + 4, 4);
		snprintf(comm, sizeof comm, "%.*s", (int)(len - 8 < 15 ? len - 8 : 15), (const char *)(b + 8));
		tree_comm(t, time, (int)pid, (int)tid, comm, h->misc & PERF_RECORD_MISC_COMM_EXEC);
		tree_seen(t, time, (int)spid, (int)stid, (int)cpu);
		if ((h->misc & PERF_RECORD_MISC_COMM_EXEC) && !tree_early_take(tp, (int)pid, time))
			tree_read_cmdline(t, (int)pid);
		break;
	}
	case PERF_RECORD_READ:
		if (len < 8 + 32)
			break;
		memcpy(&pid, b, 4);
		memcpy(&tid, b + 4, 4);
		memcpy(&v, b + 8, 8);
		tree_read(t, (int)pid, (int)tid, v);
		break;
	case PERF_RECORD_LOST:
		if (len < 16)
			break;
		memcpy(&v, b + 8, 8);
		t->lost += v;
		break;
	}
}

/* Apply, in time order across the CPUs, every record copied out that is not later than limit (perf's
   rule for rounds, as in sampler.c: nothing read later can be older than the previous round's newest). */
static void tree_replay(struct tree_probe *tp, uint64_t limit)
{
	int cpu;

	for (;;) {
		int best = -1;
		uint64_t bt = 0;
		for (cpu = 0; cpu < tp->ncpu; cpu++) {
			struct bytes *b = &tp->bufs[cpu];
			uint64_t time;
			if (!tree_rec_size(b->p + tp->pos[cpu], b->len - tp->pos[cpu])) {
				tp->pos[cpu] = b->len;
				continue;
			}
			time = tree_rec_time(b->p + tp->pos[cpu]);
			if (time <= limit && (best < 0 || time < bt)) {
				best = cpu;
				bt = time;
			}
		}
		if (best < 0)
			break;
		tree_record(tp, tp->bufs[best].p + tp->pos[best]);
		tp->pos[best] += tree_rec_size(tp->bufs[best].p + tp->pos[best], tp->bufs[best].len - tp->pos[best]);
	}
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		struct bytes *b = &tp->bufs[cpu];
		if (tp->pos[cpu]) {
			memmove(b->p, b->p + tp->pos[cpu], b->len - tp->pos[cpu]);
			b->len -= tp->pos[cpu];
			tp->pos[cpu] = 0;
		}
	}
}

static void tree_pull(struct tree_probe *tp, uint64_t *newest)
{
	int cpu;
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		struct bytes *b = &tp->bufs[cpu];
		size_t off = b->len, size;
		ring_drain(&tp->rings[cpu], b);
		for (; (size = tree_rec_size(b->p + off, b->len - off)) != 0; off += size) {
			uint64_t time = tree_rec_time(b->p + off);
			if (time > *newest)
				*newest = time;
			tree_early_read(tp, b->p + off);
		}
	}
}

/* Copy out what the rings hold, replay what is safe to replay, and read the command lines still due. */
void tree_drain(void *st)
{
	struct tree_probe *tp = st;
	uint64_t newest = tp->round_newest, ticks;
	int pids[64];
	size_t n, i;

	if (tp->timer >= 0)
		(void)!read(tp->timer, &ticks, sizeof ticks);
	tree_pull(tp, &newest);
	tree_replay(tp, tp->prev_newest);
	tp->prev_newest = tp->round_newest = newest;
	n = tree_pending(tp->tree, pids, sizeof pids / sizeof pids[0]);
	for (i = 0; i < n; i++)
		tree_read_cmdline(tp->tree, pids[i]);
}

/* The ring descriptors and the tick to poll while the command runs. */
size_t tree_pollfds(void *st, struct pollfd *out, size_t max)
{
	struct tree_probe *tp = st;
	size_t n = 0;
	int cpu;
	if (tp->timer >= 0 && n < max) {
		out[n].fd = tp->timer;
		out[n++].events = POLLIN;
	}
	for (cpu = 0; cpu < tp->ncpu && n < max; cpu++)
		if (tp->fds[cpu] >= 0) {
			out[n].fd = tp->fds[cpu];
			out[n++].events = POLLIN;
		}
	return n;
}

/* The command has exited: the release was real_ns ago. */
void tree_exited(void *st, struct result *r)
{
	struct tree_probe *tp = st;
	tp->end = tree_now();
	tp->origin = tp->end - (uint64_t)r->real_ns;
	tp->end = tp->origin + (uint64_t)r->real_ns;
}

static int64_t tree_total(const int *fds, int ncpu)
{
	int64_t sum = 0;
	int cpu, n = 0;
	for (cpu = 0; cpu < ncpu; cpu++) {
		uint64_t v[4];
		if (fds[cpu] < 0)
			continue;
		if (read(fds[cpu], v, sizeof v) != (ssize_t)sizeof v)
			return -1;
		sum += (int64_t)v[0];
		n++;
	}
	return n ? sum : -1;
}

/* After the reap: replay everything left, read the whole tree's totals, and build the model. */
void tree_collect(void *st, struct result *r)
{
	struct tree_probe *tp = st;
	uint64_t newest = 0;

	if (!tp->origin) { /* the exit was not seen as such: time from the reap */
		tp->end = tree_now();
		tp->origin = tp->end - (uint64_t)r->real_ns;
	}
	tree_pull(tp, &newest);
	tree_replay(tp, UINT64_MAX);
	tree_finish(tp->tree, tp->origin, tp->end, tree_total(tp->fds, tp->ncpu), r->wait_status);
	if (r->stopped[0])
		tree_note(tp->tree, "the kernel stops following the tree at a privileged exec (%s): what ran after it is missing",
			  r->stopped);
}

/* Unmap, close and free the probe (the tree belongs to the result). */
void tree_close(void *st)
{
	struct tree_probe *tp = st;
	int cpu;
	if (!tp)
		return;
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		ring_close(&tp->rings[cpu]);
		if (tp->fds[cpu] >= 0)
			close(tp->fds[cpu]);
		free(tp->bufs[cpu].p);
	}
	if (tp->timer >= 0)
		close(tp->timer);
	while (tp->nearly)
		free(tp->early[--tp->nearly].buf);
	free(tp->early);
	free(tp->fds);
	free(tp->rings);
	free(tp->bufs);
	free(tp->pos);
	free(tp);
}
