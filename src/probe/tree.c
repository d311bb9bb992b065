/* probe/tree.c: the process side-band: per-CPU inherited task-clock events whose rings carry every
   fork, exec, exit and context switch of the command's tree, and each exiting task's own counts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

#define TREE_RING_ORDER 5        /* 32 pages a CPU: 128 KiB, some 4000 switches */
#define TREE_TICK_NS 10000000    /* rings drained, command lines read, every 10 ms: a wakeup costs 60-100 us on a VM */
#define TREE_TRAILER 32          /* sample_id: pid, tid, time, cpu, res, identifier */
#define TREE_SIBS (TREE_COUNTS - 1) /* page faults, minor and major, in task-clock's group on each CPU */

/* An event's id (PERF_EVENT_IOC_ID, and the identifier of each record it writes), and what it counts. */
struct tree_id {
	uint64_t id;
	enum tree_count what;
};

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
	int *sibs;               /* TREE_SIBS a CPU: the page-fault counters of its group, -1 */
	bool group;              /* read_format has PERF_FORMAT_GROUP */
	struct tree_id *ids;     /* every event's, sorted by id */
	size_t nids;
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

static int tree_perf_open(struct perf_event_attr *a, pid_t pid, int cpu, int group_fd)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
}

/* The attributes of the group's leader, task-clock, which carries the side-band; siblings: no side-band. */
static void tree_attr(struct perf_event_attr *a, uint64_t config, bool kernel, bool stat, bool group)
{
	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	/* no samples: the sample_id of every record, which ends with the id of the event that wrote it */
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID |
			 (group ? PERF_FORMAT_GROUP : 0);
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

static void tree_sibling_attr(struct perf_event_attr *a, uint64_t config, bool kernel)
{
	tree_attr(a, config, kernel, true, true);
	a->disabled = a->enable_on_exec = 0; /* they count when their leader does */
	a->task = a->comm = a->comm_exec = a->context_switch = a->watermark = 0;
	a->wakeup_watermark = 0;
}

static void tree_add_id(struct tree_probe *tp, int fd, enum tree_count what)
{
	uint64_t id;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return;
	tp->ids[tp->nids].id = id;
	tp->ids[tp->nids++].what = what;
}

static void tree_close_sibs(struct tree_probe *tp)
{
	int i;
	for (i = 0; i < tp->ncpu * TREE_SIBS; i++)
		if (tp->sibs[i] >= 0) {
			close(tp->sibs[i]);
			tp->sibs[i] = -1;
		}
}

/* Open the group on each CPU in turn: task-clock with the side-band, and with faults its page-fault
   counters. The kernel, when it swaps the contexts of a parent and a child it takes for clones, swaps
   their counts pairwise in list order (perf_event_sync_stat); a child's list follows the parent's tree of
   group leaders, ordered by CPU, then by PMU, then by opening. Separate events of two PMUs (task-clock has
   its own) came out of that in another order than they were opened, each with the other's counts; in one
   group a CPU has one leader, and its siblings follow it in the order they were opened, on both sides.
   Beside the sampler's events, which are per CPU too, the pairs would not match either: with --sample
   there is no inherit_stat (stat false), and each task's CPU time comes from its switches. */
static int tree_open_cpus(struct tree_probe *tp, pid_t pid, bool kernel, bool stat, bool faults)
{
	static const uint64_t sib_config[TREE_SIBS] = { PERF_COUNT_SW_PAGE_FAULTS_MIN, PERF_COUNT_SW_PAGE_FAULTS_MAJ };
	struct perf_event_attr a, sa;
	int cpu, k, e;

	tp->nids = 0;
	tree_attr(&a, PERF_COUNT_SW_TASK_CLOCK, kernel, stat, tp->group);
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		tp->fds[cpu] = tree_perf_open(&a, pid, cpu, -1);
		if (tp->fds[cpu] < 0 && (errno == ENODEV || errno == ENXIO)) /* an offline CPU */
			continue;
		if (tp->fds[cpu] < 0)
			goto fail;
		tree_add_id(tp, tp->fds[cpu], TREE_CPU);
		for (k = 0; faults && k < TREE_SIBS; k++) {
			int *fd = &tp->sibs[cpu * TREE_SIBS + k];
			tree_sibling_attr(&sa, sib_config[k], kernel);
			if ((*fd = tree_perf_open(&sa, pid, cpu, tp->fds[cpu])) < 0) {
				tp->tree->faults_why = "the page-fault counters cannot join task-clock's group here";
				tree_close_sibs(tp);
				faults = false;
				break;
			}
			tree_add_id(tp, *fd, (enum tree_count)(TREE_CPU + 1 + k));
		}
	}
	return 0;
fail:
	e = errno;
	tree_close_sibs(tp);
	for (cpu--; cpu >= 0; cpu--)
		if (tp->fds[cpu] >= 0) {
			close(tp->fds[cpu]);
			tp->fds[cpu] = -1;
		}
	return -e;
}

