/* probe/alloc.c: --memory: preload libptime-alloc.so into the command's tree, drain the ring file of
   every process image it starts on a timer, and count each sampled allocation into the memory profile
   (allocated, allocations, held at the heap's peak, leaked, temporary) with the heap and RSS over time. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"
#include "inject/alloc-record.h"

#ifndef PKGLIBDIR /* Makefile.am says where the library is installed; the fuzzers' build does not */
#define PKGLIBDIR "/usr/local/lib/ptime"
#endif

#define ALLOC_MAX_FILES 65536u   /* process images read; past it, the rest are counted as not read */
#define ALLOC_MAX_OPEN 512u      /* rings open at once (a descriptor and a mapping each) */
#define ALLOC_MAX_MAPPED (2ull << 30) /* bytes of rings mapped at once */
#define ALLOC_MAX_POINTS 4096u   /* timeline points kept: past it, every other one goes and the step doubles */


/* One ring file: one image of one process. */
struct afile {
	char name[32];
	struct alloc_file *f;
	int pid, ppid, proc;          /* proc: index in mem->procs */
	unsigned image;
	bool superseded;              /* a newer image of the pid exists: its maps are not this one's */
	uint64_t maps_read;           /* the drain round its maps were last read in */
	uint64_t last_id;             /* the last allocation it reported: a free of it is temporary */
	double live;                  /* sampled bytes live */
	unsigned generation;          /* of the mappings it listed */
	bool listed;                  /* it lists its mappings: /proc/PID/maps is not read */
	bool ended;                   /* its blocks left the heap: it exited, or exec'd a new image */
	bool end_queued;              /* found gone: its end is an event of the next round */
	uint64_t alive_ns, last_ns;   /* when /proc last showed it alive; its last record */
	uint64_t map_bytes;           /* what its ring maps */
	const char *comm;
	struct acode *codes;          /* the CPython code objects it described: open addressing by address */
	size_t ncodes, capcodes;
	char pydso[24];               /* "python3.12", once it described one */
	int interp;                   /* index in the probe's interpreters, -1 until its first Python stack */
};

/* A code object a process described (ALLOC_REC_PYCODE); strings interned. */
struct acode {
	uint64_t code;                /* 0: empty slot */
	const char *name, *file;
	int firstline;
};

/* The files of one CPython's own code, as the native frames of a Python stack show them. */
struct ainterp {
	struct py_interp ip;
};

/* A sampled block, live. */
struct alive {
	uint64_t id;                  /* 0: empty slot */
	uint32_t file;
	uint32_t stack;
	double bytes, count;
};

/* An event of a drain round, held to be applied in time order across processes. */
struct aev {
	uint64_t t;
	uint32_t file, stack;         /* stack: UINT32_MAX for a free */
	bool is_free, is_end;         /* is_end: the process ended, and what it held left the heap */
	uint64_t id;
	double bytes, count;
};

struct alloc_probe {
	struct memory *mem;
	struct profile *prof;
	char dir[PATH_MAX];
	int tfd;
	uint64_t start_ns, round;
	unsigned interval_ms, step;   /* the timeline keeps one point every step ticks */
	uint64_t ticks;
	struct afile *files;
	size_t nfiles, capfiles;
	struct procmaps *pm;
	struct aev *ev;
	size_t nev, capev;
	struct alive *live;           /* open addressing on (file, id) */
	size_t caplive, nlive;
	/* per raw stack: live bytes now, at the last snapshot of the peak, and the snapshot it was last changed in */
	double *slive, *speak, *sleak;
	uint32_t *sepoch;
	size_t capstack;
	uint32_t snap;                /* snapshots of the peak taken */
	bool peak_pending;            /* the heap reached a new peak since the last snapshot */
	double heap;
	uint64_t cur_file;            /* while reading: the file being read */
	size_t nopen;                 /* rings open now ... */
	uint64_t mapped;              /* ... and the bytes they map */
	struct ainterp *interps;
	size_t ninterps, capinterps;
	char saved_preload[8192];
	bool had_preload, set_pymalloc;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The preload library: beside the program in the build tree (src/inject/), else where it is installed. */
static bool alloc_lib(char *out, size_t len, char *why, size_t whylen)
{
	char self[PATH_MAX], *slash;
	ssize_t n;
	const char *env = getenv("PTIME_ALLOC_LIB");

	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		out[0] = '\0';
		if (n > 0) {
			self[n] = '\0';
			slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0';
				if ((size_t)snprintf(out, len, "%s/inject/libptime-alloc.so", self) >= len ||
				    access(out, R_OK) != 0)
					out[0] = '\0';
			}
		}
		if (!out[0])
			snprintf(out, len, "%s/libptime-alloc.so", PKGLIBDIR);
	}
	if (access(out, R_OK) != 0) {
		snprintf(why, whylen, "cannot read the allocation sampler %.160s: %s", out, strerror(errno));
		return false;
	}
	if (strchr(out, ' ') || strchr(out, ':')) {
		snprintf(why, whylen, "the allocation sampler's path %.160s has a space or a colon, which LD_PRELOAD cannot hold",
			 out);
		return false;
	}
	return true;
}

