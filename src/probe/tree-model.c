/* probe/tree-model.c: the process tree from side-band records: processes, threads, busy CPUs. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

#define TREE_RES0_NS 100000      /* the busy curve starts at 100 us a bucket */

/* A new tree for the command root, with events on ncpu CPUs; t0 is a perf time at or before the release. */
struct tree *tree_new(pid_t root, int ncpu, uint64_t t0)
{
	struct tree *t = xcalloc(1, sizeof *t);
	int c;

	t->root_pid = root;
	t->ncpu = ncpu;
	t->cpu_thread = xmalloc((size_t)ncpu * sizeof *t->cpu_thread);
	for (c = 0; c < ncpu; c++)
		t->cpu_thread[c] = -1;
	t->curve_t0 = t->last_t = t->tail_from = t0; /* a run that never keeps two CPUs busy is all tail */
	t->curve_res_ns = TREE_RES0_NS;
	t->minflt = t->majflt = -1;
	return t;
}

/* Add a sentence to what the tree could not see. */
void tree_note(struct tree *t, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (i = 0; i < t->nnotes; i++)
		if (strcmp(t->notes[i], buf) == 0)
			return;
	t->notes = xrealloc(t->notes, (t->nnotes + 1) * sizeof *t->notes);
	t->notes[t->nnotes++] = xstrdup(buf);
}

/* --- tasks by tid: an open-addressing table of thread indices, the newest task of a tid wins --- */

static size_t tree_slot(const struct tree *t, int tid)
{
	size_t h = ((size_t)(unsigned)tid * 2654435761u) & (t->caphash - 1);
	while (t->hash[h] && t->threads[t->hash[h] - 1].tid != tid)
		h = (h + 1) & (t->caphash - 1);
	return h;
}

static struct tree_thread *tree_find(struct tree *t, int tid)
{
	size_t h;
	if (!t->caphash)
		return NULL;
	h = tree_slot(t, tid);
	return t->hash[h] ? &t->threads[t->hash[h] - 1] : NULL;
}

static void tree_index(struct tree *t, size_t ti)
{
	if ((t->nthreads + 1) * 2 > t->caphash) {
		size_t i;
		free(t->hash);
		t->caphash = t->caphash ? t->caphash * 2 : 256;
		t->hash = xcalloc(t->caphash, sizeof *t->hash);
		for (i = 0; i < t->nthreads; i++)
			if (i != ti)
				t->hash[tree_slot(t, t->threads[i].tid)] = i + 1;
	}
	t->hash[tree_slot(t, t->threads[ti].tid)] = ti + 1;
}

static size_t tree_new_proc(struct tree *t, int pid, int ppid, uint64_t time)
{
	struct tree_proc *p;
	if (t->nprocs == t->capprocs) {
		t->capprocs = t->capprocs ? t->capprocs * 2 : 64;
		t->procs = xrealloc(t->procs, t->capprocs * sizeof *t->procs);
	}
	p = &t->procs[t->nprocs];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->ppid = ppid;
	p->parent = SIZE_MAX;
	p->start_t = time;
	p->first_thread = SIZE_MAX;
	p->exec_ns = -1;
	return t->nprocs++;
}

static struct tree_thread *tree_new_thread(struct tree *t, size_t proc, int tid, uint64_t time)
{
	struct tree_thread *th;
	struct tree_proc *p = &t->procs[proc];
	if (t->nthreads == t->capthreads) {
		t->capthreads = t->capthreads ? t->capthreads * 2 : 64;
		t->threads = xrealloc(t->threads, t->capthreads * sizeof *t->threads);
	}
	th = &t->threads[t->nthreads];
	memset(th, 0, sizeof *th);
	th->tid = tid;
	th->proc = proc;
	th->cpu = -1;
	th->on_since = th->last_seen = time;
	th->start_ns = (int64_t)time; /* perf times until tree_finish */
	th->end_ns = -1;
	th->cpu_ns = th->minflt = th->majflt = -1;
	th->next = p->first_thread;
	p->first_thread = t->nthreads;
	p->nthreads++;
	tree_index(t, t->nthreads++);
	return th;
}

