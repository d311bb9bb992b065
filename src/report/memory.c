/* report/memory.c: --memory's views: the allocation sites with every cost, the "Memory" block of the
   classic report, and the JSON "memory" object. A site is the source line that called the allocator
   (or the function, where no line is known); its costs are the self costs of the memory profile. */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

#define MEM_TOP 8                /* sites in each list of the classic report */
#define MEM_JSON_SITES 100       /* sites in the JSON report, by bytes allocated */

static const char *const mem_cost_names[PROFILE_COSTS] = { "allocated_bytes", "allocations", "peak_bytes",
							   "leaked_bytes", "temporary_allocations" };

/* The sites of the memory profile, each with every cost (caller frees with mem_sites_free). */
struct mem_site {
	size_t func;
	const char *file;        /* NULL: the function has no line for it */
	int line;
	uint64_t cost[PROFILE_COSTS];
};

static struct mem_site *mem_sites(struct profile *p, size_t *count)
{
	size_t nl = p->nlines, nf = p->nfuncs, i, n = 0;
	uint64_t (*lc)[PROFILE_COSTS] = xcalloc(nl + 1, sizeof *lc), (*fc)[PROFILE_COSTS] = xcalloc(nf + 1, sizeof *fc);
	struct mem_site *s;
	int k;

	for (k = 0; k < PROFILE_COSTS; k++) {
		profile_select(p, k);
		for (i = 0; i < nl && i < p->nlines; i++)
			lc[i][k] = p->lines[i].self;
		for (i = 0; i < nf && i < p->nfuncs; i++)
			fc[i][k] = p->funcs[i].self;
		for (i = 0; i < nl && i < p->nlines; i++)
			fc[p->lines[i].func][k] -= p->lines[i].self < fc[p->lines[i].func][k] ? p->lines[i].self
												: fc[p->lines[i].func][k];
	}
	profile_select(p, PROFILE_COST_SAMPLES);
	s = xcalloc(nl + nf + 1, sizeof *s);
	for (i = 0; i < nl; i++)
		if (lc[i][MEM_ALLOCATIONS] || lc[i][MEM_ALLOCATED]) {
			s[n] = (struct mem_site){ p->lines[i].func, p->lines[i].file, p->lines[i].line, { 0 } };
			memcpy(s[n++].cost, lc[i], sizeof lc[i]);
		}
	for (i = 0; i < nf; i++)
		if (fc[i][MEM_ALLOCATIONS] || fc[i][MEM_ALLOCATED]) {
			s[n] = (struct mem_site){ i, NULL, 0, { 0 } };
			memcpy(s[n++].cost, fc[i], sizeof fc[i]);
		}
	free(lc);
	free(fc);
	*count = n;
	return s;
}

static int mem_sort_k;
static int mem_by_cost(const void *a, const void *b)
{
	const struct mem_site *x = a, *y = b;
	if (x->cost[mem_sort_k] != y->cost[mem_sort_k])
		return x->cost[mem_sort_k] < y->cost[mem_sort_k] ? 1 : -1;
	if (x->cost[MEM_ALLOCATED] != y->cost[MEM_ALLOCATED])
		return x->cost[MEM_ALLOCATED] < y->cost[MEM_ALLOCATED] ? 1 : -1;
	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return x->line - y->line;
}

static void mem_sort(struct mem_site *s, size_t n, int k)
{
	mem_sort_k = k;
	qsort(s, n, sizeof *s, mem_by_cost);
}

static void mem_bytes(char *buf, size_t len, double v)
{
	format_human_bytes(buf, len, v > 0 ? (uint64_t)(v + 0.5) : 0);
}

static void mem_count(char *buf, size_t len, double v)
{
	if (v >= 1e7)
		snprintf(buf, len, "%.1f M", v / 1e6);
	else
		format_group_digits(buf, len, (uint64_t)(v + 0.5));
}