/* Before the fork: the directory the rings go to, and the environment that loads the library into
   every process of the command (after what the user preloads already). Returns NULL, with mem->why
   set, when --memory cannot be had; the command runs all the same. */
struct alloc_probe *alloc_prepare(const struct opts *o, struct memory *mem)
{
	struct alloc_probe *a;
	char lib[PATH_MAX], buf[PATH_MAX + 8192 + 2], num[32];
	const char *tmp = getenv("TMPDIR"), *old = getenv("LD_PRELOAD"), *base[2];
	int i;

	mem->rate = o->memory_rate;
	mem->stack_fp = o->call_graph == 1 && o->call_graph_named;
	mem->interval_ms = o->memory_interval_ms;
	if (!alloc_lib(lib, sizeof lib, mem->why, sizeof mem->why))
		return NULL;
	if (old && strlen(old) >= sizeof a->saved_preload) {
		snprintf(mem->why, sizeof mem->why, "LD_PRELOAD is longer than the %zu bytes ptime keeps of it",
			 sizeof a->saved_preload - 1);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->mem = mem;
	a->tfd = -1;
	/* The rings are shared memory: on tmpfs they are never written back to a disk (which would cost the
	   command the writeback and show in its I/O). Else where temporary files go. */
	base[0] = "/dev/shm";
	base[1] = tmp && *tmp == '/' ? tmp : "/tmp";
	for (i = 0; i < 2; i++) {
		snprintf(a->dir, sizeof a->dir, "%.3000s/ptime-mem.XXXXXX", base[i]); /* mkdtemp's template */
		if (mkdtemp(a->dir))
			break;
	}
	if (i == 2) {
		snprintf(mem->why, sizeof mem->why, "cannot make a directory for the allocation records in %.100s: %s",
			 base[1], strerror(errno));
		free(a);
		return NULL;
	}
	a->had_preload = old != NULL;
	if (old)
		snprintf(a->saved_preload, sizeof a->saved_preload, "%s", old);
	if (old && *old)
		snprintf(buf, sizeof buf, "%s %s", old, lib);
	else
		snprintf(buf, sizeof buf, "%s", lib);
	setenv("LD_PRELOAD", buf, 1);
	setenv("PTIME_ALLOC_DIR", a->dir, 1);
	snprintf(num, sizeof num, "%llu", (unsigned long long)mem->rate);
	setenv("PTIME_ALLOC_RATE", num, 1);
	setenv("PTIME_ALLOC_STACK", mem->stack_fp ? "fp" : "unwind", 1);
	/* CPython's own allocator serves small objects from arenas it maps itself: with malloc, every
	   object is an allocation the sampler sees. The user's own choice stands. */
	if (!getenv("PYTHONMALLOC")) {
		setenv("PYTHONMALLOC", "malloc", 1);
		a->set_pymalloc = true;
		mem->python_malloc = true;
	}
	a->mem->prof = a->prof = profile_new(o->inline_caller);
	a->prof->alloc_sites = true;
	a->prof->call_graph = true; /* whole stacks: inclusive costs mean something */
	a->prof->names = o->names;
	a->pm = procmaps_new();
	return a;
}

/* After the fork: ptime's own environment as it was (the child has its copy). */
void alloc_restore_env(struct alloc_probe *a)
{
	if (a->had_preload)
		setenv("LD_PRELOAD", a->saved_preload, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("PTIME_ALLOC_DIR");
	unsetenv("PTIME_ALLOC_RATE");
	unsetenv("PTIME_ALLOC_STACK");
	if (a->set_pymalloc)
		unsetenv("PYTHONMALLOC");
}

/* The corked child exists: start the timer the rings are drained on. */
void alloc_attach(struct alloc_probe *a)
{
	struct itimerspec its;
	unsigned ms = a->mem->interval_ms ? a->mem->interval_ms : 20;

	a->start_ns = now_ns();
	a->step = 1;
	a->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->tfd >= 0) {
		memset(&its, 0, sizeof its);
		its.it_interval.tv_sec = its.it_value.tv_sec = ms / 1000;
		its.it_interval.tv_nsec = its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
		timerfd_settime(a->tfd, 0, &its, NULL);
	}
}

/* The descriptor to poll: the timer. */
size_t alloc_pollfds(void *st, struct pollfd *out, size_t max)
{
	struct alloc_probe *a = st;
	if (a->tfd < 0 || max == 0)
		return 0;
	out[0].fd = a->tfd;
	out[0].events = POLLIN;
	return 1;
}

/* The executable mappings of file i's process, read again from /proc: a stack met an address that the
   ones read before do not hold (a library loaded since). */
static void alloc_read_maps(struct alloc_probe *a, size_t i)
{
	struct afile *af = &a->files[i];
	char path[64], line[PATH_MAX + 128];
	FILE *fp;
	int fd;
	struct stat st;

	if (af->maps_read == a->round || af->superseded || af->listed)
		return;
	af->maps_read = a->round;
	snprintf(path, sizeof path, "/proc/%d/maps", af->pid);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(fp = fdopen(fd, "r"))) {
		close(fd);
		return;
	}
	procmaps_exit(a->pm, (int)i + 1);
	while (fgets(line, sizeof line, fp)) {
		unsigned long long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int pos = 0;
		struct pm_map m;
		char *name, *nl;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &lo, &hi, perms, &off, &maj, &min, &ino, &pos) < 7 ||
		    perms[2] != 'x')
			continue;
		name = line + pos;
		if ((nl = strchr(name, '\n')))
			*nl = '\0';
		if (!*name)
			continue;
		m.start = lo;
		m.end = hi;
		m.pgoff = off;
		m.dev = makedev(maj, min);
		m.ino = ino;
		m.path = strtab_intern(a->prof->strs, name);
		m.dso = symbols_dso(a->prof->syms, name, af->pid, (dev_t)m.dev, m.ino);
		procmaps_map(a->pm, (int)i + 1, &m);
	}
	fclose(fp);
}