/* The thread tid of process pid, made up when no FORK named it (the command itself, or a lost record). */
static struct tree_thread *tree_task(struct tree *t, int pid, int tid, uint64_t time)
{
	struct tree_thread *th = tree_find(t, tid), *leader;
	size_t proc;

	if (th && t->procs[th->proc].pid == pid)
		return th;
	leader = pid == tid ? NULL : tree_find(t, pid);
	if (leader && t->procs[leader->proc].pid == pid && !leader->exited)
		proc = leader->proc;
	else
		proc = tree_new_proc(t, pid, pid == t->root_pid ? (int)getpid() : -1, time);
	return tree_new_thread(t, proc, tid, time);
}

/* --- the busy count: a step function kept as the histogram, the integral, and a bounded curve --- */

/* Halve the curve's resolution: the run outgrew its buckets. */
static void tree_coarsen(struct tree *t)
{
	size_t i;
	for (i = 0; i < t->ncurve; i++)
		t->curve[i / 2] = (i % 2 ? t->curve[i / 2] : 0) + t->curve[i];
	t->ncurve = (t->ncurve + 1) / 2;
	t->curve_res_ns *= 2;
	t->curve_coarsened = true;
}

/* Credit the current busy count from the last change to time. */
static void tree_advance(struct tree *t, uint64_t time)
{
	uint64_t a = t->last_t;
	if (time <= a)
		return;
	t->hist_ns[t->busy < TREE_HIST_MAX ? t->busy : TREE_HIST_MAX - 1] += (int64_t)(time - a);
	t->busy_ns += (int64_t)(time - a) * t->busy;
	while (t->busy && a < time) {
		uint64_t rel = a - t->curve_t0, res = (uint64_t)t->curve_res_ns, end;
		size_t b = (size_t)(rel / res);
		while (b >= TREE_CURVE_MAX) {
			tree_coarsen(t);
			res = (uint64_t)t->curve_res_ns;
			b = (size_t)(rel / res);
		}
		if (b >= t->ncurve) {
			if (b >= t->capcurve) {
				t->capcurve = t->capcurve ? t->capcurve * 2 : 1024;
				while (t->capcurve <= b)
					t->capcurve *= 2;
				t->curve = xrealloc(t->curve, t->capcurve * sizeof *t->curve);
			}
			memset(t->curve + t->ncurve, 0, (b + 1 - t->ncurve) * sizeof *t->curve);
			t->ncurve = b + 1;
		}
		end = t->curve_t0 + (uint64_t)(b + 1) * res;
		if (end > time)
			end = time;
		t->curve[b] += (int64_t)(end - a) * t->busy;
		a = end;
	}
	t->last_t = time;
}

static void tree_busy(struct tree *t, uint64_t time, int delta)
{
	if (time < t->curve_t0)
		time = t->curve_t0;
	tree_advance(t, time);
	t->busy += delta;
	if (t->busy > t->max_busy)
		t->max_busy = t->busy;
	if (t->busy >= 2)
		t->tail_from = 0;
	else if (!t->tail_from)
		t->tail_from = time;
}

/* Keep [from, to] as a stretch of th on a CPU, for the trace: a gap under TREE_SPAN_GAP_NS joins it to the
   last one; past the caps the last one grows instead, so memory stays bounded whatever the run. */
