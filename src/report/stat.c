/* report/stat.c: the counters block of the text reports, aligned as perf stat prints it. */
#include "config.h"

#include <linux/perf_event.h>
#include <string.h>

#include "ptime.h"

static bool counter_is_clock(const struct counter *c)
{
	return c->ev.type == PERF_TYPE_SOFTWARE &&
	       (c->ev.config == PERF_COUNT_SW_TASK_CLOCK || c->ev.config == PERF_COUNT_SW_CPU_CLOCK);
}

/* The "# ..." note after a counter: its derived metric, as perf stat prints it. */
static void counter_note(char *buf, size_t len, const struct result *r, const struct counter *c)
{
	const char *n = c->ev.name;
	static const struct { const char *event, *derived, *suffix; int prec; } notes[] = {
		{ "task-clock", "cpus_utilized", " CPUs utilized", 3 },
		{ "cycles", "ghz", " GHz", 3 },
		{ "instructions", "ipc", " insn per cycle", 2 },
		{ "branch-misses", "branch_miss_percent", "% of all branches", 2 },
		{ "cache-misses", "cache_miss_percent", "% of all cache refs", 2 },
		{ "stalled-cycles-frontend", "frontend_stall_percent", "% frontend cycles idle", 2 },
		{ "stalled-cycles-backend", "backend_stall_percent", "% backend cycles idle", 2 },
	};
	const struct counter *tc = counters_find(r->counters, "task-clock");
	struct mval v;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof notes / sizeof notes[0]; i++) {
		if (strcmp(n, notes[i].event) != 0)
			continue;
		v = counters_metric(r, notes[i].derived);
		if (v.kind == MVAL_REAL)
			snprintf(buf, len, "%8.*f%s", notes[i].prec, v.d, notes[i].suffix);
		return;
	}
	/* Other events: a rate per second of CPU time, as perf stat gives. */
	if (!counter_is_clock(c) && tc && tc->counted && tc->value > 0) {
		double rate = c->value / (tc->value / 1e9);
		if (rate >= 1e9)
			snprintf(buf, len, "%8.3f G/sec", rate / 1e9);
		else if (rate >= 1e6)
			snprintf(buf, len, "%8.3f M/sec", rate / 1e6);
		else if (rate >= 1e3)
			snprintf(buf, len, "%8.3f K/sec", rate / 1e3);
		else
			snprintf(buf, len, "%8.3f /sec", rate);
	}
}

/* The counters block: one line per counter, or nothing when counting was off. */
void report_counters(FILE *fp, const struct result *r)
{
	const struct counters *cs = r->counters;
	size_t i;

	if (!cs || cs->n == 0)
		return;
	if (r->stopped[0])
		fprintf(fp, "\n Performance counters (none: the kernel stops counting at the exec of the command, as\n"
			" %s):\n\n", r->stopped);
	else if (cs->fallback)
		fprintf(fp, "\n Performance counters (user space only: perf_event_paranoid=%d):\n\n", cs->paranoid);
	else
		fputs("\n Performance counters:\n\n", fp);
	for (i = 0; i < cs->n; i++) {
		const struct counter *c = &cs->c[i];
		char name[112], val[48], note[80];
		bool not_supported = !c->counted && strncmp(c->why, "not supported", 13) == 0;

		if (c->optional && not_supported)
			continue; /* this CPU lacks it; perf stat leaves it out too */
		counters_label(c, name, sizeof name);
		if (!c->counted) {
			if (not_supported)
				fprintf(fp, "%18s      %s\n", "<not supported>", name);
			else
				fprintf(fp, "%18s      %-26s # %s\n", "<not counted>", name,
					c->why + (strncmp(c->why, "not counted: ", 13) ? 0 : 13));
			continue;
		}
		if (counter_is_clock(c)) {
			char ip[32];
			uint64_t ms = (uint64_t)(c->value / 1e6);
			format_group_digits(ip, sizeof ip, ms);
			snprintf(val, sizeof val, "%s.%02u", ip, (unsigned)((uint64_t)(c->value / 1e4) % 100));
		} else {
			format_group_digits(val, sizeof val, (uint64_t)(c->value + 0.5));
		}
		counter_note(note, sizeof note, r, c);
		fprintf(fp, "%18s %-4s %-26s", val, counter_is_clock(c) ? "msec" : "", name);
		if (note[0])
			fprintf(fp, " # %s", note);
		if (c->scaled && c->enabled_ns)
			fprintf(fp, "  (%.2f%%)", 100.0 * (double)c->running_ns / (double)c->enabled_ns);
		if (c->from_rusage)
			fputs("  (from rusage: kernel counting is excluded)", fp);
		putc('\n', fp);
	}
}