static size_t alloc_frames(struct alloc_probe *a, size_t i, const uint64_t *ips, size_t nips, struct frame *out)
{
	struct afile *af = &a->files[i];
	size_t k, n = 0;

	for (k = 0; k < nips && n < PROFILE_MAX_FRAMES; k++) {
		uint64_t ip = ips[k] ? ips[k] - 1 : 0; /* return addresses: the call is the byte before */
		const struct pm_map *m = procmaps_find(a->pm, (int)i + 1, ip);
		if (!m) {
			alloc_read_maps(a, i);
			m = procmaps_find(a->pm, (int)i + 1, ip);
		}
		if (m) {
			out[n].dso = m->dso;
			out[n].addr = symbols_absolute(a->prof->syms, m->dso) ? ip : ip - m->start + m->pgoff;
		} else {
			out[n].dso = symbols_jit_dso(a->prof->syms, af->pid);
			out[n].addr = ip;
			a->mem->unmapped_frames++;
		}
		n++;
	}
	if (n == 0) { /* no stack at all: one frame that says so, so that the bytes still count */
		out[0].dso = symbols_jit_dso(a->prof->syms, af->pid);
		out[0].addr = 0;
		n = 1;
	}
	return n;
}

static void alloc_on_proc(void *ctx, const struct alloc_proc_info *p)
{
	struct alloc_probe *a = ctx;
	struct afile *af = &a->files[a->cur_file];
	const char *base = p->exe ? strrchr(p->exe, '/') : NULL;
	struct mem_proc *mp;
	size_t j;

	af->pid = p->pid;
	af->ppid = p->ppid;
	af->image = p->image;
	af->comm = strtab_intern(a->prof->strs, base ? base + 1 : p->exe ? p->exe : "?");
	for (j = 0; j < a->nfiles; j++)
		if (j != a->cur_file && a->files[j].pid == p->pid && a->files[j].image < p->image)
			a->files[j].superseded = true;
	GROW_ARRAY(a->mem->procs, a->mem->nprocs, a->mem->capprocs);
	mp = &a->mem->procs[a->mem->nprocs];
	memset(mp, 0, sizeof *mp);
	mp->pid = p->pid;
	mp->ppid = p->ppid;
	mp->image = p->image;
	mp->exe = strtab_intern(a->prof->strs, p->exe ? p->exe : "?");
	mp->start_ns = p->start_ns > a->start_ns ? (int64_t)(p->start_ns - a->start_ns) : 0;
	af->proc = (int)a->mem->nprocs++;
}

