/* report/trace.c: --trace=FILE: the process tree as a Chrome Trace Event file (Perfetto, speedscope). */
#include "config.h"

#include <json-c/json.h>
#include <string.h>
#include <sys/wait.h>

#include "ptime.h"

#define TR_FUNCS(X) X(json_object_array_add) X(json_object_new_array) X(json_object_new_double_s) X(json_object_new_int) X(json_object_new_int64) X(json_object_new_object) X(json_object_new_string) X(json_object_object_add) X(json_object_put) X(json_object_to_json_string_ext)
DLIB_TABLE(tr, TR_FUNCS)

/* json-c for the trace, loaded before the command runs, so that a missing library stops ptime with 125. */
const char *report_trace_load(void)
{
	const char *why = report_json_load();

	if (why)
		return why;
	return tr_load("libjson-c.so.5") ? NULL : tr_why;
}

static void tr_add(json_object *o, const char *key, json_object *v)
{
	tr.json_object_object_add(o, key, v);
}

/* A string that is valid UTF-8 whatever the process named itself: json.c's, whose original bytes the
   trace format has no place for (they go with the object). */
static json_object *tr_str(const char *s)
{
	return report_json_str(s);
}

/* ns as the format's µs, rounded to whole ones: a slice that ends with its parent then ends at the same
   integer, where start + duration in fractions of a µs could come out a hair past it in a viewer's doubles. */
static int64_t tr_round(int64_t ns)
{
	return (ns + 500) / 1000;
}

static json_object *tr_us(int64_t ns)
{
	return tr.json_object_new_int64(tr_round(ns));
}

static json_object *tr_event(const char *ph, const char *name, int pid, int tid)
{
	json_object *e = tr.json_object_new_object();
	tr_add(e, "ph", tr.json_object_new_string(ph));
	tr_add(e, "name", tr_str(name));
	tr_add(e, "pid", tr.json_object_new_int(pid));
	tr_add(e, "tid", tr.json_object_new_int(tid));
	return e;
}

static void tr_meta(json_object *events, const char *what, int pid, int tid, const char *key, json_object *v)
{
	json_object *e = tr_event("M", what, pid, tid), *args = tr.json_object_new_object();
	tr_add(args, key, v);
	tr_add(e, "args", args);
	tr.json_object_array_add(events, e);
}

/* A complete slice from start to end on the track pid/tid, with args (may be NULL). */
static void tr_slice(json_object *events, const char *name, const char *cat, int pid, int tid, int64_t start,
		     int64_t end, json_object *args)
{
	json_object *e = tr_event("X", name, pid, tid);
	tr_add(e, "cat", tr.json_object_new_string(cat));
	tr_add(e, "ts", tr_us(start));
	tr_add(e, "dur", tr.json_object_new_int64(tr_round(end) - tr_round(start)));
	if (args)
		tr_add(e, "args", args);
	tr.json_object_array_add(events, e);
}

/* The arguments joined by spaces, for a slice's args. */
static char *tr_command(const struct tree_proc *p)
{
	char *s = xmalloc(p->cmdline_len + 1);
	size_t i;
	for (i = 0; i < p->cmdline_len; i++)
		s[i] = p->cmdline[i] ? p->cmdline[i] : ' ';
	s[p->cmdline_len] = '\0';
	return s;
}

/* A thread's on-CPU stretches, inside [from, to]: slices on a track must nest. */
static void tr_spans(json_object *events, const struct tree_thread *th, int pid, int64_t from, int64_t to)
{
	size_t k;
	for (k = 0; k < th->nspans; k++) {
		int64_t a = th->spans[k].start_ns, b = th->spans[k].end_ns;
		if (a < from)
			a = from;
		if (b > to)
			b = to;
		if (b > a)
			tr_slice(events, "on CPU", "cpu", pid, th->tid, a, b, NULL);
	}
}

static void tr_proc(json_object *events, const struct tree *t, const struct tree_proc *p, size_t index)
{
	json_object *args = tr.json_object_new_object();
	int64_t end = p->end_ns >= 0 ? p->end_ns : t->real_ns;
	char name[128];
	size_t k;

	tree_brief(p, name, sizeof name);
	tr_meta(events, "process_name", p->pid, p->pid, "name", tr_str(name));
	tr_meta(events, "process_sort_index", p->pid, p->pid, "sort_index", tr.json_object_new_int64((int64_t)index));
	tr_add(args, "ppid", tr.json_object_new_int(p->ppid));
	if (p->cmdline) {
		char *cmd = tr_command(p);
		tr_add(args, "command", tr_str(cmd));
		free(cmd);
	}
	tr_add(args, "comm", tr_str(p->comm));
	tr_add(args, "cpu_us", tr_us(p->cpu_ns > 0 ? p->cpu_ns : 0));
	if (p->cpu_source)
		tr_add(args, "cpu_source", tr.json_object_new_string(p->cpu_source));
	tr_add(args, "threads", tr.json_object_new_int64((int64_t)p->nthreads));
	if (p->exit_known && WIFEXITED(p->wait_status))
		tr_add(args, "exit", tr.json_object_new_int(WEXITSTATUS(p->wait_status)));
	else if (p->exit_known && WIFSIGNALED(p->wait_status))
		tr_add(args, "signal", tr.json_object_new_int(WTERMSIG(p->wait_status)));
	if (p->end_ns < 0)
		tr_add(args, "running", tr.json_object_new_string("still running when the command exited"));
	for (k = p->first_thread; k != SIZE_MAX; k = t->threads[k].next) {
		const struct tree_thread *th = &t->threads[k];
		int64_t ts = th->start_ns > p->start_ns ? th->start_ns : p->start_ns;
		int64_t te = th->end_ns >= 0 && th->end_ns < end ? th->end_ns : end;
		tr_meta(events, "thread_name", p->pid, th->tid, "name", tr_str(th->comm));
		if (th->tid == p->pid) {
			/* The process's life on its main thread's track, its stretches on a CPU inside it. */
			tr_slice(events, name, "process", p->pid, p->pid, p->start_ns, end, args);
			args = NULL;
			tr_spans(events, th, p->pid, p->start_ns, end);
		} else if (te > ts) {
			json_object *ta = tr.json_object_new_object();
			tr_add(ta, "cpu_us", tr_us(th->cpu_ns > 0 ? th->cpu_ns : 0));
			tr_slice(events, th->comm, "thread", p->pid, th->tid, ts, te, ta);
			tr_spans(events, th, p->pid, ts, te);
		}
	}
	if (args) /* no thread had the pid as its tid (a lost record): the life on a track of its own */
		tr_slice(events, name, "process", p->pid, p->pid, p->start_ns, end, args);
}

