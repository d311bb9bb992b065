/* profile/profile.c: the one sample model: unique stacks counted while the command runs, then
   resolved into frames of (function, file, line), and the views every report reads. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct kent {
	uint64_t k[4];
	size_t v;
	bool used;
};

struct kmap {
	struct kent *e;
	size_t cap, n;
};

static uint64_t kmap_hash(const uint64_t k[4])
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	int i;
	for (i = 0; i < 4; i++) {
		h ^= k[i] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
		h *= 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 33);
}

/* The slot for key k, creating it (v unset, *created true) when absent. */
static size_t *kmap_get(struct kmap *m, const uint64_t k[4], bool *created)
{
	size_t i;
	if ((m->n + 1) * 2 > m->cap) {
		struct kmap big = { xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(struct kent)), m->cap ? m->cap * 2 : 1024, 0 };
		for (i = 0; i < m->cap; i++)
			if (m->e[i].used) {
				bool c;
				*kmap_get(&big, m->e[i].k, &c) = m->e[i].v;
			}
		free(m->e);
		*m = big;
	}
	for (i = kmap_hash(k) & (m->cap - 1); m->e[i].used; i = (i + 1) & (m->cap - 1))
		if (memcmp(m->e[i].k, k, sizeof m->e[i].k) == 0) {
			*created = false;
			return &m->e[i].v;
		}
	m->e[i].used = true;
	memcpy(m->e[i].k, k, sizeof m->e[i].k);
	m->n++;
	*created = true;
	return &m->e[i].v;
}

/* A unique raw stack: a task and the (file, offset) of each frame, leaf first. */
struct rstack {
	uint64_t hash, count;
	size_t task, off;
	uint32_t n;
};

struct profile_maps {
	struct kmap locs, lines, funcs, calls, roots, files, stacks, tasks;
	/* the raw stacks of the run, and their frames */
	struct rstack *rs;
	size_t nrs, caprs;
	size_t *rsidx;           /* open addressing: index + 1, 0 empty */
	size_t caprsidx;
	struct frame *frames;
	size_t nframes, capframes;
	/* per resolved address: where its frames start in p->locs, and how many */
	size_t *locfirst, *locn;
	/* Python code, named by the frame reader while the command ran: a frame of dso
	   PROFILE_DSO_PYTHON has the index of its (function, file, line) here as its address */
	struct kmap pykeys;
	struct loc *py;
	size_t npy, cappy;
	/* the costs of each raw stack besides its samples (the memory columns), parallel to rs */
	double (*rcost)[PROFILE_COSTS];
	size_t caprcost;
};

#define GROW(arr, n, cap) do { if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 256; \
	(arr) = xrealloc((arr), (cap) * sizeof *(arr)); } } while (0)

/* An empty profile that resolves through libdw (or without it, to offsets). */
struct profile *profile_new(bool inline_caller)
{
	struct profile *p = xcalloc(1, sizeof *p);
	p->strs = strtab_new();
	p->syms = symbols_new(inline_caller, p->strs);
	p->maps = xcalloc(1, sizeof *p->maps);
	p->inline_caller = inline_caller;
	p->cost = PROFILE_COST_SAMPLES;
	return p;
}

static size_t profile_task(struct profile *p, int pid, int tid, const char *comm)
{
	const char *c = strtab_intern(p->strs, comm);
	uint64_t k[4] = { (uint64_t)pid, (uint64_t)tid, (uintptr_t)c, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->tasks, k, &created);
	if (created) {
		GROW(p->tasks, p->ntasks, p->captasks);
		p->tasks[p->ntasks] = (struct prof_task){ pid, tid, c, 0 };
		*v = p->ntasks++;
	}
	return *v;
}