static void alloc_push(struct alloc_probe *a, const struct aev *e)
{
	if (e->t > a->files[e->file].last_ns)
		a->files[e->file].last_ns = e->t;
	GROW_ARRAY(a->ev, a->nev, a->capev);
	a->ev[a->nev++] = *e;
}

/* The code object at code of process image af, or NULL. */
static struct acode *acode_slot(struct afile *af, uint64_t code)
{
	size_t i;

	if (!af->capcodes)
		return NULL;
	for (i = (size_t)((code >> 4) * 0x9e3779b97f4a7c15ULL) & (af->capcodes - 1); af->codes[i].code;
	     i = (i + 1) & (af->capcodes - 1))
		if (af->codes[i].code == code)
			return &af->codes[i];
	return &af->codes[i];
}

static void alloc_on_pycode(void *ctx, const struct alloc_pycode_info *ci)
{
	struct alloc_probe *a = ctx;
	struct afile *af = &a->files[a->cur_file];
	struct acode *c;
	size_t i;

	if (!ci->code)
		return;
	if ((af->ncodes + 1) * 2 > af->capcodes) {
		struct acode *old = af->codes;
		size_t oldcap = af->capcodes;
		af->capcodes = oldcap ? oldcap * 2 : 256;
		af->codes = xcalloc(af->capcodes, sizeof *af->codes);
		for (i = 0; i < oldcap; i++)
			if (old[i].code)
				*acode_slot(af, old[i].code) = old[i];
		free(old);
	}
	c = acode_slot(af, ci->code);
	if (!c->code)
		af->ncodes++;
	c->code = ci->code;
	c->name = strtab_intern(a->prof->strs, ci->name[0] ? ci->name : "<unknown>");
	c->file = strtab_intern(a->prof->strs, ci->file[0] ? ci->file : "<unknown>");
	c->firstline = ci->firstline;
	snprintf(af->pydso, sizeof af->pydso, "python%u.%u", ci->version >> 24, (ci->version >> 16) & 0xff);
}

/* Whether path names a file of CPython's own code: python3.X or libpython3.X. */
static int alloc_interp_kind(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	if (!base)
		return -1;
	if (strncmp(base, "libpython", 9) == 0)
		return 1;
	return strncmp(base, "python", 6) == 0 ? 0 : -1;
}

/* Where the interpreter of image af keeps its code, from the native frames of its first Python stack: the
   files, and its eval loop's symbols in the one that has it (read once for every process that runs it). */
static int alloc_interp(struct alloc_probe *a, struct afile *af, const struct frame *f, size_t n)
{
	struct py_interp ip;
	struct pyelf_sym s[2] = { { "_PyEval_EvalFrameDefault", 0, 0, 0 }, { "_PyEval_EvalFrameDefault.cold", 0, 0, 0 } };
	char why[256];
	size_t i, k;

	if (af->interp >= 0)
		return af->interp;
	memset(&ip, 0, sizeof ip);
	for (i = 0; i < n; i++) {
		const char *path = f[i].dso >= 0 ? symbols_dso_path(a->prof->syms, f[i].dso) : NULL;
		int kind = alloc_interp_kind(path);
		if (kind >= 0 && !ip.interp[kind])
			ip.interp[kind] = path;
	}
	ip.eval_path = ip.interp[1] ? ip.interp[1] : ip.interp[0];
	if (!ip.eval_path)
		return -1; /* no frame of the interpreter: look again at the next stack */
	for (k = 0; k < a->ninterps; k++)
		if (a->interps[k].ip.eval_path == ip.eval_path && a->interps[k].ip.interp[0] == ip.interp[0])
			return af->interp = (int)k;
	if (pyelf_symbols(ip.eval_path, 0, 0, s, 2, why, sizeof why) > 0)
		for (k = 0; k < 2 && s[0].size; k++)
			if (s[k].off && s[k].size)
				ip.eval[ip.neval++] = (struct pyrange){ s[k].off, s[k].size };
	GROW_ARRAY(a->interps, a->ninterps, a->capinterps);
	a->interps[a->ninterps].ip = ip;
	return af->interp = (int)a->ninterps++;
}

/* Native frames f[0..n) of a sample of af with its Python frames: interleaved where the eval loop's calls
   match them, else the native frames down to the interpreter's, then the Python stack. */
