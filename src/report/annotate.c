/* report/annotate.c: the hot regions of each source file with their samples, in the manner of
   pprofile's annotated listing: self and (with call chains) inclusive share per line, with context. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

struct ann_line {
	int line;
	uint64_t self, incl;
	uint64_t count;          /* --memory: the allocations of the line (self) */
};

/* What the shares are of: the samples, or the bytes allocated; and whether allocations are a column. */
static uint64_t ann_total;
static bool ann_memory;

struct ann_file {
	const char *file;
	const char *dso;         /* a binary whose debug info names the file: whose permissions root reads it with */
	struct ann_line *lines;
	size_t n;
	uint64_t self, incl;
};

/* A source file's text, split into lines in place. */
struct ann_src {
	char *buf;
	char **line;
	size_t n;
};

#define ANN_MAX_BYTES (16u << 20) /* a larger "source" is not shown */
#define ANN_MAX_LINES (1u << 22)

static int ann_line_cmp(const void *a, const void *b)
{
	int x = ((const struct ann_line *)a)->line, y = ((const struct ann_line *)b)->line;
	return x < y ? -1 : x > y;
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

/* Open path as safefile allows; when ptime runs as root, with the file-system identity of the owner of
   the binary that names it (nobody's when that is unknown), so that the debug info of a program someone
   else built can name /etc/shadow and not have it printed. */
static int ann_open(const char *path, const char *dso, char *why, size_t len)
{
	struct stat st, bin;
	gid_t groups[256];
	int ngroups, fd, e;
	uid_t uid = 65534;
	gid_t gid = 65534;

	if (geteuid() != 0)
		return safefile_open(path, 0, &st, why, len);
	if (dso && dso[0] == '/' && stat(dso, &bin) == 0) {
		uid = bin.st_uid;
		gid = bin.st_gid;
	}
	if (uid == 0)
		return safefile_open(path, 0, &st, why, len);
	ngroups = getgroups(256, groups);
	if (ngroups < 0 || setgroups(0, NULL) < 0) {
		snprintf(why, len, "not read: cannot take the permissions of uid %u", (unsigned)uid);
		errno = EPERM;
		return -1;
	}
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		fd = -1;
		e = EPERM;
		snprintf(why, len, "not read: cannot take the permissions of uid %u", (unsigned)uid);
	} else {
		fd = safefile_open(path, 0, &st, why, len);
		e = errno;
		if (fd < 0 && (e == EACCES || e == EPERM))
			snprintf(why, len, "%s for uid %u, the owner of %s (as root, ptime reads sources with the "
				 "permissions of the binary's owner)", strerror(e), (unsigned)uid, dso ? dso : "the binary");
	}
	setfsuid(0);
	setfsgid(0);
	if (setgroups((size_t)ngroups, groups) < 0)
		abort(); /* root can always restore its own groups */
	errno = e;
	return fd;
}

/* The lines of the source file path, or false with the reason in why: only a regular file, read without
   blocking, at most ANN_MAX_BYTES. */
