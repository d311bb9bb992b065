/* report-json.c: the one JSON object of a run (docs/json.md); the only file that includes json-c. */
#include "config.h"

#include <json-c/json.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "ptime.h"

#define PTIME_SCHEMA_VERSION 1

static json_object *json_real(double d)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.6g", d);
	return json_object_new_double_s(d, buf);
}

static json_object *json_time(const struct timespec *ts)
{
	struct tm tm;
	char buf[64];
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	return json_object_new_string(buf);
}

static json_object *json_exit(const struct result *r)
{
	json_object *e = json_object_new_object();
	int st = r->wait_status;

	json_object_object_add(e, "status", json_object_new_int(r->exit_status));
	if (WIFEXITED(st)) {
		json_object_object_add(e, "type", json_object_new_string("exited"));
		json_object_object_add(e, "code", json_object_new_int(WEXITSTATUS(st)));
	} else if (WIFSIGNALED(st)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(st));
		char name[32];
		snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
		json_object_object_add(e, "type", json_object_new_string("signaled"));
		json_object_object_add(e, "signal", json_object_new_int(WTERMSIG(st)));
		json_object_object_add(e, "signal_name", json_object_new_string(name));
		json_object_object_add(e, "core_dumped", json_object_new_boolean(WCOREDUMP(st)));
	}
	return e;
}

static json_object *json_host(const struct host *h)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "hostname", json_object_new_string(h->hostname));
	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_object_object_add(o, "machine", json_object_new_string(h->machine));
	if (h->cpu_model[0])
		json_object_object_add(o, "cpu_model", json_object_new_string(h->cpu_model));
	json_object_object_add(o, "cpus_online", json_object_new_int64(h->cpus_online));
	if (h->perf_event_paranoid != INT_MIN)
		json_object_object_add(o, "perf_event_paranoid", json_object_new_int(h->perf_event_paranoid));
	return o;
}

static json_object *json_counter(const struct counter *c)
{
	json_object *o = json_object_new_object();
	bool clock = c->ev.type == PERF_TYPE_SOFTWARE &&
		     (c->ev.config == PERF_COUNT_SW_TASK_CLOCK || c->ev.config == PERF_COUNT_SW_CPU_CLOCK);

	json_object_object_add(o, "name", json_object_new_string(c->ev.name));
	json_object_object_add(o, "unit", json_object_new_string(clock ? "ns" : "count"));
	json_object_object_add(o, "user_only", json_object_new_boolean(c->user_only));
	if (!c->counted) {
		json_object_object_add(o, "why", json_object_new_string(c->why));
		return o;
	}
	json_object_object_add(o, "value", json_object_new_int64((int64_t)(c->value + 0.5)));
	json_object_object_add(o, "source", json_object_new_string(c->from_rusage ? "rusage" : "perf"));
	if (c->from_rusage)
		return o;
	json_object_object_add(o, "raw_value", json_object_new_int64((int64_t)c->raw));
	json_object_object_add(o, "enabled_ns", json_object_new_int64((int64_t)c->enabled_ns));
	json_object_object_add(o, "running_ns", json_object_new_int64((int64_t)c->running_ns));
	json_object_object_add(o, "scaled", json_object_new_boolean(c->scaled));
	if (c->enabled_ns)
		json_object_object_add(o, "running_percent",
				       json_real(100.0 * (double)c->running_ns / (double)c->enabled_ns));
	return o;
}

