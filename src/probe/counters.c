/* probe/counters.c: perf_event counting: the default set, open on the corked child, read, scale, derive, close. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptime.h"

/* perf stat's default set; the last four only where the CPU has them. */
static const struct { const char *name; bool optional; } counters_default[] = {
	{ "task-clock", false }, { "context-switches", false }, { "cpu-migrations", false },
	{ "page-faults", false }, { "cycles", false }, { "instructions", false },
	{ "branches", false }, { "branch-misses", false }, { "cache-references", true },
	{ "cache-misses", true }, { "stalled-cycles-frontend", true }, { "stalled-cycles-backend", true },
};

/* Derived metrics, each with the events it is computed from. */
static const struct { const char *name; const char *needs; } counters_derived[] = {
	{ "cpus_utilized", "task-clock" },
	{ "ghz", "cycles,task-clock" },
	{ "ipc", "instructions,cycles" },
	{ "branch_miss_percent", "branch-misses,branches" },
	{ "cache_miss_percent", "cache-misses,cache-references" },
	{ "stalled_cycles_per_insn", "stalled-cycles-frontend,stalled-cycles-backend,instructions" },
	{ "frontend_stall_percent", "stalled-cycles-frontend,cycles" },
	{ "backend_stall_percent", "stalled-cycles-backend,cycles" },
};

const char *const counters_derived_names[] = {
	"cpus_utilized", "ghz", "ipc", "branch_miss_percent", "cache_miss_percent",
	"stalled_cycles_per_insn", "frontend_stall_percent", "backend_stall_percent", NULL,
};

static void counters_add(struct counters *cs, const struct event *ev, bool optional)
{
	size_t i;
	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].ev.name, ev->name) == 0 && cs->c[i].ev.user == ev->user &&
		    cs->c[i].ev.kernel == ev->kernel)
			return; /* asked twice: count once */
	cs->c = xrealloc(cs->c, (cs->n + 1) * sizeof *cs->c);
	memset(&cs->c[cs->n], 0, sizeof cs->c[cs->n]);
	cs->c[cs->n].ev = *ev;
	cs->c[cs->n].optional = optional;
	cs->c[cs->n].fd = -1;
	cs->n++;
}

/* Parse a comma-separated event list (NULL: the default set); NULL with *err on a bad token. */
struct counters *counters_create(const char *list, char **err)
{
	struct counters *cs = xcalloc(1, sizeof *cs);
	struct event ev;
	size_t i;

	cs->paranoid = INT_MIN;
	if (!list) {
		for (i = 0; i < sizeof counters_default / sizeof counters_default[0]; i++) {
			if (events_parse(counters_default[i].name, &ev, err) < 0)
				abort(); /* the table is ours */
			counters_add(cs, &ev, counters_default[i].optional);
		}
		return cs;
	}
	{
		/* every comma separates two names, as perf stat has it: "" and "cycles,,instructions" are errors */
		char *copy = xstrdup(list), *tok = copy, *comma;
		do {
			if ((comma = strchr(tok, ',')))
				*comma = '\0';
			if (!*tok) {
				*err = strspn(list, ",") == strlen(list)
					       ? xasprintf("no event in the list '%s' (ptime --events=list shows them)", list)
					       : xasprintf("empty event name in the list '%s'", list);
			} else if (events_parse(tok, &ev, err) == 0) {
				counters_add(cs, &ev, false);
				if (comma)
					tok = comma + 1;
				continue;
			}
			free(copy);
			counters_free(cs);
			return NULL;
		} while (comma);
		free(copy);
	}
	return cs;
}

static void counters_append(char **list, const char *name)
{
	char *s = *list ? xasprintf("%s,%s", *list, name) : xstrdup(name);
	free(*list);
	*list = s;
}

/* The events a GNU format asks for through %{name}, as a list for counters_create, or NULL. */
char *counters_for_format(const char *fmt)
{
	const char *p = fmt;
	char *list = NULL, name[128];
	size_t i;

	while ((p = strstr(p, "%{")) != NULL) {
		const char *close = strchr(p + 2, '}');
		if (!close)
			break;
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 2), p + 2);
		p = close;
		if (metrics_find(name))
			continue;
		for (i = 0; i < sizeof counters_derived / sizeof counters_derived[0]; i++)
			if (strcmp(name, counters_derived[i].name) == 0)
				counters_append(&list, counters_derived[i].needs);
		if (events_known(name))
			counters_append(&list, name);
	}
	return list;
}

