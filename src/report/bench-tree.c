/* report/bench-tree.c: the "Processes" lines of a benchmarked command with --tree: its tree over the runs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

#define BT_COLS 6

/* A median with its 95% CI where the runs give one: "816.2 ms [812.0 ms … 818.4 ms]"; the CI is left
   out when it is one value (a count that never changed). */
static void bt_median(char *buf, size_t len, const struct bench_stats *s, const char *unit, double typical)
{
	char m[48], lo[48], hi[48];

	report_bench_value(m, sizeof m, unit, typical, s->median);
	if (!isfinite(s->median_ci[0]) || !isfinite(s->median_ci[1]) || s->median_ci[0] == s->median_ci[1]) {
		snprintf(buf, len, "%s", m);
		return;
	}
	report_bench_value(lo, sizeof lo, unit, typical, s->median_ci[0]);
	report_bench_value(hi, sizeof hi, unit, typical, s->median_ci[1]);
	snprintf(buf, len, "%s [%s … %s]", m, lo, hi);
}

/* "816.0 ms ± 1.2 ms", or the mean alone after one run. */
static void bt_mean(char *buf, size_t len, const struct bench_stats *s, const char *unit, double typical)
{
	char m[48], sd[48];

	report_bench_value(m, sizeof m, unit, typical, s->mean);
	if (s->n < 2 || !isfinite(s->stddev)) {
		snprintf(buf, len, "%s", m);
		return;
	}
	report_bench_value(sd, sizeof sd, unit, typical, s->stddev);
	snprintf(buf, len, "%s ± %s", m, sd);
}

/* The cells of one executable's row: name, processes, CPU median and CI, CPU mean, share, largest process. */
static void bt_row(char cell[BT_COLS][192], const struct bench_exe *e, const char *name, const struct bench_tree *bt)
{
	double typical = bt->cpu_ns.median;

	snprintf(cell[0], 192, "%s", name);
	bt_median(cell[1], 192, &e->count, "count", 100); /* counts as integers */
	bt_median(cell[2], 192, &e->cpu_ns, "ns", typical);
	bt_mean(cell[3], 192, &e->cpu_ns, "ns", typical);
	if (bt->cpu_ns.median > 0)
		snprintf(cell[4], 192, "%.1f%%", 100 * e->cpu_ns.median / bt->cpu_ns.median);
	else
		snprintf(cell[4], 192, "-");
	report_bench_value(cell[5], 192, "ns", typical, e->max_cpu_ns.median);
}

/* The tree of command c over its runs: the whole tree's figures, then its executables by CPU. */
void report_bench_tree(FILE *fp, const struct bench_cmd *c)
{
	static const char *const head[BT_COLS] = { "executable", "procs", "CPU median [95% CI]", "CPU mean ± σ",
						   "share", "largest" };
	const struct bench_tree *bt = c->tree;
	size_t nrows = bt->nexes + (bt->others.nexes ? 1 : 0) + 1, i, k;
	char (*cells)[BT_COLS][192], a[192], p[192], cp[192];
	int w[BT_COLS];

	if (!bt->runs) {
		fprintf(fp, "  Processes: unavailable: %s\n", text_escape_terminal(bt->why ? bt->why : "no run had a tree"));
		return;
	}
	report_bench_value(a, sizeof a, "ns", bt->cpu_ns.median, bt->cpu_ns.median);
	fprintf(fp, "  Processes (--tree, medians of %zu run%s): %.0f processes, %.0f threads, %s CPU", bt->runs,
		bt->runs == 1 ? "" : "s", bt->processes.median, bt->threads.median, a);
	if (bt->missing)
		fprintf(fp, " (%zu run%s had no tree: %s)", bt->missing, bt->missing == 1 ? "" : "s",
			text_escape_terminal(bt->why ? bt->why : "?"));
	putc('\n', fp);
	if (bt->parallelism.n)
		bt_median(p, sizeof p, &bt->parallelism, "ratio", 1);
	if (bt->critical_path_ns.n)
		bt_median(cp, sizeof cp, &bt->critical_path_ns, "ns", bt->critical_path_ns.median);
	fprintf(fp, "    parallelism %s CPUs busy on average, %.0f at most; critical path %s\n",
		bt->parallelism.n ? p : "unknown", bt->max_busy.median, bt->critical_path_ns.n ? cp : "unknown");

	cells = xcalloc(nrows, sizeof *cells);
	for (k = 0; k < BT_COLS; k++)
		snprintf(cells[0][k], sizeof cells[0][k], "%s", head[k]);
	for (i = 0; i < bt->nexes; i++)
		bt_row(cells[i + 1], &bt->exes[i], text_escape_terminal(bt->exes[i].comm), bt);
	if (bt->others.nexes) {
		char name[48];
		snprintf(name, sizeof name, "%zu others", bt->others.nexes);
		bt_row(cells[nrows - 1], &bt->others, name, bt);
	}
	for (k = 0; k < BT_COLS; k++) {
		w[k] = 0;
		for (i = 0; i < nrows; i++)
			if (report_bench_width(cells[i][k]) > w[k])
				w[k] = report_bench_width(cells[i][k]);
	}
	for (i = 0; i < nrows; i++) {
		fputs("   ", fp);
		for (k = 0; k < BT_COLS; k++) {
			fputs(k ? "  " : " ", fp);
			report_bench_pad(fp, cells[i][k], w[k], k > 0);
		}
		putc('\n', fp);
	}
	if (bt->runs < 6)
		fputs("    (a median's 95% CI needs 6 runs or more)\n", fp);
	if (bt->lost)
		fprintf(fp, "    the kernel lost %llu side-band records over the runs (a ring was full)\n",
			(unsigned long long)bt->lost);
	free(cells);
}