static void mem_site_line(FILE *fp, struct profile *p, const struct mem_site *s, int k, double total)
{
	char v[32], *name = demangle_shorten(p->funcs[s->func].name, p->names == NAMES_BARE ? DEMANGLE_SHORT_BARE : 0);
	if (k == MEM_ALLOCATIONS || k == MEM_TEMPORARY)
		mem_count(v, sizeof v, (double)s->cost[k]);
	else
		mem_bytes(v, sizeof v, (double)s->cost[k]);
	fprintf(fp, "    %10s %5.1f%%  %s", v, total > 0 ? 100.0 * (double)s->cost[k] / total : 0.0,
		text_escape_terminal(p->names == NAMES_FULL ? p->funcs[s->func].name : name));
	if (s->file)
		fprintf(fp, "  %s:%d", text_escape_terminal(report_path(s->file)), s->line);
	else
		fprintf(fp, "  [%s]", text_escape_terminal(report_path(p->funcs[s->func].dso)));
	putc('\n', fp);
	free(name);
}

static void mem_list(FILE *fp, struct profile *p, struct mem_site *s, size_t n, int k, const char *title, double total)
{
	size_t i, shown = 0;

	mem_sort(s, n, k);
	for (i = 0; i < n && s[i].cost[k]; i++)
		;
	if (i == 0)
		return;
	fprintf(fp, "  %s:\n", title);
	for (i = 0; i < n && shown < MEM_TOP && s[i].cost[k]; i++, shown++)
		mem_site_line(fp, p, &s[i], k, total);
}

/* The first touches' sites: the lines (or functions without lines) where sampled page faults were. */
static struct mem_site *mem_touch_sites(const struct profile *p, size_t *count)
{
	struct mem_site *s = xcalloc(p->nlines + p->nfuncs + 1, sizeof *s);
	uint64_t *rest = xcalloc(p->nfuncs + 1, sizeof *rest);
	size_t i, n = 0;

	for (i = 0; i < p->nfuncs; i++)
		rest[i] = p->funcs[i].self;
	for (i = 0; i < p->nlines; i++)
		if (p->lines[i].self) {
			s[n] = (struct mem_site){ p->lines[i].func, p->lines[i].file, p->lines[i].line, { 0 } };
			s[n++].cost[0] = p->lines[i].self;
			rest[p->lines[i].func] -= p->lines[i].self < rest[p->lines[i].func] ? p->lines[i].self : rest[p->lines[i].func];
		}
	for (i = 0; i < p->nfuncs; i++)
		if (rest[i]) {
			s[n] = (struct mem_site){ i, NULL, 0, { 0 } };
			s[n++].cost[0] = rest[i];
		}
	free(rest);
	mem_sort(s, n, 0);
	*count = n;
	return s;
}

/* The page faults' share of the first touches, in the classic report. */
static void mem_touches(FILE *fp, const struct memory *m, long page)
{
	const struct profile *f = m->faults;
	struct mem_site *s;
	size_t n, i;
	char a[32];

	if (!f)
		return;
	if (f->why[0]) {
		fprintf(fp, "  first touches: not sampled: %s\n", f->why);
		return;
	}
	mem_bytes(a, sizeof a, (double)f->samples * (double)m->fault_period * (double)page);
	fprintf(fp, "  first touched:  %10s in %llu sampled page faults (one in %llu, %s), every process\n", a,
		(unsigned long long)f->samples, (unsigned long long)m->fault_period, f->event);
	if (f->abandoned || !f->samples)
		return;
	s = mem_touch_sites(f, &n);
	for (i = 0; i < n && i < MEM_TOP; i++) {
		char *name = demangle_shorten(f->funcs[s[i].func].name, f->names == NAMES_BARE ? DEMANGLE_SHORT_BARE : 0);
		mem_bytes(a, sizeof a, (double)s[i].cost[0] * (double)m->fault_period * (double)page);
		fprintf(fp, "    %10s %5.1f%%  %s", a, 100.0 * (double)s[i].cost[0] / (double)f->samples,
			text_escape_terminal(f->names == NAMES_FULL ? f->funcs[s[i].func].name : name));
		if (s[i].file)
			fprintf(fp, "  %s:%d\n", text_escape_terminal(report_path(s[i].file)), s[i].line);
		else
			fprintf(fp, "  [%s]\n", text_escape_terminal(report_path(f->funcs[s[i].func].dso)));
		free(name);
	}
	free(s);
}

