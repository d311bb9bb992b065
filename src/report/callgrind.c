/* report/callgrind.c: the profile in the callgrind format, for KCachegrind and callgrind_annotate:
   costs are samples, self cost per source line, inclusive cost per call site. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* Compressed names: "(id) name" the first time, "(id)" after. */
struct cg_names {
	const char **names;
	size_t n, cap;
};

static void cg_name(FILE *fp, const char *key, struct cg_names *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		if (t->names[i] == name) {
			fprintf(fp, "%s=(%zu)\n", key, i + 1);
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->names = xrealloc(t->names, t->cap * sizeof *t->names);
	}
	t->names[t->n++] = name;
	fprintf(fp, "%s=(%zu) %s\n", key, t->n, text_callgrind_name(name));
}

/* Costs of no known file go to "???", as valgrind writes them: a reader must not open the ELF
   file, or a source file that has no such line, to annotate line 0. */
static const char cg_unknown[] = "???";

/* The unknown file of one object, "???[libc.so.6]": callgrind_annotate names a function by its
   file and name only, so two PLT entries memcpy@plt of two objects would be one row under "???". */
static const char *cg_unknown_of(const struct profile *p, const char *dso)
{
	const char *slash = dso ? strrchr(dso, '/') : NULL;
	char buf[300];
	if (!dso)
		return cg_unknown;
	snprintf(buf, sizeof buf, "???[%s]", slash ? slash + 1 : dso);
	return strtab_intern(p->strs, buf);
}

static const char *cg_file_p(const struct profile *p, const struct prof_func *f)
{
	return f->file ? f->file : cg_unknown_of(p, f->dso);
}
#define cg_file(f) cg_file_p(p, (f))

static const struct profile *cg_p;

static const char *cg_base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "";
}

/* The file's last k path components ("json/__init__.py" for k = 2), or the whole path. */
static const char *cg_tail(const char *path, int k)
{
	const char *c = path + strlen(path);
	while (c > path) {
		c--;
		if (*c == '/' && --k == 0)
			return c + 1;
	}
	return path;
}

/* KCachegrind keys a function by its name, its file's base name and its object's base name
   (TraceData::function), callgrind_annotate by its file and name: two functions of the profile
   that one of them would take for one (every <module> of the __init__.py files a script
   imports, two <lambda> of one file, two static init() of two main.c) would be merged, their
   calls into each other a recursion, their inclusive costs above 100%. */
static int cg_key_cmp(const void *a, const void *b)
{
	const struct prof_func *x = &cg_p->funcs[*(const size_t *)a], *y = &cg_p->funcs[*(const size_t *)b];
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(cg_base(cg_file_p(cg_p, x)), cg_base(cg_file_p(cg_p, y)));
	if (!c)
		c = strcmp(cg_base(x->dso), cg_base(y->dso));
	return c;
}

/* Whether functions f and g would be one function to a reader: one name, and one file's base name
   and one object's base name, or one file. */
static bool cg_same_key(const struct profile *p, size_t f, size_t g)
{
	const struct prof_func *x = &p->funcs[f], *y = &p->funcs[g];
	return strcmp(x->name, y->name) == 0 && strcmp(cg_base(cg_file_p(p, x)), cg_base(cg_file_p(p, y))) == 0 &&
	       strcmp(cg_base(x->dso), cg_base(y->dso)) == 0;
}

/* Whether a member of the group ix[i..j) is of another file than file. */
static bool cg_other_file(const struct profile *p, const size_t *ix, size_t i, size_t j, const char *file)
{
	for (; i < j; i++)
		if (strcmp(cg_file_p(p, &p->funcs[ix[i]]), file) != 0)
			return true;
	return false;
}

/* The name each function is written under: its own, unless another would be taken for it; then
   the name qualified by as much of its file as tells them apart ("<module> (json/__init__.py)"),
   its line where they share the file ("<lambda> (t.py:12)"), and its object where they share both. */
