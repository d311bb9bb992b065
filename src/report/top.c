/* report/top.c: the short profile of the classic report: where the samples fell, hottest first. */
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

/* What the profile cannot show: the CPU time spent in the kernel when it is not sampled; NULL
   when there is nothing to say. */
const char *report_kernel_note(const struct profile *p, char *buf, size_t len)
{
	if (p->kernel_sampled)
		return NULL;
	if (p->cpu_ns <= 0)
		return NULL;
	snprintf(buf, len, "%.2f s of the %.2f s of CPU time (%.0f%%) were in the kernel and not sampled: %s",
		 (double)p->sys_ns / 1e9, (double)p->cpu_ns / 1e9, 100.0 * (double)p->sys_ns / (double)p->cpu_ns,
		 p->kernel_why);
	return buf;
}

/* A function's name as --names asks (malloc'ed). */
static char *report_name(const struct profile *p, const char *name)
{
	if (p->names == NAMES_FULL)
		return xstrdup(name);
	return demangle_shorten(name, p->names == NAMES_BARE ? DEMANGLE_SHORT_BARE : 0);
}

/* The names of the first n functions of idx as the rows show them: shortened, but in full where two
   different functions would look alike (std::vector<int>::f and std::vector<char>::f, overloads). */
static char **report_names(const struct profile *p, const size_t *idx, size_t n)
{
	char **out = xcalloc(n + 1, sizeof *out);
	bool *alike = xcalloc(n + 1, sizeof *alike);
	size_t i, j;

	for (i = 0; i < n; i++)
		out[i] = report_name(p, p->funcs[idx[i]].name);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(out[i], out[j]) == 0 && strcmp(p->funcs[idx[i]].name, p->funcs[idx[j]].name) != 0)
				alike[i] = alike[j] = true;
	for (i = 0; i < n; i++)
		if (alike[i]) {
			free(out[i]);
			out[i] = xstrdup(p->funcs[idx[i]].name);
		}
	free(alike);
	return out;
}

static double pct(uint64_t n, uint64_t total)
{
	return total ? 100.0 * (double)n / (double)total : 0;
}

struct by_comm {
	const char *comm;
	uint64_t samples;
};

