/* report/json-bench.c: benchmark mode's one JSON document (docs/json.md): hyperfine's export, and more. */
#include "config.h"

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include "ptime.h"

#define BJ_FUNCS(X) X(json_object_array_add) X(json_object_new_array) X(json_object_new_boolean) X(json_object_new_double_s) X(json_object_new_int) X(json_object_new_int64) X(json_object_new_object) X(json_object_object_add)
DLIB_TABLE(bj, BJ_FUNCS)

#define PTIME_SCHEMA_VERSION 1   /* the same version as report/json.c's run document */

static void bj_add(json_object *o, const char *key, json_object *v)
{
	bj.json_object_object_add(o, key, v);
}

/* A number that reads back exactly, or null: JSON has no NaN nor infinity. */
static json_object *bj_num(double v)
{
	char buf[40];

	if (!isfinite(v))
		return NULL;
	format_real(buf, sizeof buf, v);
	return bj.json_object_new_double_s(v, buf);
}

/* A metric's value in its own unit: an integer where it is one (ns, bytes, counts), else a number. */
static json_object *bj_value(double v)
{
	if (isfinite(v) && fabs(v) < 9e18 && v == (double)(int64_t)v)
		return bj.json_object_new_int64((int64_t)v);
	return bj_num(v);
}

static json_object *bj_pair(double lo, double hi)
{
	json_object *a;

	if (!isfinite(lo) || !isfinite(hi))
		return NULL;
	a = bj.json_object_new_array();
	bj.json_object_array_add(a, bj_num(lo));
	bj.json_object_array_add(a, bj_num(hi));
	return a;
}

static const char *bj_verdict(int v)
{
	switch (v) {
	case BENCH_FASTER:
		return "faster";
	case BENCH_SLOWER:
		return "slower";
	case BENCH_NO_DIFFERENCE:
		return "no_difference";
	default:
		return "undecided";
	}
}

static json_object *bj_stats(const struct bench_stats *s, const char *unit)
{
	json_object *o = bj.json_object_new_object();

	bj_add(o, "n", bj.json_object_new_int64((int64_t)s->n));
	bj_add(o, "mean", bj_num(s->mean));
	bj_add(o, "stddev", bj_num(s->stddev));
	bj_add(o, "median", bj_num(s->median));
	bj_add(o, "min", bj_num(s->min));
	bj_add(o, "max", bj_num(s->max));
	bj_add(o, "q1", bj_num(s->q1));
	bj_add(o, "q3", bj_num(s->q3));
	bj_add(o, "mad", bj_num(s->mad));
	bj_add(o, "mean_ci95", bj_pair(s->mean_ci[0], s->mean_ci[1]));
	bj_add(o, "median_ci95", bj_pair(s->median_ci[0], s->median_ci[1]));
	bj_add(o, "outliers", bj.json_object_new_int64((int64_t)s->outliers));
	bj_add(o, "unit", report_json_str(unit));
	return o;
}

static json_object *bj_run(const struct bench *b, const struct bench_run *r)
{
	json_object *o = bj.json_object_new_object();
	size_t m;

	bj_add(o, "round", bj.json_object_new_int64(r->round));
	bj_add(o, "index", bj.json_object_new_int64(r->index));
	if (r->cpu >= 0)
		bj_add(o, "cpu", bj.json_object_new_int(r->cpu));
	bj_add(o, "start_ns", bj.json_object_new_int64(r->start_ns));
	bj_add(o, "exit_status", bj.json_object_new_int(r->exit_status));
	if (WIFSIGNALED(r->wait_status))
		bj_add(o, "signal", bj.json_object_new_int(WTERMSIG(r->wait_status)));
	for (m = 0; m < b->nmetrics; m++)
		if (isfinite(r->v[m]))
			bj_add(o, b->metrics[m].name, bj_value(r->v[m]));
	return o;
}

