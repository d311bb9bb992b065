/* bench/verdict.c: after the runs: the statistics of every metric, the comparisons, and the verdicts. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ptime.h"

static double verdict_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Statistics of every metric of command c over the runs that measured it. */
void verdict_stats(const struct bench *b, struct bench_cmd *c)
{
	double *x = xmalloc((c->nruns ? c->nruns : 1) * sizeof *x);
	size_t m, k, n;

	c->stats = xcalloc(b->nmetrics, sizeof *c->stats);
	for (m = 0; m < b->nmetrics; m++) {
		for (n = 0, k = 0; k < c->nruns; k++)
			if (isfinite(c->runs[k].v[m]))
				x[n++] = c->runs[k].v[m];
		stats_compute(x, n, &c->stats[m]);
		if (n == 0)
			c->stats[m].why = c->why && c->why[m] ? c->why[m] : "not measured";
	}
	free(x);
}

static double *verdict_values(const struct bench_cmd *c, size_t m, size_t *n)
{
	double *x = xmalloc((c->nruns ? c->nruns : 1) * sizeof *x);
	size_t k;

	*n = 0;
	for (k = 0; k < c->nruns; k++)
		if (isfinite(c->runs[k].v[m]))
			x[(*n)++] = c->runs[k].v[m];
	return x;
}

static void verdict_compare(struct bench *b, struct bench_cmd *c, size_t ci, struct bench_cmd *ref, size_t ri,
			 const char *baseline)
{
	struct bench_cmp *cmp;
	size_t m;

	b->cmps = xrealloc(b->cmps, (b->ncmps + 1) * sizeof *b->cmps);
	cmp = &b->cmps[b->ncmps++];
	memset(cmp, 0, sizeof *cmp);
	cmp->cmd = ci;
	cmp->ref = ri;
	cmp->ref_command = baseline ? c->base_name : ref->command;
	cmp->baseline = baseline;
	cmp->r = xcalloc(b->nmetrics, sizeof *cmp->r);
	for (m = 0; m < b->nmetrics; m++) {
		size_t na, nb;
		double *xa = verdict_values(c, m, &na), *xb = verdict_values(ref, m, &nb);
		compare_ratio(xa, na, xb, nb, b->opts->noise_pct, &cmp->r[m]);
		free(xa);
		free(xb);
	}
	if (baseline && b->opts->max_regression_pct >= 0) {
		const struct bench_ratio *p = &cmp->r[b->primary];
		/* slower by more than PCT with 95% confidence: the whole CI beyond 1 + PCT, not just the
		   point; two benchmarks minutes apart differ by more than their own CIs say (the machine's
		   noise changes), and a gate must not fail on that */
		cmp->regression = p->verdict == BENCH_SLOWER && isfinite(p->ci[0]) &&
				  p->ci[0] > 1.0 + b->opts->max_regression_pct / 100.0;
	}
}

/* After the runs: every command's statistics, the warnings of a slow first run, the comparisons with
   the reference and with the baselines, and the gate's exit status. */
void verdict_finish(struct bench *b)
{
	double t0 = verdict_now();
	size_t i;

	for (i = 0; i < b->ncmds; i++) {
		struct bench_cmd *c = &b->cmds[i];
		const struct bench_stats *s;
		verdict_stats(b, c);
		s = &c->stats[b->primary];
		/* hyperfine's warning: a first run much slower than the rest means caches were cold */
		if (c->nruns >= 3 && !isnan(c->runs[0].v[b->primary]) && c->runs[0].v[b->primary] > s->median &&
		    stats_outlier(c->runs[0].v[b->primary], s->median, s->mad))
			c->slow_first = true;
	}
	for (i = 0; i < b->ncmds; i++)
		if (i != b->reference)
			verdict_compare(b, &b->cmds[i], i, &b->cmds[b->reference], b->reference, NULL);
	for (i = 0; i < b->ncmds; i++)
		if (b->cmds[i].base) {
			verdict_compare(b, &b->cmds[i], i, b->cmds[i].base, SIZE_MAX, b->opts->baseline);
			if (b->cmps[b->ncmps - 1].regression && b->exit_status == 0)
				b->exit_status = EXIT_REGRESSION;
		}
	b->stats_ns = (int64_t)((verdict_now() - t0) * 1e9);
}