/* Scale a multiplexed count by enabled/running; false when the counter never ran. */
bool counters_scale(uint64_t raw, uint64_t enabled, uint64_t running, double *value, bool *scaled)
{
	*scaled = false;
	if (running == 0) {
		*value = 0;
		return false;
	}
	*value = (double)raw;
	if (running < enabled) {
		*value = (double)raw * (double)enabled / (double)running;
		*scaled = true;
	}
	return true;
}

static void counters_why(struct counter *c, int e, int paranoid)
{
	switch (e) {
	case ENOENT: case EOPNOTSUPP: case ENODEV:
		snprintf(c->why, sizeof c->why, "not supported");
		break;
	case EINVAL:
		snprintf(c->why, sizeof c->why, c->ev.type == PERF_TYPE_RAW ? "not supported: invalid raw event"
									      : "not supported");
		break;
	case EACCES: case EPERM:
		if (paranoid > 2)
			snprintf(c->why, sizeof c->why,
				 "not permitted: perf_event_paranoid=%d (fix: sysctl kernel.perf_event_paranoid=2, "
				 "or setcap cap_perfmon+ep on ptime)", paranoid);
		else
			snprintf(c->why, sizeof c->why,
				 "not permitted (seccomp or a security module denies perf_event_open)");
		break;
	case ENOSYS:
		snprintf(c->why, sizeof c->why, "not permitted: perf_event_open is not available here");
		break;
	case EMFILE: case ENFILE:
		snprintf(c->why, sizeof c->why, "not counted: too many open files");
		break;
	default:
		snprintf(c->why, sizeof c->why, "not counted: %s", strerror(e));
	}
}

static int counters_open_one(struct counter *c, pid_t pid, bool exclude_kernel)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = c->ev.type;
	a.config = c->ev.config;
	a.disabled = 1;
	a.enable_on_exec = 1;  /* count from the exec: neither fork nor ptime's setup */
	a.inherit = 1;         /* every thread and child process of the command */
	a.exclude_hv = 1;
	a.exclude_kernel = exclude_kernel;
	a.exclude_user = c->ev.kernel && !c->ev.user;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Open every counter on the corked child; each that fails records why. Returns how many opened. */
int counters_open(struct counters *cs, pid_t pid)
{
	size_t i;
	int opened = 0;

	cs->paranoid = procfs_paranoid();
	caps_raise_perfmon();
	for (i = 0; i < cs->n; i++) {
		struct counter *c = &cs->c[i];
		bool user_only = c->ev.user && !c->ev.kernel;
		c->fd = counters_open_one(c, pid, user_only);
		if (c->fd < 0 && (errno == EACCES || errno == EPERM) && !user_only && !c->ev.kernel) {
			/* perf_event_paranoid 2: an unprivileged user may count user space only. */
			c->fd = counters_open_one(c, pid, true);
			if (c->fd >= 0) {
				user_only = true;
				cs->fallback = true;
			}
		}
		c->user_only = user_only;
		if (c->fd < 0)
			counters_why(c, errno, cs->paranoid);
		else
			opened++;
	}
	caps_lower();
	return opened;
}

/* Read and close every counter once the command has exited; fill in what only rusage knows. */
void counters_read(struct counters *cs, const struct rusage *ru)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		struct counter *c = &cs->c[i];
		uint64_t v[3];
		if (c->fd < 0)
			continue;
		if (read(c->fd, v, sizeof v) != (ssize_t)sizeof v) {
			snprintf(c->why, sizeof c->why, "not counted: read failed: %s", strerror(errno));
		} else {
			c->raw = v[0];
			c->enabled_ns = v[1];
			c->running_ns = v[2];
			c->counted = counters_scale(v[0], v[1], v[2], &c->value, &c->scaled);
			if (!c->counted)
				snprintf(c->why, sizeof c->why, "not counted: the event never ran");
		}
		close(c->fd);
		c->fd = -1;
		if (c->ev.type != PERF_TYPE_SOFTWARE || !c->user_only || c->ev.user)
			continue;
		/* Without kernel counting these two read 0: they happen in the kernel. */
		if (c->ev.config == PERF_COUNT_SW_CONTEXT_SWITCHES && ru) {
			c->value = (double)(ru->ru_nvcsw + ru->ru_nivcsw);
			c->raw = (uint64_t)c->value;
			c->counted = true;
			c->scaled = false;
			c->from_rusage = true;
		} else if (c->ev.config == PERF_COUNT_SW_CPU_MIGRATIONS) {
			c->counted = false;
			snprintf(c->why, sizeof c->why,
				 "not counted: a kernel event, and perf_event_paranoid=%d allows user space only "
				 "(run as root, or setcap cap_perfmon+ep ptime)", cs->paranoid);
		}
	}
}

