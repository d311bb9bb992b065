/* bench/record.c: what each run of a benchmark records: the metrics, the primary one, and which
   counters this machine can count at all. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

static const struct { const char *name, *label; } record_labels[] = {
	{ "real_ns", "real" }, { "user_ns", "user" }, { "sys_ns", "sys" }, { "cpu_ns", "CPU (user+sys)" },
	{ "cpu_percent", "CPU %" }, { "max_rss_bytes", "max RSS" }, { "minor_page_faults", "minor faults" },
	{ "major_page_faults", "major faults" }, { "voluntary_context_switches", "voluntary switches" },
	{ "involuntary_context_switches", "involuntary switches" }, { "fs_input_blocks", "fs inputs" },
	{ "fs_output_blocks", "fs outputs" }, { "read_bytes", "read" }, { "write_bytes", "written" },
	{ "read_syscalls", "read calls" }, { "write_syscalls", "write calls" },
	{ "storage_read_bytes", "storage read" }, { "storage_write_bytes", "storage written" },
	{ "cancelled_write_bytes", "cancelled writes" },
	{ "cpus_utilized", "CPUs utilized" }, { "ghz", "GHz" }, { "ipc", "IPC" },
	{ "branch_miss_percent", "branch miss %" }, { "cache_miss_percent", "cache miss %" },
	{ "stalled_cycles_per_insn", "stalls per insn" }, { "frontend_stall_percent", "frontend stall %" },
	{ "backend_stall_percent", "backend stall %" },
};

static void record_add(struct bench *b, const char *name, const char *unit)
{
	struct bench_metric *m;
	size_t i;

	b->metrics = xrealloc(b->metrics, (b->nmetrics + 1) * sizeof *b->metrics);
	m = &b->metrics[b->nmetrics++];
	m->name = xstrdup(name);
	m->unit = unit;
	m->label = m->name;
	for (i = 0; i < sizeof record_labels / sizeof record_labels[0]; i++)
		if (strcmp(record_labels[i].name, name) == 0)
			m->label = record_labels[i].label;
}

/* The primary metric's name for --metric's spellings: real, cpu, user, sys stand for their _ns names. */
const char *record_metric_name(const char *m)
{
	if (!m || strcmp(m, "real") == 0)
		return "real_ns";
	if (strcmp(m, "cpu") == 0)
		return "cpu_ns";
	if (strcmp(m, "user") == 0)
		return "user_ns";
	if (strcmp(m, "sys") == 0 || strcmp(m, "system") == 0)
		return "sys_ns";
	return m;
}

/* Every metric a run records: the time and rusage and I/O of metrics.c that Linux maintains, cpu_ns,
   then each counter of the set (the default one, or -e) and the derived metrics. */
int record_metrics(const struct opts *o, struct bench *b, char *err, size_t errlen)
{
	const struct metric *all;
	const char *primary = record_metric_name(o->bench->metric);
	size_t n, i;
	char *why = NULL;
	struct counters *cs = NULL;

	all = metrics_all(&n);
	for (i = 0; i < n; i++) {
		static const char *const unmaintained[] = { "swaps", "socket_messages_sent", "socket_messages_received",
			"signals_delivered", "avg_shared_text_bytes", "avg_unshared_data_bytes", "avg_stack_bytes", NULL };
		size_t k;
		bool skip = false;
		for (k = 0; unmaintained[k]; k++)
			skip |= strcmp(all[i].name, unmaintained[k]) == 0;
		if (skip)
			continue;
		record_add(b, all[i].name, all[i].unit);
		if (strcmp(all[i].name, "sys_ns") == 0)
			record_add(b, "cpu_ns", "ns");
	}
	if (!o->events || strcmp(o->events, "none") != 0)
		cs = counters_create(o->events, &why);
	for (i = 0; cs && i < cs->n; i++) {
		bool clock = strcmp(cs->c[i].ev.name, "task-clock") == 0 || strcmp(cs->c[i].ev.name, "cpu-clock") == 0;
		record_add(b, cs->c[i].ev.name, clock ? "ns" : "count");
	}
	for (i = 0; cs && counters_derived_names[i]; i++)
		record_add(b, counters_derived_names[i],
			    strstr(counters_derived_names[i], "percent") ? "percent" : "ratio");
	counters_free(cs);
	free(why);
	b->primary = b->real = b->user = b->sys = b->maxrss = SIZE_MAX;
	for (i = 0; i < b->nmetrics; i++) {
		const char *nm = b->metrics[i].name;
		if (strcmp(nm, primary) == 0)
			b->primary = i;
		if (strcmp(nm, "real_ns") == 0)
			b->real = i;
		if (strcmp(nm, "user_ns") == 0)
			b->user = i;
		if (strcmp(nm, "sys_ns") == 0)
			b->sys = i;
		if (strcmp(nm, "max_rss_bytes") == 0)
			b->maxrss = i;
	}
	if (b->primary == SIZE_MAX) {
		snprintf(err, errlen, "--metric=%s is not among the metrics measured%s", o->bench->metric,
			 o->events ? " (add its event to -e)" : "");
		return -1;
	}
	return 0;
}

