/* unit-counters.c: event parsing, multiplex scaling and derived metrics, on fixed values. */
#include "config.h"

#include <linux/perf_event.h>
#include <math.h>
#include <stdlib.h>

#include "ptime.h"
#include "tap.h"

static void set(struct counters *cs, const char *name, double v, bool counted)
{
	struct event ev;
	char *err = NULL;
	if (events_parse(name, &ev, &err) < 0)
		abort();
	cs->c = xrealloc(cs->c, (cs->n + 1) * sizeof *cs->c);
	memset(&cs->c[cs->n], 0, sizeof cs->c[0]);
	cs->c[cs->n].ev = ev;
	cs->c[cs->n].fd = -1;
	cs->c[cs->n].value = v;
	cs->c[cs->n].counted = counted;
	snprintf(cs->c[cs->n].why, sizeof cs->c[0].why, "not supported");
	cs->n++;
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

int main(void)
{
	struct event ev;
	char *err = NULL;
	double v;
	bool scaled;
	struct counters cs = { 0 };
	struct result r;
	struct mval m;

	/* parsing perf's names */
	ok(events_parse("cycles", &ev, &err) == 0 && ev.type == PERF_TYPE_HARDWARE &&
		   ev.config == PERF_COUNT_HW_CPU_CYCLES && !ev.user && !ev.kernel, "cycles");
	ok(events_parse("cpu-cycles:u", &ev, &err) == 0 && strcmp(ev.name, "cycles") == 0 && ev.user,
	   "an alias with :u is counted under its canonical name");
	ok(events_parse("task-clock:k", &ev, &err) == 0 && ev.type == PERF_TYPE_SOFTWARE && ev.kernel, ":k");
	ok(events_parse("L1-dcache-load-misses", &ev, &err) == 0 && ev.type == PERF_TYPE_HW_CACHE &&
		   ev.config == (PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
				 (PERF_COUNT_HW_CACHE_RESULT_MISS << 16)), "L1-dcache-load-misses");
	ok(events_parse("LLC-loads", &ev, &err) == 0 && ev.config == PERF_COUNT_HW_CACHE_LL, "LLC-loads");
	ok(events_parse("dTLB-prefetches", &ev, &err) == 0 &&
		   ev.config == (PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_PREFETCH << 8)), "dTLB-prefetches");
	ok(events_parse("r1a8", &ev, &err) == 0 && ev.type == PERF_TYPE_RAW && ev.config == 0x1a8, "raw r1a8");
	ok(events_parse("rzz", &ev, &err) < 0 && strstr(err, "malformed raw event 'rzz'"), "malformed raw event");
	free(err);
	ok(events_parse("cycles:x", &ev, &err) < 0 && strstr(err, "unknown modifier ':x'"), "bad modifier");
	free(err);
	ok(events_parse("cycles:", &ev, &err) < 0 && strstr(err, "missing modifier"), "empty modifier");
	free(err);
	ok(events_parse("instrucions", &ev, &err) < 0 && strstr(err, "did you mean 'instructions'"),
	   "a near miss suggests the event");
	free(err);
	ok(events_parse("xyzzyplugh", &ev, &err) < 0 && strstr(err, "--events=list"), "nonsense points to the list");
	free(err);

	/* scaling */
	ok(counters_scale(1000, 200, 100, &v, &scaled) && scaled && near(v, 2000), "multiplexed: scaled by enabled/running");
	ok(counters_scale(1000, 200, 200, &v, &scaled) && !scaled && near(v, 1000), "ran all the time: not scaled");
	ok(!counters_scale(0, 200, 0, &v, &scaled), "never ran: not counted, not 0");
	ok(counters_scale(5, 8, 5, &v, &scaled) && scaled && near(v, 8), "62.5%% running");

	/* derived metrics */
	memset(&r, 0, sizeof r);
	r.ran = true;
	r.real_ns = 500000000;
	r.counters = &cs;
	set(&cs, "task-clock", 1000000000.0, true);
	set(&cs, "cycles", 3000000000.0, true);
	set(&cs, "instructions", 6000000000.0, true);
	set(&cs, "branches", 1000000.0, true);
	set(&cs, "branch-misses", 12345.0, true);
	set(&cs, "cache-references", 0.0, true);
	set(&cs, "cache-misses", 0.0, true);
	set(&cs, "stalled-cycles-frontend", 600000000.0, true);
	set(&cs, "stalled-cycles-backend", 0, false);
	m = counters_metric(&r, "cpus_utilized");
	ok(m.kind == MVAL_REAL && near(m.d, 2.0), "CPUs utilized = task-clock / real");
	m = counters_metric(&r, "ghz");
	ok(m.kind == MVAL_REAL && near(m.d, 3.0), "GHz = cycles / task-clock ns");
	m = counters_metric(&r, "ipc");
	ok(m.kind == MVAL_REAL && near(m.d, 2.0), "IPC = instructions / cycles");
	m = counters_metric(&r, "branch_miss_percent");
	ok(m.kind == MVAL_REAL && near(m.d, 1.2345), "branch-miss percent");
	m = counters_metric(&r, "cache_miss_percent");
	ok(m.kind == MVAL_NONE && strcmp(m.why, "no events to miss") == 0, "no cache references: no ratio, with why");
	m = counters_metric(&r, "stalled_cycles_per_insn");
	ok(m.kind == MVAL_REAL && near(m.d, 0.1), "stalled cycles per insn from the counted stall");
	m = counters_metric(&r, "frontend_stall_percent");
	ok(m.kind == MVAL_REAL && near(m.d, 20.0), "frontend cycles idle");
	m = counters_metric(&r, "backend_stall_percent");
	ok(m.kind == MVAL_NONE && strstr(m.why, "stalled-cycles-backend: not supported"), "an uncounted input says why");
	m = counters_metric(&r, "instructions");
	ok(m.kind == MVAL_INT && m.i == 6000000000LL, "a counter by its name");
	m = counters_metric(&r, "cpu-cycles");
	ok(m.kind == MVAL_INT && m.i == 3000000000LL, "a counter by an alias");
	m = counters_metric(&r, "LLC-loads");
	ok(m.kind == MVAL_NONE && strstr(m.why, "was not counted"), "an event not asked for");
	r.counters = NULL;
	m = counters_metric(&r, "ipc");
	ok(m.kind == MVAL_NONE && strcmp(m.why, "counting was off") == 0, "counting off");

	/* what a format needs */
	{
		char *l = counters_for_format("%e %{ipc} %{max_rss_bytes} %{page-faults}");
		is_str(l, "instructions,cycles,page-faults", "a format asks for exactly the events it prints");
		free(l);
		ok(counters_for_format("%e %{real_ns}") == NULL, "no counter in the format: no counting");
	}
	free(cs.c);
	return done();
}