static const char *mem_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The "Memory" block of the classic report. */
void report_memory(FILE *fp, const struct result *r)
{
	const struct memory *m = r->memory;
	struct profile *p;
	struct mem_site *s;
	size_t n, i;
	char a[32], b[32], c[32];

	if (!m)
		return;
	if (m->why[0] && !m->nprocs) {
		fprintf(fp, "\nMemory: allocations not seen: %s\n", m->why);
		mem_touches(fp, m, r->page_size);
		return;
	}
	p = m->prof;
	if (m->rate == 1)
		fprintf(fp, "\nMemory (every allocation recorded):\n");
	else {
		mem_bytes(a, sizeof a, (double)m->rate);
		fprintf(fp, "\nMemory (allocations sampled once per %s on average: estimates):\n", a);
	}
	mem_bytes(a, sizeof a, m->peak_heap_bytes);
	mem_bytes(b, sizeof b, (double)r->ru.ru_maxrss * 1024.0);
	fprintf(fp, "  heap peak       %10s at %.3f s; peak RSS %s (the largest process)\n", a,
		(double)m->peak_heap_ns / 1e9, b);
	if (m->peak_rss_tree_bytes) {
		mem_bytes(a, sizeof a, (double)m->peak_rss_tree_bytes);
		fprintf(fp, "  tree RSS        %10s at %.3f s (the sum over its processes every %u ms; shared pages count "
			"once per process)\n", a, (double)m->peak_rss_tree_ns / 1e9, m->interval_ms);
	}
	if (r->tree && r->tree->memory.measured && r->tree->memory.peak_bytes >= 0) {
		mem_bytes(a, sizeof a, (double)r->tree->memory.peak_bytes);
		fprintf(fp, "  tree cgroup     %10s at its peak (%s: the pages charged to the tree's cgroup, page cache "
			"included)\n", a, r->tree->memory.hierarchy && strcmp(r->tree->memory.hierarchy, "cgroup2") == 0 ?
			"memory.peak" : "memory.max_usage_in_bytes");
	}
	mem_bytes(a, sizeof a, m->allocated_bytes);
	mem_count(b, sizeof b, m->allocations);
	mem_bytes(c, sizeof c, m->leaked_bytes);
	fprintf(fp, "  allocated       %10s in %s allocations; %s still allocated at exit\n", a, b, c);
	if (m->rate == 1) {
		mem_count(a, sizeof a, m->temporary);
		fprintf(fp, "  temporary       %10s allocations freed before the next allocation of their process\n", a);
	}
	fprintf(fp, "  processes       %10zu that loaded the sampler", m->nprocs);
	for (i = 0; i < m->nprocs && i < 4; i++)
		fprintf(fp, "%s%s (pid %d)", i ? ", " : ": ", text_escape_terminal(report_path(m->procs[i].exe)),
			m->procs[i].pid);
	if (m->nprocs > 4)
		fprintf(fp, ", and %zu more", m->nprocs - 4);
	putc('\n', fp);
	for (i = 0; i < m->nprocs && m->python_malloc; i++)
		if (strncmp(mem_base(m->procs[i].exe), "python", 6) == 0)
			break;
	if (m->python_malloc && i < m->nprocs)
		fprintf(fp, "  PYTHONMALLOC=malloc was set, so that CPython's objects are allocations of their own\n");
	if (m->python_samples)
		fprintf(fp, "  Python lines    %10llu samples were taken in Python code: their sites are its lines\n",
			(unsigned long long)m->python_samples);
	if (m->dropped)
		fprintf(fp, "  %llu records were dropped because a ring stayed full: the figures are low\n",
			(unsigned long long)m->dropped);
	if (m->files_bad)
		fprintf(fp, "  %llu processes' records could not be read%s%s\n", (unsigned long long)m->files_bad,
			m->bad_why[0] ? ": " : "", m->bad_why);
	if (m->files_skipped)
		fprintf(fp, "  %llu process images were not read (past %u): the figures are low\n",
			(unsigned long long)m->files_skipped, 65536u);
	if (m->why[0])
		fprintf(fp, "  %s\n", m->why);
	mem_touches(fp, m, r->page_size);
	if (!p || p->abandoned) {
		fprintf(fp, "  sites: %s\n", p ? p->why : "not resolved");
		return;
	}
	s = mem_sites(p, &n);
	mem_list(fp, p, s, n, MEM_PEAK, "held at the heap peak", m->peak_heap_bytes);
	mem_list(fp, p, s, n, MEM_ALLOCATED, "by bytes allocated", m->allocated_bytes);
	mem_list(fp, p, s, n, MEM_ALLOCATIONS, "by allocations", m->allocations);
	mem_list(fp, p, s, n, MEM_LEAKED, "still allocated at exit", m->leaked_bytes);
	if (m->rate == 1)
		mem_list(fp, p, s, n, MEM_TEMPORARY, "temporary allocations", m->temporary);
	free(s);
}