/* The kernel stopped counting at the command's exec (why says what made it privileged): nothing perf
   read is the command's; what came from rusage stands. */
void counters_stopped(struct counters *cs, const char *why)
{
	size_t i;
	for (i = 0; i < cs->n; i++)
		if (!cs->c[i].from_rusage && (cs->c[i].counted || cs->c[i].fd >= 0)) {
			cs->c[i].counted = false;
			snprintf(cs->c[i].why, sizeof cs->c[i].why,
				 "not counted: the kernel stops counting at a privileged exec (%s)", why);
		}
}

/* Close anything still open and free cs. */
void counters_free(struct counters *cs)
{
	size_t i;
	if (!cs)
		return;
	for (i = 0; i < cs->n; i++)
		if (cs->c[i].fd >= 0)
			close(cs->c[i].fd);
	free(cs->c);
	free(cs);
}

/* Which privilege levels a counter counted: 'u' user only, 'k' kernel only, 'b' both. */
static char counters_levels(const struct counter *c)
{
	if (c->ev.kernel && !c->ev.user)
		return 'k';
	if (c->user_only || (c->ev.user && !c->ev.kernel))
		return 'u';
	return 'b';
}

/* The counter named name (canonical or alias) with the same modifier, :u, :k or none, or NULL; a name
   without a modifier falls back to any counter of that event. */
const struct counter *counters_find(const struct counters *cs, const char *name)
{
	struct event ev;
	char *err = NULL, want;
	size_t i;

	if (!cs)
		return NULL;
	if (events_parse(name, &ev, &err) < 0) {
		free(err);
		return NULL;
	}
	want = ev.kernel && !ev.user ? 'k' : ev.user && !ev.kernel ? 'u' : 'b';
	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].ev.name, ev.name) == 0 && counters_levels(&cs->c[i]) == want)
			return &cs->c[i];
	if (ev.user || ev.kernel)
		return NULL;
	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].ev.name, ev.name) == 0)
			return &cs->c[i];
	return NULL;
}

/* A counter's name as perf stat prints it: with :u or :k when it counted one level only. */
void counters_label(const struct counter *c, char *buf, size_t len)
{
	char l = counters_levels(c);
	snprintf(buf, len, "%s%s", c->ev.name, c->from_rusage || l == 'b' ? "" : l == 'u' ? ":u" : ":k");
}

static bool counters_get(const struct counters *cs, const char *name, double *v, const char **why)
{
	const struct counter *c = counters_find(cs, name);
	static char buf[200];
	if (!c) {
		snprintf(buf, sizeof buf, "%s was not counted", name);
		*why = buf;
		return false;
	}
	if (!c->counted) {
		snprintf(buf, sizeof buf, "%s: %s", name, c->why);
		*why = buf;
		return false;
	}
	*v = c->value;
	return true;
}

/* The value of a counter or a derived metric by name, or MVAL_NONE with the reason. */
struct mval counters_metric(const struct result *r, const char *name)
{
	const struct counters *cs = r->counters;
	struct mval m = { .kind = MVAL_NONE, .why = "counting was off" };
	double a = 0, b = 0, c = 0;
	size_t i;

