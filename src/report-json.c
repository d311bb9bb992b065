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
	if (r->have_host)
		json_object_object_add(root, "host", json_host(&r->host));
	json_object_object_add(root, "unavailable", unavailable);

	rc = fprintf(fp, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return rc < 0 ? -1 : 0;
}