#define JM_FUNCS(X) X(json_object_array_add) X(json_object_new_array) X(json_object_new_boolean) X(json_object_new_int) X(json_object_new_int64) X(json_object_new_object) X(json_object_object_add)
DLIB_TABLE(jm, JM_FUNCS)

static void jm_add(json_object *o, const char *k, json_object *v)
{
	jm.json_object_object_add(o, k, v);
}

static json_object *jm_int(double v)
{
	return jm.json_object_new_int64(v > 0 ? (int64_t)(v + 0.5) : 0);
}

/* memory.first_touch: the sampled page faults by site. */
static json_object *jm_touch(const struct memory *m, long page)
{
	const struct profile *f = m->faults;
	json_object *o = jm.json_object_new_object(), *a, *e;
	struct mem_site *s;
	size_t n, i;

	jm_add(o, "event", report_json_str(f->event));
	jm_add(o, "period", jm.json_object_new_int64((int64_t)m->fault_period));
	jm_add(o, "page_bytes", jm.json_object_new_int64(page));
	jm_add(o, "samples", jm.json_object_new_int64((int64_t)f->samples));
	jm_add(o, "touched_bytes", jm.json_object_new_int64((int64_t)(f->samples * m->fault_period * (uint64_t)page)));
	if (f->abandoned)
		return o;
	a = jm.json_object_new_array();
	s = mem_touch_sites(f, &n);
	for (i = 0; i < n && i < MEM_JSON_SITES; i++) {
		const struct prof_func *fu = &f->funcs[s[i].func];
		e = jm.json_object_new_object();
		jm_add(e, "function", report_json_str(fu->name));
		jm_add(e, "dso", report_json_str(fu->dso));
		if (s[i].file) {
			jm_add(e, "file", report_json_str(s[i].file));
			if (s[i].line > 0)
				jm_add(e, "line", jm.json_object_new_int(s[i].line));
		}
		jm_add(e, "samples", jm.json_object_new_int64((int64_t)s[i].cost[0]));
		jm_add(e, "touched_bytes", jm.json_object_new_int64((int64_t)(s[i].cost[0] * m->fault_period * (uint64_t)page)));
		jm.json_object_array_add(a, e);
	}
	free(s);
	jm_add(o, "sites", a);
	return o;
}

