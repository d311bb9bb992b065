/* probe/python.c: the Python frames of the command's CPython processes. Every thread that ran since
   the last tick has its stack read from outside (probe/pyread.c) on a timer while the command runs;
   the last few reads are kept with their time, and each perf sample of that thread is given the
   read nearest to it when it is replayed. The samples stay the weights: the kernel takes them only
   while a thread is on a CPU, so idle and waiting threads never count as hot. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

#define PY_HIST 16              /* reads kept per thread: the replay runs a round or two behind */
#define PY_MAX_FRAMES 120       /* Python frames of one stack; the rest of PROFILE_MAX_FRAMES is native */
#define PY_TICK_NS 1000000ull   /* at most 1000 reads a second of a thread that runs all the time */
#define PY_FIRST_LOOK_NS 2000000ull /* after an exec: the dynamic loader has mapped libpython by then */
#define PY_OPEN_WINDOW_NS 3000000000ull /* how long an interpreter may take to be readable */
#define PY_NEAR_TICKS 8         /* a read farther than this from a sample is not its stack */
#define PY_NOSTACK UINT32_MAX   /* a read that found the thread running no Python code */

struct py_read {
	uint64_t t;
	uint32_t stack;          /* offset of the stack in the table, or PY_NOSTACK */
};

struct py_thread {
	int tid;
	bool read_once, gone;
	bool sampled;            /* a sample of it was copied out since its last read: it ran */
	struct py_read h[PY_HIST];
	unsigned nh, head;
};

struct py_code {
	uint64_t id;             /* the code object's identity (pycode_ent) */
	int line;
	uint32_t loc;            /* + 1; 0: an empty slot */
};

enum { PY_PENDING, PY_READING, PY_DONE };

struct py_process {
	int pid, state;
	bool python;             /* known to run CPython: a fork of one, or its executable said so */
	uint64_t since, until, next_try, window_end; /* until: its exec, 0 while it runs this image */
	uint64_t refused;        /* when its reads were refused (it made itself unreadable), or 0 */
	unsigned tries;
	struct pyproc *pp;
	struct py_interp ip;     /* where the interpreter's code is */
	char dso[24];            /* "python3.11" */
	char comm[64];           /* its name, once it is needed ("" until then): it may exec before the note */
	char why[200];
	size_t pyidx;            /* in prof->pys, or SIZE_MAX */
	struct py_thread *th;
	size_t nth, capth;
	struct py_code *codes;   /* open addressing on (code, line) */
	size_t ncodes, capcodes;
};

struct pysampler {
	struct profile *prof;
	int tfd;
	int main_pid;
	uint64_t last_tick, last_reap, tick_ns;
	bool fast;               /* the timer runs at tick_ns: something is read or looked at */
	struct py_process *ps;
	size_t nps, capps;
	uint32_t *sv;            /* interned stacks: a length, then that many locations, innermost first */
	size_t nsv, capsv;
	uint32_t *sidx;          /* open addressing: offset + 1 */
	size_t capsidx, nstacks;
	char self_exe[PATH_MAX];
};

static uint64_t py_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The timer at tick_ns while a process is read or due a look, else ten times slower: only to see
   the execs soon enough. */
static void py_arm(struct pysampler *ps, bool fast)
{
	struct itimerspec its;
	uint64_t ns = fast ? ps->tick_ns : ps->tick_ns * 10;

	if (fast == ps->fast && ps->last_tick)
		return;
	ps->fast = fast;
	memset(&its, 0, sizeof its);
	its.it_interval.tv_sec = its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_interval.tv_nsec = its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	timerfd_settime(ps->tfd, 0, &its, NULL);
}

/* Reading Python frames of the tree rooted at pid, for prof; NULL if the timer cannot be had. */
struct pysampler *pysampler_new(struct profile *prof, int pid, unsigned hz)
{
	struct pysampler *ps;
	ssize_t n;

	ps = xcalloc(1, sizeof *ps);
	ps->prof = prof;
	ps->main_pid = pid;
	ps->tick_ns = hz && 1000000000ull / hz > PY_TICK_NS ? 1000000000ull / hz : PY_TICK_NS;
	ps->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ps->tfd < 0) {
		free(ps);
		return NULL;
	}
	n = readlink("/proc/self/exe", ps->self_exe, sizeof ps->self_exe - 1);
	ps->self_exe[n > 0 ? n : 0] = '\0';
	/* Orphaned grandchildren stay ptime's descendants, so that they can still be read. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	prof->python = true;
	py_arm(ps, true);
	return ps;
}

/* The timer to poll. */
int pysampler_fd(const struct pysampler *ps)
{
	return ps->tfd;
}