static const char **cg_names_of(const struct profile *p)
{
	const char **name = xcalloc(p->nfuncs + 1, sizeof *name);
	size_t *ix = xmalloc((p->nfuncs + 1) * sizeof *ix), i, j, k, g;
	char buf[1024];

	for (i = 0; i < p->nfuncs; i++) {
		ix[i] = i;
		name[i] = p->funcs[i].name;
	}
	cg_p = p;
	qsort(ix, p->nfuncs, sizeof *ix, cg_key_cmp);
	for (i = 0; i < p->nfuncs; i = j) {
		for (j = i + 1; j < p->nfuncs && cg_same_key(p, ix[i], ix[j]); j++)
			;
		if (j - i == 1)
			continue;
		for (g = i; g < j; g++) {
			const struct prof_func *f = &p->funcs[ix[g]];
			const char *file = cg_file_p(p, f), *tail = file;
			bool same_file = false, same_line = false;
			int depth;
			/* the fewest path components that no other member's file ends with: the base
			   name alone where the others share the file */
			for (depth = 1; depth < 64; depth++) {
				bool unique = true;
				tail = cg_tail(file, depth);
				for (k = i; k < j; k++) {
					const char *o = cg_file_p(p, &p->funcs[ix[k]]);
					size_t lo = strlen(o), lt = strlen(tail);
					if (k == g || strcmp(o, file) == 0)
						continue;
					if (lo >= lt && strcmp(o + lo - lt, tail) == 0 && (lo == lt || o[lo - lt - 1] == '/'))
						unique = false;
				}
				if ((unique && (depth > 1 || !cg_other_file(p, ix, i, j, file))) || tail == file)
					break;
			}
			for (k = i; k < j; k++)
				if (k != g && strcmp(cg_file_p(p, &p->funcs[ix[k]]), file) == 0) {
					same_file = true;
					same_line |= p->funcs[ix[k]].line == f->line;
				}
			if (!same_file)
				snprintf(buf, sizeof buf, "%s (%s)", f->name, tail);
			else if (!same_line)
				snprintf(buf, sizeof buf, "%s (%s:%d)", f->name, tail, f->line);
			else
				snprintf(buf, sizeof buf, "%s (%s:%d in %s)", f->name, tail, f->line, f->dso ? f->dso : "?");
			name[ix[g]] = strtab_intern(p->strs, buf);
		}
	}
	free(ix);
	return name;
}

static int cg_line_cmp(const void *a, const void *b)
{
	const struct prof_line *x = &cg_p->lines[*(const size_t *)a], *y = &cg_p->lines[*(const size_t *)b];
	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	if (x->file != y->file)
		return strcmp(x->file, y->file);
	return x->line - y->line;
}

static int cg_call_cmp(const void *a, const void *b)
{
	const struct prof_call *x = &cg_p->calls[*(const size_t *)a], *y = &cg_p->calls[*(const size_t *)b];
	return x->caller < y->caller ? -1 : x->caller > y->caller;
}


/* The costs of one profile, column by column (one per event it brings), taken with profile_select:
   v[i * n + c] is cost c of line, function, call or root i. */
struct cg_cols {
	unsigned n, off;         /* columns; events before them (of another profile) */
	uint64_t *line, *func, *call, *root, *total;
};

static void cg_cols_take(struct cg_cols *c, struct profile *p, const int *costs, unsigned n, unsigned off)
{
	unsigned k;
	size_t i;

	c->n = n;
	c->off = off;
	c->line = xcalloc(p->nlines * n + 1, sizeof *c->line);
	c->func = xcalloc(p->nfuncs * n + 1, sizeof *c->func);
	c->call = xcalloc(p->ncalls * n + 1, sizeof *c->call);
	c->root = xcalloc(p->nroots * n + 1, sizeof *c->root);
	c->total = xcalloc(n + 1, sizeof *c->total);
	for (k = 0; k < n; k++) {
		profile_select(p, costs[k]);
		for (i = 0; i < p->nlines; i++)
			c->line[i * n + k] = p->lines[i].self;
		for (i = 0; i < p->nfuncs; i++)
			c->func[i * n + k] = p->funcs[i].self;
		for (i = 0; i < p->ncalls; i++)
			c->call[i * n + k] = p->calls[i].count;
		for (i = 0; i < p->nroots; i++)
			c->root[i * n + k] = p->roots[i].count;
		c->total[k] = costs[k] == PROFILE_COST_SAMPLES ? p->samples : p->samples_charged;
	}
	profile_select(p, PROFILE_COST_SAMPLES);
}

static void cg_cols_free(struct cg_cols *c)
{
	free(c->line);
	free(c->func);
	free(c->call);
	free(c->root);
	free(c->total);
}

static bool cg_any(const uint64_t *v, unsigned n)
{
	unsigned k;
	for (k = 0; k < n; k++)
		if (v[k])
			return true;
	return false;
}

/* " 0 0 a b c": the events of other profiles first, as zeros. */
static void cg_costs(FILE *fp, const struct cg_cols *c, const uint64_t *v)
{
	unsigned k;
	for (k = 0; k < c->off; k++)
		fputs(" 0", fp);
	for (k = 0; k < c->n; k++)
		fprintf(fp, " %llu", (unsigned long long)v[k]);
	putc('\n', fp);
}

/* Whether function f has a line of cost in its own file; its lines start at lines[li]. */
static bool cg_self_in_own_file(const struct profile *p, const struct cg_cols *c, const size_t *lines, size_t li,
				size_t f)
{
	for (; li < p->nlines && p->lines[lines[li]].func == f; li++)
		if (cg_any(&c->line[lines[li] * c->n], c->n) && p->lines[lines[li]].file == p->funcs[f].file)
			return true;
	return false;
}