static void tree_span(struct tree *t, struct tree_thread *th, uint64_t from, uint64_t to)
{
	struct tree_span *last = th->nspans ? &th->spans[th->nspans - 1] : NULL;

	if (last && (from < (uint64_t)last->end_ns + TREE_SPAN_GAP_NS || th->spans_capped)) {
		if ((int64_t)to > last->end_ns)
			last->end_ns = (int64_t)to;
		return;
	}
	if (last && (th->nspans >= TREE_SPANS_MAX || t->nspans >= TREE_SPANS_TOTAL)) {
		th->spans_capped = true;
		t->spans_capped++;
		last->end_ns = (int64_t)to;
		return;
	}
	if (!last && t->nspans >= TREE_SPANS_TOTAL) {
		if (!th->spans_capped)
			t->spans_capped++;
		th->spans_capped = true;
		return;
	}
	if (th->nspans == th->capspans) {
		th->capspans = th->capspans ? th->capspans * 2 : 4;
		th->spans = xrealloc(th->spans, th->capspans * sizeof *th->spans);
	}
	th->spans[th->nspans].start_ns = (int64_t)from;
	th->spans[th->nspans++].end_ns = (int64_t)to;
	t->nspans++;
}

static void tree_off(struct tree *t, struct tree_thread *th, uint64_t time)
{
	if (th->cpu < 0)
		return;
	if (time > th->on_since) {
		th->switch_cpu_ns += (int64_t)(time - th->on_since);
		tree_span(t, th, th->on_since, time);
	}
	if (t->cpu_thread[th->cpu] == (int)(th - t->threads)) {
		t->cpu_thread[th->cpu] = -1;
		tree_busy(t, time, -1);
	}
	th->cpu = -1;
}

static void tree_on(struct tree *t, struct tree_thread *th, int cpu, uint64_t time)
{
	int other;
	if (cpu < 0 || cpu >= t->ncpu || th->exited)
		return;
	if (th->cpu == cpu)
		return;
	tree_off(t, th, time);
	other = t->cpu_thread[cpu];
	if (other >= 0) /* its switch-out was lost: one task runs on a CPU at a time */
		tree_off(t, &t->threads[other], time);
	t->cpu_thread[cpu] = (int)(th - t->threads);
	th->cpu = cpu;
	th->on_since = time;
	tree_busy(t, time, +1);
}

/* --- the records, in time order --- */

/* PERF_RECORD_FORK: tid was created; a new process when pid differs from ppid, else a thread of pid. */
void tree_fork(struct tree *t, uint64_t time, int pid, int ppid, int tid)
{
	struct tree_thread *parent, *th;
	size_t proc;

	if (pid == ppid) {
		tree_new_thread(t, tree_task(t, pid, pid, time)->proc, tid, time);
		return;
	}
	proc = tree_new_proc(t, pid, ppid, time);
	th = tree_new_thread(t, proc, tid, time);
	parent = tree_find(t, ppid); /* after the new thread: adding it may move every thread */
	if (parent && t->procs[parent->proc].pid == ppid) {
		struct tree_proc *pp = &t->procs[parent->proc], *p = &t->procs[proc];
		p->parent = parent->proc;
		memcpy(p->comm, pp->comm, sizeof p->comm);
		memcpy(th->comm, parent->comm, sizeof th->comm);
		if (pp->cmdline) { /* until it execs, /proc shows its parent's arguments */
			p->cmdline = xmalloc(pp->cmdline_len + 1);
			memcpy(p->cmdline, pp->cmdline, pp->cmdline_len + 1);
			p->cmdline_len = pp->cmdline_len;
			p->cmdline_truncated = pp->cmdline_truncated;
			p->cmdline_inherited = true;
		}
		if (pp->nchildren == pp->capchildren) {
			pp->capchildren = pp->capchildren ? pp->capchildren * 2 : 4;
			pp->children = xrealloc(pp->children, pp->capchildren * sizeof *pp->children);
		}
		pp->children[pp->nchildren++] = proc;
	}
}

static void tree_unpend(struct tree *t, int pid)
{
	size_t i;
	for (i = 0; i < t->npend; i++)
		if (t->pend[i] == pid) {
			t->pend[i] = t->pend[--t->npend];
			return;
		}
}