/* A file of /proc, whole up to 4 MiB, or NULL. */
static char *py_proc_read(const char *path)
{
	char *buf = NULL;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (safefile_read(fd, 4u << 20, &buf, &len) < 0)
		buf = NULL;
	close(fd);
	return buf;
}

static struct py_process *py_find(struct pysampler *ps, int pid)
{
	size_t i;
	for (i = ps->nps; i-- > 0;)
		if (ps->ps[i].pid == pid)
			return &ps->ps[i];
	return NULL;
}

static struct py_thread *py_thread(struct py_process *p, int tid, bool add)
{
	size_t i;
	for (i = 0; i < p->nth; i++)
		if (p->th[i].tid == tid)
			return &p->th[i];
	if (!add)
		return NULL;
	if (p->nth == p->capth) {
		p->capth = p->capth ? p->capth * 2 : 4;
		p->th = xrealloc(p->th, p->capth * sizeof *p->th);
	}
	memset(&p->th[p->nth], 0, sizeof p->th[0]);
	p->th[p->nth].tid = tid;
	return &p->th[p->nth++];
}

static void py_close(struct py_process *p)
{
	if (p->pp) {
		pyproc_close(p->pp);
		p->pp = NULL;
	}
	p->state = PY_DONE;
}

static size_t py_note(struct pysampler *ps, struct py_process *p);

/* The process has exited, or the command has: one it was still trying to open keeps in the report
   the reason it could not be read. */
static void py_gone(struct pysampler *ps, struct py_process *p)
{
	if (p->state == PY_PENDING && p->python && p->why[0] && p->pyidx == SIZE_MAX) {
		size_t k = py_note(ps, p); /* first: it may move prof->pys */
		ps->prof->pys[k].why = strtab_intern(ps->prof->strs, p->why);
	}
	py_close(p);
}

