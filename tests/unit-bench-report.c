/* unit-bench-report.c: the benchmark reports (text, CSV, Markdown, JSON) of a benchmark built by hand, and
   --baseline read back from ptime's and hyperfine's exports. With --json FILE it writes the JSON document to
   FILE for t-bench-report.sh (the schema, hyperfine's scripts). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

#define MS 1e6

enum { M_REAL, M_USER, M_SYS, M_RSS, M_INSN, M_CYCLES, NM };

static struct bench_metric metrics[NM] = {
	{ "real_ns", "ns", "real" },
	{ "user_ns", "ns", "user" },
	{ "sys_ns", "ns", "sys" },
	{ "max_rss_bytes", "bytes", "max RSS" },
	{ "instructions", "count", "instructions" },
	{ "cycles", "count", "cycles" },
};

/* The statistics of real time, set by hand: the reports only read them. */
static void set_stats(struct bench_stats *s, size_t n, double mean, double sd, double med, double mn, double mx)
{
	s->n = n;
	s->mean = mean;
	s->stddev = sd;
	s->median = med;
	s->min = mn;
	s->max = mx;
	s->q1 = mn;
	s->q3 = mx;
	s->mad = sd;
	s->mean_ci[0] = mean - sd;
	s->mean_ci[1] = mean + sd;
	s->median_ci[0] = s->median_ci[1] = NAN;
}

static void add_cmd(struct bench_cmd *c, size_t ci, const char *command, const char *name, const double *real,
		    size_t n, double user, double sys, double rss, const char *param)
{
	static const char *pnames[] = { "n" };
	size_t k, m;

	c->command = xstrdup(command);
	c->name = xstrdup(name ? name : command);
	c->argv = xcalloc(4, sizeof *c->argv);
	c->argv[0] = xstrdup(command);
	c->param_names = pnames;
	c->param_values = xcalloc(1, sizeof *c->param_values);
	c->param_values[0] = xstrdup(param);
	c->nparams = 1;
	c->runs = xcalloc(n, sizeof *c->runs);
	c->nruns = n;
	for (k = 0; k < n; k++) {
		struct bench_run *r = &c->runs[k];
		r->cmd = (uint32_t)ci;
		r->round = (uint32_t)k + 1;
		r->index = (uint32_t)k + 1;
		r->cpu = (int32_t)(k % 2);
		r->start_ns = 1800000000000000000LL + (int64_t)k * 1000000000LL;
		r->v = xmalloc(NM * sizeof *r->v);
		for (m = 0; m < NM; m++)
			r->v[m] = NAN;
		r->v[M_REAL] = real[k];
		r->v[M_USER] = user;
		r->v[M_SYS] = sys;
		r->v[M_RSS] = rss;
	}
	c->stats = xcalloc(NM, sizeof *c->stats);
	c->stats[M_USER] = (struct bench_stats){ .n = n, .mean = user, .stddev = 0, .median = user, .min = user,
						 .max = user, .q1 = user, .q3 = user, .mean_ci = { user, user },
						 .median_ci = { NAN, NAN } };
	c->stats[M_SYS] = c->stats[M_USER];
	c->stats[M_SYS].mean = c->stats[M_SYS].median = c->stats[M_SYS].min = c->stats[M_SYS].max = sys;
	c->stats[M_RSS] = c->stats[M_USER];
	c->stats[M_RSS].mean = c->stats[M_RSS].median = c->stats[M_RSS].min = c->stats[M_RSS].max = rss;
	c->stats[M_INSN].why = "not supported";
	c->stats[M_CYCLES].why = "not supported";
	c->stop = "--runs";
}

static struct bench_opts opts = { .noise_pct = 1, .max_regression_pct = -1, .warmup = 2 };