/* The counters section: every counter, counted or with its reason, and the derived metrics. */
static void json_counters(json_object *root, json_object *unavailable, const struct result *r)
{
	const struct counters *cs = r->counters;
	json_object *sec = json_object_new_object(), *list = json_object_new_array();
	json_object *derived = json_object_new_object();
	const char *held = caps_held();
	size_t i;

	json_object_object_add(sec, "user_only_fallback", json_object_new_boolean(cs->fallback));
	for (i = 0; i < cs->n; i++)
		json_object_array_add(list, json_counter(&cs->c[i]));
	json_object_object_add(sec, "events", list);
	for (i = 0; counters_derived_names[i]; i++) {
		struct mval v = counters_metric(r, counters_derived_names[i]);
		if (v.kind == MVAL_REAL)
			json_object_object_add(derived, counters_derived_names[i], json_real(v.d));
		else
			json_object_object_add(unavailable, counters_derived_names[i], json_object_new_string(v.why));
	}
	json_object_object_add(sec, "derived", derived);
	json_object_object_add(root, "counters", sec);
	if (held) {
		json_object *caps = json_object_new_object(), *h = json_object_new_array();
		json_object_array_add(h, json_object_new_string(held));
		json_object_object_add(caps, "held", h);
		json_object_object_add(caps, "used", json_object_new_boolean(caps_used()));
		json_object_object_add(root, "capabilities", caps);
	}
}

static json_object *json_pct(uint64_t n, uint64_t total)
{
	return json_real(total ? 100.0 * (double)n / (double)total : 0);
}

/* The profile: sampling facts, the hottest functions and lines, and samples per process and thread. */
static json_object *json_profile(const struct profile *p)
{
	json_object *o = json_object_new_object(), *funcs = json_object_new_array(), *lines = json_object_new_array();
	json_object *procs = json_object_new_array(), *threads = json_object_new_array(), *warn = json_object_new_array();
	size_t *idx, i, j, nw;
	char *const *w;

	json_object_object_add(o, "event", json_object_new_string(p->event));
	json_object_object_add(o, "frequency_hz", json_object_new_int64(p->hz));
	json_object_object_add(o, "user_only", json_object_new_boolean(true));
	json_object_object_add(o, "call_graph", json_object_new_boolean(p->call_graph));
	json_object_object_add(o, "inline", json_object_new_string(p->inline_caller ? "caller" : "code"));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)p->samples));
	json_object_object_add(o, "lost_samples", json_object_new_int64((int64_t)p->lost));
	json_object_object_add(o, "throttled", json_object_new_int64((int64_t)p->throttled));
	json_object_object_add(o, "samples_without_line", json_object_new_int64((int64_t)p->no_line));
	idx = profile_sorted_funcs(p);
	for (i = 0; i < p->nfuncs && i < 50; i++) {
		const struct prof_func *f = &p->funcs[idx[i]];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "function", json_object_new_string(f->name));
		json_object_object_add(e, "dso", json_object_new_string(f->dso));
		if (f->file) {
			json_object_object_add(e, "file", json_object_new_string(f->file));
			json_object_object_add(e, "line", json_object_new_int(f->line));
		}
		json_object_object_add(e, "self_samples", json_object_new_int64((int64_t)f->self));
		json_object_object_add(e, "self_percent", json_pct(f->self, p->samples));
		json_object_object_add(e, "inclusive_samples", json_object_new_int64((int64_t)f->incl));
		json_object_object_add(e, "inclusive_percent", json_pct(f->incl, p->samples));
		json_object_array_add(funcs, e);
	}
	free(idx);
	idx = profile_sorted_lines(p);
	for (i = 0; i < p->nlines && i < 50; i++) {
		const struct prof_line *l = &p->lines[idx[i]];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "file", json_object_new_string(l->file));
		json_object_object_add(e, "line", json_object_new_int(l->line));
		json_object_object_add(e, "function", json_object_new_string(p->funcs[l->func].name));
		json_object_object_add(e, "self_samples", json_object_new_int64((int64_t)l->self));
		json_object_object_add(e, "self_percent", json_pct(l->self, p->samples));
		json_object_object_add(e, "inclusive_samples", json_object_new_int64((int64_t)l->incl));
		json_object_object_add(e, "inclusive_percent", json_pct(l->incl, p->samples));
		json_object_array_add(lines, e);
	}
	free(idx);
	for (i = 0; i < p->ntasks; i++) {
		const struct prof_task *t = &p->tasks[i];
		json_object *e = json_object_new_object(), *pe = NULL;
		json_object_object_add(e, "pid", json_object_new_int(t->pid));
		json_object_object_add(e, "tid", json_object_new_int(t->tid));
		json_object_object_add(e, "comm", json_object_new_string(t->comm));
		json_object_object_add(e, "samples", json_object_new_int64((int64_t)t->samples));
		json_object_array_add(threads, e);
		for (j = 0; j < json_object_array_length(procs); j++) {
			json_object *q = json_object_array_get_idx(procs, j), *v;
			json_object_object_get_ex(q, "pid", &v);
			if (json_object_get_int(v) == t->pid)
				pe = q;
		}
		if (!pe) {
			pe = json_object_new_object();
			json_object_object_add(pe, "pid", json_object_new_int(t->pid));
			json_object_object_add(pe, "comm", json_object_new_string(t->comm));
			json_object_object_add(pe, "samples", json_object_new_int64(0));
			json_object_array_add(procs, pe);
		}
		{
			json_object *v;
			json_object_object_get_ex(pe, "samples", &v);
			json_object_set_int64(v, json_object_get_int64(v) + (int64_t)t->samples);
			if (t->pid == t->tid)
				json_object_object_add(pe, "comm", json_object_new_string(t->comm));
		}
	}
	nw = symbols_warnings(p->syms, &w);
	for (i = 0; i < nw; i++)
		json_object_array_add(warn, json_object_new_string(w[i]));
	json_object_object_add(o, "functions", funcs);
	json_object_object_add(o, "lines", lines);
	json_object_object_add(o, "processes", procs);
	json_object_object_add(o, "threads", threads);
	json_object_object_add(o, "warnings", warn);
	return o;
}

