/* report/markdown.c: benchmark mode's Markdown table, as hyperfine writes it, relative to the reference. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ptime.h"

/* A cell's text: a command between backticks, with '|' escaped so that it cannot end the cell. */
static void markdown_command(FILE *fp, const char *s)
{
	putc('`', fp);
	for (s = text_escape_terminal(s); *s; s++) {
		if (*s == '|')
			putc('\\', fp);
		putc(*s, fp);
	}
	putc('`', fp);
}

/* The comparison of command i with the reference command (not a baseline), or NULL. */
static const struct bench_cmp *markdown_cmp(const struct bench *b, size_t i)
{
	size_t k;
	for (k = 0; k < b->ncmps; k++)
		if (b->cmps[k].cmd == i && b->cmps[k].ref == b->reference)
			return &b->cmps[k];
	return NULL;
}

/* Write hyperfine's table: real time's mean ± σ, min and max in one unit for the whole table (hyperfine's
   choice of unit, made for the smallest mean so that no row reads 0.000), and each command's median ratio
   to the reference with half its 95% CI. Returns 0, or -1 on a write error. */
int report_bench_markdown(FILE *fp, const struct bench *b)
{
	const char *unit = "s";
	double div = 1e9, smallest = INFINITY;
	int dec = 3;
	size_t i;

	for (i = 0; i < b->ncmds; i++)
		if (b->cmds[i].stats[b->real].n && b->cmds[i].stats[b->real].mean < smallest)
			smallest = b->cmds[i].stats[b->real].mean;
	if (smallest < 1e6) {
		unit = "µs";
		div = 1e3;
		dec = 1;
	} else if (smallest < 1e9) {
		unit = "ms";
		div = 1e6;
		dec = 1;
	}
	fprintf(fp, "| Command | Mean [%s] | Min [%s] | Max [%s] | Relative", unit, unit, unit);
	if (b->primary != b->real)
		fprintf(fp, " (median %s)", b->metrics[b->primary].label);
	fputs(" |\n|:---|---:|---:|---:|---:|\n", fp);

	for (i = 0; i < b->ncmds; i++) {
		const struct bench_cmd *c = &b->cmds[i];
		const struct bench_stats *s = &c->stats[b->real];
		const struct bench_cmp *cmp = markdown_cmp(b, i);

		fputs("| ", fp);
		markdown_command(fp, c->name ? c->name : c->command); /* the -n name, as hyperfine */
		if (s->n) {
			fprintf(fp, " | %.*f", dec, s->mean / div);
			if (s->n >= 2 && isfinite(s->stddev))
				fprintf(fp, " ± %.*f", dec, s->stddev / div);
			fprintf(fp, " | %.*f | %.*f | ", dec, s->min / div, dec, s->max / div);
		} else {
			fputs(" | | | | ", fp);
		}
		if (i == b->reference) {
			fputs("1.00", fp);
		} else if (cmp && isfinite(cmp->r[b->primary].ratio)) {
			const struct bench_ratio *r = &cmp->r[b->primary];
			fprintf(fp, "%.2f", r->ratio);
			if (isfinite(r->ci[0]) && isfinite(r->ci[1]))
				fprintf(fp, " ± %.2f", (r->ci[1] - r->ci[0]) / 2);
		}
		fputs(" |\n", fp);
	}
	return ferror(fp) ? -1 : 0;
}