/* The figures of one executable (or of the others) over the runs, each as a metric's statistics. */
static json_object *bj_exe(const struct bench_exe *e, bool others)
{
	json_object *o = bj.json_object_new_object();

	if (others)
		bj_add(o, "executables", bj.json_object_new_int64((int64_t)e->nexes));
	else
		bj_add(o, "comm", report_json_str(e->comm));
	bj_add(o, "runs", bj.json_object_new_int64((int64_t)e->runs));
	bj_add(o, "count", bj_stats(&e->count, "count"));
	bj_add(o, "cpu_ns", bj_stats(&e->cpu_ns, "ns"));
	bj_add(o, "wall_ns", bj_stats(&e->wall_ns, "ns"));
	bj_add(o, "max_cpu_ns", bj_stats(&e->max_cpu_ns, "ns"));
	return o;
}

/* --tree: the command's trees over the runs, named as in a run's document (tree.processes,
   executables[], parallelism.average, critical_path.ns), each figure a statistics object. */
static json_object *bj_tree(const struct bench_tree *t)
{
	json_object *o = bj.json_object_new_object(), *exes, *par, *cp;
	size_t i;

	bj_add(o, "runs", bj.json_object_new_int64((int64_t)t->runs));
	bj_add(o, "missing_runs", bj.json_object_new_int64((int64_t)t->missing));
	if (t->why)
		bj_add(o, "unavailable", report_json_str(t->why));
	if (!t->runs)
		return o;
	bj_add(o, "processes", bj_stats(&t->processes, "count"));
	bj_add(o, "threads", bj_stats(&t->threads, "count"));
	bj_add(o, "lost_records", bj.json_object_new_int64((int64_t)t->lost));
	exes = bj.json_object_new_array();
	for (i = 0; i < t->nexes; i++)
		bj.json_object_array_add(exes, bj_exe(&t->exes[i], false));
	bj_add(o, "executables", exes);
	if (t->others.nexes)
		bj_add(o, "others", bj_exe(&t->others, true));
	par = bj.json_object_new_object();
	if (t->parallelism.n)
		bj_add(par, "average", bj_stats(&t->parallelism, "ratio"));
	bj_add(par, "max", bj_stats(&t->max_busy, "count"));
	bj_add(par, "cpu_ns", bj_stats(&t->cpu_ns, "ns"));
	bj_add(o, "parallelism", par);
	if (t->critical_path_ns.n) {
		cp = bj.json_object_new_object();
		bj_add(cp, "ns", bj_stats(&t->critical_path_ns, "ns"));
		bj_add(o, "critical_path", cp);
	}
	return o;
}

/* The mean of a metric in seconds, for hyperfine's fields; null when it was not measured. */
static json_object *bj_seconds(const struct bench_stats *s, double v)
{
	return s->n ? bj_num(v / 1e9) : NULL;
}