static size_t alloc_python(struct alloc_probe *a, struct afile *af, const struct alloc_event *e, struct frame *f, size_t n)
{
	uint32_t stack[1 + ALLOC_PYFRAMES_MAX];
	size_t j, k = 0;
	bool inter;
	const struct py_interp *ip;
	int x;

	for (j = 0; j < e->npy; j++) {
		struct acode *c = acode_slot(af, e->py[j].code);
		if (!c || !c->code) {
			if ((e->py[j].flags & ALLOC_PY_ENTRY) && k)
				stack[k] |= PY_ENTRY;
			continue;
		}
		stack[1 + k++] = (uint32_t)profile_python_loc(a->prof, af->pydso, c->name, c->file, c->firstline,
							     e->py[j].line > 0 ? e->py[j].line : 0) |
				 ((e->py[j].flags & ALLOC_PY_ENTRY) ? PY_ENTRY : 0);
	}
	if (!k)
		return n;
	stack[0] = (uint32_t)k;
	a->mem->python_samples++;
	/* no frame of the interpreter's files (one linked into another program): the Python frames go below */
	ip = (x = alloc_interp(a, af, f, n)) >= 0 ? &a->interps[x].ip : NULL;
	return py_join(ip, a->prof->syms, f, n, stack, PROFILE_MAX_FRAMES, &inter);
}

static void alloc_on_alloc(void *ctx, const struct alloc_event *e)
{
	struct alloc_probe *a = ctx;
	struct afile *af = &a->files[a->cur_file];
	struct frame fr[PROFILE_MAX_FRAMES];
	size_t n = alloc_frames(a, a->cur_file, e->frames, e->nframes, fr), s;
	struct aev v = { e->time_ns, (uint32_t)a->cur_file, 0, false, false, e->id, (double)e->weight_bytes,
			 e->weight_count };

	if (e->npy)
		n = alloc_python(a, af, e, fr, n);
	s = profile_add(a->prof, af->pid, (int)e->tid, af->comm, fr, n);
	if (s == (size_t)-1)
		return; /* no stack to count it on (never: alloc_frames gives at least one frame) */
	v.stack = (uint32_t)s;
	alloc_push(a, &v);
}

static void alloc_on_free(void *ctx, const struct alloc_event *e)
{
	struct alloc_probe *a = ctx;
	struct aev v = { e->time_ns, (uint32_t)a->cur_file, UINT32_MAX, true, false, e->id, 0, 0 };
	alloc_push(a, &v);
}

/* A mapping the process listed itself: the first of a new listing replaces what was known. */
static void alloc_on_map(void *ctx, const struct alloc_map_info *mi)
{
	struct alloc_probe *a = ctx;
	struct afile *af = &a->files[a->cur_file];
	struct pm_map m;

	if (mi->generation != af->generation) {
		procmaps_exit(a->pm, (int)a->cur_file + 1);
		af->generation = mi->generation;
	}
	af->listed = true;
	m.start = mi->start;
	m.end = mi->end;
	m.pgoff = mi->pgoff;
	m.dev = mi->dev;
	m.ino = mi->ino;
	m.path = strtab_intern(a->prof->strs, mi->path);
	m.dso = symbols_dso(a->prof->syms, m.path, af->pid, (dev_t)m.dev, m.ino);
	procmaps_map(a->pm, (int)a->cur_file + 1, &m);
}

static const struct alloc_read_ops alloc_ops = { alloc_on_proc, alloc_on_map, alloc_on_alloc, alloc_on_free,
						 alloc_on_pycode };

static uint64_t alive_hash(uint32_t file, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)file << 40)) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static void alive_grow(struct alloc_probe *a)
{
	size_t cap = a->caplive ? a->caplive * 2 : 4096, i, j;
	struct alive *t = xcalloc(cap, sizeof *t);
	for (i = 0; i < a->caplive; i++)
		if (a->live[i].id) {
			for (j = alive_hash(a->live[i].file, a->live[i].id) & (cap - 1); t[j].id; j = (j + 1) & (cap - 1))
				;
			t[j] = a->live[i];
		}
	free(a->live);
	a->live = t;
	a->caplive = cap;
}

/* Take the block out of the table (backward-shift deletion keeps the probe chains whole). */
static bool alive_take(struct alloc_probe *a, uint32_t file, uint64_t id, struct alive *out)
{
	size_t i, j, k, mask = a->caplive - 1;

	if (!a->caplive)
		return false;
	for (i = alive_hash(file, id) & mask; a->live[i].id; i = (i + 1) & mask)
		if (a->live[i].id == id && a->live[i].file == file)
			break;
	if (!a->live[i].id)
		return false;
	*out = a->live[i];
	a->live[i].id = 0;
	a->nlive--;
	for (j = (i + 1) & mask; a->live[j].id; j = (j + 1) & mask) {
		k = alive_hash(a->live[j].file, a->live[j].id) & mask;
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			a->live[i] = a->live[j];
			a->live[j].id = 0;
			i = j;
		}
	}
	return true;
}

