/* profile/profile.c: samples to per-line, per-function, call-graph, stack and per-task costs. */
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

struct profile_maps {
	struct kmap locs, lines, funcs, calls, stacks, tasks;
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
	return p;
}

static size_t profile_loc(struct profile *p, const struct frame *f)
{
	uint64_t k[4] = { (uint64_t)f->dso, f->addr, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->locs, k, &created);
	if (created) {
		GROW(p->locs, p->nlocs, p->caplocs);
		symbols_resolve(p->syms, f->dso, f->addr, &p->locs[p->nlocs]);
		*v = p->nlocs++;
	}
	return *v;
}

static size_t profile_func(struct profile *p, const struct loc *l)
{
	uint64_t k[4] = { (uintptr_t)l->func, (uintptr_t)l->dso, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->funcs, k, &created);
	if (created) {
		GROW(p->funcs, p->nfuncs, p->capfuncs);
		memset(&p->funcs[p->nfuncs], 0, sizeof p->funcs[0]);
		p->funcs[p->nfuncs].name = l->func;
		p->funcs[p->nfuncs].dso = l->dso;
		*v = p->nfuncs++;
	}
	/* A function's place is the first line of it seen in its own file. */
	if (l->file && (!p->funcs[*v].file || (p->funcs[*v].file == l->file && l->line < p->funcs[*v].line))) {
		p->funcs[*v].file = l->file;
		p->funcs[*v].line = l->line;
	}
	return *v;
}

static size_t profile_line(struct profile *p, const struct loc *l, size_t func)
{
	uint64_t k[4] = { (uintptr_t)l->file, (uint64_t)l->line, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->lines, k, &created);
	if (created) {
		GROW(p->lines, p->nlines, p->caplines);
		memset(&p->lines[p->nlines], 0, sizeof p->lines[0]);
		p->lines[p->nlines].file = l->file;
		p->lines[p->nlines].line = l->line;
		p->lines[p->nlines].func = func;
		*v = p->nlines++;
	}
	return *v;
}

static void profile_call(struct profile *p, size_t caller, size_t callee, const struct loc *site)
{
	uint64_t k[4] = { caller, callee, (uintptr_t)site->file, (uint64_t)site->line };
	bool created;
	size_t *v = kmap_get(&p->maps->calls, k, &created);
	if (created) {
		GROW(p->calls, p->ncalls, p->capcalls);
		p->calls[p->ncalls] = (struct prof_call){ caller, callee, site->file, site->line, 0 };
		*v = p->ncalls++;
	}
	p->calls[*v].count++;
}

static void profile_stack(struct profile *p, const char *comm, const size_t *funcs, size_t n)
{
	size_t len = strlen(comm) + 1, i;
	char *buf, *q;
	const char *s;
	uint64_t k[4] = { 0 };
	bool created;
	size_t *v;

	for (i = 0; i < n; i++)
		len += strlen(p->funcs[funcs[i]].name) + 1;
	q = buf = xmalloc(len + 1);
	q = stpcpy(q, comm);
	for (i = n; i-- > 0;) { /* folded stacks run from the root to the leaf */
		*q++ = ';';
		q = stpcpy(q, p->funcs[funcs[i]].name);
	}
	s = strtab_intern(p->strs, buf);
	free(buf);
	k[0] = (uintptr_t)s;
	v = kmap_get(&p->maps->stacks, k, &created);
	if (created) {
		GROW(p->stacks, p->nstacks, p->capstacks);
		p->stacks[p->nstacks] = (struct prof_stack){ s, 0 };
		*v = p->nstacks++;
	}
	p->stacks[*v].count++;
}

static void profile_task(struct profile *p, int pid, int tid, const char *comm)
{
	uint64_t k[4] = { (uint64_t)pid, (uint64_t)tid, 0, 0 };
	bool created;
	size_t *v = kmap_get(&p->maps->tasks, k, &created);
	if (created) {
		GROW(p->tasks, p->ntasks, p->captasks);
		p->tasks[p->ntasks] = (struct prof_task){ pid, tid, NULL, 0 };
		*v = p->ntasks++;
	}
	p->tasks[*v].comm = strtab_intern(p->strs, comm);
	p->tasks[*v].samples++;
}

/* Count one sample: frames[0] is where it hit, the rest its callers (with --call-graph). */
void profile_add(struct profile *p, int pid, int tid, const char *comm, const struct frame *frames, size_t n)
{
	size_t funcs[PROFILE_MAX_FRAMES], lines[PROFILE_MAX_FRAMES], i, j;
	const struct loc *locs[PROFILE_MAX_FRAMES];

	if (n == 0)
		return;
	p->samples++;
	/* Resolve every frame first: p->locs may move while it grows. */
	for (i = 0; i < n; i++)
		lines[i] = profile_loc(p, &frames[i]);
	for (i = 0; i < n; i++) {
		locs[i] = &p->locs[lines[i]];
		funcs[i] = profile_func(p, locs[i]);
		lines[i] = locs[i]->file ? profile_line(p, locs[i], funcs[i]) : (size_t)-1;
	}
	p->funcs[funcs[0]].self++;
	if (lines[0] != (size_t)-1)
		p->lines[lines[0]].self++;
	else
		p->no_line++;
	for (i = 0; i < n; i++) {
		bool seen_f = false, seen_l = lines[i] == (size_t)-1;
		for (j = 0; j < i; j++) {
			seen_f |= funcs[j] == funcs[i];
			seen_l |= lines[j] == lines[i];
		}
		if (!seen_f)
			p->funcs[funcs[i]].incl++; /* recursion counts a sample once */
		if (!seen_l)
			p->lines[lines[i]].incl++;
		if (i > 0)
			profile_call(p, funcs[i], funcs[i - 1], locs[i]);
	}
	profile_stack(p, comm, funcs, n);
	profile_task(p, pid, tid, comm);
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
	if (!p)
		return;
	symbols_free(p->syms);
	strtab_free(p->strs);
	free(p->maps->locs.e);
	free(p->maps->lines.e);
	free(p->maps->funcs.e);
	free(p->maps->calls.e);
	free(p->maps->stacks.e);
	free(p->maps->tasks.e);
	free(p->maps);
	free(p->locs);
	free(p->lines);
	free(p->funcs);
	free(p->calls);
	free(p->stacks);
	free(p->tasks);
	free(p);
}
