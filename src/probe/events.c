/* probe/events.c: event names to perf_event_attr: perf's generic, software and cache names, raw rNNNN, :u/:k. */
#include "config.h"

#include <ctype.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct event_name {
	const char *name;
	uint32_t type;
	uint64_t config;
};

static const struct event_name event_names[] = {
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "stalled-cycles-frontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND },
	{ "stalled-cycles-backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
};

static const char *const cache_names[] = { "L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node" };
static const uint64_t cache_ids[] = {
	PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_L1I, PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_DTLB,
	PERF_COUNT_HW_CACHE_ITLB, PERF_COUNT_HW_CACHE_BPU, PERF_COUNT_HW_CACHE_NODE,
};
static const char *const cache_ops[] = { "load", "store", "prefetch" };

/* The canonical name of an alias: "cpu-cycles" is counted and reported as "cycles". */
static const char *events_canonical(const struct event_name *e)
{
	size_t i;
	for (i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
		if (event_names[i].type == e->type && event_names[i].config == e->config)
			return event_names[i].name;
	return e->name;
}

/* A generic cache event: "L1-dcache-load-misses", "LLC-loads", "dTLB-store-misses", ... */
static int events_cache(const char *s, uint64_t *config)
{
	size_t c, o;
	for (c = 0; c < sizeof cache_names / sizeof cache_names[0]; c++) {
		size_t l = strlen(cache_names[c]);
		if (strncmp(s, cache_names[c], l) != 0 || s[l] != '-')
			continue;
		for (o = 0; o < 3; o++) {
			const char *rest = s + l + 1;
			size_t ol = strlen(cache_ops[o]);
			if (strncmp(rest, cache_ops[o], ol) != 0)
				continue;
			rest += ol;
			if (strcmp(rest, "s") == 0 || strcmp(rest, "es") == 0) {
				*config = cache_ids[c] | (o << 8) | ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_ACCESS << 16);
				return 0;
			}
			if (strcmp(rest, "-misses") == 0) {
				*config = cache_ids[c] | (o << 8) | ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
				return 0;
			}
		}
	}
	return -1;
}

/* Parse one event token ("cycles:u", "r1a8", "LLC-load-misses"); returns 0, or -1 with *err set. */
int events_parse(const char *token, struct event *ev, char **err)
{
	char base[96];
	const char *colon = strchr(token, ':');
	size_t len = colon ? (size_t)(colon - token) : strlen(token), i;

	memset(ev, 0, sizeof *ev);
	if (len == 0 || len >= sizeof base) {
		*err = xasprintf("empty or overlong event name '%s'", token);
		return -1;
	}
	memcpy(base, token, len);
	base[len] = '\0';
	if (colon) {
		const char *m;
		if (!colon[1]) {
			*err = xasprintf("missing modifier after ':' in '%s' (expected u or k)", token);
			return -1;
		}
		for (m = colon + 1; *m; m++) {
			if (*m == 'u')
				ev->user = true;
			else if (*m == 'k')
				ev->kernel = true;
			else if (*m == ':') {
				*err = xasprintf("more than one ':' in '%s' (modifiers go together: %.*s:uk)", token, (int)len, token);
				return -1;
			} else {
				*err = xasprintf("unknown modifier ':%c' in '%s' (expected u or k)", *m, token);
				return -1;
			}
		}
	}
	for (i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
		if (strcmp(base, event_names[i].name) == 0) {
			ev->type = event_names[i].type;
			ev->config = event_names[i].config;
			snprintf(ev->name, sizeof ev->name, "%s", events_canonical(&event_names[i]));
			return 0;
		}
	if (events_cache(base, &ev->config) == 0) {
		ev->type = PERF_TYPE_HW_CACHE;
		snprintf(ev->name, sizeof ev->name, "%s", base);
		return 0;
	}
	if (base[0] == 'r' && base[1]) {
		char *end;
		ev->config = strtoull(base + 1, &end, 16);
		if (*end || !isxdigit((unsigned char)base[1]) || strlen(base + 1) > 16) {
			*err = xasprintf("malformed raw event '%s' (expected rNNNN, hexadecimal)", token);
			return -1;
		}
		ev->type = PERF_TYPE_RAW;
		snprintf(ev->name, sizeof ev->name, "%s", base);
		return 0;
	}
	{
		const char *near = events_suggest(base);
		*err = near ? xasprintf("unknown event '%s'; did you mean '%s'?", token, near)
			    : xasprintf("unknown event '%s' (ptime --events=list shows them)", token);
	}
	return -1;
}

/* The known event name closest to name, or NULL if none is close. */
const char *events_suggest(const char *name)
{
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1, limit = strlen(name) / 3 + 1;
	for (i = 0; i < sizeof event_names / sizeof event_names[0]; i++) {
		d = metrics_edit_distance(name, event_names[i].name);
		if (d < bestd) {
			bestd = d;
			best = event_names[i].name;
		}
	}
	return bestd <= limit ? best : NULL;
}

/* Whether name (without modifiers) names a countable event. */
bool events_known(const char *name)
{
	struct event ev;
	char *err = NULL;
	if (events_parse(name, &ev, &err) == 0)
		return true;
	free(err);
	return false;
}

/* The names --events=list reports on: every generic and software event, then the cache events. */
size_t events_list(const char ***names)
{
	static const char *list[sizeof event_names / sizeof event_names[0] + 7 * 3 * 2];
	static char cache[7 * 3 * 2][40];
	size_t n = 0, i, c, o;
	for (i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
		if (strcmp(events_canonical(&event_names[i]), event_names[i].name) == 0)
			list[n++] = event_names[i].name;
	for (c = 0; c < 7; c++)
		for (o = 0; o < 3; o++) {
			size_t k = (c * 3 + o) * 2;
			snprintf(cache[k], sizeof cache[k], "%s-%ss", cache_names[c], cache_ops[o]);
			snprintf(cache[k + 1], sizeof cache[k + 1], "%s-%s-misses", cache_names[c], cache_ops[o]);
			list[n++] = cache[k];
			list[n++] = cache[k + 1];
		}
	*names = list;
	return n;
}