/* The live bytes of stack s change by d: before the first change after a snapshot of the peak, what it
   held is what it held at that snapshot. */
static void alloc_stack_change(struct alloc_probe *a, uint32_t s, double d)
{
	if (s >= a->capstack) {
		size_t cap = a->capstack ? a->capstack : 1024;
		while (cap <= s)
			cap *= 2;
		a->slive = xrecalloc(a->slive, a->capstack, cap, sizeof *a->slive);
		a->speak = xrecalloc(a->speak, a->capstack, cap, sizeof *a->speak);
		a->sepoch = xrecalloc(a->sepoch, a->capstack, cap, sizeof *a->sepoch);
		a->sleak = xrecalloc(a->sleak, a->capstack, cap, sizeof *a->sleak);
		a->capstack = cap;
	}
	if (a->sepoch[s] != a->snap) {
		a->speak[s] = a->slive[s];
		a->sepoch[s] = a->snap;
	}
	a->slive[s] += d;
}

static void alloc_end(struct alloc_probe *a, size_t i);

static void alloc_apply(struct alloc_probe *a, const struct aev *e)
{
	struct memory *m = a->mem;
	struct afile *af = &a->files[e->file];
	struct mem_proc *mp = &m->procs[af->proc];
	int64_t t = e->t > a->start_ns ? (int64_t)(e->t - a->start_ns) : 0;

	if (e->is_end) {
		alloc_end(a, e->file);
		return;
	}
	if (!e->is_free) {
		struct alive *b;
		size_t i;
		if ((a->nlive + 1) * 2 > a->caplive)
			alive_grow(a);
		for (i = alive_hash(e->file, e->id) & (a->caplive - 1); a->live[i].id; i = (i + 1) & (a->caplive - 1))
			;
		b = &a->live[i];
		*b = (struct alive){ e->id, e->file, e->stack, e->bytes, e->count };
		a->nlive++;
		profile_cost_add(a->prof, e->stack, MEM_ALLOCATED, e->bytes);
		profile_cost_add(a->prof, e->stack, MEM_ALLOCATIONS, e->count);
		m->allocated_bytes += e->bytes;
		m->allocations += e->count;
		mp->allocated_bytes += e->bytes;
		mp->allocations += e->count;
		alloc_stack_change(a, e->stack, e->bytes);
		a->heap += e->bytes;
		af->live += e->bytes;
		af->last_id = e->id;
		if (af->live > mp->peak_heap_bytes) {
			mp->peak_heap_bytes = af->live;
			mp->peak_heap_ns = t;
		}
		if (a->heap > m->peak_heap_bytes) {
			m->peak_heap_bytes = a->heap;
			m->peak_heap_ns = t;
			a->peak_pending = true;
		}
	} else {
		struct alive b;
		if (!alive_take(a, e->file, e->id, &b))
			return; /* its allocation was dropped from a full ring, or came before a limit */
		if (a->peak_pending) {
			a->snap++; /* the heap falls from a new peak: what every stack holds now is its peak share */
			a->peak_pending = false;
		}
		if (af->last_id == e->id) { /* freed with no other allocation of its process in between */
			profile_cost_add(a->prof, b.stack, MEM_TEMPORARY, b.count);
			m->temporary += b.count;
		}
		alloc_stack_change(a, b.stack, -b.bytes);
		a->heap -= b.bytes;
		af->live -= b.bytes;
	}
}

/* Read file i's last records, add what its ring lost to the figures, and close it. */
static void alloc_close(struct alloc_probe *a, size_t i)
{
	struct afile *af = &a->files[i];
	struct memory *m = a->mem;
	struct alloc_read_stats rs;

	if (!af->f)
		return;
	alloc_read_stats(af->f, &rs);
	m->dropped += rs.dropped;
	m->dropped_bytes += rs.dropped_bytes;
	m->records += rs.records;
	if (rs.broken) {
		m->files_bad++;
		if (!m->bad_why[0])
			snprintf(m->bad_why, sizeof m->bad_why, "%s", rs.why);
	}
	alloc_read_close(af->f);
	af->f = NULL;
	free(af->codes); /* no more records will name them */
	af->codes = NULL;
	af->ncodes = af->capcodes = 0;
	a->nopen--;
	a->mapped -= af->map_bytes;
}

/* File i's process ended (it exited, or exec'd another image): what it still held leaves the heap, and is
   what it leaked. Its ring was read to its end in this round: it is closed. */