static int tree_by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct tree_id *)a)->id, y = ((const struct tree_id *)b)->id;
	return x < y ? -1 : x > y;
}

static const struct tree_id *tree_find_id(const struct tree_probe *tp, uint64_t id)
{
	struct tree_id key = { id, TREE_CPU };
	return bsearch(&key, tp->ids, tp->nids, sizeof *tp->ids, tree_by_id);
}

/* Send the page-fault counters' READ records to their leader's ring (a sibling has none of its own);
   false, with no counters left, where the kernel will not. */
static bool tree_sibs_output(struct tree_probe *tp, int cpu)
{
	int k;
	for (k = 0; k < TREE_SIBS; k++) {
		int fd = tp->sibs[cpu * TREE_SIBS + k];
		if (fd >= 0 && ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, tp->fds[cpu]) < 0) {
			tp->tree->faults_why = "the page-fault counters' records cannot be sent to task-clock's ring here";
			tree_close_sibs(tp);
			return false;
		}
	}
	return true;
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
	tp->sibs = xmalloc((size_t)tp->ncpu * TREE_SIBS * sizeof *tp->sibs);
	tp->ids = xmalloc((size_t)tp->ncpu * TREE_COUNTS * sizeof *tp->ids);
	tp->timer = -1;
	tp->group = true;
	for (cpu = 0; cpu < tp->ncpu; cpu++)
		tp->fds[cpu] = -1;
	for (cpu = 0; cpu < tp->ncpu * TREE_SIBS; cpu++)
		tp->sibs[cpu] = -1;
	if (!stat)
		tp->tree->faults_why = "with --sample, the kernel's per-task counts would be mixed with the sampler's";

	caps_raise_perfmon();
	e = tree_open_cpus(tp, pid, kernel, stat, stat);
	if (e == -EACCES || e == -EPERM) { /* perf_event_paranoid 2: user space only, side-band all the same */
		kernel = false;
		e = tree_open_cpus(tp, pid, kernel, stat, stat);
	}
	if (e == -EINVAL) { /* a kernel that reads no group of inherited events: task-clock alone */
		tp->group = false;
		tp->tree->faults_why = "this kernel does not count a group of inherited events";
		e = tree_open_cpus(tp, pid, kernel, stat, false);
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
		tree_sibs_output(tp, cpu);
	}
	for (cpu = 0; cpu < tp->ncpu * TREE_SIBS && !tp->tree->task_faults; cpu++)
		tp->tree->task_faults = tp->sibs[cpu] >= 0;
	if (tp->tree->task_faults)
		tp->tree->faults_why = NULL;
	qsort(tp->ids, tp->nids, sizeof *tp->ids, tree_by_id);
	/* Side-band records wake no one until a ring is half full: a tick drains them, so that a process's
	   command line is read while it still runs. */
	tp->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tp->timer >= 0)
		timerfd_settime(tp->timer, 0, &its, NULL);
	return tp;
}

/* --- records: each ends with the sample_id trailer (pid, tid, time, cpu, identifier) --- */

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
	memcpy(&t, p + size - TREE_TRAILER + 8, 8);
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

/* PERF_RECORD_READ: pid, tid, then the read_format of the event that wrote it, whose id ends the trailer.
   A group's record holds every member still in the group as (value, id); a value is taken only from the
   record of its own event, by id, whatever the members' order and however many records repeat it. */