/* Add each static metric to its section, or its reason to "unavailable". */
static void json_metrics(json_object *root, json_object *unavailable, const struct result *r)
{
	size_t n, i;
	const struct metric *m = metrics_all(&n);

	for (i = 0; i < n; i++) {
		struct mval v = metrics_value(r, &m[i]);
		json_object *sec;
		if (!json_object_object_get_ex(root, m[i].section, &sec)) {
			sec = json_object_new_object();
			json_object_object_add(root, m[i].section, sec);
		}
		if (v.kind == MVAL_INT)
			json_object_object_add(sec, m[i].name, json_object_new_int64(v.i));
		else if (v.kind == MVAL_REAL)
			json_object_object_add(sec, m[i].name, json_real(v.d));
		else
			json_object_object_add(unavailable, m[i].name, json_object_new_string(v.why));
	}
}

/* Write r as one JSON object on one line; returns 0 or -1 on a write error. */
int report_json(FILE *fp, const struct opts *o, const struct result *r)
{
	json_object *root = json_object_new_object(), *argv = json_object_new_array();
	json_object *unavailable = json_object_new_object();
	char *const *a;
	int rc;

	json_object_object_add(root, "schema_version", json_object_new_int(PTIME_SCHEMA_VERSION));
	json_object_object_add(root, "ptime_version", json_object_new_string(PACKAGE_VERSION));
	for (a = r->argv; *a; a++)
		json_object_array_add(argv, json_object_new_string(*a));
	json_object_object_add(root, "command", argv);
	json_object_object_add(root, "start_time", json_time(&r->start_wall));
	json_object_object_add(root, "end_time", json_time(&r->end_wall));
	json_object_object_add(root, "exit", json_exit(r));
	json_metrics(root, unavailable, r);
	if (r->counters)
		json_counters(root, unavailable, r);
	else
		json_object_object_add(unavailable, "counters", json_object_new_string("counting was turned off (-e none)"));
	if (r->profile && r->profile->why[0])
		json_object_object_add(unavailable, "profile", json_object_new_string(r->profile->why));
	else if (r->profile)
		json_object_object_add(root, "profile", json_profile(r->profile));
	if (r->have_host)
		json_object_object_add(root, "host", json_host(&r->host));
	json_object_object_add(root, "unavailable", unavailable);

	rc = fprintf(fp, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return rc < 0 ? -1 : 0;
}
