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

/* Whether function f has a sampled line in its own file; its lines start at lines[li]. */
static bool cg_self_in_own_file(const struct profile *p, const size_t *lines, size_t li, size_t f)
{
	for (; li < p->nlines && p->lines[lines[li]].func == f; li++)
		if (p->lines[lines[li]].self && p->lines[lines[li]].file == p->funcs[f].file)
			return true;
	return false;
}

/* Write the profile; returns 0 or -1 on a write error. Costs are samples: self cost per line of
   each function, and on each call the inclusive cost of the callee through that call, so that
   callgrind_annotate and KCachegrind compute the inclusive costs ptime reports. Sampling counts
   no calls: each sampled call is written with calls=1 (a call needs a count, and 0 would turn
   its cost into self cost), so KCachegrind's "Called" column counts the call sites seen. */
int report_callgrind(FILE *fp, const struct result *r)
{
	const struct profile *p = r->profile;
	struct cg_names fl = { 0 }, fn = { 0 }, ob = { 0 };
	size_t *lines = xmalloc((p->nlines + 1) * sizeof *lines), *calls = xmalloc((p->ncalls + 1) * sizeof *calls);
	size_t f, li = 0, ci = 0, i;
	char *const *a, note[256];
	const char **name = cg_names_of(p);

	for (i = 0; i < p->nlines; i++)
		lines[i] = i;
	for (i = 0; i < p->ncalls; i++)
		calls[i] = i;
	cg_p = p;
	qsort(lines, p->nlines, sizeof *lines, cg_line_cmp);
	qsort(calls, p->ncalls, sizeof *calls, cg_call_cmp);

	fputs("# callgrind format\nversion: 1\n", fp);
	fprintf(fp, "creator: ptime %s\n", PACKAGE_VERSION);
	fputs("cmd:", fp);
	for (a = r->argv; *a; a++)
		fprintf(fp, " %s", text_callgrind_name(*a));
	fprintf(fp, "\npart: 1\ndesc: Trigger: Program termination\n");
	fprintf(fp, "desc: Sampled: %s at %u Hz%s; a cost is a sample\n", p->event, p->hz,
		p->kernel_sampled ? "" : ", user space only");
	if (report_kernel_note(p, note, sizeof note))
		fprintf(fp, "desc: Kernel: %s\n", note);
	fputs("desc: Calls: sampling counts no calls; calls=1 marks each call site seen\n", fp);
	fputs("positions: line\nevents: Samples\n", fp);
	fprintf(fp, "summary: %llu\n\n", (unsigned long long)p->samples);

	/* The roots: each command calls the outermost function of its stacks. */
	for (i = 0; i < p->nroots; i++) {
		const struct prof_root *rt = &p->roots[i];
		const struct prof_func *callee = &p->funcs[rt->callee];
		char root[64];
		const char *rname;
		snprintf(root, sizeof root, "[%s]", rt->comm);
		rname = strtab_intern(p->strs, root);
		cg_name(fp, "ob", &ob, rname);
		cg_name(fp, "fl", &fl, cg_unknown);
		cg_name(fp, "fn", &fn, rname);
		cg_name(fp, "cob", &ob, callee->dso);
		cg_name(fp, "cfl", &fl, cg_file(callee));
		cg_name(fp, "cfn", &fn, name[rt->callee]);
		fprintf(fp, "calls=1 %d\n0 %llu\n\n", callee->line, (unsigned long long)rt->count);
	}

	for (f = 0; f < p->nfuncs; f++) {
		const struct prof_func *fu = &p->funcs[f];
		const char *cur = cg_file(fu);
		uint64_t with_line = 0;

		cg_name(fp, "ob", &ob, fu->dso);
		cg_name(fp, "fl", &fl, cur);
		cg_name(fp, "fn", &fn, name[f]);
		if (fu->file && fu->line > 0 && !cg_self_in_own_file(p, lines, li, f)) {
			/* A function whose samples all lie in calls or in other files still has a line
			   in its own file, or callgrind_annotate --auto finds that file empty. */
			fprintf(fp, "%d 0\n", fu->line);
		}
		for (; li < p->nlines && p->lines[lines[li]].func == f; li++) {
			const struct prof_line *l = &p->lines[lines[li]];
			if (!l->self)
				continue;
			if (l->file != cur) {
				/* code of this function from another file: a macro, an #include */
				cg_name(fp, l->file == cg_file(fu) ? "fe" : "fi", &fl, l->file);
				cur = l->file;
			}
			fprintf(fp, "%d %llu\n", l->line, (unsigned long long)l->self);
			with_line += l->self;
		}
		if (fu->self > with_line) {
			const char *unknown = cg_unknown_of(p, fu->dso);
			if (cur != unknown) {
				cg_name(fp, unknown == cg_file(fu) ? "fe" : "fi", &fl, unknown);
				cur = unknown;
			}
			fprintf(fp, "0 %llu\n", (unsigned long long)(fu->self - with_line));
		}
		for (; ci < p->ncalls && p->calls[calls[ci]].caller == f; ci++) {
			const struct prof_call *c = &p->calls[calls[ci]];
			const struct prof_func *callee = &p->funcs[c->callee];
			const char *site = c->file ? c->file : cg_unknown_of(p, fu->dso);
			if (site != cur) {
				cg_name(fp, site == cg_file(fu) ? "fe" : "fi", &fl, site);
				cur = site;
				/* a file entered only for calls still gets a line (of no cost), or
				   callgrind_annotate --inclusive --auto finds it empty */
				if (c->file && c->line > 0)
					fprintf(fp, "%d 0\n", c->line);
			}
			cg_name(fp, "cob", &ob, callee->dso);
			cg_name(fp, "cfl", &fl, cg_file(callee));
			cg_name(fp, "cfn", &fn, name[c->callee]);
			fprintf(fp, "calls=1 %d\n%d %llu\n", callee->line, c->file ? c->line : 0,
				(unsigned long long)c->count);
		}
		putc('\n', fp);
	}
	fprintf(fp, "totals: %llu\n", (unsigned long long)p->samples);
	free(lines);
	free(calls);
	free(name);
	free(fl.names);
	free(fn.names);
	free(ob.names);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