static json_object *bj_result(const struct bench *b, const struct bench_cmd *c)
{
	const struct bench_stats *r = &c->stats[b->real];
	json_object *o = bj.json_object_new_object(), *times = bj.json_object_new_array();
	json_object *codes = bj.json_object_new_array(), *mem = bj.json_object_new_array();
	json_object *runs = bj.json_object_new_array(), *stats = bj.json_object_new_object();
	json_object *unavailable = bj.json_object_new_object(), *argv = bj.json_object_new_array();
	size_t k, m;
	char **a;

	/* hyperfine's fields, in its order and its units */
	bj_add(o, "command", report_json_str(c->command));
	bj_add(o, "mean", bj_seconds(r, r->mean));
	bj_add(o, "stddev", r->n >= 2 ? bj_seconds(r, r->stddev) : NULL);
	bj_add(o, "median", bj_seconds(r, r->median));
	bj_add(o, "user", bj_seconds(&c->stats[b->user], c->stats[b->user].mean));
	bj_add(o, "system", bj_seconds(&c->stats[b->sys], c->stats[b->sys].mean));
	bj_add(o, "min", bj_seconds(r, r->min));
	bj_add(o, "max", bj_seconds(r, r->max));
	for (k = 0; k < c->nruns; k++) {
		const struct bench_run *run = &c->runs[k];
		bj.json_object_array_add(times, bj_num(run->v[b->real] / 1e9));
		bj.json_object_array_add(mem, bj_value(run->v[b->maxrss]));
		bj.json_object_array_add(codes, WIFEXITED(run->wait_status)
							? bj.json_object_new_int(WEXITSTATUS(run->wait_status)) : NULL);
		bj.json_object_array_add(runs, bj_run(b, run));
	}
	bj_add(o, "times", times);
	bj_add(o, "memory_usage_byte", mem);
	bj_add(o, "exit_codes", codes);
	if (c->nparams) {
		json_object *p = bj.json_object_new_object();
		for (k = 0; k < c->nparams; k++)
			bj_add(p, c->param_names[k], report_json_str(c->param_values[k] ? c->param_values[k] : ""));
		bj_add(o, "parameters", p);
	}

	/* ptime's */
	bj_add(o, "name", report_json_str(c->name ? c->name : c->command));
	bj_add(o, "shell", c->shell && c->shell_path ? report_json_str(c->shell_path) : NULL);
	for (a = c->argv; a && *a; a++)
		bj.json_object_array_add(argv, report_json_str(*a));
	bj_add(o, "argv", argv);
	bj_add(o, "runs", runs);
	for (m = 0; m < b->nmetrics; m++) {
		if (c->stats[m].n)
			bj_add(stats, b->metrics[m].name, bj_stats(&c->stats[m], b->metrics[m].unit));
		else
			bj_add(unavailable, b->metrics[m].name,
			       report_json_str(c->stats[m].why && c->stats[m].why[0] ? c->stats[m].why
					       : c->why && c->why[m] && c->why[m][0] ? c->why[m] : "no run measured it"));
	}
	bj_add(o, "statistics", stats);
	bj_add(o, "unavailable", unavailable);
	bj_add(o, "failed_runs", bj.json_object_new_int64((int64_t)c->failed));
	if (c->stop)
		bj_add(o, "stopped_by", report_json_str(c->stop));
	if (b->opts && b->opts->precision_pct > 0)
		bj_add(o, "precision_met", bj.json_object_new_boolean(c->precision_met));
	if (c->base_name)
		bj_add(o, "baseline_command", report_json_str(c->base_name));
	if (c->tree)
		bj_add(o, "tree", bj_tree(c->tree));
	return o;
}

static json_object *bj_ratio(const struct bench_ratio *r)
{
	json_object *o = bj.json_object_new_object();
	bj_add(o, "ratio", bj_num(r->ratio));
	bj_add(o, "ci95", bj_pair(r->ci[0], r->ci[1]));
	bj_add(o, "p_value", bj_num(r->p_value));
	bj_add(o, "verdict", report_json_str(bj_verdict(r->verdict)));
	return o;
}

static json_object *bj_cmp(const struct bench *b, const struct bench_cmp *cmp)
{
	json_object *o = bj_ratio(&cmp->r[b->primary]), *others = bj.json_object_new_object();
	size_t m;

	bj_add(o, "command", report_json_str(b->cmds[cmp->cmd].command));
	bj_add(o, "reference", report_json_str(cmp->ref < b->ncmds ? b->cmds[cmp->ref].command
						 : cmp->ref_command ? cmp->ref_command : ""));
	bj_add(o, "metric", report_json_str(b->metrics[b->primary].name));
	bj_add(o, "test", report_json_str("mann-whitney-u"));
	if (cmp->baseline)
		bj_add(o, "baseline", report_json_str(cmp->baseline));
	if (cmp->baseline && b->opts && b->opts->max_regression_pct >= 0)
		bj_add(o, "regression", bj.json_object_new_boolean(cmp->regression));
	for (m = 0; m < b->nmetrics; m++)
		if (m != b->primary && isfinite(cmp->r[m].ratio))
			bj_add(others, b->metrics[m].name, bj_ratio(&cmp->r[m]));
	bj_add(o, "metrics", others);
	return o;
}