/* A counter as the primary metric must be countable here: find out before anything runs, by opening
   its events on ptime itself (what the events of a metric derived from several are: counters.c). */
int record_check_primary(const struct opts *o, const struct bench *b, char *err, size_t errlen)
{
	const char *name = b->metrics[b->primary].name;
	struct counters *cs;
	char *why = NULL;
	size_t i;
	int rc = 0;

	if (metrics_find(name) || strcmp(name, "cpu_ns") == 0)
		return 0;
	cs = counters_create(o->events, &why);
	free(why);
	if (!cs)
		return 0;
	counters_open(cs, 0);
	for (i = 0; i < cs->n && rc == 0; i++) {
		const struct counter *c = &cs->c[i];
		if (c->fd < 0 && counters_metric_uses(name, c->ev.name)) {
			snprintf(err, errlen, "--metric=%s cannot be measured here: %s: %s", name, c->ev.name, c->why);
			rc = -1;
		}
	}
	counters_free(cs);
	return rc;
}

/* The counters each run opens: the set asked for, less those that cannot be opened on this machine at
   all (a VM without a PMU: 8 of the 12 default ones), found once on ptime itself. Every run then opens
   the same counters, and none pays for the 8 that fail; each metric they leave out keeps the reason. */
void record_counters(const struct opts *o, const struct bench *b, char **events, char ***skipped_out)
{
	struct counters *cs;
	char *why = NULL, *list = NULL, **skipped;
	size_t i, m;

	*events = NULL;
	*skipped_out = NULL;
	if (o->events && strcmp(o->events, "none") == 0)
		return;
	cs = counters_create(o->events, &why);
	free(why);
	if (!cs)
		return;
	counters_open(cs, 0);
	skipped = xcalloc(b->nmetrics, sizeof *skipped);
	for (i = 0; i < cs->n; i++) {
		const struct counter *c = &cs->c[i];
		char *tok;
		if (c->fd >= 0 || (c->why[0] && !strstr(c->why, "not supported"))) {
			tok = xasprintf("%s%s%s", c->ev.name, c->ev.user || c->ev.kernel ? ":" : "",
					c->ev.user && c->ev.kernel ? "uk" : c->ev.user ? "u" : c->ev.kernel ? "k" : "");
			why = list ? xasprintf("%s,%s", list, tok) : xstrdup(tok);
			free(tok);
			free(list);
			list = why;
			continue;
		}
		for (m = 0; m < b->nmetrics; m++)
			if (!skipped[m] && counters_metric_uses(b->metrics[m].name, c->ev.name))
				skipped[m] = xasprintf("%s: %s", c->ev.name, c->why);
	}
	counters_free(cs);
	*events = list ? list : xstrdup("none");
	*skipped_out = skipped;
}