/* Two commands: 'sleep 0.1' (5 runs, the reference) and 'fast' (6 runs, twice as fast, under /bin/sh). */
static void build(struct bench *b)
{
	static const double r0[] = { 100 * MS, 101 * MS, 102 * MS, 103 * MS, 104 * MS };
	static const double r1[] = { 50 * MS, 50 * MS, 51 * MS, 51 * MS, 52 * MS, 52 * MS };
	struct bench_cmd *c;
	struct bench_ratio *r;

	memset(b, 0, sizeof *b);
	b->opts = &opts;
	b->metrics = metrics;
	b->nmetrics = NM;
	b->primary = M_REAL;
	b->real = M_REAL;
	b->user = M_USER;
	b->sys = M_SYS;
	b->maxrss = M_RSS;
	b->ncmds = 2;
	b->cmds = c = xcalloc(2, sizeof *c);
	add_cmd(&c[0], 0, "sleep 0.1", NULL, r0, 5, 1 * MS, 2 * MS, 2097152, "1");
	set_stats(&c[0].stats[M_REAL], 5, 102 * MS, sqrt(2.5) * MS, 102 * MS, 100 * MS, 104 * MS);
	add_cmd(&c[1], 1, "printf 'a|b,\"c\"'", "fast", r1, 6, 1 * MS, 2 * MS, 3145728, "2");
	set_stats(&c[1].stats[M_REAL], 6, 51 * MS, sqrt(0.8) * MS, 51 * MS, 50 * MS, 52 * MS);
	c[1].stats[M_REAL].median_ci[0] = 50 * MS;
	c[1].stats[M_REAL].median_ci[1] = 52 * MS;
	c[1].stats[M_REAL].outliers = 1;
	c[1].shell = true;
	c[1].shell_path = "/bin/sh";
	free(c[1].argv[0]);
	c[1].argv[0] = xstrdup("/bin/sh");
	b->reference = 0;
	b->ncmps = 1;
	b->cmps = xcalloc(1, sizeof *b->cmps);
	b->cmps[0].cmd = 1;
	b->cmps[0].ref = 0;
	b->cmps[0].ref_command = c[0].command;
	b->cmps[0].r = r = xcalloc(NM, sizeof *r);
	for (size_t m = 0; m < NM; m++)
		r[m] = (struct bench_ratio){ NAN, { NAN, NAN }, NAN, BENCH_UNDECIDED };
	r[M_REAL] = (struct bench_ratio){ 0.5, { 0.49, 0.51 }, 0.0022, BENCH_FASTER };
	r[M_USER] = (struct bench_ratio){ 1.0, { 0.995, 1.005 }, 0.9, BENCH_NO_DIFFERENCE };
	r[M_SYS] = r[M_USER];
	r[M_RSS] = (struct bench_ratio){ 1.5, { 1.4, 1.6 }, 0.002, BENCH_SLOWER };
	b->seed = 12345;
	b->rounds = 6;
	snprintf(b->host.hostname, sizeof b->host.hostname, "vm");
	snprintf(b->host.kernel, sizeof b->host.kernel, "6.1.0");
	snprintf(b->host.machine, sizeof b->host.machine, "x86_64");
	b->host.cpus_online = 2;
	b->host.perf_event_paranoid = 2;
	snprintf(b->noise.governor, sizeof b->noise.governor, "performance");
	b->noise.turbo = -1;
	b->noise.aslr = 2;
	b->noise.loadavg[0] = 0.5;
	b->noise.cpus_online = 2;
	snprintf(b->noise.pmu_why, sizeof b->noise.pmu_why, "no hardware PMU (cycles: not supported)");
	b->noise.warnings = xcalloc(2, sizeof *b->noise.warnings);
	b->noise.warnings[0] = xstrdup("the load average is 0.50 with 2 CPUs");
	b->wall_ns = 2 * NS_PER_SEC;
}

static void unbuild(struct bench *b)
{
	size_t i, k;
	for (i = 0; i < b->ncmds; i++) {
		struct bench_cmd *c = &b->cmds[i];
		for (k = 0; k < c->nruns; k++)
			free(c->runs[k].v);
		free(c->runs);
		free(c->stats);
		free(c->command);
		free(c->name);
		for (k = 0; k < 4; k++)
			free(c->argv[k]);
		free(c->argv);
		free(c->param_values[0]);
		free(c->param_values);
		report_bench_baseline_free(c->base);
	}
	free(b->cmds);
	free(b->cmps[0].r);
	free(b->cmps);
	free(b->noise.warnings[0]);
	free(b->noise.warnings);
}