static json_object *bj_noise(const struct bench_noise *n)
{
	json_object *o = bj.json_object_new_object(), *load = bj.json_object_new_array();
	json_object *warn = bj.json_object_new_array();
	char *const *w;
	int i;

	bj_add(o, "governor", n->governor[0] ? report_json_str(n->governor) : NULL);
	bj_add(o, "turbo", n->turbo < 0 ? NULL : bj.json_object_new_boolean(n->turbo));
	for (i = 0; i < 3; i++)
		bj.json_object_array_add(load, n->loadavg[i] < 0 ? NULL : bj_num(n->loadavg[i]));
	bj_add(o, "loadavg", load);
	bj_add(o, "aslr", n->aslr < 0 ? NULL : bj.json_object_new_int(n->aslr));
	bj_add(o, "pmu", bj.json_object_new_boolean(n->pmu));
	if (!n->pmu && n->pmu_why[0])
		bj_add(o, "pmu_why", report_json_str(n->pmu_why));
	bj_add(o, "cpus_online", bj.json_object_new_int64(n->cpus_online));
	for (w = n->warnings; w && *w; w++)
		bj.json_object_array_add(warn, report_json_str(*w));
	bj_add(o, "warnings", warn);
	return o;
}

/* Write the benchmark as one JSON document on one line: "results" holds hyperfine's fields (seconds)
   and ptime's (ns, bytes), "comparisons" the verdicts. Returns 0, or -1 when json-c cannot be loaded
   (nothing is written) or on a write error. */
int report_bench_json(FILE *fp, const struct bench *b)
{
	json_object *root, *results, *cmps, *metrics;
	const struct bench_opts *o = b->opts;
	size_t i;

	if (report_json_load() || !bj_load("libjson-c.so.5"))
		return -1;
	root = bj.json_object_new_object();
	results = bj.json_object_new_array();
	cmps = bj.json_object_new_array();
	metrics = bj.json_object_new_array();
	bj_add(root, "schema_version", bj.json_object_new_int(PTIME_SCHEMA_VERSION));
	bj_add(root, "mode", report_json_str("bench"));
	bj_add(root, "ptime_version", report_json_str(PACKAGE_VERSION));
	for (i = 0; i < b->ncmds; i++)
		bj.json_object_array_add(results, bj_result(b, &b->cmds[i]));
	bj_add(root, "results", results);
	for (i = 0; i < b->ncmps; i++)
		bj.json_object_array_add(cmps, bj_cmp(b, &b->cmps[i]));
	bj_add(root, "comparisons", cmps);
	bj_add(root, "metric", report_json_str(b->metrics[b->primary].name));
	for (i = 0; i < b->nmetrics; i++) {
		json_object *m = bj.json_object_new_object();
		bj_add(m, "name", report_json_str(b->metrics[i].name));
		bj_add(m, "unit", report_json_str(b->metrics[i].unit));
		bj_add(m, "label", report_json_str(b->metrics[i].label));
		bj.json_object_array_add(metrics, m);
	}
	bj_add(root, "metrics", metrics);
	if (b->reference < b->ncmds)
		bj_add(root, "reference", report_json_str(b->cmds[b->reference].command));
	if (o) {
		bj_add(root, "order", report_json_str(o->order == BENCH_SEQUENTIAL ? "sequential" : "shuffle"));
		bj_add(root, "warmup", bj.json_object_new_int64(o->warmup));
		bj_add(root, "noise_percent", bj_num(o->noise_pct));
		if (o->precision_pct > 0)
			bj_add(root, "precision_percent", bj_num(o->precision_pct));
		if (o->max_regression_pct >= 0)
			bj_add(root, "max_regression_percent", bj_num(o->max_regression_pct));
		if (o->baseline)
			bj_add(root, "baseline", report_json_str(o->baseline));
	}
	/* a seed above 2^63 stays exact as a decimal string, where a JSON number would lose it in doubles */
	{
		char seed[24];
		snprintf(seed, sizeof seed, "%llu", (unsigned long long)b->seed);
		bj_add(root, "seed", report_json_str(seed));
	}
	bj_add(root, "rounds", bj.json_object_new_int64((int64_t)b->rounds));
	bj_add(root, "wall_ns", bj.json_object_new_int64(b->wall_ns));
	bj_add(root, "stats_ns", bj.json_object_new_int64(b->stats_ns));
	bj_add(root, "host", report_json_host(&b->host));
	bj_add(root, "noise", bj_noise(&b->noise));
	bj_add(root, "exit_status", bj.json_object_new_int(b->exit_status));
	if (b->failure)
		bj_add(root, "failure", report_json_str(b->failure));
	return report_json_write(fp, root);
}
