/* report/tree.c: the "Processes" block of --tree: executables, slowest processes, busy CPUs, critical path. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ptime.h"

#define TREE_TOP_EXES 8
#define TREE_TOP_PROCS 10
#define TREE_CHART_COLS 64
#define TREE_CHART_ROWS 8
#define TREE_CMD_WIDTH 100

/* Block characters only where the terminal's locale is UTF-8. */
static bool tree_utf8(void)
{
	const char *v = getenv("LC_ALL");
	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"));
}

static double tree_s(int64_t ns)
{
	return (double)ns / 1e9;
}

static double tree_pct(int64_t a, int64_t b)
{
	return b > 0 ? 100.0 * (double)a / (double)b : 0;
}

/* The command line of p as one line for the terminal, cut at width. */
static const char *tree_cmd(const struct tree_proc *p, char *buf, size_t width)
{
	size_t i, n;
	if (!p->cmdline)
		snprintf(buf, width + 1, "[%s]", p->comm);
	else {
		n = p->cmdline_len < width ? p->cmdline_len : width;
		for (i = 0; i < n; i++)
			buf[i] = p->cmdline[i] ? p->cmdline[i] : ' ';
		buf[n] = '\0';
		if (p->cmdline_len > width || p->cmdline_truncated)
			snprintf(buf + (n > 3 ? n - 3 : 0), 4, "...");
	}
	return text_escape_terminal(buf);
}

static int tree_by_cpu(const void *a, const void *b, void *ctx)
{
	const struct tree *t = ctx;
	int64_t x = t->procs[*(const size_t *)a].cpu_ns, y = t->procs[*(const size_t *)b].cpu_ns;
	return x > y ? -1 : x < y;
}

static void tree_executables(FILE *fp, const struct tree *t)
{
	size_t i;
	char brief[256];

	fprintf(fp, "  %-16s %6s %10s %6s %10s   %s\n", "executable", "procs", "CPU", "share", "wall", "slowest (CPU)");
	for (i = 0; i < t->nexes && i < TREE_TOP_EXES; i++) {
		const struct tree_exe *e = &t->exes[i];
		const struct tree_proc *m = &t->procs[e->max_cpu];
		fprintf(fp, "  %-16s %6zu %8.3f s %5.1f%% %8.3f s", text_escape_terminal(e->comm), e->count,
			tree_s(e->cpu_ns), tree_pct(e->cpu_ns, t->cpu_ns), tree_s(e->wall_ns));
		if (e->count > 1) {
			tree_brief(m, brief, sizeof brief);
			fprintf(fp, "   %.3f s %s (pid %d)", tree_s(m->cpu_ns), text_escape_terminal(brief), m->pid);
		}
		putc('\n', fp);
	}
	if (t->nexes > TREE_TOP_EXES)
		fprintf(fp, "  and %zu more executables\n", t->nexes - TREE_TOP_EXES);
}

static void tree_slowest(FILE *fp, const struct tree *t)
{
	size_t *idx = xmalloc((t->nprocs + 1) * sizeof *idx), i;
	char cmd[TREE_CMD_WIDTH + 1];

	for (i = 0; i < t->nprocs; i++)
		idx[i] = i;
	qsort_r(idx, t->nprocs, sizeof *idx, tree_by_cpu, (void *)t);
	fprintf(fp, " Slowest processes, by CPU time (seconds from the start):\n");
	fprintf(fp, "  %8s %8s %8s %8s %8s %8s %6s  %s\n", "pid", "ppid", "start", "wall", "CPU", "minflt", "majflt",
		"command");
	for (i = 0; i < t->nprocs && i < TREE_TOP_PROCS; i++) {
		const struct tree_proc *p = &t->procs[idx[i]];
		fprintf(fp, "  %8d %8d %8.3f ", p->pid, p->ppid, tree_s(p->start_ns));
		if (p->end_ns >= 0)
			fprintf(fp, "%8.3f ", tree_s(p->end_ns - p->start_ns));
		else
			fprintf(fp, "%8s ", "running");
		fprintf(fp, "%8.3f ", tree_s(p->cpu_ns));
		if (p->minflt >= 0 && p->majflt >= 0)
			fprintf(fp, "%8lld %6lld ", (long long)p->minflt, (long long)p->majflt);
		else
			fprintf(fp, "%8s %6s ", "-", "-");
		fprintf(fp, " %s\n", tree_cmd(p, cmd, TREE_CMD_WIDTH));
	}
	free(idx);
}