static void alloc_end(struct alloc_probe *a, size_t i)
{
	struct afile *af = &a->files[i];
	size_t j;

	if (af->ended || af->proc < 0)
		return;
	af->ended = true;
	alloc_close(a, i);
	if (af->live <= 0)
		return;
	if (a->peak_pending) {
		a->snap++;
		a->peak_pending = false;
	}
	for (j = 0; j < a->caplive; j++) {
		struct alive b;
		if (!a->live[j].id || a->live[j].file != i)
			continue;
		b = a->live[j];
		if (!alive_take(a, b.file, b.id, &b))
			continue;
		alloc_stack_change(a, b.stack, -b.bytes);
		a->sleak[b.stack] += b.bytes;
		a->heap -= b.bytes;
		j--; /* the deletion may have shifted another block into slot j */
	}
	a->mem->procs[af->proc].leaked_bytes = af->live;
	a->mem->leaked_bytes += af->live;
	af->live = 0;
}

static int aev_cmp(const void *x, const void *y)
{
	const struct aev *p = x, *q = y;
	if (p->t != q->t)
		return p->t < q->t ? -1 : 1;
	if (p->file != q->file)
		return p->file < q->file ? -1 : 1;
	if (p->is_end != q->is_end)
		return p->is_end - q->is_end;
	return p->is_free - q->is_free;
}

/* The RSS of every process image still running: their sum is the tree's (shared pages counted twice). */
static uint64_t alloc_rss(struct alloc_probe *a)
{
	uint64_t sum = 0;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t = now_ns();
	size_t i;

	for (i = 0; i < a->nfiles; i++) {
		struct afile *af = &a->files[i];
		char path[64], buf[128];
		unsigned long long size, res;
		ssize_t n;
		int fd;
		if (af->superseded || af->pid <= 0 || a->mem->procs[af->proc].gone)
			continue;
		snprintf(path, sizeof path, "/proc/%d/statm", af->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			a->mem->procs[af->proc].gone = true;
			continue;
		}
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (sscanf(buf, "%llu %llu", &size, &res) == 2 && res > 0) {
			uint64_t b = res * (uint64_t)page;
			struct mem_proc *mp = &a->mem->procs[af->proc];
			af->alive_ns = t;
			sum += b;
			if (b > mp->peak_rss_bytes)
				mp->peak_rss_bytes = b;
		} else {
			a->mem->procs[af->proc].gone = true; /* a zombie's statm is all zeros */
		}
	}
	return sum;
}

static void alloc_point(struct alloc_probe *a, uint64_t rss)
{
	struct memory *m = a->mem;
	int64_t t = (int64_t)(now_ns() - a->start_ns);
	size_t i;

	if (rss > m->peak_rss_tree_bytes) {
		m->peak_rss_tree_bytes = rss;
		m->peak_rss_tree_ns = t;
	}
	if (a->ticks++ % a->step)
		return;
	if (m->npoints == ALLOC_MAX_POINTS) {
		for (i = 0; i < ALLOC_MAX_POINTS / 2; i++)
			m->points[i] = m->points[2 * i];
		m->npoints = ALLOC_MAX_POINTS / 2;
		a->step *= 2;
	}
	GROW_ARRAY(m->points, m->npoints, m->cappoints);
	m->points[m->npoints++] = (struct mem_point){ t, a->heap, rss };
}

/* Open the ring files that appeared since the last round, drain every one, and apply what they held in
   time order. */