static void tree_read_record(struct tree_probe *tp, const unsigned char *b, size_t len, const unsigned char *tr)
{
	const struct tree_id *who;
	uint64_t self, nr, i, v, id;
	uint32_t pid, tid;

	memcpy(&self, tr + 24, 8);
	if (len < 8 + 32 || !(who = tree_find_id(tp, self)))
		return;
	memcpy(&pid, b, 4);
	memcpy(&tid, b + 4, 4);
	if (!tp->group) { /* value, time_enabled, time_running, id */
		memcpy(&v, b + 8, 8);
		tree_read(tp->tree, (int)pid, (int)tid, who->what, v);
		return;
	}
	memcpy(&nr, b + 8, 8); /* nr, time_enabled, time_running, then nr of (value, id) */
	for (i = 0; i < nr && 32 + 16 * (i + 1) <= len; i++) {
		memcpy(&v, b + 32 + 16 * i, 8);
		memcpy(&id, b + 32 + 16 * i + 8, 8);
		if (id == self) {
			tree_read(tp->tree, (int)pid, (int)tid, who->what, v);
			return;
		}
	}
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
		tree_read_record(tp, b, len, tr);
		break;
	case PERF_RECORD_LOST:
		if (len < 16)
			break;
		memcpy(&v, b + 8, 8);
		t->lost += v;
		break;
	}
}

static void tree_apply(void *ctx, const unsigned char *p)
{
	tree_record(ctx, p);
}

/* Apply every record copied out that is not later than limit, in time order (ring_replay). */
static void tree_replay(struct tree_probe *tp, uint64_t limit)
{
	const struct ring_reader rr = { tree_rec_size, tree_rec_time, tree_apply, tp };
	ring_replay(&rr, tp->bufs, tp->pos, tp->ncpu, limit);
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

/* The whole tree's counts, by enum tree_count into total (-1 unknown): each CPU's group, read by id. */
static void tree_total(const struct tree_probe *tp, int64_t *total)
{
	uint64_t v[3 + 2 * TREE_COUNTS];
	bool seen[TREE_COUNTS] = { false };
	int cpu, k;
	ssize_t n;

	for (k = 0; k < TREE_COUNTS; k++)
		total[k] = 0;
	for (cpu = 0; cpu < tp->ncpu; cpu++) {
		const struct tree_id *who;
		uint64_t i;
		if (tp->fds[cpu] < 0)
			continue;
		if ((n = read(tp->fds[cpu], v, sizeof v)) < (ssize_t)(4 * sizeof *v))
			continue;
		if (!tp->group) { /* value, time_enabled, time_running, id */
			total[TREE_CPU] += (int64_t)v[0];
			seen[TREE_CPU] = true;
			continue;
		}
		for (i = 0; i < v[0] && (ssize_t)((4 + 2 * i) * sizeof *v) < n; i++)
			if ((who = tree_find_id(tp, v[4 + 2 * i]))) {
				total[who->what] += (int64_t)v[3 + 2 * i];
				seen[who->what] = true;
			}
	}
	for (k = 0; k < TREE_COUNTS; k++)
		if (!seen[k])
			total[k] = -1;
}

/* After the reap: replay everything left, read the whole tree's totals, and build the model. */
void tree_collect(void *st, struct result *r)
{
	struct tree_probe *tp = st;
	uint64_t newest = 0;
	int64_t total[TREE_COUNTS];

	if (!tp->origin) { /* the exit was not seen as such: time from the reap */
		tp->end = tree_now();
		tp->origin = tp->end - (uint64_t)r->real_ns;
	}
	tree_pull(tp, &newest);
	tree_replay(tp, UINT64_MAX);
	tree_total(tp, total);
	tree_finish(tp->tree, tp->origin, tp->end, total, r->wait_status);
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
	tree_close_sibs(tp);
	free(tp->sibs);
	free(tp->ids);
	free(tp->fds);
	free(tp->rings);
	free(tp->bufs);
	free(tp->pos);
	free(tp);
}