static uint64_t rstack_hash(size_t task, const struct frame *f, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ task;
	size_t i;
	for (i = 0; i < n; i++) {
		h = (h ^ (uint64_t)(unsigned)f[i].dso) * 0x100000001b3ULL;
		h = (h ^ f[i].addr) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

static void rstack_rehash(struct profile_maps *m)
{
	size_t i, j;
	free(m->rsidx);
	m->caprsidx = m->caprsidx ? m->caprsidx * 2 : 4096;
	m->rsidx = xcalloc(m->caprsidx, sizeof *m->rsidx);
	for (i = 0; i < m->nrs; i++) {
		for (j = m->rs[i].hash & (m->caprsidx - 1); m->rsidx[j]; j = (j + 1) & (m->caprsidx - 1))
			;
		m->rsidx[j] = i + 1;
	}
}

/* Count one sample: frames[0] is where it hit, the rest its callers (with --call-graph). Only the
   unique stack is kept: nothing is resolved while the command runs. Returns the raw stack's index,
   or (size_t)-1 for an empty stack. */
size_t profile_add(struct profile *p, int pid, int tid, const char *comm, const struct frame *frames, size_t n)
{
	struct profile_maps *m = p->maps;
	size_t task, j;
	uint64_t h;

	if (n == 0)
		return (size_t)-1;
	if (n > PROFILE_MAX_FRAMES)
		n = PROFILE_MAX_FRAMES;
	p->samples++;
	task = profile_task(p, pid, tid, comm);
	p->tasks[task].samples++;
	h = rstack_hash(task, frames, n);
	if ((m->nrs + 1) * 2 > m->caprsidx)
		rstack_rehash(m);
	for (j = h & (m->caprsidx - 1); m->rsidx[j]; j = (j + 1) & (m->caprsidx - 1)) {
		struct rstack *r = &m->rs[m->rsidx[j] - 1];
		if (r->hash == h && r->task == task && r->n == n &&
		    memcmp(&m->frames[r->off], frames, n * sizeof *frames) == 0) {
			r->count++;
			return m->rsidx[j] - 1;
		}
	}
	GROW(m->rs, m->nrs, m->caprs);
	if (m->caprcost < m->caprs) {
		m->rcost = xrecalloc(m->rcost, m->caprcost, m->caprs, sizeof *m->rcost);
		m->caprcost = m->caprs;
	}
	while (m->nframes + n > m->capframes) {
		m->capframes = m->capframes ? m->capframes * 2 : 4096;
		m->frames = xrealloc(m->frames, m->capframes * sizeof *m->frames);
	}
	memcpy(&m->frames[m->nframes], frames, n * sizeof *frames);
	m->rs[m->nrs] = (struct rstack){ h, 1, task, m->nframes, (uint32_t)n };
	m->nframes += n;
	m->rsidx[j] = ++m->nrs;
	p->raw_stacks = m->nrs;
	p->raw_frames = m->nframes;
	return m->nrs - 1;
}

/* Add v to cost k (one of PROFILE_COSTS) of raw stack i, as profile_add returned it. */
void profile_cost_add(struct profile *p, size_t i, unsigned k, double v)
{
	if (i < p->maps->nrs && k < PROFILE_COSTS)
		p->maps->rcost[i][k] += v;
}

/* Cost k of raw stack i. */
double profile_cost(const struct profile *p, size_t i, unsigned k)
{
	return i < p->maps->nrs && k < PROFILE_COSTS ? p->maps->rcost[i][k] : 0;
}

/* The raw stacks held. */
size_t profile_raw_stacks(const struct profile *p)
{
	return p->maps->nrs;
}

/* The address of a Python frame: function func of file, declared at firstline, at line (0: none),
   run by the interpreter dso (its file name); strings are interned here. */
uint64_t profile_python_loc(struct profile *p, const char *dso, const char *func, const char *file, int firstline,
			    int line)
{
	struct profile_maps *m = p->maps;
	uint64_t k[4];
	bool created;
	size_t *v;

	func = strtab_intern(p->strs, func);
	file = strtab_intern(p->strs, file);
	k[0] = (uintptr_t)func;
	k[1] = (uintptr_t)file;
	dso = strtab_intern(p->strs, dso);
	k[2] = (uint64_t)(unsigned)firstline << 32 | (unsigned)line;
	k[3] = (uintptr_t)dso;
	v = kmap_get(&m->pykeys, k, &created);
	if (created) {
		GROW(m->py, m->npy, m->cappy);
		m->py[m->npy] = (struct loc){ .func = func, .file = line > 0 ? file : NULL, .dso = dso,
					      .decl_file = file, .decl_line = firstline, .line = line };
		*v = m->npy++;
	}
	return *v;
}

/* --- the model, built once the command has exited --- */

/* The frames at one address, resolved once: returns the index of the first in p->locs. */
static size_t profile_loc(struct profile *p, const struct frame *f, size_t *n)
{
	struct profile_maps *m = p->maps;
	uint64_t k[4] = { (uint64_t)(unsigned)f->dso, f->addr, 0, 0 };
	bool created;
	size_t *v = kmap_get(&m->locs, k, &created), got, idx;
	struct loc chain[64];

	if (created) {
		if (f->dso == PROFILE_DSO_PYTHON) {
			got = 1;
			chain[0] = f->addr < m->npy ? m->py[f->addr] : (struct loc){ 0 };
		} else {
			got = symbols_resolve(p->syms, f->dso, f->addr, chain, sizeof chain / sizeof chain[0]);
		}
		while (p->nlocs + got > p->caplocs) {
			p->caplocs = p->caplocs ? p->caplocs * 2 : 1024;
			p->locs = xrealloc(p->locs, p->caplocs * sizeof *p->locs);
		}
		memcpy(&p->locs[p->nlocs], chain, got * sizeof *chain);
		idx = m->locs.n - 1;
		m->locfirst = xrealloc(m->locfirst, m->locs.n * sizeof *m->locfirst);
		m->locn = xrealloc(m->locn, m->locs.n * sizeof *m->locn);
		m->locfirst[idx] = p->nlocs;
		m->locn[idx] = got;
		p->nlocs += got;
		*v = idx;
	}
	*n = m->locn[*v];
	return m->locfirst[*v];
}

/* A function is its name in its file, at its declaration: two static functions of one name in
   two source files are two functions. */
static size_t profile_func(struct profile *p, const struct loc *l)
{
	uint64_t k[4] = { (uintptr_t)l->func, (uintptr_t)l->dso, (uintptr_t)l->decl_file, (uint64_t)l->decl_line };
	bool created;
	size_t *v = kmap_get(&p->maps->funcs, k, &created);
	if (created) {
		GROW(p->funcs, p->nfuncs, p->capfuncs);
		p->funcs[p->nfuncs] = (struct prof_func){ l->func, l->dso, l->decl_file, l->decl_line, 0, 0 };
		*v = p->nfuncs++;
	}
	return *v;
}

static size_t profile_line(struct profile *p, const struct loc *l, size_t func)
{
	uint64_t k[4] = { func, (uintptr_t)l->file, (uint64_t)l->line, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->lines, k, &created);
	if (created) {
		GROW(p->lines, p->nlines, p->caplines);
		p->lines[p->nlines] = (struct prof_line){ l->file, l->line, func, 0, 0 };
		*v = p->nlines++;
	}
	return *v;
}

static size_t profile_file(struct profile *p, const char *file)
{
	uint64_t k[4] = { (uintptr_t)file, 0, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->files, k, &created);
	if (created) {
		GROW(p->files, p->nfiles, p->capfiles);
		p->files[p->nfiles] = (struct prof_file){ file, 0, 0 };
		*v = p->nfiles++;
	}
	return *v;
}

static void profile_call(struct profile *p, size_t caller, size_t callee, const char *file, int line, uint64_t c)
{
	uint64_t k[4] = { caller, callee, (uintptr_t)file, (uint64_t)line };
	bool created;
	size_t *v = kmap_get(&p->maps->calls, k, &created);
	if (created) {
		GROW(p->calls, p->ncalls, p->capcalls);
		p->calls[p->ncalls] = (struct prof_call){ caller, callee, file, line, 0 };
		*v = p->ncalls++;
	}
	p->calls[*v].count += c;
}

static void profile_folded(struct profile *p, const char *comm, const size_t *funcs, size_t n, uint64_t c)
{
	size_t len = 0, cap = 256, i;
	char *buf = xmalloc(cap);
	const char *s;
	uint64_t k[4] = { 0 };
	bool created;
	size_t *v;

	/* folded stacks run from the root to the leaf; a ';' in a name must not make two frames */
	for (i = n + 1; i-- > 0;) {
		const char *e = text_folded_frame(i == n ? comm : p->funcs[funcs[i]].name);
		size_t l = strlen(e);
		if (len + l + 2 > cap) {
			while (len + l + 2 > cap)
				cap *= 2;
			buf = xrealloc(buf, cap);
		}
		if (i != n)
			buf[len++] = ';';
		memcpy(buf + len, e, l);
		len += l;
	}
	buf[len] = '\0';
	s = strtab_intern(p->strs, buf);
	free(buf);
	k[0] = (uintptr_t)s;
	v = kmap_get(&p->maps->stacks, k, &created);
	if (created) {
		GROW(p->stacks, p->nstacks, p->capstacks);
		p->stacks[p->nstacks] = (struct prof_stack){ s, 0 };
		*v = p->nstacks++;
	}
	p->stacks[*v].count += c;
}

/* Marks for counting a function, line or file once per stack, however often it recurs. */
struct marks {
	uint64_t *v;
	size_t cap;
};

static bool marks_first(struct marks *m, size_t i, uint64_t stamp)
{
	if (i >= m->cap) {
		size_t cap = m->cap ? m->cap : 256;
		while (cap <= i)
			cap *= 2;
		m->v = xrecalloc(m->v, m->cap, cap, sizeof *m->v);
		m->cap = cap;
	}
	if (m->v[i] == stamp)
		return false;
	m->v[i] = stamp;
	return true;
}

static void profile_root(struct profile *p, const char *comm, size_t callee, uint64_t c)
{
	uint64_t k[4] = { (uintptr_t)comm, callee, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->roots, k, &created);
	if (created) {
		GROW(p->roots, p->nroots, p->caproots);
		p->roots[p->nroots] = (struct prof_root){ comm, callee, 0 };
		*v = p->nroots++;
	}
	p->roots[*v].count += c;
}

/* Charge one stack of frames (leaf first) with c samples to every view. Self costs go to the leaf
   frame only, so they sum to the samples; an inclusive cost counts a function, line or file once
   per stack. A call carries the inclusive cost of its callee, as callgrind's calls do: each
   function passes the sample to the one call into its outermost frame, so the costs of the calls
   into a function sum to its inclusive cost, recursion or not. Every stack starts at a root, the
   command, so that a stack cut short still enters its outermost function through a call. */
static void profile_charge(struct profile *p, const char *comm, const size_t *funcs, const size_t *lines,
			   const char *const *files, size_t n, uint64_t c, struct marks mk[4], uint64_t stamp)
{
	size_t i;

	p->funcs[funcs[0]].self += c;
	if (lines[0] != (size_t)-1)
		p->lines[lines[0]].self += c;
	else
		p->no_line += c;
	if (files[0]) {
		size_t f = profile_file(p, files[0]); /* may move p->files */
		p->files[f].self += c;
	}
	for (i = 0; i < n; i++) {
		if (marks_first(&mk[0], funcs[i], stamp))
			p->funcs[funcs[i]].incl += c;
		if (lines[i] != (size_t)-1 && marks_first(&mk[1], lines[i], stamp))
			p->lines[lines[i]].incl += c;
		if (files[i]) {
			size_t f = profile_file(p, files[i]);
			if (marks_first(&mk[2], f, stamp))
				p->files[f].incl += c;
		}
	}
	for (i = n; i-- > 0;) {
		const struct prof_line *site;
		if (!marks_first(&mk[3], funcs[i], stamp))
			continue;
		if (i == n - 1) {
			profile_root(p, comm, funcs[i], c);
			continue;
		}
		site = lines[i + 1] != (size_t)-1 ? &p->lines[lines[i + 1]] : NULL;
		profile_call(p, funcs[i + 1], funcs[i], site ? site->file : NULL, site ? site->line : 0, c);
	}
	profile_folded(p, comm, funcs, n, c);
}

static int frame_cmp(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;
	if (x->dso != y->dso)
		return x->dso < y->dso ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Profiles that resolve through one symbols table: refs hold it, and those not yet finished keep
   each file's DWARF loaded for the next. */
struct profile_share {
	int refs, unfinished;
};

void profile_share(struct profile *p, struct profile *from)
{
	if (!from->share) {
		from->share = xcalloc(1, sizeof *from->share);
		from->share->refs = from->share->unfinished = 1;
	}
	symbols_free(p->syms);
	strtab_free(p->strs);
	p->syms = from->syms;
	p->strs = from->strs;
	p->share = from->share;
	p->share->refs++;
	p->share->unfinished++;
}

/* p, sharing, will not be finished (its sampler did not start): the others need not keep anything for it. */
void profile_unshare(struct profile *p)
{
	if (p->share && p->share->unfinished > 0 && !p->unshared) {
		p->share->unfinished--;
		p->unshared = true;
	}
}

/* Resolve every distinct address, one file at a time, releasing each file's symbols and DWARF
   before the next: ptime's memory then peaks at the largest file, not at all files together. A profile
   that shares its symbols with others yet to finish keeps them for those; the last one releases. */
static void profile_resolve_all(struct profile *p)
{
	struct profile_maps *m = p->maps;
	struct frame *all;
	size_t i, n;
	bool keep;

	profile_unshare(p);
	keep = p->share && p->share->unfinished > 0;
	if (!m->nframes) { /* no sample */
		if (p->share && !keep)
			symbols_release_all(p->syms); /* what the others kept loaded */
		return;
	}
	all = xmalloc(m->nframes * sizeof *all);
	memcpy(all, m->frames, m->nframes * sizeof *all);
	qsort(all, m->nframes, sizeof *all, frame_cmp);
	for (i = 0; i < m->nframes; i++) {
		if (i && all[i].dso == all[i - 1].dso && all[i].addr == all[i - 1].addr)
			continue;
		if (i && all[i].dso != all[i - 1].dso && all[i - 1].dso >= 0 && !keep)
			symbols_release(p->syms, all[i - 1].dso);
		profile_loc(p, &all[i], &n);
	}
	if (m->nframes && all[m->nframes - 1].dso >= 0 && !keep)
		symbols_release(p->syms, all[m->nframes - 1].dso);
	if (p->share && !keep)
		symbols_release_all(p->syms); /* what the others kept loaded and this one did not need */
	free(all);
}

/* Whether a frame is the allocator's own, not the site that asked for memory: operator new and
   delete, the malloc family's entry points where a library calls them on its caller's behalf, and
   code inlined from the system's headers (std::allocator, the containers' node makers): the site is
   the line of the program that made the container grow. */
static bool profile_allocator_frame(const struct profile *p, const struct loc *l)
{
	/* the C++ and Rust standard libraries' code inlined into the program: a function declared there (a
	   function of the program's own whose line is inlined code is the program's) */
	if (l->file && (strncmp(l->file, "/usr/include/", 13) == 0 || strncmp(l->file, "/rustc/", 7) == 0) &&
	    (!l->decl_file || strncmp(l->decl_file, "/usr/include/", 13) == 0 || strncmp(l->decl_file, "/rustc/", 7) == 0))
		return true;
	/* where a page is first touched: past the C library's memset and memcpy, to the code that asked */
	if (p->touch_sites && l->func &&
	    (strncmp(l->func, "__mem", 5) == 0 || strncmp(l->func, "__str", 5) == 0 || strncmp(l->func, "_int_", 5) == 0 ||
	     (l->dso && strstr(l->dso, "/libc.so") &&
	      (strncmp(l->func, "mem", 3) == 0 || strncmp(l->func, "str", 3) == 0 || strcmp(l->func, "sysmalloc") == 0))))
		return true; /* a static binary's C library has the same names in the executable */
	static const char *const names[] = { "malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
					     "aligned_alloc", "posix_memalign", "valloc", "pvalloc", "__libc_malloc",
					     "__libc_calloc", "__libc_realloc", "__libc_memalign", "mmap", "mmap64",
					     "__mmap", "mremap", "__mremap", NULL };
	size_t i;

	if (!l->func)
		return false;
	if (strncmp(l->func, "operator new", 12) == 0 || strncmp(l->func, "operator delete", 15) == 0 ||
	    strncmp(l->func, "__rust_", 7) == 0 || strncmp(l->func, "__rdl_", 6) == 0 ||
	    strncmp(l->func, "alloc::alloc::", 14) == 0 || strncmp(l->func, "<alloc::raw_vec::", 17) == 0 ||
	    strncmp(l->func, "alloc::raw_vec::", 16) == 0)
		return true;
	for (i = 0; names[i]; i++)
		if (strcmp(l->func, names[i]) == 0)
			return true;
	return false;
}

/* Charge every raw stack with cost k (PROFILE_COST_SAMPLES: its samples) to the views. */
static void profile_charge_all(struct profile *p, int k)
{
	struct profile_maps *m = p->maps;
	size_t *funcs = xmalloc(PROFILE_MAX_DEPTH * sizeof *funcs), *lines = xmalloc(PROFILE_MAX_DEPTH * sizeof *lines);
	const char **files = xmalloc(PROFILE_MAX_DEPTH * sizeof *files);
	struct marks mk[4] = { { 0 } };
	size_t r, i, j;

	for (r = 0; r < m->nrs; r++) {
		const struct rstack *rs = &m->rs[r];
		uint64_t c = k < 0 ? rs->count : (uint64_t)(m->rcost[r][k] + 0.5);
		size_t n = 0;
		bool cut = false, leaf = p->alloc_sites || p->touch_sites;
		if (c == 0 && k >= 0)
			continue;
		for (i = 0; i < rs->n && !cut; i++) {
			size_t cn, first = profile_loc(p, &m->frames[rs->off + i], &cn);
			for (j = 0; j < cn; j++) {
				const struct loc *l = &p->locs[first + j];
				if (leaf && profile_allocator_frame(p, l) && !(i + 1 == rs->n && j + 1 == cn))
					continue; /* the site is the first frame past the allocator */
				leaf = false;
				if (n == PROFILE_MAX_DEPTH) {
					cut = true;
					break;
				}
				funcs[n] = profile_func(p, l);
				lines[n] = l->file ? profile_line(p, l, funcs[n]) : (size_t)-1;
				files[n] = l->file;
				n++;
			}
		}
		if (cut)
			p->truncated += c;
		if (p->locs[profile_loc(p, &m->frames[rs->off], &j)].kernel)
			p->kernel_samples += c;
		p->samples_charged += c;
		profile_charge(p, p->tasks[rs->task].comm, funcs, lines, files, n, c, mk, r + 1);
	}
	for (i = 0; i < 4; i++)
		free(mk[i].v);
	free(funcs);
	free(lines);
	free(files);
}

/* Resolve every unique raw stack into frames and build the views. Call once, after the run. */
void profile_finish(struct profile *p)
{
	profile_resolve_all(p);
	profile_charge_all(p, PROFILE_COST_SAMPLES);
	p->cost = PROFILE_COST_SAMPLES;
}

/* Make every view (functions, lines, files, calls, roots, stacks) count cost k instead of samples
   (PROFILE_COST_SAMPLES counts samples again), after profile_finish. Functions and lines keep their
   indices; those without cost k count 0. The total of the views is then p->samples_charged. */
void profile_select(struct profile *p, int k)
{
	size_t i;

	if (k == p->cost)
		return;
	for (i = 0; i < p->nfuncs; i++)
		p->funcs[i].self = p->funcs[i].incl = 0;
	for (i = 0; i < p->nlines; i++)
		p->lines[i].self = p->lines[i].incl = 0;
	for (i = 0; i < p->nfiles; i++)
		p->files[i].self = p->files[i].incl = 0;
	for (i = 0; i < p->ncalls; i++)
		p->calls[i].count = 0;
	for (i = 0; i < p->nroots; i++)
		p->roots[i].count = 0;
	for (i = 0; i < p->nstacks; i++)
		p->stacks[i].count = 0;
	p->truncated = p->kernel_samples = p->no_line = p->samples_charged = 0;
	profile_charge_all(p, k);
	p->cost = k;
}

static const struct profile *sort_p;
static int by_func_self(const void *a, const void *b)
{
	const struct prof_func *x = &sort_p->funcs[*(const size_t *)a], *y = &sort_p->funcs[*(const size_t *)b];
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->incl != y->incl)
		return x->incl < y->incl ? 1 : -1;
	return strcmp(x->name, y->name);
}
static int by_line_self(const void *a, const void *b)
{
	const struct prof_line *x = &sort_p->lines[*(const size_t *)a], *y = &sort_p->lines[*(const size_t *)b];
	int c;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->incl != y->incl)
		return x->incl < y->incl ? 1 : -1;
	c = strcmp(x->file, y->file);
	return c ? c : x->line - y->line;
}

/* Indices of the functions, hottest first (caller frees). */
size_t *profile_sorted_funcs(const struct profile *p)
{
	size_t *idx = xmalloc((p->nfuncs + 1) * sizeof *idx), i;
	for (i = 0; i < p->nfuncs; i++)
		idx[i] = i;
	sort_p = p;
	qsort(idx, p->nfuncs, sizeof *idx, by_func_self);
	return idx;
}

static int by_func_incl(const void *a, const void *b)
{
	const struct prof_func *x = &sort_p->funcs[*(const size_t *)a], *y = &sort_p->funcs[*(const size_t *)b];
	if (x->incl != y->incl)
		return x->incl < y->incl ? 1 : -1;
	return by_func_self(a, b);
}

/* The top n functions by self cost and the top n by inclusive cost, in self order: *count of them
   (caller frees). A function that only calls (main) is among them. */
size_t *profile_top_funcs(const struct profile *p, size_t n, size_t *count)
{
	size_t *self = profile_sorted_funcs(p), *incl = xmalloc((p->nfuncs + 1) * sizeof *incl);
	bool *in = xcalloc(p->nfuncs + 1, sizeof *in);
	size_t i, k = 0;

	memcpy(incl, self, p->nfuncs * sizeof *incl);
	sort_p = p;
	qsort(incl, p->nfuncs, sizeof *incl, by_func_incl);
	for (i = 0; i < p->nfuncs && i < n; i++)
		in[self[i]] = in[incl[i]] = true;
	for (i = 0; i < p->nfuncs; i++)
		if (in[self[i]])
			self[k++] = self[i];
	*count = k;
	free(incl);
	free(in);
	return self;
}

/* Indices of the lines, hottest first (caller frees). */
size_t *profile_sorted_lines(const struct profile *p)
{
	size_t *idx = xmalloc((p->nlines + 1) * sizeof *idx), i;
	for (i = 0; i < p->nlines; i++)
		idx[i] = i;
	sort_p = p;
	qsort(idx, p->nlines, sizeof *idx, by_line_self);
	return idx;
}

/* Free the profile and all it resolved. */
void profile_free(struct profile *p)
{
	if (!p || p->abandoned)
		return; /* given up half built (out of memory, a fault in libdw): left to the exit */
	if (!p->share || --p->share->refs == 0) {
		symbols_free(p->syms);
		strtab_free(p->strs);
		free(p->share);
	}
	free(p->maps->locs.e);
	free(p->maps->lines.e);
	free(p->maps->funcs.e);
	free(p->maps->calls.e);
	free(p->maps->stacks.e);
	free(p->maps->tasks.e);
	free(p->maps->files.e);
	free(p->maps->roots.e);
	free(p->maps->rs);
	free(p->maps->rsidx);
	free(p->maps->frames);
	free(p->maps->locfirst);
	free(p->maps->locn);
	free(p->maps->pykeys.e);
	free(p->maps->py);
	free(p->maps->rcost);
	free(p->maps);
	free(p->files);
	free(p->roots);
	free(p->locs);
	free(p->lines);
	free(p->funcs);
	free(p->calls);
	free(p->stacks);
	free(p->tasks);
	free(p->pys);
	free(p);
}