/* What a report function wrote, as one string. */
static char *capture(struct bench *b, int (*fn)(FILE *, const struct bench *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (fn)
		fn(fp, b);
	else
		report_bench(fp, b);
	fclose(fp);
	return buf;
}

/* Line n (from 0) of s, in a static buffer. */
static const char *line(const char *s, int n)
{
	static char buf[1024];
	const char *e;
	for (; n > 0 && s; n--) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s)
		return "(none)";
	e = strchr(s, '\n');
	snprintf(buf, sizeof buf, "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
	return buf;
}

static bool has(const char *s, const char *want)
{
	if (strstr(s, want))
		return true;
	printf("# missing: %s\n", want);
	return false;
}

static void test_text(struct bench *b)
{
	char *t = capture(b, NULL);

	printf("# text report:\n");
	for (const char *p = t; *p;) {
		const char *e = strchr(p, '\n');
		printf("#   %.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
		p = e ? e + 1 : p + strlen(p);
	}
	is_str(line(t, 0), "Benchmark 1: sleep 0.1", "text: header");
	is_str(line(t, 1), "  Time (mean ± σ):     102.0 ms ±   1.6 ms    [User: 1.0 ms, System: 2.0 ms]",
	       "text: hyperfine's time line");
	is_str(line(t, 2), "  Median (95% CI):     102.0 ms  [too few runs for a CI]", "text: median without a CI at n=5");
	is_str(line(t, 3), "  Range (min … max):   100.0 ms … 104.0 ms    5 runs", "text: range line");
	ok(has(t, "    metric            mean ± σ   median          min … max\n"
		  "    user      1.0 ms ±  0.0 ms   1.0 ms   1.0 ms …  1.0 ms\n"), "text: other metrics table");
	ok(has(t, "    max RSS  2.0 MiB ± 0.0 MiB  2.0 MiB  2.0 MiB … 2.0 MiB\n"), "text: bytes in MiB");
	ok(has(t, "    not measured: instructions, cycles (not supported)\n"), "text: one line for counters not counted");
	ok(has(t, "Benchmark 2: fast (printf 'a|b,\"c\"') (under /bin/sh)\n"), "text: name, command and shell");
	ok(has(t, "  Median (95% CI):      51.0 ms  [50.0 ms … 52.0 ms]"), "text: median CI");
	ok(has(t, "  Warning: 1 statistical outlier (modified Z-score > 3.5)"), "text: outlier warning");
	ok(has(t, "\nSummary (median real, against 'sleep 0.1')\n"), "text: summary header");
	ok(has(t, "  'fast' is 2.00 ± 0.04 times faster (95% CI 1.96 … 2.04; p = 0.0022, Mann–Whitney U)\n"),
	   "text: faster: inverted ratio and CI");
	ok(has(t, "    also: max RSS 1.50 ± 0.10× higher\n"), "text: other metrics that differ");
	ok(has(t, "\nWarning: the load average is 0.50 with 2 CPUs\n"), "text: noise warning");
	ok(!strstr(t, "nan") && !strstr(t, "inf"), "text: no NaN printed");
	free(t);

	/* the other verdicts */
	b->cmps[0].r[M_REAL] = (struct bench_ratio){ 1.004, { 0.995, 1.008 }, 0.4, BENCH_NO_DIFFERENCE };
	t = capture(b, NULL);
	ok(has(t, "  'fast': no significant difference (ratio 1.004, 95% CI 0.99 … 1.01, within the 1% noise band)\n"),
	   "text: no difference inside the noise band");
	free(t);
	b->cmps[0].r[M_REAL] = (struct bench_ratio){ 3.21, { 3.16, 3.26 }, 1.2e-7, BENCH_SLOWER };
	t = capture(b, NULL);
	ok(has(t, "  'fast' is 3.21 ± 0.05 times slower (95% CI 3.16 … 3.26; p = 1.2e-07, Mann–Whitney U)\n"),
	   "text: slower");
	free(t);
	b->cmps[0].r[M_REAL] = (struct bench_ratio){ NAN, { NAN, NAN }, NAN, BENCH_UNDECIDED };
	t = capture(b, NULL);
	ok(has(t, "  'fast': undecided (too few runs)\n"), "text: undecided");
	free(t);
	b->cmps[0].r[M_REAL] = (struct bench_ratio){ 0.5, { 0.49, 0.51 }, 0.0022, BENCH_FASTER };
}

/* Another primary metric, a baseline with a regression, and each per-command warning. */
static void test_text_more(struct bench *b)
{
	struct bench_cmp *saved = b->cmps, two[2];
	struct bench_opts o = opts;
	char *t;

	b->primary = M_RSS;
	t = capture(b, NULL);
	if (getenv("SHOW"))
		fputs(t, stdout);
	ok(has(t, "  Max RSS (mean ± σ):     2.0 MiB ±  0.0 MiB\n"), "text: a non-time primary says its label");
	ok(has(t, "  Range (min … max):      2.0 MiB …  2.0 MiB    5 runs\n"), "text: its lines align with the label");
	ok(has(t, "    real    102.0 ms ± 1.6 ms  102.0 ms  100.0 ms … 104.0 ms\n"), "text: real among the others");
	ok(has(t, "Summary (median max RSS, against 'sleep 0.1')\n  'fast' is 1.50 ± 0.10 times higher"),
	   "text: a non-time ratio is higher or lower");
	ok(has(t, "    also: real 2.00 ± 0.04× faster\n"), "text: real time among the other ratios");
	free(t);
	b->primary = M_REAL;

	two[0] = saved[0];
	two[1] = saved[0];
	two[1].cmd = 1;
	two[1].ref = SIZE_MAX;
	two[1].ref_command = "fast-old";
	two[1].baseline = "old.json";
	two[1].regression = true;
	b->cmps = two;
	b->ncmps = 2;
	o.max_regression_pct = 5;
	o.precision_pct = 2;
	b->opts = &o;
	b->cmds[0].slow_first = true;
	b->cmds[0].stats[M_REAL].outliers = 1;
	b->cmds[0].failed = 2;
	b->cmds[0].precision_met = false;
	b->cmds[1].precision_met = true;
	t = capture(b, NULL);
	if (getenv("SHOW"))
		fputs(t, stdout);
	ok(has(t, "\nSummary (median real, against its baseline in old.json)\n"
		  "  'fast' is 2.00 ± 0.04 times faster than its baseline (95% CI 1.96 … 2.04;"), "text: baseline comparison");
	ok(has(t, "    Regression: more than 5% slower than its baseline (--max-regression)\n"), "text: regression flagged");
	ok(has(t, "  Warning: The first run was significantly slower than the rest (100.0 ms)"), "text: slow first run");
	ok(has(t, "  Warning: 2 of 5 runs exited with a non-zero status (kept by -i).\n"), "text: failed runs");
	ok(has(t, "  Warning: the --precision target of 2% was not reached: stopped by --runs after 5 runs.\n"),
	   "text: precision not reached");
	ok(!strstr(line(strstr(t, "Benchmark 1"), 5), "outlier") && !strstr(t, "1 statistical outlier (modified Z-score > 3.5); consider a quieter system, --warmup or --prepare.\n  Warning: 2 of"),
	   "text: the slow first run is the outlier, not another warning");
	free(t);
	b->cmds[0].slow_first = false;
	b->cmds[0].stats[M_REAL].outliers = 0;
	b->cmds[0].failed = 0;
	b->opts = &opts;
	b->cmps = saved;
	b->ncmps = 1;
}

static void test_csv(struct bench *b)
{
	char *t = capture(b, report_bench_csv);
	is_str(line(t, 0), "command,mean,stddev,median,user,system,min,max,parameter_n,user_ns_mean,user_ns_stddev,"
			   "user_ns_median,sys_ns_mean,sys_ns_stddev,sys_ns_median,max_rss_bytes_mean,max_rss_bytes_stddev,"
			   "max_rss_bytes_median,instructions_mean,instructions_stddev,instructions_median,cycles_mean,"
			   "cycles_stddev,cycles_median", "csv: header");
	is_str(line(t, 1), "sleep 0.1,0.102,0.0015811388300841897,0.102,0.001,0.002,0.1,0.104,1,1000000,0,1000000,"
			   "2000000,0,2000000,2097152,0,2097152,,,,,,", "csv: first row");
	is_str(line(t, 2), "fast,0.051,0.0008944271909999158,0.051,0.001,0.002,0.05,0.052,2,1000000,0,1000000,"
			   "2000000,0,2000000,3145728,0,3145728,,,,,,", "csv: second row");
	free(b->cmds[1].name);
	b->cmds[1].name = xstrdup("a \"q\", b");
	free(t);
	t = capture(b, report_bench_csv);
	ok(has(line(t, 2), "\"a \"\"q\"\", b\",0.051,"), "csv: RFC 4180 quoting");
	free(b->cmds[1].name);
	b->cmds[1].name = xstrdup("fast");
	free(t);
}

static void test_markdown(struct bench *b)
{
	char *t = capture(b, report_bench_markdown);
	is_str(line(t, 0), "| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |", "markdown: header");
	is_str(line(t, 1), "|:---|---:|---:|---:|---:|", "markdown: alignment");
	is_str(line(t, 2), "| `sleep 0.1` | 102.0 ± 1.6 | 100.0 | 104.0 | 1.00 |", "markdown: reference row");
	is_str(line(t, 3), "| `fast` | 51.0 ± 0.9 | 50.0 | 52.0 | 0.50 ± 0.01 |", "markdown: ratio ± half the CI");
	free(t);
	free(b->cmds[1].name);
	b->cmds[1].name = xstrdup("a|b");
	t = capture(b, report_bench_markdown);
	is_str(line(t, 3), "| `a\\|b` | 51.0 ± 0.9 | 50.0 | 52.0 | 0.50 ± 0.01 |", "markdown: | escaped");
	free(t);
	free(b->cmds[1].name);
	b->cmds[1].name = xstrdup("fast");
}

static void test_json(struct bench *b, const char *path)
{
	char *t = capture(b, report_bench_json);
	FILE *fp;

	ok(t && strchr(t, '\n') == t + strlen(t) - 1, "json: one line");
	ok(has(t, "{\"schema_version\":1,\"mode\":\"bench\","), "json: schema_version and mode first");
	ok(has(t, "\"command\":\"sleep 0.1\",\"mean\":0.102,\"stddev\":0.0015811388300841897,\"median\":0.102,"
		  "\"user\":0.001,\"system\":0.002,\"min\":0.1,\"max\":0.104,\"times\":[0.1,0.101,0.102,0.103,0.104],"
		  "\"memory_usage_byte\":[2097152,2097152,2097152,2097152,2097152],\"exit_codes\":[0,0,0,0,0],"
		  "\"parameters\":{\"n\":\"1\"}"), "json: hyperfine's fields");
	ok(has(t, "{\"round\":1,\"index\":1,\"cpu\":0,\"start_ns\":1800000000000000000,\"exit_status\":0,"
		  "\"real_ns\":50000000,\"user_ns\":1000000,\"sys_ns\":2000000,\"max_rss_bytes\":3145728}"),
	   "json: a run with its metrics, the unmeasured absent");
	ok(has(t, "\"unavailable\":{\"instructions\":\"not supported\",\"cycles\":\"not supported\"}"), "json: unavailable");
	ok(has(t, "\"median_ci95\":null"), "json: an undefined CI is null");
	ok(has(t, "\"median_ci95\":[50000000,52000000]"), "json: a CI, whole numbers in plain digits");
	ok(has(t, "\"ratio\":0.5,\"ci95\":[0.49,0.51],\"p_value\":0.0022,\"verdict\":\"faster\",\"command\":"
		  "\"printf 'a|b,\\\"c\\\"'\",\"reference\":\"sleep 0.1\",\"metric\":\"real_ns\""), "json: comparison");
	ok(has(t, "\"max_rss_bytes\":{\"ratio\":1.5,\"ci95\":[1.4,1.6],\"p_value\":0.002,\"verdict\":\"slower\"}"),
	   "json: another metric's ratio");
	ok(has(t, "\"noise\":{\"governor\":\"performance\",\"turbo\":null,\"loadavg\":[0.5,0,0],\"aslr\":2,\"pmu\":false"),
	   "json: noise");
	ok(!strstr(t, "nan") && !strstr(t, "NaN") && !strstr(t, "inf"), "json: no NaN");
	if (path && (fp = fopen(path, "w"))) {
		fputs(t, fp);
		fclose(fp);
	}
	free(t);
}

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/ptime-unit-bench.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

static void test_baseline(struct bench *b)
{
	char err[512], *json = capture(b, report_bench_json), *path;
	int rc;

	/* ptime's own document as the baseline of the same benchmark */
	path = write_tmp(json);
	rc = report_bench_baseline(path, b, err, sizeof err);
	is_int(rc, 0, "baseline: ptime's export reads back");
	ok(b->cmds[0].base && b->cmds[0].base->nruns == 5 && b->cmds[1].base && b->cmds[1].base->nruns == 6,
	   "baseline: each command matched with its runs");
	ok(b->cmds[1].base && b->cmds[1].base->runs[2].v[M_REAL] == 51 * MS && b->cmds[1].base->runs[0].v[M_RSS] == 3145728
	   && isnan(b->cmds[1].base->runs[0].v[M_INSN]), "baseline: values by metric name, NAN where absent");
	is_str(b->cmds[1].base_name, "printf 'a|b,\"c\"'", "baseline: base_name is its command");
	ok(b->cmds[0].base && b->cmds[0].base->stats[M_REAL].n == 5 && b->cmds[0].base->stats[M_INSN].n == 0,
	   "baseline: statistics of what it has");
	unlink(path);
	free(path);
	report_bench_baseline_free(b->cmds[0].base);
	report_bench_baseline_free(b->cmds[1].base);
	b->cmds[0].base = b->cmds[1].base = NULL;

	/* hyperfine's export, matched by name ("fast", hyperfine's command when -n gave it) */
	path = write_tmp("{\n  \"results\": [\n    {\n      \"command\": \"fast\",\n      \"mean\": 0.05,\n"
			 "      \"times\": [0.05, 0.0505, 0.051],\n      \"memory_usage_byte\": [1000, 2000, 3000],\n"
			 "      \"exit_codes\": [0, null, 2]\n    }\n  ]\n}\n");
	rc = report_bench_baseline(path, b, err, sizeof err);
	is_int(rc, 0, "baseline: hyperfine's export reads");
	ok(!b->cmds[0].base, "baseline: a command without a result has no base");
	ok(b->cmds[1].base && b->cmds[1].base->nruns == 3 && b->cmds[1].base->runs[1].v[M_REAL] == 50500000 &&
	   b->cmds[1].base->runs[2].v[M_RSS] == 3000 && isnan(b->cmds[1].base->runs[0].v[M_USER]),
	   "baseline: times in seconds to real_ns, memory_usage_byte to max_rss_bytes");
	ok(b->cmds[1].base && b->cmds[1].base->failed == 2, "baseline: a null or non-zero exit code is a failed run");
	unlink(path);
	free(path);
	report_bench_baseline_free(b->cmds[1].base);
	b->cmds[1].base = NULL;

	rc = report_bench_baseline("/nonexistent/b.json", b, err, sizeof err);
	ok(rc == -1 && strcmp(err, "cannot read '/nonexistent/b.json': No such file or directory") == 0,
	   "baseline: a missing file (%s)", err);
	rc = report_bench_baseline("/dev/null", b, err, sizeof err);
	ok(rc == -1 && strstr(err, "cannot read '/dev/null': ") == err, "baseline: not a regular file (%s)", err);
	path = write_tmp("{\"results\": [1, 2");
	rc = report_bench_baseline(path, b, err, sizeof err);
	ok(rc == -1 && strstr(err, "is not a benchmark export: "), "baseline: not JSON (%s)", err);
	unlink(path);
	free(path);
	path = write_tmp("{\"results\": []} x");
	rc = report_bench_baseline(path, b, err, sizeof err);
	ok(rc == -1 && strstr(err, "is not a benchmark export: more after"), "baseline: trailing text (%s)", err);
	unlink(path);
	free(path);
	path = write_tmp("{\"mean\": 1}");
	rc = report_bench_baseline(path, b, err, sizeof err);
	ok(rc == -1 && strstr(err, "is not a benchmark export: it has no \"results\" array"), "baseline: no results (%s)", err);
	unlink(path);
	free(path);
	path = write_tmp("{\"results\": [{\"command\": \"other\", \"times\": [1]}]}");
	rc = report_bench_baseline(path, b, err, sizeof err);
	ok(rc == -1 && strstr(err, "has a result for none of these commands (its first is 'other')"),
	   "baseline: nothing matched (%s)", err);
	ok(!b->cmds[0].base && !b->cmds[1].base, "baseline: nothing allocated on an error");
	unlink(path);
	free(path);
	free(json);
}

int main(int argc, char **argv)
{
	const char *dump = argc == 3 && strcmp(argv[1], "--json") == 0 ? argv[2] : NULL;
	struct bench b;

	if (report_json_load()) {
		printf("1..0 # SKIP json-c cannot be loaded: %s\n", report_json_load());
		return 0;
	}
	build(&b);
	test_text(&b);
	test_text_more(&b);
	test_csv(&b);
	test_markdown(&b);
	test_json(&b, dump);
	test_baseline(&b);
	unbuild(&b);
	return done();
}