/* Busy CPUs over time: rows of blocks, each column the average over its stretch of the run. */
static void tree_chart(FILE *fp, const struct tree *t, bool utf8)
{
	static const char *const eighths[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	double col[TREE_CHART_COLS], scale;
	int cols = TREE_CHART_COLS, rows, r, c;
	size_t b;

	if (t->real_ns <= 0 || !t->ncurve)
		return;
	if ((int64_t)cols > t->real_ns / t->curve_res_ns)
		cols = (int)(t->real_ns / t->curve_res_ns);
	if (cols < 1)
		cols = 1;
	memset(col, 0, sizeof col);
	for (b = 0; b < t->ncurve; b++) {
		/* spread each bucket's busy time over the columns it overlaps */
		double a = (double)b * (double)t->curve_res_ns, e = a + (double)t->curve_res_ns;
		double w = (double)t->real_ns / cols;
		for (c = (int)(a / w); c < cols && c * w < e; c++) {
			double lo = a > c * w ? a : c * w, hi = e < (c + 1) * w ? e : (c + 1) * w;
			if (hi > lo)
				col[c] += (double)t->curve[b] * (hi - lo) / (double)t->curve_res_ns / w;
		}
	}
	rows = t->max_busy < 1 ? 1 : t->max_busy;
	scale = rows > TREE_CHART_ROWS ? (double)rows / TREE_CHART_ROWS : 1;
	if (rows > TREE_CHART_ROWS)
		rows = TREE_CHART_ROWS;
	fprintf(fp, "  busy CPUs over time, %.3g ms a column%s:\n", (double)t->real_ns / cols / 1e6,
		t->curve_coarsened ? " (the curve was coarsened to fit its bound)" : "");
	for (r = rows; r >= 1; r--) {
		fprintf(fp, "  %4.0f %s", r * scale, utf8 ? "\u2502" : "|");
		for (c = 0; c < cols; c++) {
			double v = (col[c] - (r - 1) * scale) / scale;
			int k = v >= 1 ? 8 : v <= 0 ? 0 : (int)(v * 8 + 0.5);
			if (utf8)
				fputs(eighths[k], fp);
			else
				putc(k == 8 ? '#' : k >= 4 ? ':' : k > 0 ? '.' : ' ', fp);
		}
		putc('\n', fp);
	}
	fprintf(fp, "       %s", utf8 ? "\u2514" : "+");
	for (c = 0; c < cols; c++)
		fputs(utf8 ? "\u2500" : "-", fp);
	fprintf(fp, " %.3f s\n", tree_s(t->real_ns));
}

static void tree_parallelism(FILE *fp, const struct tree *t, bool utf8)
{
	int64_t cpu = t->cpu_ns >= 0 ? t->cpu_ns : t->busy_ns, serial;
	int k;

	fprintf(fp, " Parallelism: %.2f CPUs busy on average (CPU time / real), %d at most; %ld online\n",
		t->real_ns > 0 ? (double)cpu / (double)t->real_ns : 0, t->max_busy, t->nproc);
	for (k = 0; k <= t->max_busy && k < TREE_HIST_MAX; k++) {
		int bar = (int)(tree_pct(t->hist_ns[k], t->real_ns) * 0.4 + 0.5), i;
		fprintf(fp, "  %4d busy %8.3f s %5.1f%%  ", k, tree_s(t->hist_ns[k]), tree_pct(t->hist_ns[k], t->real_ns));
		for (i = 0; i < bar; i++)
			fputs(utf8 ? "\u2588" : "#", fp);
		putc('\n', fp);
	}
	serial = t->hist_ns[0] + t->hist_ns[1];
	fprintf(fp, "  serial (at most 1 CPU busy): %.1f%% of real; idle tail: the last %.3f s (%.1f%%)\n",
		tree_pct(serial, t->real_ns), tree_s(t->tail_ns), tree_pct(t->tail_ns, t->real_ns));
	tree_chart(fp, t, utf8);
}

/* The critical path: its steps of 1% of the run or more, in time order, then the time on it by executable. */
static void tree_path(FILE *fp, const struct tree *t)
{
	struct { const char *comm; int64_t ns; } by[TREE_TOP_EXES];
	size_t i, j, nby = 0, small = 0;
	char brief[256];
	int64_t sum = 0, small_ns = 0, other_ns = 0;

	for (i = 0; i < t->npath; i++)
		sum += t->path[i].end_ns - t->path[i].start_ns;
	fprintf(fp, " Critical path: %.3f s in %zu steps, through fork and wait (seconds from the start):\n",
		tree_s(sum), t->npath);
	for (i = 0; i < t->npath; i++) {
		const struct tree_step *s = &t->path[i];
		const struct tree_proc *p = &t->procs[s->proc];
		int64_t d = s->end_ns - s->start_ns;
		for (j = 0; j < nby && strcmp(by[j].comm, p->comm) != 0; j++)
			;
		if (j == nby && nby < TREE_TOP_EXES)
			by[nby++] = (typeof(by[0])){ p->comm, 0 };
		if (j < nby)
			by[j].ns += d;
		else
			other_ns += d;
		if (d * 100 < t->real_ns && t->npath > TREE_TOP_PROCS) {
			small++;
			small_ns += d;
			continue;
		}
		tree_brief(p, brief, sizeof brief);
		fprintf(fp, "  %8.3f %8.3f %8.3f s %5.1f%%  %s (pid %d)\n", tree_s(s->start_ns), tree_s(s->end_ns),
			tree_s(d), tree_pct(d, t->real_ns), text_escape_terminal(brief), p->pid);
	}
	if (small)
		fprintf(fp, "  and %zu shorter steps (under 1%% each): %.3f s, %.1f%%\n", small, tree_s(small_ns),
			tree_pct(small_ns, t->real_ns));
	if (t->npath <= TREE_TOP_PROCS)
		return;
	fputs("  on the path by executable:", fp);
	for (i = 0; i < nby; i++) { /* largest first: a few entries, a simple selection */
		size_t best = i;
		for (j = i + 1; j < nby; j++)
			if (by[j].ns > by[best].ns)
				best = j;
		if (best != i) {
			typeof(by[0]) x = by[i];
			by[i] = by[best];
			by[best] = x;
		}
		fprintf(fp, "%s %s %.3f s (%.1f%%)", i ? "," : "", text_escape_terminal(by[i].comm), tree_s(by[i].ns),
			tree_pct(by[i].ns, t->real_ns));
	}
	if (other_ns)
		fprintf(fp, ", others %.3f s", tree_s(other_ns));
	putc('\n', fp);
}

static double tree_mib(int64_t b)
{
	return (double)b / (1024.0 * 1024.0);
}

/* The whole tree's memory, from its cgroup, or why there is none. */
static void tree_memory(FILE *fp, const struct tree_memory *m)
{
	if (!m->measured) {
		if (m->why[0])
			fprintf(fp, "  tree memory: not measured: %s\n", text_escape_terminal(m->why));
		return;
	}
	if (m->peak_bytes >= 0)
		fprintf(fp, "  tree memory: peak %.1f MiB (page cache included)", tree_mib(m->peak_bytes));
	else
		fprintf(fp, "  tree memory: peak unknown (%s)", m->peak_why);
	if (m->anon_bytes >= 0 && m->file_bytes >= 0)
		fprintf(fp, "; at the end %.1f MiB anon, %.1f MiB file", tree_mib(m->anon_bytes), tree_mib(m->file_bytes));
	if (m->cpu_ns >= 0)
		fprintf(fp, "; cgroup CPU %.3f s", tree_s(m->cpu_ns));
	fprintf(fp, " [%s]\n", m->hierarchy);
	if (!m->removed)
		fprintf(fp, "  tree memory: %s\n", text_escape_terminal(m->left));
}

/* The "Processes" block, when --tree was given. */
void report_tree(FILE *fp, const struct result *r)
{
	const struct tree *t = r->tree;
	bool utf8 = tree_utf8();
	size_t i;

	if (!t)
		return;
	if (t->why[0]) {
		fprintf(fp, "\n Processes: unavailable: %s\n", text_escape_terminal(t->why));
		return;
	}
	fprintf(fp, "\n Processes: %zu processes, %zu threads; %.3f s CPU (task-clock) in %.3f s real", t->nprocs,
		t->nthreads, tree_s(t->cpu_ns), tree_s(t->real_ns));
	if (t->minflt >= 0 && t->majflt >= 0)
		fprintf(fp, "; %lld page faults, %lld major", (long long)(t->minflt + t->majflt), (long long)t->majflt);
	putc('\n', fp);
	tree_memory(fp, &t->memory);
	tree_executables(fp, t);
	tree_slowest(fp, t);
	tree_parallelism(fp, t, utf8);
	tree_path(fp, t);
	for (i = 0; i < t->nnotes; i++)
		fprintf(fp, " not seen: %s\n", text_escape_terminal(t->notes[i]));
}