/* PERF_RECORD_COMM: a thread's new name; with exec, the process's new executable, whose command line is then to be read. */
void tree_comm(struct tree *t, uint64_t time, int pid, int tid, const char *comm, bool exec)
{
	struct tree_thread *th = tree_task(t, pid, tid, time);
	struct tree_proc *p = &t->procs[th->proc];

	snprintf(th->comm, sizeof th->comm, "%s", comm);
	if (!exec)
		return;
	snprintf(p->comm, sizeof p->comm, "%s", comm);
	p->execs++;
	p->exec_ns = (int64_t)time; /* a perf time until tree_finish */
	free(p->cmdline);
	p->cmdline = NULL;
	p->cmdline_len = 0;
	p->cmdline_inherited = false;
	p->cmdline_truncated = false;
	if (!p->cmdline_pending) {
		if (t->npend == t->cappend) {
			t->cappend = t->cappend ? t->cappend * 2 : 16;
			t->pend = xrealloc(t->pend, t->cappend * sizeof *t->pend);
		}
		t->pend[t->npend++] = pid;
	}
	p->cmdline_pending = true;
}

/* The pids whose command line is still to be read; returns how many were written. */
size_t tree_pending(const struct tree *t, int *pids, size_t max)
{
	size_t n = t->npend < max ? t->npend : max;
	if (n)
		memcpy(pids, t->pend, n * sizeof *pids);
	return n;
}

static struct tree_proc *tree_proc_of(struct tree *t, int pid)
{
	struct tree_thread *th = tree_find(t, pid);
	return th && t->procs[th->proc].pid == pid ? &t->procs[th->proc] : NULL;
}

/* The command line of pid as /proc/PID/cmdline gave it after its exec. */
void tree_cmdline(struct tree *t, int pid, const char *buf, size_t len, bool truncated)
{
	struct tree_proc *p = tree_proc_of(t, pid);
	tree_unpend(t, pid);
	if (!p)
		return;
	free(p->cmdline);
	p->cmdline = xmalloc(len + 1);
	memcpy(p->cmdline, buf, len);
	p->cmdline[len] = '\0';
	p->cmdline_len = len;
	p->cmdline_truncated = truncated;
	p->cmdline_pending = false;
}

/* pid was gone before its command line could be read. */
void tree_cmdline_gone(struct tree *t, int pid)
{
	struct tree_proc *p = tree_proc_of(t, pid);
	tree_unpend(t, pid);
	if (!p || !p->cmdline_pending)
		return;
	p->cmdline_pending = false;
	p->cmdline_why = "exited before ptime could read its command line: only its name (comm) is known";
	t->cmdlines_missed++;
}

/* PERF_RECORD_EXIT: tid has exited; its last stretch on a CPU ends here (no switch-out follows). */
void tree_exit(struct tree *t, uint64_t time, int pid, int tid)
{
	struct tree_thread *th = tree_task(t, pid, tid, time);
	tree_off(t, th, time);
	th->exited = true;
	th->end_ns = (int64_t)time;
	if (pid == tid)
		tree_cmdline_gone(t, pid);
}

/* PERF_RECORD_SWITCH: tid went onto or off cpu. */
void tree_switch(struct tree *t, uint64_t time, int pid, int tid, int cpu, bool out)
{
	struct tree_thread *th = tree_task(t, pid, tid, time);
	th->last_seen = time;
	if (out)
		tree_off(t, th, time);
	else
		tree_on(t, th, cpu, time);
}

/* Any record that tid wrote shows it on cpu at time: the command itself is running when its events
   are enabled at its exec, so no switch-in ever says so. */
void tree_seen(struct tree *t, uint64_t time, int pid, int tid, int cpu)
{
	struct tree_thread *th = tree_task(t, pid, tid, time);
	th->last_seen = time;
	if (th->cpu < 0 && !th->exited)
		tree_on(t, th, cpu, time);
}

/* PERF_RECORD_READ: an exiting task's own count of one event (task-clock in ns, or page faults) on one CPU. */
void tree_read(struct tree *t, int pid, int tid, enum tree_count what, uint64_t value)
{
	struct tree_thread *th = tree_task(t, pid, tid, t->last_t);
	int64_t *v = what == TREE_CPU ? &th->cpu_ns : what == TREE_MINFLT ? &th->minflt : &th->majflt;
	if (*v < 0)
		*v = 0;
	*v += (int64_t)value;
	if (what == TREE_CPU)
		th->read_seen = true;
}