static void alloc_round(struct alloc_probe *a)
{
	DIR *d;
	struct dirent *de;
	size_t i;

	a->round++;
	d = opendir(a->dir);
	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 64];
		struct alloc_file *f;
		struct stat st;
		uint64_t size;
		bool known = false;
		int rc;
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof a->files[0].name)
			continue;
		for (i = 0; i < a->nfiles && !known; i++)
			known = strcmp(a->files[i].name, de->d_name) == 0;
		if (known)
			continue;
		if (a->nfiles >= ALLOC_MAX_FILES || a->nopen >= ALLOC_MAX_OPEN) {
			if (a->nfiles < ALLOC_MAX_FILES) /* next round, once another ring is closed */
				continue;
			a->mem->files_skipped++;
			continue;
		}
		if ((size_t)snprintf(path, sizeof path, "%s/%s", a->dir, de->d_name) >= sizeof path)
			continue;
		/* the command can write anything here: a ring that would pass the bound on what ptime maps
		   waits until others are closed */
		size = lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		if (a->mapped + size > ALLOC_MAX_MAPPED && a->nopen > 0)
			continue;
		rc = alloc_read_open(path, &f);
		if (rc == -EAGAIN)
			continue; /* the header is being written: next round */
		GROW_ARRAY(a->files, a->nfiles, a->capfiles);
		memset(&a->files[a->nfiles], 0, sizeof a->files[0]);
		memcpy(a->files[a->nfiles].name, de->d_name, strlen(de->d_name) + 1); /* shorter: checked above */
		a->files[a->nfiles].f = rc < 0 ? NULL : f;
		a->files[a->nfiles].proc = -1;
		a->files[a->nfiles].interp = -1;
		if (rc == 0) {
			a->files[a->nfiles].map_bytes = size;
			a->nopen++;
			a->mapped += size;
		}
		a->nfiles++;
		if (rc < 0)
			a->mem->files_bad++;
	}
	if (d)
		closedir(d);
	a->nev = 0;
	for (i = 0; i < a->nfiles; i++) {
		if (!a->files[i].f)
			continue;
		a->cur_file = i;
		if (alloc_read_drain(a->files[i].f, &alloc_ops, a) < 0)
			alloc_close(a, i); /* it broke a rule: never read again, its why kept */
	}
	/* Those found gone on the last tick: this round read all they wrote. Each ended after its last record
	   and after /proc last showed it alive, and its blocks leave the heap then, among the other
	   processes' records of the round. */
	for (i = 0; i < a->nfiles; i++) {
		struct afile *af = &a->files[i];
		if (af->proc >= 0 && !af->end_queued && (af->superseded || a->mem->procs[af->proc].gone)) {
			struct aev v = { af->alive_ns > af->last_ns ? af->alive_ns : af->last_ns, (uint32_t)i,
					 UINT32_MAX, false, true, 0, 0, 0 };
			af->end_queued = true;
			alloc_push(a, &v);
		}
	}
	if (a->nev) {
		qsort(a->ev, a->nev, sizeof *a->ev, aev_cmp);
		for (i = 0; i < a->nev; i++)
			if (a->files[a->ev[i].file].proc >= 0)
				alloc_apply(a, &a->ev[i]);
	}
}

/* On the timer: drain, and one point of the timeline. */
void alloc_drain(void *st)
{
	struct alloc_probe *a = st;
	uint64_t ticks;

	if (a->tfd < 0 || read(a->tfd, &ticks, sizeof ticks) != (ssize_t)sizeof ticks)
		return;
	alloc_round(a);
	alloc_point(a, alloc_rss(a));
}

/* The command has exited: the last records, what each ring lost, the costs at the peak and at the exit,
   and the directory removed. */
void alloc_collect(void *st, struct result *r)
{
	struct alloc_probe *a = st;
	struct memory *m = a->mem;
	size_t i, ns;
	DIR *d;
	struct dirent *de;

	alloc_round(a);
	if (a->peak_pending) {
		a->snap++; /* the peak is the end: every stack's share is what it holds now */
		a->peak_pending = false;
	}
	for (i = 0; i < a->nfiles; i++)
		alloc_end(a, i);
	alloc_point(a, 0);
	ns = profile_raw_stacks(a->prof);
	for (i = 0; i < ns && i < a->capstack; i++) {
		double peak = a->sepoch[i] == a->snap ? a->speak[i] : a->slive[i];
		profile_cost_add(a->prof, i, MEM_PEAK, peak);
		profile_cost_add(a->prof, i, MEM_LEAKED, a->sleak[i]);
	}
	for (i = 0; i < a->nfiles; i++)
		alloc_close(a, i);
	if (a->nfiles == 0 && !m->why[0])
		snprintf(m->why, sizeof m->why, "no process of the command loaded the allocation sampler "
			 "(a static binary, a setuid program, or one that clears LD_PRELOAD)");
	d = opendir(a->dir);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(a->dir);
	(void)r;
}

/* What the profile resolves to, after alloc_collect. */
struct profile *alloc_profile(void *st)
{
	return ((struct alloc_probe *)st)->prof;
}

/* Free the probe (the memory result and its profile stay with the result). */
void alloc_free(void *st)
{
	struct alloc_probe *a = st;
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nfiles; i++) {
		if (a->files[i].f)
			alloc_read_close(a->files[i].f);
		free(a->files[i].codes);
	}
	free(a->interps);
	if (a->tfd >= 0)
		close(a->tfd);
	procmaps_free(a->pm);
	free(a->files);
	free(a->ev);
	free(a->live);
	free(a->slive);
	free(a->speak);
	free(a->sepoch);
	free(a->sleak);
	free(a);
}