/* The JSON "memory" object, with the reasons for what it lacks in unavailable. */
void report_json_memory(json_object *root, json_object *unavailable, const struct result *r)
{
	const struct memory *m = r->memory;
	json_object *o, *a, *e;
	struct mem_site *s;
	size_t n, i;
	int k;

	if (!m || !jm_load("libjson-c.so.5"))
		return;
	o = jm.json_object_new_object();
	jm_add(o, "rate_bytes", jm_int((double)m->rate));
	jm_add(o, "stacks", report_json_str(m->stack_fp ? "fp" : "unwind"));
	jm_add(o, "python_malloc", jm.json_object_new_boolean(m->python_malloc));
	jm_add(o, "python_samples", jm.json_object_new_int64((int64_t)m->python_samples));
	jm_add(o, "peak_rss_bytes", jm.json_object_new_int64((int64_t)r->ru.ru_maxrss * 1024));
	if (m->faults && m->faults->why[0])
		jm_add(unavailable, "memory_first_touch", report_json_str(m->faults->why));
	else if (m->faults)
		jm_add(o, "first_touch", jm_touch(m, r->page_size));
	if (m->why[0] && !m->nprocs) {
		jm_add(unavailable, "memory_allocations", report_json_str(m->why));
		jm_add(root, "memory", o);
		return;
	}
	jm_add(o, "peak_heap_bytes", jm_int(m->peak_heap_bytes));
	jm_add(o, "peak_heap_ns", jm.json_object_new_int64(m->peak_heap_ns));
	if (m->peak_rss_tree_bytes) {
		jm_add(o, "peak_rss_tree_bytes", jm.json_object_new_int64((int64_t)m->peak_rss_tree_bytes));
		jm_add(o, "peak_rss_tree_ns", jm.json_object_new_int64(m->peak_rss_tree_ns));
	}
	jm_add(o, "allocated_bytes", jm_int(m->allocated_bytes));
	jm_add(o, "allocations", jm_int(m->allocations));
	jm_add(o, "leaked_bytes", jm_int(m->leaked_bytes));
	if (m->rate == 1)
		jm_add(o, "temporary_allocations", jm_int(m->temporary));
	jm_add(o, "samples", jm.json_object_new_int64(m->prof ? (int64_t)m->prof->samples : 0));
	jm_add(o, "dropped_records", jm.json_object_new_int64((int64_t)m->dropped));
	if (m->files_bad)
		jm_add(o, "unreadable_processes", jm.json_object_new_int64((int64_t)m->files_bad));
	if (m->files_skipped)
		jm_add(o, "unread_processes", jm.json_object_new_int64((int64_t)m->files_skipped));
	if (m->why[0])
		jm_add(o, "note", report_json_str(m->why));
	a = jm.json_object_new_array();
	for (i = 0; i < m->nprocs; i++) {
		const struct mem_proc *p = &m->procs[i];
		e = jm.json_object_new_object();
		jm_add(e, "pid", jm.json_object_new_int(p->pid));
		jm_add(e, "ppid", jm.json_object_new_int(p->ppid));
		jm_add(e, "image", jm.json_object_new_int((int)p->image));
		jm_add(e, "exe", report_json_str(p->exe));
		jm_add(e, "start_ns", jm.json_object_new_int64(p->start_ns));
		jm_add(e, "allocated_bytes", jm_int(p->allocated_bytes));
		jm_add(e, "allocations", jm_int(p->allocations));
		jm_add(e, "peak_heap_bytes", jm_int(p->peak_heap_bytes));
		jm_add(e, "peak_heap_ns", jm.json_object_new_int64(p->peak_heap_ns));
		jm_add(e, "leaked_bytes", jm_int(p->leaked_bytes));
		if (p->peak_rss_bytes)
			jm_add(e, "peak_rss_bytes", jm.json_object_new_int64((int64_t)p->peak_rss_bytes));
		jm.json_object_array_add(a, e);
	}
	jm_add(o, "processes", a);
	a = jm.json_object_new_array();
	for (i = 0; i < m->npoints; i++) {
		e = jm.json_object_new_array();
		jm.json_object_array_add(e, jm.json_object_new_int64(m->points[i].t_ns));
		jm.json_object_array_add(e, jm_int(m->points[i].heap_bytes));
		jm.json_object_array_add(e, jm.json_object_new_int64((int64_t)m->points[i].rss_bytes));
		jm.json_object_array_add(a, e);
	}
	jm_add(o, "timeline", a);
	if (m->prof && !m->prof->abandoned) {
		s = mem_sites(m->prof, &n);
		mem_sort(s, n, MEM_ALLOCATED);
		a = jm.json_object_new_array();
		for (i = 0; i < n && i < MEM_JSON_SITES; i++) {
			const struct prof_func *f = &m->prof->funcs[s[i].func];
			e = jm.json_object_new_object();
			jm_add(e, "function", report_json_str(f->name));
			jm_add(e, "dso", report_json_str(f->dso));
			if (s[i].file) {
				jm_add(e, "file", report_json_str(s[i].file));
				if (s[i].line > 0)
					jm_add(e, "line", jm.json_object_new_int(s[i].line));
			}
			for (k = 0; k < PROFILE_COSTS; k++)
				if (k != MEM_TEMPORARY || m->rate == 1)
					jm_add(e, mem_cost_names[k], jm.json_object_new_int64((int64_t)s[i].cost[k]));
			jm.json_object_array_add(a, e);
		}
		jm_add(o, "sites", a);
		free(s);
	} else {
		jm_add(unavailable, "memory_sites", report_json_str(m->prof ? m->prof->why : "not resolved"));
	}
	jm_add(root, "memory", o);
}
