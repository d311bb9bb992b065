/* report/bench.c: benchmark mode's text report: hyperfine's summary lines, the other metrics, the verdicts. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* How one metric's values are printed: a unit chosen from a typical value (hyperfine chooses it from
   the mean), so that every figure of a line has the same unit. */
struct bench_unit {
	const char *suffix;      /* " ms", " MiB", "" */
	double div;
	int decimals;
	bool group;              /* an integer with thousands grouped */
};

static struct bench_unit bench_unit_of(const char *unit, double typical)
{
	struct bench_unit u = { "", 1, 3, false };
	double a = fabs(typical);

	if (strcmp(unit, "ns") == 0) {
		/* hyperfine's format_duration_value: µs below 1 ms, ms below 1 s, else s */
		if (a < 1e6)
			u = (struct bench_unit){ " µs", 1e3, 1, false };
		else if (a < 1e9)
			u = (struct bench_unit){ " ms", 1e6, 1, false };
		else
			u = (struct bench_unit){ " s", 1e9, 3, false };
	} else if (strcmp(unit, "bytes") == 0) {
		if (a < 1024)
			u = (struct bench_unit){ " B", 1, 0, false };
		else if (a < 1024.0 * 1024)
			u = (struct bench_unit){ " KiB", 1024, 1, false };
		else if (a < 1024.0 * 1024 * 1024)
			u = (struct bench_unit){ " MiB", 1024.0 * 1024, 1, false };
		else
			u = (struct bench_unit){ " GiB", 1024.0 * 1024 * 1024, 2, false };
	} else if (strcmp(unit, "count") == 0) {
		/* a mean of 0.4 major faults printed as 0 would hide that some runs had one */
		u = a < 100 ? (struct bench_unit){ "", 1, 1, false } : (struct bench_unit){ "", 1, 0, true };
	} else if (strcmp(unit, "percent") == 0) {
		u = (struct bench_unit){ "%", 1, 1, false };
	}
	return u;
}

static struct bench_unit bench_unit_for(const struct bench_metric *m, double typical)
{
	return bench_unit_of(m->unit, typical);
}

static void bench_fmt(char *buf, size_t len, const struct bench_unit *u, double v)
{
	double x = v / u->div;

	if (u->group && x >= 0 && x < 1.8e19) {
		format_group_digits(buf, len, (uint64_t)(x + 0.5));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s", u->suffix);
		return;
	}
	snprintf(buf, len, "%.*f%s", u->decimals, x, u->suffix);
}