static int by_comm_cmp(const void *a, const void *b)
{
	const struct by_comm *x = a, *y = b;
	return x->samples < y->samples ? 1 : x->samples > y->samples ? -1 : strcmp(x->comm, y->comm);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Samples by command name, for a command tree such as make's: "by command: cc1 61.2%, as 9.1%". */
static void report_by_comm(FILE *fp, const struct profile *p)
{
	struct by_comm *v = xcalloc(p->ntasks + 1, sizeof *v);
	int *pids = xcalloc(p->ntasks + 1, sizeof *pids);
	size_t n = 0, nprocs = 0, i, j;

	for (i = 0; i < p->ntasks; i++) {
		for (j = 0; j < n && v[j].comm != p->tasks[i].comm; j++)
			;
		if (j == n)
			v[n++] = (struct by_comm){ p->tasks[i].comm, 0 };
		v[j].samples += p->tasks[i].samples;
		pids[i] = p->tasks[i].pid;
	}
	if (p->ntasks)
		qsort(pids, p->ntasks, sizeof *pids, int_cmp);
	for (i = 0; i < p->ntasks; i++)
		nprocs += i == 0 || pids[i] != pids[i - 1];
	if (nprocs > 1) {
		qsort(v, n, sizeof *v, by_comm_cmp);
		fputs(" by command:", fp);
		for (i = 0; i < n && i < 6; i++)
			fprintf(fp, "%s %s %.1f%%", i ? "," : "", text_escape_terminal(v[i].comm), pct(v[i].samples, p->samples));
		if (n > 6)
			fprintf(fp, ", %zu more", n - 6);
		fprintf(fp, " (%zu processes)\n", nprocs);
	}
	free(v);
	free(pids);
}

/* The CPython processes: how much of the profile has their frames, and those that could not be read. */
static void report_python(FILE *fp, const struct profile *p)
{
	size_t i, read = 0, shown = 0;
	unsigned v = 0;
	bool mixed = false;

	for (i = 0; i < p->npys; i++)
		if (!p->pys[i].why) {
			mixed |= read && p->pys[i].version >> 16 != v >> 16;
			v = p->pys[i].version;
			read++;
		}
	if (read) {
		fprintf(fp, " Python: frames of CPython %u.%u%s in %.1f%% of samples (%zu process%s; %llu stack reads, "
			"%llu dropped as torn)\n", v >> 24, (v >> 16) & 0xff, mixed ? " and others" : "",
			pct(p->py_samples, p->samples), read, read == 1 ? "" : "es", (unsigned long long)p->py_reads,
			(unsigned long long)p->py_torn);
		if (p->py_unmatched)
			fprintf(fp, " Python: %.1f%% of samples came with no stack read near them: C frames only\n",
				pct(p->py_unmatched, p->samples));
		if (p->call_graph && p->py_samples)
			fprintf(fp, " Python: native frames placed between the Python frames that called them in %.1f%% "
				"of these samples (the rest: above the innermost Python frame)\n",
				pct(p->py_interleaved, p->py_samples));
	}
	for (i = 0; i < p->npys; i++)
		if (p->pys[i].why && shown++ < 5)
			fprintf(fp, " Python: pid %d (%s) not read, its C frames stand: %s\n", p->pys[i].pid,
				text_escape_terminal(p->pys[i].comm), text_escape_terminal(p->pys[i].why));
	if (shown > 5)
		fprintf(fp, " Python: and %zu more processes not read\n", shown - 5);
	for (i = 0, shown = 0; i < p->npys; i++)
		if (p->pys[i].stopped && shown++ < 5)
			fprintf(fp, " Python: pid %d (%s): %s\n", p->pys[i].pid, text_escape_terminal(p->pys[i].comm),
				text_escape_terminal(p->pys[i].stopped));
}

/* The profile block: sampling facts, the hottest functions and lines, and any warning. */
void report_profile(FILE *fp, const struct result *r)
{
	const struct profile *p = r->profile;
	char n[32], where[600];
	size_t *idx, i, shown;
	char **names;
	char *const *w;
	size_t nw;

	if (!p)
		return;
	if (p->why[0]) {
		fprintf(fp, "\n Profile: %s: %s\n", p->abandoned ? "unavailable" : "not sampled", text_escape_terminal(p->why));
		return;
	}
	format_group_digits(n, sizeof n, p->samples);
	if (p->period) {
		char per[32];
		format_group_digits(per, sizeof per, p->period);
		fprintf(fp, "\n Profile: %s samples of %s, one every %s cycles (%u Hz at the top clock rate)", n,
			p->event, per, p->hz);
	} else {
		fprintf(fp, "\n Profile: %s samples of %s at %u Hz", n, p->event, p->hz);
	}
	fprintf(fp, "%s, %llu lost, %llu throttled\n", p->kernel_sampled ? "" : " (user space only)",
		(unsigned long long)p->lost, (unsigned long long)p->throttled);
	if (report_kernel_note(p, where, sizeof where))
		fprintf(fp, " %s\n", where);
	if (p->dwarf) {
		fprintf(fp, " call chains unwound with DWARF CFI from a %u-byte copy of each stack", p->stack_bytes);
		if (p->cut_at_stack)
			fprintf(fp, "; %.1f%% ran past the copy and end there (--call-graph=dwarf,SIZE copies more)",
				pct(p->cut_at_stack, p->unwound));
		putc('\n', fp);
	} else if (p->call_graph) {
		fputs(" call chains from frame pointers: a function without one hides its caller (--call-graph=dwarf does not)\n", fp);
	}
	if (p->truncated)
		fprintf(fp, " %llu samples had stacks deeper than %d frames: their outermost frames are cut\n",
			(unsigned long long)p->truncated, PROFILE_MAX_DEPTH);
	if (p->samples == 0) {
		fputs(" (the command ran too briefly, or outside user space, to be sampled)\n", fp);
		return;
	}
	report_by_comm(fp, p);
	report_python(fp, p);
	fprintf(fp, "\n   self%%   incl%%  function\n");
	idx = profile_sorted_funcs(p);
	names = report_names(p, idx, p->nfuncs < PROFILE_TOP ? p->nfuncs : PROFILE_TOP);
	for (i = shown = 0; i < p->nfuncs && shown < PROFILE_TOP; i++) {
		const struct prof_func *f = &p->funcs[idx[i]];
		if (!f->self && !p->call_graph)
			break;
		if (f->file)
			snprintf(where, sizeof where, "%s:%d", text_escape_terminal(report_path(f->file)), f->line);
		else
			snprintf(where, sizeof where, "%s", text_escape_terminal(report_path(f->dso)));
		fprintf(fp, "  %5.1f%%  %5.1f%%  %-32s %s\n", pct(f->self, p->samples), pct(f->incl, p->samples),
			text_escape_terminal(names[i]), where);
		shown++;
	}
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
	free(idx);
	if (p->nlines) {
		fprintf(fp, "\n   self%%   incl%%  line\n");
		idx = profile_sorted_lines(p);
		for (i = 0; i < p->nlines && i < PROFILE_TOP; i++) {
			const struct prof_line *l = &p->lines[idx[i]];
			char *name;
			if (!l->self && !p->call_graph)
				break;
			snprintf(where, sizeof where, "%s:%d", text_escape_terminal(report_path(l->file)), l->line);
			name = report_name(p, p->funcs[l->func].name);
			fprintf(fp, "  %5.1f%%  %5.1f%%  %-40s %s\n", pct(l->self, p->samples), pct(l->incl, p->samples),
				where, text_escape_terminal(name));
			free(name);
		}
		free(idx);
	}
	nw = symbols_warnings(p->syms, &w);
	if (p->kernel_samples)
		fprintf(fp, "  %5.1f%% of samples are in the kernel: functions, no lines\n", pct(p->kernel_samples, p->samples));
	if (p->no_line > p->kernel_samples)
		fprintf(fp, "  %5.1f%% of samples in user space have no line information (%s)\n",
			pct(p->no_line - p->kernel_samples, p->samples),
			nw ? "the warnings below say why" : "their code has no line table: build it with -g");
	for (i = 0; i < nw && i < 5; i++)
		fprintf(fp, " warning: %s\n", text_escape_terminal(w[i]));
	if (nw > 5)
		fprintf(fp, " warning: and %zu more files without symbols or debug info\n", nw - 5);
}
