/* report/metrics.c: the table of named metrics: one name per metric for %{name}, JSON and the reports. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include "ptime.h"

enum {
	M_REAL, M_USER, M_SYS, M_CPU_PERCENT,
	M_MAXRSS, M_MINFLT, M_MAJFLT, M_NVCSW, M_NIVCSW, M_INBLOCK, M_OUBLOCK,
	M_NSWAP, M_MSGSND, M_MSGRCV, M_NSIGNALS, M_IXRSS, M_IDRSS, M_ISRSS,
	M_RCHAR, M_WCHAR, M_SYSCR, M_SYSCW, M_READ_BYTES, M_WRITE_BYTES, M_CANCELLED,
};

static const struct metric metrics[] = {
	{ "real_ns", "time", "ns", M_REAL, "elapsed real (wall clock) time" },
	{ "user_ns", "time", "ns", M_USER, "CPU time in user mode" },
	{ "sys_ns", "time", "ns", M_SYS, "CPU time in the kernel" },
	{ "cpu_percent", "time", "percent", M_CPU_PERCENT, "user+sys over real time, in percent of one CPU" },
	{ "max_rss_bytes", "rusage", "bytes", M_MAXRSS, "maximum resident set size of the largest process" },
	{ "minor_page_faults", "rusage", "count", M_MINFLT, "page faults served without I/O" },
	{ "major_page_faults", "rusage", "count", M_MAJFLT, "page faults that needed I/O" },
	{ "voluntary_context_switches", "rusage", "count", M_NVCSW, "waits for a resource" },
	{ "involuntary_context_switches", "rusage", "count", M_NIVCSW, "preemptions" },
	{ "fs_input_blocks", "rusage", "count", M_INBLOCK, "file system inputs, in 512-byte blocks" },
	{ "fs_output_blocks", "rusage", "count", M_OUBLOCK, "file system outputs, in 512-byte blocks" },
	{ "swaps", "rusage", "count", M_NSWAP, "times swapped out" },
	{ "socket_messages_sent", "rusage", "count", M_MSGSND, "IPC messages sent" },
	{ "socket_messages_received", "rusage", "count", M_MSGRCV, "IPC messages received" },
	{ "signals_delivered", "rusage", "count", M_NSIGNALS, "signals received" },
	{ "avg_shared_text_bytes", "rusage", "bytes", M_IXRSS, "integral shared text size" },
	{ "avg_unshared_data_bytes", "rusage", "bytes", M_IDRSS, "integral unshared data size" },
	{ "avg_stack_bytes", "rusage", "bytes", M_ISRSS, "integral unshared stack size" },
	{ "read_bytes", "io", "bytes", M_RCHAR, "bytes read by read(2) and the like" },
	{ "write_bytes", "io", "bytes", M_WCHAR, "bytes written by write(2) and the like" },
	{ "read_syscalls", "io", "count", M_SYSCR, "read system calls" },
	{ "write_syscalls", "io", "count", M_SYSCW, "write system calls" },
	{ "storage_read_bytes", "io", "bytes", M_READ_BYTES, "bytes fetched from storage" },
	{ "storage_write_bytes", "io", "bytes", M_WRITE_BYTES, "bytes sent to storage" },
	{ "cancelled_write_bytes", "io", "bytes", M_CANCELLED, "bytes written then truncated before reaching storage" },
};

/* The whole table, for the JSON report and the docs. */
const struct metric *metrics_all(size_t *n)
{
	*n = sizeof metrics / sizeof metrics[0];
	return metrics;
}

/* The static metric called name, or NULL. */
const struct metric *metrics_find(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
		if (strcmp(metrics[i].name, name) == 0)
			return &metrics[i];
	return NULL;
}

static int64_t tv_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * NS_PER_SEC + (int64_t)tv.tv_usec * 1000;
}

static struct mval mv_int(int64_t i)
{
	struct mval v = { .kind = MVAL_INT, .i = i };
	return v;
}

static struct mval mv_none(const char *why)
{
	struct mval v = { .kind = MVAL_NONE, .why = why };
	return v;
}

static struct mval metrics_io(const struct result *r, uint64_t v)
{
	static char why[96];
	if (r->io_error) {
		snprintf(why, sizeof why, "cannot read /proc/PID/io: %s", strerror(r->io_error));
		return mv_none(why);
	}
	return mv_int((int64_t)v);
}

/* The value of metric m in r, or MVAL_NONE with the reason it was not measured. */
struct mval metrics_value(const struct result *r, const struct metric *m)
{
	static const char unmaintained[] = "not maintained by Linux";
	const struct rusage *ru = &r->ru;

	if (!r->ran)
		return mv_none("the command did not run");
	switch (m->id) {
	case M_REAL: return mv_int(r->real_ns);
	case M_USER: return mv_int(tv_ns(ru->ru_utime));
	case M_SYS: return mv_int(tv_ns(ru->ru_stime));
	case M_CPU_PERCENT: {
		struct mval v = { .kind = MVAL_REAL };
		if (r->real_ns <= 0)
			return mv_none("zero elapsed time");
		v.d = 100.0 * (double)(tv_ns(ru->ru_utime) + tv_ns(ru->ru_stime)) / (double)r->real_ns;
		return v;
	}
	case M_MAXRSS: return mv_int((int64_t)ru->ru_maxrss * 1024);
	case M_MINFLT: return mv_int(ru->ru_minflt);
	case M_MAJFLT: return mv_int(ru->ru_majflt);
	case M_NVCSW: return mv_int(ru->ru_nvcsw);
	case M_NIVCSW: return mv_int(ru->ru_nivcsw);
	case M_INBLOCK: return mv_int(ru->ru_inblock);
	case M_OUBLOCK: return mv_int(ru->ru_oublock);
	case M_NSWAP: case M_MSGSND: case M_MSGRCV: case M_NSIGNALS:
	case M_IXRSS: case M_IDRSS: case M_ISRSS:
		return mv_none(unmaintained);
	case M_RCHAR: return metrics_io(r, r->io.rchar);
	case M_WCHAR: return metrics_io(r, r->io.wchar);
	case M_SYSCR: return metrics_io(r, r->io.syscr);
	case M_SYSCW: return metrics_io(r, r->io.syscw);
	case M_READ_BYTES: return metrics_io(r, r->io.read_bytes);
	case M_WRITE_BYTES: return metrics_io(r, r->io.write_bytes);
	case M_CANCELLED: return metrics_io(r, r->io.cancelled_write_bytes);
	}
	return mv_none("unknown metric");
}

/* The value of any metric by its name: the static table first, then the counters. */
struct mval metrics_by_name(const struct result *r, const char *name)
{
	const struct metric *m = metrics_find(name);
	if (m)
		return metrics_value(r, m);
	return counters_metric(r, name);
}

/* Whether name is a metric a format may ask for. */
bool metrics_known(const char *name)
{
	return metrics_find(name) || counters_metric_known(name);
}

/* Levenshtein distance, for "did you mean". */
size_t metrics_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (lb >= sizeof row / sizeof row[0])
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The metric name closest to name, if one is close enough to be what was meant. */
const char *metrics_suggest(const char *name)
{
	const char *best = NULL;
	size_t i, bestd = (size_t)-1, limit = strlen(name) / 3 + 1;
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
		size_t d = metrics_edit_distance(name, metrics[i].name);
		if (strncmp(metrics[i].name, name, strlen(name)) == 0)
			d = 1; /* a prefix: the unit was left off */
		if (d < bestd) {
			bestd = d;
			best = metrics[i].name;
		}
	}
	return bestd <= limit ? best : counters_suggest(name);
}