struct cg_tables {
	struct cg_names fl, fn, ob;
};

/* The blocks of one profile: the roots, then each function's lines and calls. */
static void cg_profile(FILE *fp, const struct profile *p, const struct cg_cols *c, struct cg_tables *t)
{
	size_t *lines = xmalloc((p->nlines + 1) * sizeof *lines), *calls = xmalloc((p->ncalls + 1) * sizeof *calls);
	uint64_t *with_line = xcalloc(c->n + 1, sizeof *with_line), *rest = xcalloc(c->n + 1, sizeof *rest);
	size_t f, li = 0, ci = 0, i;
	unsigned k;
	const char **name = cg_names_of(p);

	for (i = 0; i < p->nlines; i++)
		lines[i] = i;
	for (i = 0; i < p->ncalls; i++)
		calls[i] = i;
	cg_p = p;
	qsort(lines, p->nlines, sizeof *lines, cg_line_cmp);
	qsort(calls, p->ncalls, sizeof *calls, cg_call_cmp);

	/* The roots: each command calls the outermost function of its stacks. */
	for (i = 0; i < p->nroots; i++) {
		const struct prof_root *rt = &p->roots[i];
		const struct prof_func *callee = &p->funcs[rt->callee];
		char root[64];
		const char *rname;
		if (!cg_any(&c->root[i * c->n], c->n))
			continue;
		snprintf(root, sizeof root, "[%s]", rt->comm);
		rname = strtab_intern(p->strs, root);
		cg_name(fp, "ob", &t->ob, rname);
		cg_name(fp, "fl", &t->fl, cg_unknown);
		cg_name(fp, "fn", &t->fn, rname);
		cg_name(fp, "cob", &t->ob, callee->dso);
		cg_name(fp, "cfl", &t->fl, cg_file(callee));
		cg_name(fp, "cfn", &t->fn, name[rt->callee]);
		fprintf(fp, "calls=1 %d\n0", callee->line);
		cg_costs(fp, c, &c->root[i * c->n]);
		putc('\n', fp);
	}

	for (f = 0; f < p->nfuncs; f++) {
		const struct prof_func *fu = &p->funcs[f];
		const char *cur = cg_file(fu);

		memset(with_line, 0, c->n * sizeof *with_line);
		cg_name(fp, "ob", &t->ob, fu->dso);
		cg_name(fp, "fl", &t->fl, cur);
		cg_name(fp, "fn", &t->fn, name[f]);
		if (fu->file && fu->line > 0 && !cg_self_in_own_file(p, c, lines, li, f)) {
			/* A function whose costs all lie in calls or in other files still has a line
			   in its own file, or callgrind_annotate --auto finds that file empty. */
			fprintf(fp, "%d 0\n", fu->line);
		}
		for (; li < p->nlines && p->lines[lines[li]].func == f; li++) {
			const struct prof_line *l = &p->lines[lines[li]];
			const uint64_t *v = &c->line[lines[li] * c->n];
			if (!cg_any(v, c->n))
				continue;
			if (l->file != cur) {
				/* code of this function from another file: a macro, an #include */
				cg_name(fp, l->file == cg_file(fu) ? "fe" : "fi", &t->fl, l->file);
				cur = l->file;
			}
			fprintf(fp, "%d", l->line);
			cg_costs(fp, c, v);
			for (k = 0; k < c->n; k++)
				with_line[k] += v[k];
		}
		for (k = 0; k < c->n; k++)
			rest[k] = c->func[f * c->n + k] > with_line[k] ? c->func[f * c->n + k] - with_line[k] : 0;
		if (cg_any(rest, c->n)) {
			const char *unknown = cg_unknown_of(p, fu->dso);
			if (cur != unknown) {
				cg_name(fp, unknown == cg_file(fu) ? "fe" : "fi", &t->fl, unknown);
				cur = unknown;
			}
			fputc('0', fp);
			cg_costs(fp, c, rest);
		}
		for (; ci < p->ncalls && p->calls[calls[ci]].caller == f; ci++) {
			const struct prof_call *cl = &p->calls[calls[ci]];
			const struct prof_func *callee = &p->funcs[cl->callee];
			const char *site = cl->file ? cl->file : cg_unknown_of(p, fu->dso);
			if (!cg_any(&c->call[calls[ci] * c->n], c->n))
				continue;
			if (site != cur) {
				cg_name(fp, site == cg_file(fu) ? "fe" : "fi", &t->fl, site);
				cur = site;
				/* a file entered only for calls still gets a line (of no cost), or
				   callgrind_annotate --inclusive --auto finds it empty */
				if (cl->file && cl->line > 0)
					fprintf(fp, "%d 0\n", cl->line);
			}
			cg_name(fp, "cob", &t->ob, callee->dso);
			cg_name(fp, "cfl", &t->fl, cg_file(callee));
			cg_name(fp, "cfn", &t->fn, name[cl->callee]);
			fprintf(fp, "calls=1 %d\n%d", callee->line, cl->file ? cl->line : 0);
			cg_costs(fp, c, &c->call[calls[ci] * c->n]);
		}
		putc('\n', fp);
	}
	free(lines);
	free(calls);
	free(name);
	free(with_line);
	free(rest);
}

