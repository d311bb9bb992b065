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

static const char *cg_file(const struct prof_func *f)
{
	return f->file ? f->file : f->dso;
}

static const struct profile *cg_p;
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

/* Write the profile; returns 0 or -1 on a write error. */
int report_callgrind(FILE *fp, const struct result *r)
{
	const struct profile *p = r->profile;
	struct cg_names fl = { 0 }, fn = { 0 }, ob = { 0 };
	size_t *lines = xmalloc((p->nlines + 1) * sizeof *lines), *calls = xmalloc((p->ncalls + 1) * sizeof *calls);
	size_t f, li = 0, ci = 0, i;
	char *const *a;

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
	fprintf(fp, "desc: Sampled: %s at %u Hz, user space only; a cost is a sample\n", p->event, p->hz);
	fputs("positions: line\nevents: Samples\n", fp);
	fprintf(fp, "summary: %llu\n\n", (unsigned long long)p->samples);

	for (f = 0; f < p->nfuncs; f++) {
		const struct prof_func *fu = &p->funcs[f];
		const char *cur = cg_file(fu);
		uint64_t with_line = 0;

		cg_name(fp, "ob", &ob, fu->dso);
		cg_name(fp, "fl", &fl, cur);
		cg_name(fp, "fn", &fn, fu->name);
		for (; li < p->nlines && p->lines[lines[li]].func == f; li++) {
			const struct prof_line *l = &p->lines[lines[li]];
			if (!l->self)
				continue;
			if (l->file != cur) {
				/* inlined code from another file */
				cg_name(fp, l->file == cg_file(fu) ? "fe" : "fi", &fl, l->file);
				cur = l->file;
			}
			fprintf(fp, "%d %llu\n", l->line, (unsigned long long)l->self);
			with_line += l->self;
		}
		if (fu->self > with_line) {
			if (cur != cg_file(fu)) {
				cg_name(fp, "fe", &fl, cg_file(fu));
				cur = cg_file(fu);
			}
			fprintf(fp, "0 %llu\n", (unsigned long long)(fu->self - with_line));
		}
		for (; ci < p->ncalls && p->calls[calls[ci]].caller == f; ci++) {
			const struct prof_call *c = &p->calls[calls[ci]];
			const struct prof_func *callee = &p->funcs[c->callee];
			const char *site = c->file ? c->file : cg_file(fu);
			if (site != cur) {
				cg_name(fp, site == cg_file(fu) ? "fe" : "fi", &fl, site);
				cur = site;
			}
			cg_name(fp, "cob", &ob, callee->dso);
			cg_name(fp, "cfl", &fl, cg_file(callee));
			cg_name(fp, "cfn", &fn, callee->name);
			/* calls= must not be 0: callgrind readers would take the cost as self cost */
			fprintf(fp, "calls=%llu %d\n%d %llu\n", (unsigned long long)c->count, callee->line,
				c->file ? c->line : 0, (unsigned long long)c->count);
		}
		putc('\n', fp);
	}
	fprintf(fp, "totals: %llu\n", (unsigned long long)p->samples);
	free(lines);
	free(calls);
	free(fl.names);
	free(fn.names);
	free(ob.names);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
