/* report-profile.c: the short profile of the classic report: where the samples fell, hottest first. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

#define PROFILE_TOP 8

/* A path as the user would type it: relative to the working directory when under it. */
const char *report_path(const char *path)
{
	static char cwd[4096];
	static size_t len;
	if (!path)
		return "??";
	if (!len && getcwd(cwd, sizeof cwd))
		len = strlen(cwd);
	if (len && strncmp(path, cwd, len) == 0 && path[len] == '/')
		return path + len + 1;
	return path;
}

static double pct(uint64_t n, uint64_t total)
{
	return total ? 100.0 * (double)n / (double)total : 0;
}

/* The profile block: sampling facts, the hottest functions and lines, and any warning. */
void report_profile(FILE *fp, const struct result *r)
{
	const struct profile *p = r->profile;
	char n[32], where[600];
	size_t *idx, i, shown;
	char *const *w;
	size_t nw;

	if (!p)
		return;
	if (p->why[0]) {
		fprintf(fp, "\n Profile: not sampled: %s\n", p->why);
		return;
	}
	format_group_digits(n, sizeof n, p->samples);
	fprintf(fp, "\n Profile: %s samples of %s at %u Hz (user space only), %llu lost, %llu throttled\n", n,
		p->event, p->hz, (unsigned long long)p->lost, (unsigned long long)p->throttled);
	if (p->call_graph)
		fputs(" call chains from frame pointers: a function without one hides its caller\n", fp);
	if (p->samples == 0) {
		fputs(" (the command ran too briefly, or outside user space, to be sampled)\n", fp);
		return;
	}
	fprintf(fp, "\n   self%%   incl%%  function\n");
	idx = profile_sorted_funcs(p);
	for (i = shown = 0; i < p->nfuncs && shown < PROFILE_TOP; i++) {
		const struct prof_func *f = &p->funcs[idx[i]];
		if (!f->self && !p->call_graph)
			break;
		if (f->file)
			snprintf(where, sizeof where, "%s:%d", report_path(f->file), f->line);
		else
			snprintf(where, sizeof where, "%s", report_path(f->dso));
		fprintf(fp, "  %5.1f%%  %5.1f%%  %-32s %s\n", pct(f->self, p->samples), pct(f->incl, p->samples),
			f->name, where);
		shown++;
	}
	free(idx);
	if (p->nlines) {
		fprintf(fp, "\n   self%%   incl%%  line\n");
		idx = profile_sorted_lines(p);
		for (i = 0; i < p->nlines && i < PROFILE_TOP; i++) {
			const struct prof_line *l = &p->lines[idx[i]];
			if (!l->self && !p->call_graph)
				break;
			snprintf(where, sizeof where, "%s:%d", report_path(l->file), l->line);
			fprintf(fp, "  %5.1f%%  %5.1f%%  %-40s %s\n", pct(l->self, p->samples), pct(l->incl, p->samples),
				where, p->funcs[l->func].name);
		}
		free(idx);
	}
	if (p->no_line)
		fprintf(fp, "  %5.1f%% of samples have no line information (see any warning below; build with -g)\n",
			pct(p->no_line, p->samples));
	nw = symbols_warnings(p->syms, &w);
	for (i = 0; i < nw && i < 5; i++)
		fprintf(fp, " warning: %s\n", w[i]);
	if (nw > 5)
		fprintf(fp, " warning: and %zu more files without symbols or debug info\n", nw - 5);
}