/* The busy curve as a counter: its value at each bucket's start, where it changes, then 0 at the end. */
static void tr_counter(json_object *events, const struct tree *t, int pid)
{
	/* Bucket 0 starts when the probe opened, a little before the release that is the trace's 0. */
	int64_t shift = t->origin_t > t->curve_t0 ? (int64_t)(t->origin_t - t->curve_t0) : 0;
	double last = -1;
	size_t i;

	for (i = 0; i < t->ncurve; i++) {
		double v = (double)t->curve[i] / (double)t->curve_res_ns;
		json_object *e, *args;
		char buf[32];
		if (v == last)
			continue;
		last = v;
		e = tr_event("C", "busy CPUs", pid, pid);
		args = tr.json_object_new_object();
		snprintf(buf, sizeof buf, "%.3f", v);
		tr_add(args, "busy", tr.json_object_new_double_s(v, buf));
		tr_add(e, "ts", tr_us((int64_t)i * t->curve_res_ns > shift ? (int64_t)i * t->curve_res_ns - shift : 0));
		tr_add(e, "args", args);
		tr.json_object_array_add(events, e);
	}
	if (last != 0) {
		json_object *e = tr_event("C", "busy CPUs", pid, pid), *args = tr.json_object_new_object();
		tr_add(args, "busy", tr.json_object_new_int(0));
		tr_add(e, "ts", tr_us(t->real_ns));
		tr_add(e, "args", args);
		tr.json_object_array_add(events, e);
	}
}

/* --memory's timeline as two counters on the command's track: the live sampled heap, and the RSS summed
   over the processes that loaded the sampler. */
static void tr_memory(json_object *events, const struct memory *m, int pid)
{
	size_t i;

	for (i = 0; i < m->npoints; i++) {
		const struct mem_point *pt = &m->points[i];
		json_object *e = tr_event("C", "heap bytes", pid, pid), *args = tr.json_object_new_object();
		tr_add(args, "heap", tr.json_object_new_int64(pt->heap_bytes > 0 ? (int64_t)(pt->heap_bytes + 0.5) : 0));
		tr_add(e, "ts", tr_us(pt->t_ns));
		tr_add(e, "args", args);
		tr.json_object_array_add(events, e);
		if (i + 1 == m->npoints && !pt->rss_bytes)
			break; /* the last point is after the exit: no process to read */
		e = tr_event("C", "RSS bytes", pid, pid);
		args = tr.json_object_new_object();
		tr_add(args, "rss", tr.json_object_new_int64((int64_t)pt->rss_bytes));
		tr_add(e, "ts", tr_us(pt->t_ns));
		tr_add(e, "args", args);
		tr.json_object_array_add(events, e);
	}
}

/* Write r's tree as one Chrome Trace Event document (ts and dur in whole µs from the release); 0, or -1 on a write error. */
int report_trace(FILE *fp, const struct result *r)
{
	const struct tree *t = r->tree;
	json_object *root = tr.json_object_new_object(), *events = tr.json_object_new_array();
	json_object *other = tr.json_object_new_object();
	char *const *a;
	size_t i, cmdlen = 0;
	char *cmd;
	int rc;

	for (i = 0; i < t->nprocs; i++)
		tr_proc(events, t, &t->procs[i], i);
	if (t->nprocs)
		tr_counter(events, t, t->procs[0].pid);
	if (t->nprocs && r->memory && r->memory->nprocs)
		tr_memory(events, r->memory, t->procs[0].pid);
	tr_add(root, "traceEvents", events);
	tr_add(root, "displayTimeUnit", tr.json_object_new_string("ms"));
	for (a = r->argv; *a; a++)
		cmdlen += strlen(*a) + 1;
	cmd = xmalloc(cmdlen + 1);
	cmd[0] = '\0';
	for (a = r->argv; *a; a++) {
		if (a != r->argv)
			strcat(cmd, " ");
		strcat(cmd, *a);
	}
	tr_add(other, "command", tr_str(cmd));
	free(cmd);
	tr_add(other, "ptime_version", tr.json_object_new_string(PACKAGE_VERSION));
	tr_add(other, "real_ns", tr.json_object_new_int64(t->real_ns));
	tr_add(other, "processes", tr.json_object_new_int64((int64_t)t->nprocs));
	tr_add(other, "threads", tr.json_object_new_int64((int64_t)t->nthreads));
	tr_add(other, "span_merge_gap_us", tr.json_object_new_int(TREE_SPAN_GAP_NS / 1000));
	tr_add(root, "otherData", other);
	rc = fprintf(fp, "%s\n", tr.json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
	tr.json_object_put(root);
	return rc < 0 ? -1 : 0;
}