/* Columns on the terminal: code points, since "µs" and "±" are two bytes each. */
static int bench_width(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void bench_pad(FILE *fp, const char *s, int width, bool right)
{
	int pad = width - bench_width(s);
	if (right)
		for (; pad > 0; pad--)
			putc(' ', fp);
	fputs(s, fp);
	if (!right)
		for (; pad > 0; pad--)
			putc(' ', fp);
}

/* Format v in the unit ("ns", "bytes", "count", "percent", "ratio") that suits typical, as every figure
   of the benchmark report is: values printed side by side with one typical share their unit. */
void report_bench_value(char *buf, size_t len, const char *unit, double typical, double v)
{
	struct bench_unit u = bench_unit_of(unit, typical);
	bench_fmt(buf, len, &u, v);
}

/* Print s padded with spaces to width columns, on the left when right (right-aligned). */
void report_bench_pad(FILE *fp, const char *s, int width, bool right)
{
	bench_pad(fp, s, width, right);
}

/* The columns s takes on a terminal. */
int report_bench_width(const char *s)
{
	return bench_width(s);
}

static const char *bench_display(const struct bench_cmd *c)
{
	return text_escape_terminal(c->name ? c->name : c->command);
}

static bool bench_is_time(const struct bench_metric *m)
{
	return strcmp(m->unit, "ns") == 0;
}

static const char *bench_why(const struct bench_cmd *c, size_t m)
{
	if (c->stats && c->stats[m].why && c->stats[m].why[0])
		return c->stats[m].why;
	if (c->why && c->why[m] && c->why[m][0])
		return c->why[m];
	return "no run measured it";
}

/* "Time" for real time, as hyperfine says; else the metric's label, capitalised. */
static void bench_title(char *buf, size_t len, const struct bench *b, const struct bench_metric *m)
{
	if (b->primary == b->real)
		snprintf(buf, len, "Time");
	else
		snprintf(buf, len, "%s", m->label);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* hyperfine's three lines for the primary metric, and the median with its confidence interval between. */
static void bench_primary(FILE *fp, const struct bench *b, const struct bench_cmd *c)
{
	const struct bench_metric *m = &b->metrics[b->primary];
	const struct bench_stats *s = &c->stats[b->primary];
	char title[96], l1[160], l2[64], l3[64], mean[48], sd[48], med[48], lo[48], hi[48], mn[48], mx[48];
	struct bench_unit u;
	int w;

	bench_title(title, sizeof title, b, m);
	if (s->n == 0) {
		fprintf(fp, "  %s: not measured: %s\n", title, bench_why(c, b->primary));
		return;
	}
	u = bench_unit_for(m, s->mean);
	bench_fmt(mean, sizeof mean, &u, s->mean);
	bench_fmt(med, sizeof med, &u, s->median);
	bench_fmt(mn, sizeof mn, &u, s->min);
	bench_fmt(mx, sizeof mx, &u, s->max);
	if (s->n < 2 || !isfinite(s->stddev))
		snprintf(l1, sizeof l1, "  %s (abs ≡):", title);
	else
		snprintf(l1, sizeof l1, "  %s (mean ± σ):", title);
	snprintf(l2, sizeof l2, "  Median (95%% CI):");
	snprintf(l3, sizeof l3, "  Range (min … max):");
	/* hyperfine pads its labels to 23 columns; a longer metric label widens all three alike */
	w = bench_width(l1) + 4;
	if (w < 23)
		w = 23;

	bench_pad(fp, l1, w, false);
	bench_pad(fp, mean, 8, true);
	if (s->n >= 2 && isfinite(s->stddev)) {
		bench_fmt(sd, sizeof sd, &u, s->stddev);
		fputs(" ± ", fp);
		bench_pad(fp, sd, 8, true);
	} else {
		fputs("           ", fp);
	}
	if (b->primary == b->real && c->stats[b->user].n && c->stats[b->sys].n) {
		char us[48], sy[48];
		bench_fmt(us, sizeof us, &u, c->stats[b->user].mean);
		bench_fmt(sy, sizeof sy, &u, c->stats[b->sys].mean);
		fprintf(fp, "    [User: %s, System: %s]", us, sy);
	}
	putc('\n', fp);
	if (s->n < 2) {
		fprintf(fp, "  1 run\n");
		return;
	}
	bench_pad(fp, l2, w, false);
	bench_pad(fp, med, 8, true);
	if (isfinite(s->median_ci[0]) && isfinite(s->median_ci[1])) {
		bench_fmt(lo, sizeof lo, &u, s->median_ci[0]);
		bench_fmt(hi, sizeof hi, &u, s->median_ci[1]);
		fprintf(fp, "  [%s … %s]", lo, hi);
	} else {
		fputs("  [too few runs for a CI]", fp);
	}
	putc('\n', fp);
	bench_pad(fp, l3, w, false);
	bench_pad(fp, mn, 8, true);
	fputs(" … ", fp);
	bench_pad(fp, mx, 8, true);
	fprintf(fp, "    %zu runs", s->n);
	if (s->n != c->nruns)
		fprintf(fp, " (of %zu)", c->nruns);
	putc('\n', fp);
}

/* A reason without the name of the counter it is about, so that metrics kept out by one cause group. */
static const char *bench_reason(const char *why)
{
	const char *colon = strstr(why, ": ");
	const char *p;

	if (!colon)
		return why;
	for (p = why; p < colon; p++)
		if (*p == ' ')
			return why; /* a sentence, not "event: reason" */
	return colon + 2;
}

/* One item of a list that wraps before 100 columns, its continuation lines indented under the first
   item; first is the list's lead-in, on the first item only. */
static void bench_item(FILE *fp, size_t *col, const char *first, const char *item, const char *sep)
{
	size_t n = strlen(item) + strlen(sep) + 1;

	if (first) {
		fputs(first, fp);
		*col = strlen(first);
	} else if (*col + n > 100) {
		fputs("\n      ", fp);
		*col = 6;
	} else {
		putc(' ', fp);
		(*col)++;
	}
	fprintf(fp, "%s%s", item, sep);
	*col += n - 1;
}

/* The cells of one row of the other metrics' table. */
struct bench_row {
	const char *label;
	char mean[48], sd[48], med[48], mn[48], mx[48];
	size_t n;
};

/* Every other measured metric in a compact table; the unmeasured ones as one line per reason. */
static void bench_others(FILE *fp, const struct bench *b, const struct bench_cmd *c)
{
	struct bench_row *rows = xcalloc(b->nmetrics ? b->nmetrics : 1, sizeof *rows);
	bool *done = xcalloc(b->nmetrics ? b->nmetrics : 1, sizeof *done);
	const char **zeros = xcalloc(b->nmetrics ? b->nmetrics : 1, sizeof *zeros);
	int w[6] = { 6, 4, 1, 6, 3, 3 };
	size_t i, j, nr = 0, nz = 0, col;
	char *tail;

	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_stats *s = &c->stats[i];
		struct bench_row *r;
		struct bench_unit u;
		if (i == b->primary || s->n == 0)
			continue;
		if (s->min == 0 && s->max == 0) { /* listed on one line below: the table stays short */
			zeros[nz++] = b->metrics[i].label;
			continue;
		}
		r = &rows[nr++];
		u = bench_unit_for(&b->metrics[i], s->mean);
		r->label = b->metrics[i].label;
		r->n = s->n;
		bench_fmt(r->mean, sizeof r->mean, &u, s->mean);
		if (s->n >= 2 && isfinite(s->stddev))
			bench_fmt(r->sd, sizeof r->sd, &u, s->stddev);
		bench_fmt(r->med, sizeof r->med, &u, s->median);
		bench_fmt(r->mn, sizeof r->mn, &u, s->min);
		bench_fmt(r->mx, sizeof r->mx, &u, s->max);
#define BENCH_WIDEN(k, str) if (bench_width(str) > w[k]) w[k] = bench_width(str)
		BENCH_WIDEN(0, r->label);
		BENCH_WIDEN(1, r->mean);
		BENCH_WIDEN(2, r->sd);
		BENCH_WIDEN(3, r->med);
		BENCH_WIDEN(4, r->mn);
		BENCH_WIDEN(5, r->mx);
#undef BENCH_WIDEN
	}
	if (nr) {
		fputs("    ", fp);
		bench_pad(fp, "metric", w[0], false);
		fputs("  ", fp);
		bench_pad(fp, "mean ± σ", w[1] + 3 + w[2], true);
		fputs("  ", fp);
		bench_pad(fp, "median", w[3], true);
		fputs("  ", fp);
		bench_pad(fp, "min … max", w[4] + 3 + w[5], true);
		putc('\n', fp);
	}
	for (j = 0; j < nr; j++) {
		const struct bench_row *r = &rows[j];
		fputs("    ", fp);
		bench_pad(fp, r->label, w[0], false);
		fputs("  ", fp);
		bench_pad(fp, r->mean, w[1], true);
		if (r->sd[0]) {
			fputs(" ± ", fp);
			bench_pad(fp, r->sd, w[2], true);
		} else {
			bench_pad(fp, "", w[2] + 3, true);
		}
		fputs("  ", fp);
		bench_pad(fp, r->med, w[3], true);
		fputs("  ", fp);
		bench_pad(fp, r->mn, w[4], true);
		fputs(" … ", fp);
		bench_pad(fp, r->mx, w[5], true);
		if (r->n != c->nruns)
			fprintf(fp, "  (%zu runs)", r->n);
		putc('\n', fp);
	}
	col = 0;
	for (j = 0; j < nz; j++)
		bench_item(fp, &col, j == 0 ? "    0 in every run: " : NULL, zeros[j], j + 1 == nz ? "\n" : ",");
	/* One line per reason, naming each metric it kept out: a machine without a PMU gives one line
	   ("cycles: not supported" and "instructions: not supported" are one reason). */
	for (i = 0; i < b->nmetrics; i++) {
		const char *why;
		if (i == b->primary || done[i] || c->stats[i].n)
			continue;
		why = bench_reason(bench_why(c, i));
		nz = 0;
		zeros[nz++] = b->metrics[i].label;
		for (j = i + 1; j < b->nmetrics; j++)
			if (j != b->primary && !done[j] && c->stats[j].n == 0 &&
			    strcmp(bench_reason(bench_why(c, j)), why) == 0) {
				zeros[nz++] = b->metrics[j].label;
				done[j] = true;
			}
		col = 0;
		tail = xasprintf(" (%s)\n", why);
		for (j = 0; j < nz; j++)
			bench_item(fp, &col, j == 0 ? "    not measured: " : NULL, zeros[j], j + 1 == nz ? tail : ",");
		free(tail);
	}
	free(zeros);
	free(done);
	free(rows);
}

static void bench_warn(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bench_warn(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	fputs("  Warning: ", fp);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	putc('\n', fp);
}

/* hyperfine's warnings, and ptime's own about --precision. */
static void bench_warnings(FILE *fp, const struct bench *b, const struct bench_cmd *c)
{
	const struct bench_stats *s = &c->stats[b->primary];
	const struct bench_opts *o = b->opts;
	size_t outliers = s->outliers;

	if (c->slow_first && c->nruns && isfinite(c->runs[0].v[b->primary])) {
		struct bench_unit u = bench_unit_for(&b->metrics[b->primary], s->mean);
		char first[48];
		bench_fmt(first, sizeof first, &u, c->runs[0].v[b->primary]);
		bench_warn(fp, "The first run was significantly slower than the rest (%s): caches filled by it? "
			       "Consider --warmup, or --prepare to clear them before each run.", first);
		if (outliers)
			outliers--; /* the first run is one of them */
	}
	if (outliers)
		bench_warn(fp, "%zu statistical outlier%s (modified Z-score > 3.5); consider a quieter system, "
			       "--warmup or --prepare.", outliers, outliers == 1 ? "" : "s");
	if (c->failed)
		bench_warn(fp, "%zu of %zu runs exited with a non-zero status (kept by -i).", c->failed, c->nruns);
	if (o && o->precision_pct > 0 && !c->precision_met)
		bench_warn(fp, "the --precision target of %g%% was not reached: stopped by %s after %zu runs.",
			   o->precision_pct, c->stop ? c->stop : "the run limit", c->nruns);
}

/* The printed ratio and CI: above 1 as they are; below 1 inverted, "faster" reads better than 0.31 times. */
static void bench_scale(const struct bench_ratio *r, double *v, double *lo, double *hi, bool *faster)
{
	*faster = r->ratio < 1;
	if (*faster) {
		*v = 1 / r->ratio;
		*lo = 1 / r->ci[1];
		*hi = 1 / r->ci[0];
	} else {
		*v = r->ratio;
		*lo = r->ci[0];
		*hi = r->ci[1];
	}
}

static const char *bench_word(const struct bench_metric *m, bool faster)
{
	if (bench_is_time(m))
		return faster ? "faster" : "slower";
	return faster ? "lower" : "higher";
}

/* One verdict line of the primary metric. */
static void bench_verdict(FILE *fp, const struct bench *b, const struct bench_cmp *cmp, const char *than)
{
	const struct bench_ratio *r = &cmp->r[b->primary];
	const struct bench_metric *m = &b->metrics[b->primary];
	const char *who = bench_display(&b->cmds[cmp->cmd]);
	double noise = b->opts ? b->opts->noise_pct : 1, v, lo, hi;
	bool faster, ci = isfinite(r->ci[0]) && isfinite(r->ci[1]);

	if (r->verdict == BENCH_UNDECIDED || !isfinite(r->ratio) || !ci) {
		fprintf(fp, "  '%s': undecided (too few runs", who);
		if (isfinite(r->ratio))
			fprintf(fp, "; ratio %.3f", r->ratio);
		fputs(")\n", fp);
		return;
	}
	if (r->verdict == BENCH_NO_DIFFERENCE) {
		fprintf(fp, "  '%s': no significant difference%s (ratio %.3f, 95%% CI %.2f … %.2f", who,
			*than ? " from its baseline" : "",
			r->ratio, r->ci[0], r->ci[1]);
		if (r->ci[0] >= 1 - noise / 100 && r->ci[1] <= 1 + noise / 100)
			fprintf(fp, ", within the %g%% noise band", noise);
		else if (isfinite(r->p_value))
			fprintf(fp, "; p = %.2g", r->p_value);
		fputs(")\n", fp);
		return;
	}
	bench_scale(r, &v, &lo, &hi, &faster);
	fprintf(fp, "  '%s' is %.2f ± %.2f times %s%s (95%% CI %.2f … %.2f", who, v, (hi - lo) / 2,
		bench_word(m, faster), than, lo, hi);
	if (isfinite(r->p_value))
		fprintf(fp, "; p = %.2g, Mann–Whitney U", r->p_value);
	fputs(")\n", fp);
}

/* The other metrics that differ, as one compact line under the verdict. */
static void bench_also(FILE *fp, const struct bench *b, const struct bench_cmp *cmp)
{
	size_t i, n = 0;

	for (i = 0; i < b->nmetrics; i++) {
		const struct bench_ratio *r = &cmp->r[i];
		double v, lo, hi;
		bool faster;
		if (i == b->primary || (r->verdict != BENCH_FASTER && r->verdict != BENCH_SLOWER) ||
		    !isfinite(r->ratio) || !isfinite(r->ci[0]) || !isfinite(r->ci[1]))
			continue;
		bench_scale(r, &v, &lo, &hi, &faster);
		fprintf(fp, "%s%s %.2f ± %.2f× %s", n++ ? ", " : "    also: ", b->metrics[i].label, v,
			(hi - lo) / 2, bench_word(&b->metrics[i], faster));
	}
	if (n)
		putc('\n', fp);
}

/* The comparisons, grouped by reference, then each baseline's. */
static void bench_summary(FILE *fp, const struct bench *b)
{
	const struct bench_metric *m = &b->metrics[b->primary];
	size_t i;

	for (i = 0; i < b->ncmps; i++) {
		const struct bench_cmp *cmp = &b->cmps[i];
		const struct bench_cmp *prev = i ? &b->cmps[i - 1] : NULL;
		bool base = cmp->ref == SIZE_MAX;
		bool head = !prev || prev->ref != cmp->ref || (prev->baseline == NULL) != (cmp->baseline == NULL) ||
			    (base && prev->baseline && cmp->baseline && strcmp(prev->baseline, cmp->baseline));

		if (head && base)
			fprintf(fp, "\nSummary (median %s, against its baseline in %s)\n", m->label,
				text_escape_terminal(cmp->baseline ? cmp->baseline : "?"));
		else if (head)
			fprintf(fp, "\nSummary (median %s, against '%s')\n", m->label,
				cmp->ref < b->ncmds ? bench_display(&b->cmds[cmp->ref])
						    : text_escape_terminal(cmp->ref_command ? cmp->ref_command : "?"));
		bench_verdict(fp, b, cmp, base ? " than its baseline" : "");
		bench_also(fp, b, cmp);
		if (base && cmp->regression && b->opts)
			fprintf(fp, "    Regression: more than %g%% %s than its baseline (--max-regression)\n",
				b->opts->max_regression_pct, bench_word(m, false));
	}
}

/* The text report of a benchmark, as hyperfine prints it, with every other metric and the verdicts. */
void report_bench(FILE *fp, const struct bench *b)
{
	size_t i;
	char *const *w;

	for (i = 0; i < b->ncmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		if (i)
			putc('\n', fp);
		fprintf(fp, "Benchmark %zu: %s", i + 1, bench_display(c));
		if (c->name && strcmp(c->name, c->command))
			fprintf(fp, " (%s)", text_escape_terminal(c->command));
		if (c->shell)
			fprintf(fp, " (under %s)", text_escape_terminal(c->shell_path ? c->shell_path : "a shell"));
		putc('\n', fp);
		bench_primary(fp, b, c);
		bench_others(fp, b, c);
		if (c->tree)
			report_bench_tree(fp, c);
		bench_warnings(fp, b, c);
	}
	bench_summary(fp, b);
	if (b->noise.warnings && b->noise.warnings[0]) {
		putc('\n', fp);
		for (w = b->noise.warnings; *w; w++)
			fprintf(fp, "Warning: %s\n", *w);
	}
}