static struct py_process *py_add(struct pysampler *ps, int pid, bool python, uint64_t now)
{
	struct py_process *old = py_find(ps, pid), *p;
	if (old && old->state != PY_DONE)
		py_gone(ps, old); /* an exec: the process has a new image; an old one not opened keeps its why */
	if (old && !old->until)
		old->until = now; /* its reads are not those of the new image's samples */
	if (ps->nps == ps->capps) {
		ps->capps = ps->capps ? ps->capps * 2 : 16;
		ps->ps = xrealloc(ps->ps, ps->capps * sizeof *ps->ps);
	}
	p = &ps->ps[ps->nps++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->python = python;
	p->since = now;
	p->next_try = now + PY_FIRST_LOOK_NS;
	p->window_end = now + PY_OPEN_WINDOW_NS;
	p->pyidx = SIZE_MAX;
	return p;
}

/* Process pid exec'd. */
void pysampler_exec(struct pysampler *ps, int pid)
{
	py_add(ps, pid, false, py_now());
}

/* Task tid of process pid was forked by process ppid: a thread of a Python process is read from
   then on, and a process forked by one runs Python too. */
void pysampler_fork(struct pysampler *ps, int pid, int ppid, int tid)
{
	struct py_process *parent = py_find(ps, ppid), *p;
	if (pid == ppid) {
		if (parent && parent->state != PY_DONE)
			py_thread(parent, tid, true);
		return;
	}
	if (!parent || parent->state == PY_DONE || (parent->state == PY_PENDING && !parent->python))
		return; /* not Python, or an exec will say */
	p = py_add(ps, pid, true, py_now());
	p->next_try = p->since; /* it has its parent's interpreter already */
}

/* A sample of task tid of process pid was copied out: the thread ran, and its stack is read at the next
   tick. The sample says so better than the thread's schedstat, which the kernel updates for a running
   thread only at its scheduler ticks (every 14 ms on average on this VM), so that a thread that ran
   all along looked idle. */
void pysampler_sampled(struct pysampler *ps, int pid, int tid)
{
	struct py_process *p = py_find(ps, pid);
	struct py_thread *t;
	if (p && p->state == PY_READING && (t = py_thread(p, tid, true)) != NULL)
		t->sampled = true;
}

/* Task tid of process pid exited. */
void pysampler_exit(struct pysampler *ps, int pid, int tid)
{
	struct py_process *p = py_find(ps, pid);
	struct py_thread *t;
	if (!p || p->state == PY_DONE)
		return;
	if (pid == tid) {
		py_gone(ps, p);
		return;
	}
	if ((t = py_thread(p, tid, false)) != NULL)
		t->gone = true;
}

/* Whether the process's executable or a library it maps is named like CPython's. */
static bool py_looks_python(struct pysampler *ps, struct py_process *p, bool *not_yet)
{
	char path[64], exe[PATH_MAX], *maps, *line;
	const char *base;
	ssize_t n;
	bool found = false;

	*not_yet = false;
	snprintf(path, sizeof path, "/proc/%d/exe", p->pid);
	n = readlink(path, exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (strcmp(exe, ps->self_exe) == 0) {
		*not_yet = true; /* still corked: the exec has not happened */
		return false;
	}
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strstr(base, "python"))
		return true;
	snprintf(path, sizeof path, "/proc/%d/maps", p->pid);
	if (!(maps = py_proc_read(path)))
		return false;
	for (line = maps; line && !found; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *slash = NULL, *c;
		for (c = line; *c && *c != '\n'; c++)
			if (*c == '/')
				slash = c;
		if (slash && strncmp(slash + 1, "libpython", 9) == 0)
			found = true;
	}
	free(maps);
	return found;
}

/* The files whose code is the interpreter's: the executable, and libpython if it maps one. */
static void py_interp(struct pysampler *ps, struct py_process *p)
{
	char path[64], buf[PATH_MAX], *maps, *line;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/exe", p->pid);
	n = readlink(path, buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		p->ip.interp[0] = strtab_intern(ps->prof->strs, buf);
	}
	snprintf(path, sizeof path, "/proc/%d/maps", p->pid);
	if (!(maps = py_proc_read(path)))
		return;
	for (line = maps; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *slash = strchr(line, '/'), *end = strchr(line, '\n'), *base;
		if (!slash || (end && slash > end))
			continue;
		if (end)
			*end = '\0';
		base = strrchr(slash, '/');
		if (strncmp(base + 1, "libpython", 9) == 0) {
			p->ip.interp[1] = strtab_intern(ps->prof->strs, slash);
			break;
		}
		if (end)
			*end = '\n';
	}
	free(maps);
}

static void py_threads_scan(struct py_process *p)
{
	char path[64];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/task", p->pid);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			py_thread(p, atoi(e->d_name), true);
	closedir(d);
}

/* The process's comm, read once. */
static const char *py_comm(struct py_process *p)
{
	char path[64];
	FILE *f;

	if (!p->comm[0]) {
		snprintf(path, sizeof path, "/proc/%d/comm", p->pid);
		if ((f = fopen(path, "re")) != NULL) {
			if (fgets(p->comm, sizeof p->comm, f))
				p->comm[strcspn(p->comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return p->comm;
}

static size_t py_note(struct pysampler *ps, struct py_process *p)
{
	struct profile *prof = ps->prof;
	size_t i;

	if (p->pyidx != SIZE_MAX)
		return p->pyidx;
	/* a process looked at as its parent's fork, then again after its exec, is one process */
	for (i = prof->npys; i-- > 0;)
		if (prof->pys[i].pid == p->pid) {
			prof->pys[i].why = NULL;
			return p->pyidx = i;
		}
	if (prof->npys == prof->cappys) {
		prof->cappys = prof->cappys ? prof->cappys * 2 : 8;
		prof->pys = xrealloc(prof->pys, prof->cappys * sizeof *prof->pys);
	}
	prof->pys[prof->npys] = (struct prof_python){ p->pid, strtab_intern(prof->strs, py_comm(p)), 0, NULL, NULL, 0 };
	return p->pyidx = prof->npys++;
}

/* A process not yet known to be CPython or not: look at it, and open it for reading when it is. */
static void py_try(struct pysampler *ps, struct py_process *p, uint64_t now)
{
	struct profile *prof = ps->prof;
	bool not_yet, final;
	unsigned v;
	size_t k;
	char why[sizeof p->why];

	if (!p->python) {
		if (!py_looks_python(ps, p, &not_yet)) {
			if (not_yet && now < p->window_end) {
				p->next_try = now + PY_FIRST_LOOK_NS;
				return;
			}
			p->state = PY_DONE;
			return;
		}
		p->python = true;
	}
	p->tries++;
	p->pp = pyproc_open(p->pid, why, sizeof why, &final);
	if (!p->pp) {
		if (why[0]) {
			snprintf(p->why, sizeof p->why, "%s", why);
			py_comm(p); /* now: an exec may replace the image this reason is about */
		}
		if (!p->why[0]) {
			p->state = PY_DONE; /* named like Python, but not CPython */
			return;
		}
		/* a layout ptime does not know stays unknown; the rest may be a process half set up */
		if (!final && now < p->window_end && kill(p->pid, 0) == 0) {
			/* the interpreter may not be set up yet: look again, less and less often */
			p->next_try = now + (PY_FIRST_LOOK_NS << (p->tries < 3 ? p->tries : 3));
			return;
		}
		if (kill(p->pid, 0) == 0 || p->tries > 1) {
			k = py_note(ps, p); /* first: it may move prof->pys */
			prof->pys[k].why = strtab_intern(prof->strs, p->why);
		}
		p->state = PY_DONE;
		return;
	}
	v = pyproc_version(p->pp);
	snprintf(p->dso, sizeof p->dso, "python%u.%u", v >> 24, (v >> 16) & 0xff);
	k = py_note(ps, p);
	prof->pys[k].version = v;
	py_interp(ps, p);
	{
		bool lib;
		p->ip.neval = pyproc_eval(p->pp, p->ip.eval, &lib);
		p->ip.eval_path = p->ip.interp[lib ? 1 : 0];
	}
	py_thread(p, p->pid, true);
	py_threads_scan(p);
	p->state = PY_READING;
}

static uint64_t py_hash(const uint32_t *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ v[i]) * 0x100000001b3ULL;
	return h;
}

/* In an interned stack, on a location: its frame was the outermost of one call of the eval loop. */
#define PY_NOLOC UINT32_MAX /* py_loc: the code object could not be read */

/* The stack v[0..n) interned: its offset in ps->sv. */
static uint32_t py_intern(struct pysampler *ps, const uint32_t *v, size_t n)
{
	uint64_t h;
	size_t j;

	if ((ps->nstacks + 1) * 2 > ps->capsidx) {
		size_t cap = ps->capsidx ? ps->capsidx * 2 : 1024, i;
		uint32_t *idx = xcalloc(cap, sizeof *idx);
		for (i = 0; i < ps->capsidx; i++)
			if (ps->sidx[i]) {
				uint32_t off = ps->sidx[i] - 1;
				for (j = py_hash(&ps->sv[off + 1], ps->sv[off]) & (cap - 1); idx[j]; j = (j + 1) & (cap - 1))
					;
				idx[j] = ps->sidx[i];
			}
		free(ps->sidx);
		ps->sidx = idx;
		ps->capsidx = cap;
	}
	h = py_hash(v, n);
	for (j = h & (ps->capsidx - 1); ps->sidx[j]; j = (j + 1) & (ps->capsidx - 1)) {
		uint32_t off = ps->sidx[j] - 1;
		if (ps->sv[off] == n && memcmp(&ps->sv[off + 1], v, n * sizeof *v) == 0)
			return off;
	}
	while (ps->nsv + n + 1 > ps->capsv) {
		ps->capsv = ps->capsv ? ps->capsv * 2 : 4096;
		ps->sv = xrealloc(ps->sv, ps->capsv * sizeof *ps->sv);
	}
	ps->sv[ps->nsv] = (uint32_t)n;
	memcpy(&ps->sv[ps->nsv + 1], v, n * sizeof *v);
	ps->sidx[j] = (uint32_t)ps->nsv + 1;
	ps->nstacks++;
	ps->nsv += n + 1;
	return ps->sidx[j] - 1;
}

/* The profile's location of (code, line) in process p: named once per code object and line. The key
   is the object's identity, not its address: an address freed (a module's code after its import)
   and taken by another code object must not keep the first one's name and file. */
#define PY_MAX_LOCS (1u << 18) /* (object, line) pairs remembered; past it they are named again */
static uint32_t py_loc(struct pysampler *ps, struct py_process *p, const struct pyframe *f)
{
	size_t j;
	const struct pycode *c;
	uint64_t h;

	if (p->ncodes >= PY_MAX_LOCS) {
		memset(p->codes, 0, p->capcodes * sizeof *p->codes);
		p->ncodes = 0;
	}
	if ((p->ncodes + 1) * 2 > p->capcodes) {
		size_t cap = p->capcodes ? p->capcodes * 2 : 256, i;
		struct py_code *t = xcalloc(cap, sizeof *t);
		for (i = 0; i < p->capcodes; i++)
			if (p->codes[i].loc) {
				h = (p->codes[i].id ^ (uint64_t)(unsigned)p->codes[i].line * 0x9e3779b97f4a7c15ULL) *
				    0xff51afd7ed558ccdULL;
				for (j = (h >> 20) & (cap - 1); t[j].loc; j = (j + 1) & (cap - 1))
					;
				t[j] = p->codes[i];
			}
		free(p->codes);
		p->codes = t;
		p->capcodes = cap;
	}
	h = (f->id ^ (uint64_t)(unsigned)f->line * 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;
	for (j = (h >> 20) & (p->capcodes - 1); p->codes[j].loc; j = (j + 1) & (p->capcodes - 1))
		if (p->codes[j].id == f->id && p->codes[j].line == f->line)
			return p->codes[j].loc - 1;
	c = pyproc_code(p->pp, f->code);
	if (!c || !c->name || !c->file)
		return PY_NOLOC; /* freed or being changed while it was read: the read is torn, not a frame */
	p->codes[j].id = f->id;
	p->codes[j].line = f->line;
	p->codes[j].loc = 1 + (uint32_t)profile_python_loc(ps->prof, p->dso, c->name, c->file, c->firstline, f->line);
	p->ncodes++;
	return p->codes[j].loc - 1;
}

static void py_push(struct py_thread *t, uint64_t now, uint32_t stack)
{
	t->h[t->head] = (struct py_read){ now, stack };
	t->head = (t->head + 1) % PY_HIST;
	if (t->nh < PY_HIST)
		t->nh++;
}

/* Read the stack of every thread that ran since its last read. */
static void py_read_threads(struct pysampler *ps, struct py_process *p, uint64_t now)
{
	struct pyframe fr[PY_MAX_FRAMES];
	uint32_t locs[PY_MAX_FRAMES];
	size_t i, k, n;

	for (i = 0; i < p->nth && p->state == PY_READING; i++) {
		struct py_thread *t = &p->th[i];
		bool torn = false;
		if (t->gone || (t->read_once && !t->sampled))
			continue; /* it has not run, or has no sample to join: its stack is what it was */
		n = pyproc_stack(p->pp, t->tid, fr, PY_MAX_FRAMES, &torn);
		ps->prof->py_reads++;
		if (pyproc_denied(p->pp)) {
			/* prctl(PR_SET_DUMPABLE, 0), or a change of user: no read from now on, and the report says so */
			p->refused = now;
			ps->prof->pys[p->pyidx].stopped = strtab_intern(ps->prof->strs,
				"its reads were refused while it ran (it made itself undumpable, or changed its user): "
				"its later samples have C frames only");
			py_close(p);
			return;
		}
		if (torn) {
			ps->prof->py_torn++;
			continue; /* read again at the next tick */
		}
		for (k = 0; k < n; k++) {
			uint32_t l = py_loc(ps, p, &fr[k]);
			if (l == PY_NOLOC)
				break;
			locs[k] = l | (fr[k].entry ? PY_ENTRY : 0);
		}
		if (k < n) {
			ps->prof->py_torn++;
			continue;
		}
		t->sampled = false;
		t->read_once = true;
		py_push(t, now, n ? py_intern(ps, locs, n) : PY_NOSTACK);
	}
}

/* Orphans that ptime, their subreaper, inherited and that have exited: reaped, the command is not. */
static void py_reap(struct pysampler *ps)
{
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0 || si.si_pid == ps->main_pid)
			return;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

/* A tick of the timer, or a drain of the rings: read what is due. */
void pysampler_tick(struct pysampler *ps)
{
	uint64_t now = py_now(), expired;
	size_t i, keep = 0;
	bool busy = false;

	if (read(ps->tfd, &expired, sizeof expired) < 0 && now - ps->last_tick < ps->tick_ns)
		return;
	ps->last_tick = now;
	for (i = 0; i < ps->nps; i++) {
		struct py_process *p = &ps->ps[i];
		if (p->state == PY_PENDING && now >= p->next_try)
			py_try(ps, p, now);
		if (p->state == PY_READING)
			py_read_threads(ps, p, now);
		busy |= p->state != PY_DONE;
		/* a process that never ran Python is forgotten: the builds of big projects run thousands */
		if (p->state == PY_DONE && p->pyidx == SIZE_MAX) {
			free(p->th);
			free(p->codes);
			continue;
		}
		if (keep != i)
			ps->ps[keep] = *p;
		keep++;
	}
	ps->nps = keep;
	py_arm(ps, busy);
	if (now - ps->last_reap > 50000000ull) {
		ps->last_reap = now;
		py_reap(ps);
	}
}

/* The time up to which samples may be joined with reads: that of the last round of reads while a
   process is read (a sample later than it has no read after it yet: on a loaded machine the next one
   comes late, and joining it now would leave it without a read), else any time. */
uint64_t pysampler_horizon(const struct pysampler *ps)
{
	size_t i;
	for (i = 0; i < ps->nps; i++)
		if (ps->ps[i].state == PY_READING)
			return ps->last_tick;
	return UINT64_MAX;
}

static bool py_in_interp(const struct py_interp *p, const char *path)
{
	return path && (path == p->interp[0] || path == p->interp[1]);
}

/* Whether frame f is in the interpreter's eval loop. */
static bool py_in_eval(const struct py_interp *p, const struct frame *f, const char *path)
{
	size_t i;
	if (!path || path != p->eval_path)
		return false;
	for (i = 0; i < p->neval; i++)
		if (f->addr >= p->eval[i].off && f->addr - p->eval[i].off < p->eval[i].size)
			return true;
	return false;
}

/* A call-graph sample's native frames f[0..n) with the Python stack interleaved, as py-spy --native
   does: each frame of the eval loop is replaced by the Python frames that call of it ran (those up to an
   entry mark), the interpreter's other frames are left out, and other code (an extension's, libc's) stays
   where it was called; what is below the outermost call (the interpreter's start, a thread's) goes.
   The native stack is the sample's own, the Python stack the read nearest to it in time: where the read
   holds more calls than the native stack has eval frames, its innermost had returned by the sample (or
   had not begun), and only its outer calls are used. Returns 0, f unchanged, where the native stack has
   no eval frame, or more than the read has calls. */
size_t py_interleave(const struct py_interp *p, const struct symbols *syms, struct frame *f, size_t n,
		     const uint32_t *stack, size_t max)
{
	struct frame out[PROFILE_MAX_FRAMES];
	size_t i, k, o, skip, calls = 0, evals = 0;
	const char *path;

	if (!p->neval || !stack[0] || !(stack[stack[0]] & PY_ENTRY))
		return 0; /* no eval loop known, or the stack read was cut before its outermost call */
	for (k = 0; k < stack[0]; k++)
		calls += (stack[1 + k] & PY_ENTRY) != 0;
	for (i = 0; i < n; i++)
		evals += py_in_eval(p, &f[i], f[i].dso >= 0 ? symbols_dso_path(syms, f[i].dso) : NULL);
	if (!evals || evals > calls)
		return 0;
	for (k = 0, skip = calls - evals; skip > 0; k++)
		if (stack[1 + k] & PY_ENTRY)
			skip--;
	if (max > PROFILE_MAX_FRAMES)
		max = PROFILE_MAX_FRAMES;
	for (i = 0, o = 0; i < n && k < stack[0] && o < max; i++) {
		path = f[i].dso >= 0 ? symbols_dso_path(syms, f[i].dso) : NULL;
		if (py_in_eval(p, &f[i], path)) {
			do {
				out[o].dso = PROFILE_DSO_PYTHON;
				out[o++].addr = stack[1 + k] & ~PY_ENTRY;
			} while (!(stack[1 + k++] & PY_ENTRY) && o < max);
		} else if (!py_in_interp(p, path)) {
			out[o++] = f[i];
		}
	}
	memcpy(f, out, o * sizeof *f);
	return o;
}

/* The frames of a sample of thread tid of process pid at time t (CLOCK_MONOTONIC): the native
   frames f[0..n), leaf first, down to the interpreter's own code, then the thread's Python stack
   read nearest to t. Returns the number of frames in f, which has room for max. */
size_t pysampler_join(struct pysampler *ps, int pid, int tid, uint64_t t, struct frame *f, size_t n, size_t max)
{
	struct py_process *p = NULL;
	struct py_thread *th;
	const struct py_read *best = NULL, *before = NULL, *after = NULL;
	uint64_t bd = UINT64_MAX;
	size_t i, k;
	bool inter;
	const uint32_t *stack;

	/* the image that ran at t; none when the one after an exec was not CPython and is forgotten */
	for (i = ps->nps; i-- > 0;)
		if (ps->ps[i].pid == pid && (!ps->ps[i].until || t < ps->ps[i].until) && (ps->ps[i].since <= t || !p)) {
			p = &ps->ps[i];
			if (p->since <= t)
				break;
		}
	if (!p || p->pyidx == SIZE_MAX || ps->prof->pys[p->pyidx].why)
		return n;
	if (p->refused && t >= p->refused) {
		ps->prof->py_unmatched++;
		return n;
	}
	th = py_thread(p, tid, false);
	for (i = 0; th && i < th->nh; i++) {
		const struct py_read *r = &th->h[i];
		uint64_t d = r->t > t ? r->t - t : t - r->t;
		if (d < bd) {
			bd = d;
			best = r;
		}
		if (r->t <= t && (!before || r->t > before->t))
			before = r;
		if (r->t >= t && (!after || r->t < after->t))
			after = r;
	}
	/* Reads on both sides with one stack: the thread ran that stack in between, however late ptime
	   read it (a loaded machine delays the ticks); else the nearest read, if it is near. */
	if (before && after && before->stack == after->stack)
		best = before;
	else if (!best || bd > PY_NEAR_TICKS * ps->tick_ns) {
		ps->prof->py_unmatched++;
		return n;
	}
	if (best->stack == PY_NOSTACK)
		return n; /* starting up, shutting down, or in a thread that runs no Python code */
	ps->prof->py_samples++;
	ps->prof->pys[p->pyidx].samples++;
	stack = &ps->sv[best->stack];
	k = py_join(&p->ip, ps->prof->syms, f, n, stack, max, &inter);
	ps->prof->py_interleaved += inter;
	return k;
}

/* Native frames f[0..n) and a Python stack as one: interleaved where the eval loop's calls match
   (*interleaved then set), else the native frames down to the interpreter's own (all of them when ip is
   NULL: no interpreter file is known), then the Python frames. Returns the count in f (room for max). */
size_t py_join(const struct py_interp *ip, const struct symbols *syms, struct frame *f, size_t n,
	       const uint32_t *stack, size_t max, bool *interleaved)
{
	size_t k, nat;

	*interleaved = false;
	if (ip && n > 1 && (k = py_interleave(ip, syms, f, n, stack, max)) > 0) {
		*interleaved = true;
		return k;
	}
	for (nat = 0; ip && nat < n; nat++)
		if (f[nat].dso >= 0 && py_in_interp(ip, symbols_dso_path(syms, f[nat].dso)))
			break;
	if (!ip)
		nat = n;
	for (k = 0; k < stack[0] && nat + k < max; k++) {
		f[nat + k].dso = PROFILE_DSO_PYTHON;
		f[nat + k].addr = stack[1 + k] & ~PY_ENTRY;
	}
	return nat + k;
}

/* The command has exited: no more reads, orphans reaped. */
void pysampler_finish(struct pysampler *ps)
{
	size_t i;
	for (i = 0; i < ps->nps; i++)
		if (ps->ps[i].state != PY_DONE)
			py_gone(ps, &ps->ps[i]);
	py_reap(ps);
}

void pysampler_free(struct pysampler *ps)
{
	size_t i;
	if (!ps)
		return;
	for (i = 0; i < ps->nps; i++) {
		if (ps->ps[i].state != PY_DONE)
			py_close(&ps->ps[i]);
		free(ps->ps[i].th);
		free(ps->ps[i].codes);
	}
	if (ps->tfd >= 0)
		close(ps->tfd);
	free(ps->ps);
	free(ps->sv);
	free(ps->sidx);
	free(ps);
}