/* --- the end: offsets from the release, totals; then tree-path.c --- */

static int64_t tree_rel(const struct tree *t, uint64_t time)
{
	return time > t->origin_t ? (int64_t)(time - t->origin_t) : 0;
}

/* Close the tree at the command's exit: origin and end are perf times of the release and the exit;
   total holds the whole tree's counts by enum tree_count (-1 unknown), the command's own share of which
   is what no READ record reported. */
void tree_finish(struct tree *t, uint64_t origin, uint64_t end, const int64_t *total, int wait_status)
{
	int64_t reads = 0, minreads = 0, majreads = 0, total_cpu = total[TREE_CPU];
	size_t i, root = SIZE_MAX, unread = SIZE_MAX - 1;
	int c;

	t->origin_t = origin;
	for (c = 0; c < t->ncpu; c++)
		if (t->cpu_thread[c] >= 0)
			tree_off(t, &t->threads[t->cpu_thread[c]], end);
	tree_advance(t, end);
	if (t->tail_from && t->tail_from < end)
		t->tail_ns = (int64_t)(end - (t->tail_from > origin ? t->tail_from : origin));
	/* The busy time before the release (between the probe's start and the release) is none. */
	t->hist_ns[0] -= (int64_t)(origin > t->curve_t0 ? origin - t->curve_t0 : 0);
	if (t->hist_ns[0] < 0)
		t->hist_ns[0] = 0;
	t->real_ns = (int64_t)(end - origin);
	t->cpu_ns = total_cpu;
	if (t->task_faults) {
		t->minflt = total[TREE_MINFLT];
		t->majflt = total[TREE_MAJFLT];
	}

	/* Every task that exits with a cloned context reports its own task-clock. One task has none: the
	   one that holds the original events when it exits, which is the command unless the kernel swapped
	   its context with a child's (it does, with a child it takes for a clone). Its count is the total
	   less every READ. Where more than one task has no READ (still running, or a record lost), the
	   rest cannot be divided: each then has the time its switch records add up to. */
	for (i = 0; i < t->nthreads; i++) {
		struct tree_thread *th = &t->threads[i];
		if (th->read_seen) {
			reads += th->cpu_ns;
			minreads += th->minflt > 0 ? th->minflt : 0;
			majreads += th->majflt > 0 ? th->majflt : 0;
		} else
			unread = unread == SIZE_MAX - 1 ? i : SIZE_MAX;
	}
	for (i = 0; i < t->nthreads; i++) {
		struct tree_thread *th = &t->threads[i];
		struct tree_proc *p = &t->procs[th->proc];
		bool command = p->pid == t->root_pid && th->tid == p->pid && p->parent == SIZE_MAX;
		size_t k;
		th->start_ns = command ? 0 : tree_rel(t, (uint64_t)th->start_ns);
		th->end_ns = th->exited ? tree_rel(t, (uint64_t)th->end_ns) : -1;
		for (k = 0; k < th->nspans; k++) {
			th->spans[k].start_ns = tree_rel(t, (uint64_t)th->spans[k].start_ns);
			th->spans[k].end_ns = tree_rel(t, (uint64_t)th->spans[k].end_ns);
		}
		if (th->read_seen) {
			th->cpu_source = "task-clock";
		} else if (i == unread && t->task_counts && total_cpu >= 0) {
			th->cpu_ns = total_cpu > reads ? total_cpu - reads : 0;
			th->cpu_source = "task-clock total";
			if (t->minflt >= 0 && t->majflt >= 0) { /* the same rest, from the same group's totals */
				th->minflt = t->minflt > minreads ? t->minflt - minreads : 0;
				th->majflt = t->majflt > majreads ? t->majflt - majreads : 0;
			}
		} else {
			th->cpu_ns = th->switch_cpu_ns;
			th->cpu_source = "switch records";
		}
	}
	for (i = 0; i < t->nprocs; i++) {
		struct tree_proc *p = &t->procs[i];
		size_t k;
		bool all = true, pf = t->task_faults;
		int64_t last = 0;
		if (p->pid == t->root_pid && p->parent == SIZE_MAX && root == SIZE_MAX)
			root = i;
		p->start_ns = i == root ? 0 : tree_rel(t, p->start_t);
		if (p->exec_ns >= 0)
			p->exec_ns = tree_rel(t, (uint64_t)p->exec_ns);
		p->cpu_ns = 0;
		p->minflt = p->majflt = 0;
		for (k = p->first_thread; k != SIZE_MAX; k = t->threads[k].next) {
			struct tree_thread *th = &t->threads[k];
			if (th->end_ns < 0)
				all = false;
			else if (th->end_ns > last)
				last = th->end_ns;
			p->cpu_ns += th->cpu_ns > 0 ? th->cpu_ns : 0;
			if (th->minflt < 0 || th->majflt < 0)
				pf = false;
			else {
				p->minflt += th->minflt;
				p->majflt += th->majflt;
			}
			if (th->tid == p->pid)
				p->cpu_source = th->cpu_source;
		}
		if (!p->cpu_source && p->first_thread != SIZE_MAX)
			p->cpu_source = t->threads[p->first_thread].cpu_source;
		p->end_ns = all ? last : -1;
		if (!pf) {
			p->minflt = p->majflt = -1;
			p->faults_why = !t->task_faults ? t->faults_why
				      : all ? "more than one of its tasks exited without a READ record of its own counts"
					    : "a thread was still running when the command exited: no READ record of its counts";
		}
		if (p->cmdline_pending) {
			p->cmdline_pending = false;
			p->cmdline_why = "exited before ptime could read its command line: only its name (comm) is known";
			t->cmdlines_missed++;
		}
		if (!p->cmdline && !p->cmdline_why)
			p->cmdline_why = p->execs ? "its command line could not be read"
						  : "it did not exec while ptime watched: only its name (comm) is known";
		if (i == root) {
			p->exit_known = true;
			p->wait_status = wait_status;
			if (p->end_ns < 0 || p->end_ns > t->real_ns)
				p->end_ns = t->real_ns;
		}
	}
	t->npend = 0;
	tree_analyze(t, root);
	if (t->lost)
		tree_note(t, "the kernel lost %llu side-band records (the ring was full): some switches, forks or exits "
			  "are missing", (unsigned long long)t->lost);
	if (t->spans_capped)
		tree_note(t, "on-CPU stretches: %zu threads had more than the %u kept per thread (or the %u of the whole "
			  "tree): their last stretch runs on to their last switch-out", t->spans_capped,
			  (unsigned)TREE_SPANS_MAX, (unsigned)TREE_SPANS_TOTAL);
	if (t->cmdlines_missed)
		tree_note(t, "%llu processes exited before their command lines could be read: they are named by comm",
			  (unsigned long long)t->cmdlines_missed);
	tree_note(t, "max RSS per process: not measured (the kernel gives it only to the parent that waits, "
		  "or through taskstats, which needs CAP_NET_ADMIN)");
	tree_note(t, "exit status: known for the command only (every other process is waited for by its own parent)");
	if (!t->task_faults)
		tree_note(t, "page faults per process: not counted: %s", t->faults_why ? t->faults_why : "no per-task counts");
}

/* Free the tree and all it holds. */
void tree_free(struct tree *t)
{
	size_t i;
	if (!t)
		return;
	for (i = 0; i < t->nprocs; i++) {
		free(t->procs[i].cmdline);
		free(t->procs[i].children);
	}
	for (i = 0; i < t->nthreads; i++)
		free(t->threads[i].spans);
	for (i = 0; i < t->nnotes; i++)
		free(t->notes[i]);
	free(t->notes);
	free(t->procs);
	free(t->threads);
	free(t->exes);
	free(t->curve);
	free(t->path);
	free(t->cpu_thread);
	free(t->hash);
	free(t->pend);
	free(t);
}
