/* report/csv.c: benchmark mode's CSV export: hyperfine's columns first, then every other metric's. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* A field as RFC 4180 wants it: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

/* ",value" in the metric's unit divided by div (a division, since a product with 1e-9 turns 0.102 into
   0.10200000000000001); an empty field where nothing was measured. */
static void csv_number(FILE *fp, double v, double div)
{
	char buf[40];

	putc(',', fp);
	if (!isfinite(v))
		return;
	format_real(buf, sizeof buf, v / div);
	fputs(buf, fp);
}

/* Write the benchmark as CSV: command,mean,stddev,median,user,system,min,max (seconds, as hyperfine), a
   parameter_NAME column per parameter, then NAME_mean,NAME_stddev,NAME_median for every other metric in
   its own unit. Returns 0, or -1 on a write error. */
int report_bench_csv(FILE *fp, const struct bench *b)
{
	size_t i, m, np = b->ncmds ? b->cmds[0].nparams : 0;

	fputs("command,mean,stddev,median,user,system,min,max", fp);
	for (i = 0; i < np; i++) {
		char *h = xasprintf("parameter_%s", b->cmds[0].param_names[i]);
		putc(',', fp);
		csv_field(fp, h);
		free(h);
	}
	for (m = 0; m < b->nmetrics; m++) {
		if (m == b->real)
			continue;
		fprintf(fp, ",%s_mean,%s_stddev,%s_median", b->metrics[m].name, b->metrics[m].name,
			b->metrics[m].name);
	}
	putc('\n', fp);

	for (i = 0; i < b->ncmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		const struct bench_stats *r = &c->stats[b->real];
		const double s = 1e9;
		size_t k;

		/* hyperfine's command column holds the -n name when one was given */
		csv_field(fp, c->name ? c->name : c->command);
		csv_number(fp, r->n ? r->mean : NAN, s);
		csv_number(fp, r->n ? r->stddev : NAN, s);
		csv_number(fp, r->n ? r->median : NAN, s);
		csv_number(fp, c->stats[b->user].n ? c->stats[b->user].mean : NAN, s);
		csv_number(fp, c->stats[b->sys].n ? c->stats[b->sys].mean : NAN, s);
		csv_number(fp, r->n ? r->min : NAN, s);
		csv_number(fp, r->n ? r->max : NAN, s);
		for (k = 0; k < np; k++) {
			putc(',', fp);
			if (k < c->nparams && c->param_values[k])
				csv_field(fp, c->param_values[k]);
		}
		for (m = 0; m < b->nmetrics; m++) {
			const struct bench_stats *st = &c->stats[m];
			if (m == b->real)
				continue;
			csv_number(fp, st->n ? st->mean : NAN, 1);
			csv_number(fp, st->n ? st->stddev : NAN, 1);
			csv_number(fp, st->n ? st->median : NAN, 1);
		}
		putc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}