	if (!cs)
		return m;
	for (i = 0; i < sizeof counters_derived / sizeof counters_derived[0]; i++)
		if (strcmp(name, counters_derived[i].name) == 0)
			break;
	if (i == sizeof counters_derived / sizeof counters_derived[0]) {
		if (counters_get(cs, name, &a, &m.why)) {
			m.kind = MVAL_INT;
			m.i = (int64_t)(a + 0.5);
		}
		return m;
	}
	m.kind = MVAL_REAL;
	switch (i) {
	case 0: /* cpus_utilized */
		if (!counters_get(cs, "task-clock", &a, &m.why))
			break;
		if (r->real_ns <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "zero elapsed time" };
		m.d = a / (double)r->real_ns;
		return m;
	case 1: /* ghz: cycles per nanosecond of task-clock */
		if (!counters_get(cs, "cycles", &a, &m.why) || !counters_get(cs, "task-clock", &b, &m.why))
			break;
		if (b <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "task-clock is 0" };
		m.d = a / b;
		return m;
	case 2: /* ipc */
		if (!counters_get(cs, "instructions", &a, &m.why) || !counters_get(cs, "cycles", &b, &m.why))
			break;
		if (b <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "cycles is 0" };
		m.d = a / b;
		return m;
	case 3: case 4: /* miss percentages */
		if (!counters_get(cs, i == 3 ? "branch-misses" : "cache-misses", &a, &m.why) ||
		    !counters_get(cs, i == 3 ? "branches" : "cache-references", &b, &m.why))
			break;
		if (b <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "no events to miss" };
		m.d = 100.0 * a / b;
		return m;
	case 5: { /* stalled cycles per instruction: the larger of the two stalls */
		const char *w1 = NULL, *w2 = NULL;
		bool f = counters_get(cs, "stalled-cycles-frontend", &a, &w1);
		bool bk = counters_get(cs, "stalled-cycles-backend", &b, &w2);
		if (!f && !bk) {
			m.why = w1;
			break;
		}
		if (!counters_get(cs, "instructions", &c, &m.why))
			break;
		if (c <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "instructions is 0" };
		m.d = (a > b ? a : b) / c;
		return m;
	}
	case 6: case 7:
		if (!counters_get(cs, i == 6 ? "stalled-cycles-frontend" : "stalled-cycles-backend", &a, &m.why) ||
		    !counters_get(cs, "cycles", &b, &m.why))
			break;
		if (b <= 0)
			return (struct mval){ .kind = MVAL_NONE, .why = "cycles is 0" };
		m.d = 100.0 * a / b;
		return m;
	}
	m.kind = MVAL_NONE;
	return m;
}

/* Whether name is an event or a derived metric a format may ask for. */
bool counters_metric_known(const char *name)
{
	size_t i;
	for (i = 0; counters_derived_names[i]; i++)
		if (strcmp(name, counters_derived_names[i]) == 0)
			return true;
	return events_known(name);
}

/* The event or derived name closest to name, if close. */
const char *counters_suggest(const char *name)
{
	size_t i;
	for (i = 0; counters_derived_names[i]; i++)
		if (metrics_edit_distance(name, counters_derived_names[i]) <= strlen(name) / 3 + 1)
			return counters_derived_names[i];
	return events_suggest(name);
}

/* --events=list: every event name, and whether this machine lets ptime count it, and why not. */
void counters_list(FILE *fp)
{
	const char **names;
	size_t n = events_list(&names), i;
	struct counters *cs;
	char *err = NULL;

	fprintf(fp, "%-28s %s\n", "event", "on this machine");
	for (i = 0; i < n; i++) {
		struct counter *c;
		cs = counters_create(names[i], &err);
		if (!cs)
			continue;
		c = &cs->c[0];
		counters_open(cs, 0);
		if (c->fd >= 0)
			fprintf(fp, "%-28s %s\n", names[i], c->user_only ? "countable, user space only" : "countable");
		else
			fprintf(fp, "%-28s %s\n", names[i], c->why);
		counters_free(cs);
	}
	fputs("\nAlso: raw events as rNNNN (hexadecimal), and the modifiers :u (user space only) and\n"
	      ":k (kernel only) on any event, as in perf.\n", fp);
}

/* Whether the metric called name is the event ev, or is derived from it (stalled_cycles_per_insn
   needs only one of its two stalls: it is said to use neither, only instructions). */
bool counters_metric_uses(const char *name, const char *ev)
{
	size_t i, n = strlen(ev);
	const char *p;

	if (strcmp(name, ev) == 0)
		return true;
	for (i = 0; i < sizeof counters_derived / sizeof counters_derived[0]; i++) {
		if (strcmp(name, counters_derived[i].name) != 0)
			continue;
		if (strcmp(name, "stalled_cycles_per_insn") == 0)
			return strcmp(ev, "instructions") == 0;
		for (p = counters_derived[i].needs; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
			if (strncmp(p, ev, n) == 0 && (p[n] == ',' || p[n] == '\0'))
				return true;
		}
	}
	return false;
}