static bool ann_read(const char *path, const char *dso, struct ann_src *src, char *why, size_t len)
{
	size_t size, cap = 0;
	char *p, *end;
	int fd = ann_open(path, dso, why, len), rc;

	memset(src, 0, sizeof *src);
	if (fd < 0)
		return false;
	rc = safefile_read(fd, ANN_MAX_BYTES, &src->buf, &size);
	close(fd);
	if (rc != 0) {
		if (rc > 0)
			snprintf(why, len, "larger than %u MiB", ANN_MAX_BYTES >> 20);
		else
			snprintf(why, len, "%s", strerror(-rc));
		free(src->buf);
		src->buf = NULL;
		return false;
	}
	for (p = src->buf, end = p + size; p < end && src->n < ANN_MAX_LINES; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (src->n == cap) {
			cap = cap ? cap * 2 : 1024;
			src->line = xrealloc(src->line, cap * sizeof *src->line);
		}
		src->line[src->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return true;
}

static void ann_row(FILE *fp, const struct profile *p, int64_t line, const struct ann_line *a, const char *src)
{
	char self[32] = "", sp[16] = "", ip[16] = "", n[32] = "";
	if (a && (a->self || a->incl)) {
		format_group_digits(self, sizeof self, a->self);
		if (a->self)
			snprintf(sp, sizeof sp, "%6.2f%%", 100.0 * (double)a->self / (double)ann_total);
		if (p->call_graph)
			snprintf(ip, sizeof ip, "%6.2f%%", 100.0 * (double)a->incl / (double)ann_total);
		if (ann_memory && a->count)
			format_group_digits(n, sizeof n, a->count);
	}
	if (ann_memory)
		fprintf(fp, "%7lld %13s %8s %8s %9s | %s\n", (long long)line, self, sp, ip, n,
			src ? text_escape_source(src) : "");
	else
		fprintf(fp, "%7lld %9s %8s %8s | %s\n", (long long)line, self, sp, ip, src ? text_escape_source(src) : "");
}

static void ann_file(FILE *fp, const struct profile *p, const struct ann_file *af, int context)
{
	struct ann_src src;
	char why[512] = "";
	bool have = ann_read(af->file, af->dso, &src, why, sizeof why);
	int64_t last = 0, ln, nsrc = have ? (int64_t)src.n : 0;
	size_t i, j, k;

	if (!have && !af->self)
		return; /* only callers' lines, and no source to show them in: nothing to read here */
	fprintf(fp, "\n File: %s  (self %.2f%%", text_escape_terminal(report_path(af->file)), 100.0 * (double)af->self / (double)ann_total);
	if (p->call_graph)
		fprintf(fp, ", inclusive %.2f%%", 100.0 * (double)af->incl / (double)ann_total);
	fputs(")\n", fp);
	if (!have)
		fprintf(fp, " (source not available: %s)\n", why);
	if (ann_memory)
		fprintf(fp, "%7s %13s %8s %8s %9s | %s\n", "Line", "Bytes", "Self%", "Incl%", "Allocs", "Source");
	else
		fprintf(fp, "%7s %9s %8s %8s | %s\n", "Line", "Samples", "Self%", p->call_graph ? "Incl%" : "", "Source");
	if (context < 0 && have) {
		/* the whole file, then any hot line past its end (the file changed, or a #line) */
		for (ln = 1, i = 0; ln <= nsrc; ln++) {
			const struct ann_line *a = i < af->n && af->lines[i].line == ln ? &af->lines[i++] : NULL;
			ann_row(fp, p, ln, a, src.line[ln - 1]);
		}
		for (; i < af->n; i++)
			ann_row(fp, p, af->lines[i].line, &af->lines[i], NULL);
	} else {
		/* 64-bit arithmetic: a line number near INT_MAX plus its context must not wrap */
		int64_t ctx = have ? context : 0;
		for (i = 0; i < af->n; i = j) {
			int64_t lo = (int64_t)af->lines[i].line - ctx, hi = (int64_t)af->lines[i].line + ctx;
			/* extend the region over following hot lines that its context reaches */
			for (j = i + 1; j < af->n && (int64_t)af->lines[j].line - ctx <= hi + 1; j++)
				hi = (int64_t)af->lines[j].line + ctx;
			if (lo < 1)
				lo = 1;
			if (lo <= last)
				lo = last + 1;
			if (last && lo > last + 1)
				fprintf(fp, "%7s\n", "...");
			for (ln = lo, k = i; ln <= hi; ln++) {
				const struct ann_line *a = NULL;
				while (k < j && af->lines[k].line < ln)
					k++;
				if (k < j && af->lines[k].line == ln)
					a = &af->lines[k];
				if (a || ln <= nsrc)
					ann_row(fp, p, ln, a, ln <= nsrc ? src.line[ln - 1] : NULL);
				else if (ln > nsrc && k == j)
					break; /* past the file and past the region's hot lines */
			}
			last = hi;
		}
	}
	free(src.line);
	free(src.buf);
}

/* Every source file with costs, hottest first: hot lines with context lines around them, or whole
   files when context is negative. count: per line of p, its allocations (--memory), or NULL. */
static void ann_report(FILE *fp, const struct profile *p, int context, const uint64_t *count, const char *title)
{
	struct ann_file *files = NULL;
	size_t nfiles = 0, i, j;
	char note[256];

	ann_memory = count != NULL;
	ann_total = count ? p->samples_charged : p->samples;
	if (ann_total == 0)
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
			af->dso = l->func < p->nfuncs ? p->funcs[l->func].dso : NULL;
		}
		/* a line in several functions (inlined code) is one row */
		for (j = 0; j < af->n && af->lines[j].line != l->line; j++)
			;
		if (j == af->n) {
			af->lines = xrealloc(af->lines, (af->n + 1) * sizeof *af->lines);
			af->lines[af->n++] = (struct ann_line){ l->line, 0, 0, 0 };
		}
		af->lines[j].self += l->self;
		af->lines[j].incl += l->incl;
		if (count)
			af->lines[j].count += count[i];
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
	if (title) {
		fprintf(fp, "\n %s\n", title);
	} else {
		fprintf(fp, "\n Annotated source: %llu samples of %s at %u Hz\n", (unsigned long long)p->samples,
			p->event, p->hz);
		if (report_kernel_note(p, note, sizeof note))
			fprintf(fp, " %s\n", note);
	}
	for (i = 0; i < nfiles; i++) {
		qsort(files[i].lines, files[i].n, sizeof *files[i].lines, ann_line_cmp);
		ann_file(fp, p, &files[i], context < 0 ? -1 : context);
		free(files[i].lines);
	}
	free(files);
}

/* The sampled profile's source files, hottest first. */
void report_annotate(FILE *fp, const struct profile *p, int context)
{
	if (!p || p->why[0] || p->samples == 0)
		return;
	ann_report(fp, p, context, NULL, NULL);
}

/* --memory's source files: bytes allocated by each line (self, and inclusive through its calls) and its
   allocations, the files that allocated most first. */
void report_annotate_memory(FILE *fp, const struct memory *m, int context)
{
	struct profile *p = m ? m->prof : NULL;
	uint64_t *count;
	char title[160], rate[32];
	size_t i;

	if (!p || p->abandoned || !m->nprocs)
		return;
	profile_select(p, MEM_ALLOCATIONS);
	count = xcalloc(p->nlines + 1, sizeof *count);
	for (i = 0; i < p->nlines; i++)
		count[i] = p->lines[i].self;
	profile_select(p, MEM_ALLOCATED);
	format_human_bytes(rate, sizeof rate, m->rate);
	if (m->rate == 1)
		snprintf(title, sizeof title, "Annotated source: bytes allocated and allocations, every allocation recorded");
	else
		snprintf(title, sizeof title, "Annotated source: bytes allocated and allocations, estimated from "
			 "allocations sampled once per %s", rate);
	ann_report(fp, p, context, count, title);
	profile_select(p, PROFILE_COST_SAMPLES);
	free(count);
}