/* "summary:" or "totals:": every profile's totals, in the order of the events. */
static void cg_totals(FILE *fp, const char *key, const struct cg_cols *a, const struct cg_cols *b)
{
	const struct cg_cols *c[2] = { a, b };
	unsigned i, k;

	fputs(key, fp);
	for (i = 0; i < 2; i++)
		for (k = 0; c[i] && k < c[i]->n; k++)
			fprintf(fp, " %llu", (unsigned long long)c[i]->total[k]);
	putc('\n', fp);
}

/* The memory profile's events, as callgrind names them, and the costs they are. */
static const char *const cg_mem_events[] = { "AllocatedBytes", "Allocations", "PeakBytes", "LeakedBytes",
					     "Temporary" };
static const int cg_mem_costs[] = { MEM_ALLOCATED, MEM_ALLOCATIONS, MEM_PEAK, MEM_LEAKED, MEM_TEMPORARY };

/* Write the profiles; returns 0 or -1 on a write error. The sampled profile's cost is samples, and
   --memory's are bytes allocated, allocations, bytes held at the heap's peak, bytes leaked (and
   temporary allocations when every allocation was recorded), as events of their own: the same
   function in both profiles is one function to the readers, which add up its blocks. Costs are
   self cost per line of each function, and on each call the inclusive cost of the callee through
   that call, so that callgrind_annotate and KCachegrind compute the inclusive costs ptime reports.
   Sampling counts no calls: each call seen is written with calls=1 (a call needs a count, and 0
   would turn its cost into self cost), so KCachegrind's "Called" column counts the call sites seen. */
int report_callgrind(FILE *fp, const struct result *r)
{
	struct profile *p = r->profile && !r->profile->why[0] ? r->profile : NULL;
	struct profile *m = r->memory && r->memory->prof && !r->memory->prof->abandoned && r->memory->nprocs ?
			    r->memory->prof : NULL;
	struct cg_tables t = { { 0 }, { 0 }, { 0 } };
	struct cg_cols cp = { 0 }, cm = { 0 };
	const int samples = PROFILE_COST_SAMPLES;
	unsigned nm = r->memory && r->memory->rate == 1 ? 5 : 4, k;
	char *const *a, note[256];

	if (p)
		cg_cols_take(&cp, p, &samples, 1, 0);
	if (m)
		cg_cols_take(&cm, m, cg_mem_costs, nm, p ? 1 : 0);

	fputs("# callgrind format\nversion: 1\n", fp);
	fprintf(fp, "creator: ptime %s\n", PACKAGE_VERSION);
	fputs("cmd:", fp);
	for (a = r->argv; *a; a++)
		fprintf(fp, " %s", text_callgrind_name(*a));
	fprintf(fp, "\npart: 1\ndesc: Trigger: Program termination\n");
	if (p) {
		fprintf(fp, "desc: Sampled: %s at %u Hz%s; a cost is a sample\n", p->event, p->hz,
			p->kernel_sampled ? "" : ", user space only");
		if (report_kernel_note(p, note, sizeof note))
			fprintf(fp, "desc: Kernel: %s\n", note);
	}
	if (m) {
		if (r->memory->rate == 1)
			fputs("desc: Memory: every allocation recorded\n", fp);
		else
			fprintf(fp, "desc: Memory: allocations sampled once per %llu bytes on average; the costs are estimates\n",
				(unsigned long long)r->memory->rate);
	}
	fputs("desc: Calls: ptime counts no calls; calls=1 marks each call site seen\n", fp);
	fputs("positions: line\nevents:", fp);
	if (p)
		fputs(" Samples", fp);
	for (k = 0; m && k < nm; k++)
		fprintf(fp, " %s", cg_mem_events[k]);
	cg_totals(fp, "\nsummary:", p ? &cp : NULL, m ? &cm : NULL);
	putc('\n', fp);
	if (p)
		cg_profile(fp, p, &cp, &t);
	if (m)
		cg_profile(fp, m, &cm, &t);
	cg_totals(fp, "totals:", p ? &cp : NULL, m ? &cm : NULL);
	if (p)
		cg_cols_free(&cp);
	if (m)
		cg_cols_free(&cm);
	free(t.fl.names);
	free(t.fn.names);
	free(t.ob.names);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
