/* report/annotate.c: the hot regions of each source file with their samples, in the manner of
   pprofile's annotated listing: self and (with call chains) inclusive share per line, with context. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct ann_line {
	int line;
	uint64_t self, incl;
};

struct ann_file {
	const char *file;
	struct ann_line *lines;
	size_t n;
	uint64_t self, incl;
};

static int ann_line_cmp(const void *a, const void *b)
{
	return ((const struct ann_line *)a)->line - ((const struct ann_line *)b)->line;
}

static int ann_file_cmp(const void *a, const void *b)
{
	const struct ann_file *x = a, *y = b;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->incl != y->incl)
		return x->incl < y->incl ? 1 : -1;
	return strcmp(x->file, y->file);
}

/* Source lines of path, or NULL with errno set. */
static char **ann_read(const char *path, size_t *n)
{
	FILE *f = fopen(path, "re");
	char **v = NULL, *line = NULL;
	size_t cap = 0, len = 0;
	ssize_t got;

	*n = 0;
	if (!f)
		return NULL;
	while ((got = getline(&line, &len, f)) >= 0) {
		if (got > 0 && line[got - 1] == '\n')
			line[got - 1] = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = xstrdup(line);
	}
	free(line);
	fclose(f);
	if (!v)
		v = xcalloc(1, sizeof *v);
	return v;
}

static void ann_row(FILE *fp, const struct profile *p, int line, const struct ann_line *a, const char *src)
{
	char self[32] = "", sp[16] = "", ip[16] = "";
	if (a && (a->self || a->incl)) {
		format_group_digits(self, sizeof self, a->self);
		if (a->self)
			snprintf(sp, sizeof sp, "%6.2f%%", 100.0 * (double)a->self / (double)p->samples);
		if (p->call_graph)
			snprintf(ip, sizeof ip, "%6.2f%%", 100.0 * (double)a->incl / (double)p->samples);
	}
	fprintf(fp, "%7d %9s %8s %8s | %s\n", line, self, sp, ip, src ? text_escape_source(src) : "");
}

static void ann_file(FILE *fp, const struct profile *p, const struct ann_file *af, int context)
{
	size_t nsrc = 0, i = 0;
	char **src = ann_read(af->file, &nsrc);
	int e = errno, last = 0, ln;

	if (!src && !af->self)
		return; /* only callers' lines, and no source to show them in: nothing to read here */
	fprintf(fp, "\n File: %s  (self %.2f%%", text_escape_terminal(report_path(af->file)), 100.0 * (double)af->self / (double)p->samples);
	if (p->call_graph)
		fprintf(fp, ", inclusive %.2f%%", 100.0 * (double)af->incl / (double)p->samples);
	fputs(")\n", fp);
	if (!src)
		fprintf(fp, " (source not available: %s)\n", strerror(e));
	fprintf(fp, "%7s %9s %8s %8s | %s\n", "Line", "Samples", "Self%", p->call_graph ? "Incl%" : "", "Source");
	if (context < 0 && src) {
		/* the whole file */
		for (ln = 1; ln <= (int)nsrc; ln++) {
			const struct ann_line *a = i < af->n && af->lines[i].line == ln ? &af->lines[i++] : NULL;
			ann_row(fp, p, ln, a, src[ln - 1]);
		}
	} else {
		for (i = 0; i < af->n; i++) {
			int lo = af->lines[i].line - context, hi = af->lines[i].line + context;
			if (lo < 1)
				lo = 1;
			if (src && hi > (int)nsrc)
				hi = (int)nsrc;
			if (!src)
				lo = hi = af->lines[i].line;
			/* extend the region over following hot lines that its context reaches */
			while (i + 1 < af->n && af->lines[i + 1].line - context <= hi + 1) {
				i++;
				hi = af->lines[i].line + context;
				if (src && hi > (int)nsrc)
					hi = (int)nsrc;
				if (!src)
					hi = af->lines[i].line;
			}
			if (lo <= last)
				lo = last + 1;
			if (last && lo > last + 1)
				fprintf(fp, "%7s\n", "...");
			for (ln = lo; ln <= hi; ln++) {
				const struct ann_line *a = NULL;
				size_t k;
				for (k = 0; k < af->n; k++)
					if (af->lines[k].line == ln)
						a = &af->lines[k];
				if (src && ln > (int)nsrc)
					break;
				if (!src && !a)
					continue;
				ann_row(fp, p, ln, a, src ? src[ln - 1] : NULL);
			}
			last = hi;
		}
	}
	if (src) {
		for (i = 0; i < nsrc; i++)
			free(src[i]);
		free(src);
	}
}

/* Every source file with samples, hottest first: hot lines with context lines around them,
   or whole files when context is negative. */
void report_annotate(FILE *fp, const struct profile *p, int context)
{
	struct ann_file *files = NULL;
	size_t nfiles = 0, i, j;
	char note[256];

	if (!p || p->why[0] || p->samples == 0)
		return;
	for (i = 0; i < p->nlines; i++) {
		const struct prof_line *l = &p->lines[i];
		struct ann_file *af = NULL;
		if (!l->self && !l->incl)
			continue;
		for (j = 0; j < nfiles; j++)
			if (files[j].file == l->file)
				af = &files[j];
		if (!af) {
			files = xrealloc(files, (nfiles + 1) * sizeof *files);
			af = &files[nfiles++];
			memset(af, 0, sizeof *af);
			af->file = l->file;
		}
		/* a line in several functions (inlined code) is one row */
		for (j = 0; j < af->n && af->lines[j].line != l->line; j++)
			;
		if (j == af->n) {
			af->lines = xrealloc(af->lines, (af->n + 1) * sizeof *af->lines);
			af->lines[af->n++] = (struct ann_line){ l->line, 0, 0 };
		}
		af->lines[j].self += l->self;
		af->lines[j].incl += l->incl;
	}
	/* A file's shares are the profile's: samples with the leaf in it, and with any frame in it. */
	for (j = 0; j < nfiles; j++)
		for (i = 0; i < p->nfiles; i++)
			if (p->files[i].file == files[j].file) {
				files[j].self = p->files[i].self;
				files[j].incl = p->files[i].incl;
			}
	if (nfiles)
		qsort(files, nfiles, sizeof *files, ann_file_cmp);
	fprintf(fp, "\n Annotated source: %llu samples of %s at %u Hz\n", (unsigned long long)p->samples, p->event,
		p->hz);
	if (report_kernel_note(p, note, sizeof note))
		fprintf(fp, " kernel: %s\n", note);
	for (i = 0; i < nfiles; i++) {
		qsort(files[i].lines, files[i].n, sizeof *files[i].lines, ann_line_cmp);
		ann_file(fp, p, &files[i], context < 0 ? -1 : context);
		free(files[i].lines);
	}
	free(files);
}
