/* bench/options.c: benchmark mode's command-line options into struct bench_opts, and their checks. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

#define BENCH_MAX_VALUES 100000 /* values of one parameter scan */

static struct bench_opts *bopt_get(struct opts *o)
{
	if (!o->bench) {
		o->bench = xcalloc(1, sizeof *o->bench);
		o->bench->noise_pct = 1.0;
		o->bench->max_regression_pct = -1;
		o->bench->err_fd = 2;
	}
	return o->bench;
}

static int bopt_uint(const char *opt, const char *arg, unsigned min, unsigned *out, char *err, size_t len)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg == '-' || *end || end == arg || errno || v < min || v > 100000000UL) {
		snprintf(err, len, "invalid %s '%s' (a whole number, at least %u)", opt, arg, min);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

/* A number, or a percentage with an optional '%'. */
static int bopt_real(const char *opt, const char *arg, bool pct, double min, double max, double *out, char *err,
		     size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (pct && *end == '%')
		end++;
	if (*end || end == arg || errno || !isfinite(v) || v < min || v > max) {
		snprintf(err, len, "invalid %s '%s' (%s from %g to %g)", opt, arg, pct ? "a percentage" : "a number", min,
			 max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void bopt_push(const char ***list, size_t *n, const char *s)
{
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = s;
}

static int bopt_param_name(struct bench_opts *b, const char *name, char *err, size_t len)
{
	size_t i;
	const char *p;

	if (!*name) {
		snprintf(err, len, "a parameter needs a name");
		return -EINVAL;
	}
	for (p = name; *p; p++)
		if (*p == '{' || *p == '}') {
			snprintf(err, len, "invalid parameter name '%s': no braces", name);
			return -EINVAL;
		}
	for (i = 0; i < b->nparams; i++)
		if (strcmp(b->params[i].name, name) == 0) {
			snprintf(err, len, "parameter '%s' is given twice", name);
			return -EINVAL;
		}
	if (b->nparams == BENCH_MAX_PARAMS) {
		snprintf(err, len, "at most %d parameters", BENCH_MAX_PARAMS);
		return -EINVAL;
	}
	return 0;
}

/* -L NAME a,b,c: the values as given. */
static int bopt_list(struct bench_opts *b, const char *name, const char *list, char *err, size_t len)
{
	struct bench_param *p;
	const char *s = list;
	int rc = bopt_param_name(b, name, err, len);

	if (rc < 0)
		return rc;
	p = &b->params[b->nparams++];
	memset(p, 0, sizeof *p);
	p->name = name;
	for (;;) {
		size_t n = strcspn(s, ",");
		p->values = xrealloc(p->values, (p->n + 1) * sizeof *p->values);
		p->values[p->n] = xmalloc(n + 1);
		memcpy(p->values[p->n], s, n);
		p->values[p->n++][n] = '\0';
		if (!s[n])
			break;
		s += n + 1;
	}
	return 0;
}

/* How many decimals a number was written with. */
static int bopt_decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	return dot ? (int)strspn(dot + 1, "0123456789") : 0;
}

/* -P NAME MIN MAX, expanded once -D is known: integers, or decimals when -D or a bound has them. */
static int bopt_scan(struct bench_opts *b, char *const *a, const char *step_s, size_t pos, char *err, size_t len)
{
	struct bench_param *p;
	double lo, hi, step = 1;
	size_t n, i;
	int dec, rc = bopt_param_name(b, a[0], err, len);

	if (rc < 0)
		return rc;
	if ((rc = bopt_real("-P minimum", a[1], false, -1e15, 1e15, &lo, err, len)) < 0 ||
	    (rc = bopt_real("-P maximum", a[2], false, -1e15, 1e15, &hi, err, len)) < 0)
		return rc;
	if (step_s && (rc = bopt_real("-D", step_s, false, 1e-12, 1e15, &step, err, len)) < 0)
		return rc;
	dec = bopt_decimals(a[1]);
	if (bopt_decimals(a[2]) > dec)
		dec = bopt_decimals(a[2]);
	if (step_s && bopt_decimals(step_s) > dec)
		dec = bopt_decimals(step_s);
	if (dec && !step_s) {
		snprintf(err, len, "-P with decimal bounds needs a step: -D");
		return -EINVAL;
	}
	if (lo > hi) {
		snprintf(err, len, "-P %s %s %s: the minimum is above the maximum", a[0], a[1], a[2]);
		return -EINVAL;
	}
	/* the number of steps, with room for the rounding of decimal steps; compared as a double, since a
	   huge count would not fit a size_t */
	if (floor((hi - lo) / step + 1e-9) + 1 > BENCH_MAX_VALUES) {
		snprintf(err, len, "-P %s %s %s gives more than %d values", a[0], a[1], a[2], BENCH_MAX_VALUES);
		return -EINVAL;
	}
	n = (size_t)floor((hi - lo) / step + 1e-9) + 1;
	/* in its place among the -L parameters, so that the first on the command line varies fastest */
	memmove(&b->params[pos + 1], &b->params[pos], (b->nparams - pos) * sizeof *b->params);
	b->nparams++;
	p = &b->params[pos];
	memset(p, 0, sizeof *p);
	p->name = a[0];
	p->n = n;
	p->values = xcalloc(n, sizeof *p->values);
	for (i = 0; i < n; i++)
		p->values[i] = xasprintf("%.*f", dec, lo + (double)i * step);
	return 0;
}

/* Parse a CPU list ("0,2-3") into a cpu_set_t of CPUs ptime may use. */
static int bopt_cpus(struct bench_opts *b, const char *list, char *err, size_t len)
{
	size_t size = CPU_ALLOC_SIZE(4096);
	cpu_set_t *set = CPU_ALLOC(4096), *allowed = CPU_ALLOC(4096);
	const char *s = list;

	if (!set || !allowed)
		xmalloc_oom();
	CPU_ZERO_S(size, set);
	if (sched_getaffinity(0, size, allowed) < 0)
		CPU_ZERO_S(size, allowed);
	while (*s) {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo, c;
		if (end == s || lo < 0 || lo >= 4096)
			goto bad;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s || hi < lo || hi >= 4096)
				goto bad;
		}
		for (c = lo; c <= hi; c++) {
			if (!CPU_ISSET_S((size_t)c, size, allowed)) {
				snprintf(err, len, "--cpus=%s: CPU %ld is not one ptime may run on", list, c);
				CPU_FREE(set);
				CPU_FREE(allowed);
				return -EINVAL;
			}
			CPU_SET_S((size_t)c, size, set);
		}
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		s = end;
	}
	if (CPU_COUNT_S(size, set) == 0)
		goto bad;
	CPU_FREE(allowed);
	free(b->cpuset);
	b->cpuset = set;
	b->cpuset_size = size;
	b->cpus = list;
	return 0;
bad:
	snprintf(err, len, "invalid --cpus '%s' (a list of CPUs such as 0,2-3)", list);
	CPU_FREE(set);
	CPU_FREE(allowed);
	return -EINVAL;
}

/* Apply one benchmark option; extra holds the further arguments of -P (two) and -L (one). Returns 0,
   1 if c is not a benchmark option, or -EINVAL with the message in err. */
int bench_options_apply(struct opts *o, int c, const char *arg, char *const *extra, char *err, size_t len)
{
	struct bench_opts *b;

	switch (c) {
	case 'r': case 'b': case 'm': case 'M': case 'c': case 'n': case 'w': case 'P': case 'D': case 'L':
	case 'i': case 'N': case OPT_MAX_TIME: case OPT_PRECISION: case OPT_SHELL: case OPT_PREPARE:
	case OPT_CONCLUDE: case OPT_SETUP: case OPT_CLEANUP: case OPT_METRIC: case OPT_ORDER: case OPT_CPUS:
	case OPT_REFERENCE: case OPT_NOISE: case OPT_BASELINE: case OPT_MAX_REGRESSION: case OPT_EXPORT_JSON:
	case OPT_EXPORT_CSV: case OPT_EXPORT_MARKDOWN: case OPT_SHOW_OUTPUT:
		break;
	default:
		return 1;
	}
	b = bopt_get(o);
	switch (c) {
	case 'r': return bopt_uint("--runs", arg, 1, &b->runs, err, len);
	case 'b': b->adaptive = true; return 0;
	case 'm': return bopt_uint("--min-runs", arg, 1, &b->min_runs, err, len);
	case 'M': return bopt_uint("--max-runs", arg, 1, &b->max_runs, err, len);
	case 'w': return bopt_uint("--warmup", arg, 0, &b->warmup, err, len);
	case 'c': bopt_push(&b->commands, &b->ncommands, arg); return 0;
	case 'n': bopt_push(&b->names, &b->nnames, arg); return 0;
	case 'P': {
		char *const a[3] = { (char *)arg, extra[0], extra[1] };
		if (b->nscans == BENCH_MAX_PARAMS) {
			snprintf(err, len, "at most %d parameters", BENCH_MAX_PARAMS);
			return -EINVAL;
		}
		/* expanded once every option is read: -D may come after -P */
		b->scan_pos[b->nscans] = b->nparams;
		memcpy(b->scans[b->nscans++], a, sizeof a);
		return 0;
	}
	case 'D': b->step = arg; return 0;
	case 'L': return bopt_list(b, arg, extra[0], err, len);
	case 'i': b->ignore_failure = true; return 0;
	case 'N': b->shell = "none"; return 0;
	case OPT_SHELL:
		if (strcmp(arg, "none") != 0 && access(arg, X_OK) < 0) {
			snprintf(err, len, "cannot use --shell=%s: %s", arg, strerror(errno));
			return -EINVAL;
		}
		b->shell = arg;
		return 0;
	case OPT_MAX_TIME: return bopt_real("--max-time", arg, false, 1e-6, 1e9, &b->max_time_s, err, len);
	case OPT_PRECISION: return bopt_real("--precision", arg, true, 1e-6, 100, &b->precision_pct, err, len);
	case OPT_PREPARE: b->prepare = arg; return 0;
	case OPT_CONCLUDE: b->conclude = arg; return 0;
	case OPT_SETUP: b->setup = arg; return 0;
	case OPT_CLEANUP: b->cleanup = arg; return 0;
	case OPT_METRIC: b->metric = arg; return 0;
	case OPT_ORDER:
		if (strcmp(arg, "shuffle") == 0)
			b->order = BENCH_SHUFFLE;
		else if (strcmp(arg, "sequential") == 0)
			b->order = BENCH_SEQUENTIAL;
		else {
			snprintf(err, len, "invalid --order '%s' (shuffle or sequential)", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_CPUS: return bopt_cpus(b, arg, err, len);
	case OPT_REFERENCE: b->reference = arg; return 0;
	case OPT_NOISE: return bopt_real("--noise", arg, true, 0, 99, &b->noise_pct, err, len);
	case OPT_BASELINE: b->baseline = arg; return 0;
	case OPT_MAX_REGRESSION:
		return bopt_real("--max-regression", arg, true, 0, 1e6, &b->max_regression_pct, err, len);
	case OPT_EXPORT_JSON: b->export_json = arg; return 0;
	case OPT_EXPORT_CSV: b->export_csv = arg; return 0;
	case OPT_EXPORT_MARKDOWN: b->export_markdown = arg; return 0;
	case OPT_SHOW_OUTPUT: b->show_output = true; return 0;
	}
	return 1;
}

/* Once every option is read: expand the scans and refuse what cannot be combined. */
int bench_options_check(struct opts *o, char *err, size_t len)
{
	struct bench_opts *b = o->bench;
	const char *metric;
	size_t i;
	int rc;

	if (!b)
		return 0;
	if (b->step && b->nscans == 0) {
		snprintf(err, len, "-D (--parameter-step-size) is for -P (--parameter-scan)");
		return -EINVAL;
	}
	if (b->nparams + b->nscans > BENCH_MAX_PARAMS) {
		snprintf(err, len, "at most %d parameters", BENCH_MAX_PARAMS);
		return -EINVAL;
	}
	for (i = b->nscans; i-- > 0;) /* the last first: each position counts only the -L before it */
		if ((rc = bopt_scan(b, b->scans[i], b->step, b->scan_pos[i], err, len)) < 0)
			return rc;
	if (b->runs && b->adaptive) {
		snprintf(err, len, "-r and -b both choose the number of runs: give one");
		return -EINVAL;
	}
	if (b->runs && (b->precision_pct > 0 || b->min_runs || b->max_runs || b->max_time_s > 0)) {
		snprintf(err, len, "-r %u fixes the number of runs: --precision, --min-runs, --max-runs and --max-time "
			 "are for -b", b->runs);
		return -EINVAL;
	}
	if (b->min_runs && b->max_runs && b->min_runs > b->max_runs) {
		snprintf(err, len, "--min-runs %u is above --max-runs %u", b->min_runs, b->max_runs);
		return -EINVAL;
	}
	if (b->max_regression_pct >= 0 && !b->baseline) {
		snprintf(err, len, "--max-regression needs --baseline=FILE to compare with");
		return -EINVAL;
	}
	if (o->format_opt) {
		snprintf(err, len, "%s prints one run; benchmark mode reports many (use --json, or %%{} in a single run)",
			 o->format_opt);
		return -EINVAL;
	}
	if (o->debuginfod || o->names_opt) {
		snprintf(err, len, "%s is for --sample, which benchmark mode does not take",
			 o->debuginfod ? "--debuginfod" : "--names");
		return -EINVAL;
	}
	if (o->quiet) {
		snprintf(err, len, "-q silences a single run's status line; benchmark mode prints none");
		return -EINVAL;
	}
	if (o->sample_hz) {
		snprintf(err, len, "--sample and its outputs profile one run; benchmark mode times many: "
			 "run them separately");
		return -EINVAL;
	}
	if (o->trace) {
		snprintf(err, len, "--trace writes one run's trace; in benchmark mode, --tree reports the tree over the runs");
		return -EINVAL;
	}
	if (o->memory) {
		snprintf(err, len, "--memory profiles one run's allocations; benchmark mode times many: run them separately");
		return -EINVAL;
	}
	metric = record_metric_name(b->metric);
	if (!metrics_find(metric) && strcmp(metric, "cpu_ns") != 0) {
		if (!counters_metric_known(metric)) {
			const char *near = metrics_suggest(metric);
			if (near)
				snprintf(err, len, "unknown --metric '%s'; did you mean '%s'?", b->metric, near);
			else
				snprintf(err, len, "unknown --metric '%s'", b->metric);
			return -EINVAL;
		}
		if (o->events && strcmp(o->events, "none") == 0) {
			snprintf(err, len, "--metric=%s is a counter, and -e none counts nothing", b->metric);
			return -EINVAL;
		}
		b->counted_metric = true;
	}
	b->progress = isatty(STDERR_FILENO) == 1;
	o->format = NULL; /* TIME formats a single run */
	return 0;
}

/* Free what the benchmark options hold. */
void bench_options_free(struct opts *o)
{
	struct bench_opts *b = o->bench;
	size_t i, k;

	if (!b)
		return;
	for (i = 0; i < b->nparams; i++) {
		for (k = 0; k < b->params[i].n; k++)
			free(b->params[i].values[k]);
		free(b->params[i].values);
	}
	free(b->commands);
	free(b->names);
	free(b->cpuset);
	free(b);
	o->bench = NULL;
}
