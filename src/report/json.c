/* report/json.c: the one JSON object of a run (docs/json.md), and the string, host and writing helpers that
   json-bench.c and baseline.c share; with them, the only files that include json-c. */
#include "config.h"

#include <json-c/json.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "ptime.h"

/* json-c is loaded only for --json (report_json_load, before the command runs). */
#define JSON_FUNCS(X) X(json_object_array_add) X(json_object_array_get_idx) X(json_object_array_length) X(json_object_get_int) X(json_object_get_int64) X(json_object_get_object) X(json_object_get_type) X(json_object_get_userdata) X(json_object_new_array) X(json_object_new_boolean) X(json_object_new_double_s) X(json_object_new_int) X(json_object_new_int64) X(json_object_new_object) X(json_object_new_string) X(json_object_object_add) X(json_object_object_get_ex) X(json_object_object_length) X(json_object_put) X(json_object_set_int64) X(json_object_set_userdata) X(json_object_to_json_string_ext)
DLIB_TABLE(jc, JSON_FUNCS)

#define PTIME_SCHEMA_VERSION 1

/* How many strings of this report were not UTF-8: only then is the tree walked for "raw_bytes". */
static size_t json_nraw;

static void json_free_raw(json_object *o, void *raw)
{
	(void)o;
	free(raw);
}

/* Every string of the report goes through here, since JSON text must be UTF-8 (RFC 8259, section 8.1):
   a string that is not comes out with U+FFFD for each ill-formed part, and its original bytes ride on
   the object as its userdata, which json-c frees with the object; report_json turns them into
   "raw_bytes" once the tree is whole and each string's place in it is known. Riding on the object,
   rather than in a list of (object, bytes), the bytes cannot outlive an object that was replaced
   (a process's comm is) and then be taken for a new object at the same address. */
static json_object *json_str(const char *s)
{
	size_t n = strlen(s), len;
	json_object *o;
	char *fixed;

	if (text_utf8_valid(s, n))
		return jc.json_object_new_string(s);
	len = text_utf8_fix(NULL, 0, s, n);
	fixed = xmalloc(len + 1);
	text_utf8_fix(fixed, len + 1, s, n);
	o = jc.json_object_new_string(fixed);
	free(fixed);
	jc.json_object_set_userdata(o, xstrdup(s), json_free_raw);
	json_nraw++;
	return o;
}

/* A JSON Pointer (RFC 6901) under construction: the path from the root to the value being visited. */
struct json_ptr {
	char *s;
	size_t len, cap;
};

static void json_ptr_push(struct json_ptr *p, const char *token)
{
	size_t need = p->len + 2 * strlen(token) + 2;
	if (need > p->cap) {
		p->cap = need * 2;
		p->s = xrealloc(p->s, p->cap);
	}
	p->s[p->len++] = '/';
	for (; *token; token++) {
		if (*token == '~' || *token == '/') { /* RFC 6901, section 3: ~ as ~0, / as ~1 */
			p->s[p->len++] = '~';
			p->s[p->len++] = *token == '~' ? '0' : '1';
		} else {
			p->s[p->len++] = *token;
		}
	}
	p->s[p->len] = '\0';
}

/* Visit every value under o; for each string that carries its original bytes, add its pointer and the
   base64 of those bytes to raw. */
static void json_walk(json_object *o, struct json_ptr *p, json_object *raw)
{
	size_t at = p->len, i, n;

	switch (jc.json_object_get_type(o)) {
	case json_type_string: {
		const char *bytes = jc.json_object_get_userdata(o);
		char *b64;
		if (!bytes)
			break;
		n = text_base64(NULL, 0, bytes, strlen(bytes));
		b64 = xmalloc(n + 1);
		text_base64(b64, n + 1, bytes, strlen(bytes));
		jc.json_object_object_add(raw, p->s ? p->s : "", json_str(b64));
		free(b64);
		break;
	}
	case json_type_array:
		n = jc.json_object_array_length(o);
		for (i = 0; i < n; i++) {
			char idx[24];
			snprintf(idx, sizeof idx, "%zu", i);
			json_ptr_push(p, idx);
			json_walk(jc.json_object_array_get_idx(o, i), p, raw);
			p->len = at;
			p->s[at] = '\0';
		}
		break;
	case json_type_object: {
		struct lh_entry *e;
		for (e = lh_table_head(jc.json_object_get_object(o)); e; e = lh_entry_next(e)) {
			json_ptr_push(p, lh_entry_k(e));
			json_walk((json_object *)lh_entry_v(e), p, raw);
			p->len = at;
			p->s[at] = '\0';
		}
		break;
	}
	default:
		break;
	}
}

static json_object *json_real(double d)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.6g", d);
	return jc.json_object_new_double_s(d, buf);
}

static json_object *json_time(const struct timespec *ts)
{
	struct tm tm;
	char buf[64];
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	return json_str(buf);
}

static json_object *json_exit(const struct result *r)
{
	json_object *e = jc.json_object_new_object();
	int st = r->wait_status;

	jc.json_object_object_add(e, "status", jc.json_object_new_int(r->exit_status));
	if (WIFEXITED(st)) {
		jc.json_object_object_add(e, "type", json_str("exited"));
		jc.json_object_object_add(e, "code", jc.json_object_new_int(WEXITSTATUS(st)));
	} else if (WIFSIGNALED(st)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(st));
		char name[32];
		snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
		jc.json_object_object_add(e, "type", json_str("signaled"));
		jc.json_object_object_add(e, "signal", jc.json_object_new_int(WTERMSIG(st)));
		jc.json_object_object_add(e, "signal_name", json_str(name));
		jc.json_object_object_add(e, "core_dumped", jc.json_object_new_boolean(WCOREDUMP(st)));
	}
	return e;
}

static json_object *json_host(const struct host *h)
{
	json_object *o = jc.json_object_new_object();
	jc.json_object_object_add(o, "hostname", json_str(h->hostname));
	jc.json_object_object_add(o, "kernel", json_str(h->kernel));
	jc.json_object_object_add(o, "machine", json_str(h->machine));
	if (h->cpu_model[0])
		jc.json_object_object_add(o, "cpu_model", json_str(h->cpu_model));
	jc.json_object_object_add(o, "cpus_online", jc.json_object_new_int64(h->cpus_online));
	if (h->perf_event_paranoid != INT_MIN)
		jc.json_object_object_add(o, "perf_event_paranoid", jc.json_object_new_int(h->perf_event_paranoid));
	return o;
}

static json_object *json_counter(const struct counter *c)
{
	json_object *o = jc.json_object_new_object();
	bool clock = c->ev.type == PERF_TYPE_SOFTWARE &&
		     (c->ev.config == PERF_COUNT_SW_TASK_CLOCK || c->ev.config == PERF_COUNT_SW_CPU_CLOCK);

	jc.json_object_object_add(o, "name", json_str(c->ev.name));
	jc.json_object_object_add(o, "unit", json_str(clock ? "ns" : "count"));
	jc.json_object_object_add(o, "user_only", jc.json_object_new_boolean(c->user_only));
	if (c->ev.user || c->ev.kernel) /* as asked: page-faults:k is not page-faults */
		jc.json_object_object_add(o, "modifier", jc.json_object_new_string(c->ev.user && c->ev.kernel ? "uk"
										      : c->ev.user ? "u" : "k"));
	if (!c->counted) {
		jc.json_object_object_add(o, "why", json_str(c->why));
		return o;
	}
	jc.json_object_object_add(o, "value", jc.json_object_new_int64((int64_t)(c->value + 0.5)));
	jc.json_object_object_add(o, "source", json_str(c->from_rusage ? "rusage" : "perf"));
	if (c->from_rusage)
		return o;
	jc.json_object_object_add(o, "raw_value", jc.json_object_new_int64((int64_t)c->raw));
	jc.json_object_object_add(o, "enabled_ns", jc.json_object_new_int64((int64_t)c->enabled_ns));
	jc.json_object_object_add(o, "running_ns", jc.json_object_new_int64((int64_t)c->running_ns));
	jc.json_object_object_add(o, "scaled", jc.json_object_new_boolean(c->scaled));
	if (c->enabled_ns)
		jc.json_object_object_add(o, "running_percent",
				       json_real(100.0 * (double)c->running_ns / (double)c->enabled_ns));
	return o;
}

/* The counters section: every counter, counted or with its reason, and the derived metrics. */
static void json_counters(json_object *root, json_object *unavailable, const struct result *r)
{
	const struct counters *cs = r->counters;
	json_object *sec = jc.json_object_new_object(), *list = jc.json_object_new_array();
	json_object *derived = jc.json_object_new_object();
	const char *held = caps_held();
	size_t i;

	jc.json_object_object_add(sec, "user_only_fallback", jc.json_object_new_boolean(cs->fallback));
	for (i = 0; i < cs->n; i++)
		jc.json_object_array_add(list, json_counter(&cs->c[i]));
	jc.json_object_object_add(sec, "events", list);
	for (i = 0; counters_derived_names[i]; i++) {
		struct mval v = counters_metric(r, counters_derived_names[i]);
		if (v.kind == MVAL_REAL)
			jc.json_object_object_add(derived, counters_derived_names[i], json_real(v.d));
		else
			jc.json_object_object_add(unavailable, counters_derived_names[i], json_str(v.why));
	}
	jc.json_object_object_add(sec, "derived", derived);
	jc.json_object_object_add(root, "counters", sec);
	if (held) {
		json_object *caps = jc.json_object_new_object(), *h = jc.json_object_new_array();
		jc.json_object_array_add(h, json_str(held));
		jc.json_object_object_add(caps, "held", h);
		jc.json_object_object_add(caps, "used", jc.json_object_new_boolean(caps_used()));
		jc.json_object_object_add(root, "capabilities", caps);
	}
}

static json_object *json_pct(uint64_t n, uint64_t total)
{
	return json_real(total ? 100.0 * (double)n / (double)total : 0);
}

/* The profile: sampling facts, the hottest functions and lines, and samples per process and thread. */
static json_object *json_profile(const struct profile *p)
{
	json_object *o = jc.json_object_new_object(), *funcs = jc.json_object_new_array(), *lines = jc.json_object_new_array();
	json_object *procs = jc.json_object_new_array(), *threads = jc.json_object_new_array(), *warn = jc.json_object_new_array();
	size_t *idx, i, j, nw, ntop;
	char *const *w;

	jc.json_object_object_add(o, "event", json_str(p->event));
	jc.json_object_object_add(o, "frequency_hz", jc.json_object_new_int64(p->hz));
	if (p->period)
		jc.json_object_object_add(o, "period_cycles", jc.json_object_new_int64((int64_t)p->period));
	jc.json_object_object_add(o, "user_only", jc.json_object_new_boolean(!p->kernel_sampled));
	{
		json_object *k = jc.json_object_new_object();
		jc.json_object_object_add(k, "sampled", jc.json_object_new_boolean(p->kernel_sampled));
		jc.json_object_object_add(k, "cpu_ns", jc.json_object_new_int64(p->sys_ns));
		if (!p->kernel_sampled)
			jc.json_object_object_add(k, "why", jc.json_object_new_string(p->kernel_why));
		jc.json_object_object_add(o, "kernel", k);
	}
	jc.json_object_object_add(o, "call_graph", jc.json_object_new_boolean(p->call_graph));
	if (p->call_graph)
		jc.json_object_object_add(o, "call_graph_mode", json_str(p->dwarf ? "dwarf" : "fp"));
	if (p->dwarf) {
		jc.json_object_object_add(o, "stack_bytes", jc.json_object_new_int64(p->stack_bytes));
		jc.json_object_object_add(o, "chains_cut_at_stack", jc.json_object_new_int64((int64_t)p->cut_at_stack));
	}
	jc.json_object_object_add(o, "inline", json_str(p->inline_caller ? "caller" : "code"));
	jc.json_object_object_add(o, "samples", jc.json_object_new_int64((int64_t)p->samples));
	jc.json_object_object_add(o, "lost_samples", jc.json_object_new_int64((int64_t)p->lost));
	jc.json_object_object_add(o, "throttled", jc.json_object_new_int64((int64_t)p->throttled));
	jc.json_object_object_add(o, "samples_without_line", jc.json_object_new_int64((int64_t)p->no_line));
	jc.json_object_object_add(o, "samples_truncated", jc.json_object_new_int64((int64_t)p->truncated));
	jc.json_object_object_add(o, "samples_in_kernel", jc.json_object_new_int64((int64_t)p->kernel_samples));
	jc.json_object_object_add(o, "unique_stacks", jc.json_object_new_int64((int64_t)p->raw_stacks));
	if (p->python) {
		json_object *py = jc.json_object_new_object(), *pa = jc.json_object_new_array();
		jc.json_object_object_add(py, "samples", jc.json_object_new_int64((int64_t)p->py_samples));
		jc.json_object_object_add(py, "stack_reads", jc.json_object_new_int64((int64_t)p->py_reads));
		jc.json_object_object_add(py, "torn_reads", jc.json_object_new_int64((int64_t)p->py_torn));
		jc.json_object_object_add(py, "samples_without_read", jc.json_object_new_int64((int64_t)p->py_unmatched));
		if (p->call_graph)
			jc.json_object_object_add(py, "samples_interleaved",
						  jc.json_object_new_int64((int64_t)p->py_interleaved));
		for (i = 0; i < p->npys; i++) {
			const struct prof_python *y = &p->pys[i];
			json_object *e = jc.json_object_new_object();
			char ver[32];
			jc.json_object_object_add(e, "pid", jc.json_object_new_int(y->pid));
			jc.json_object_object_add(e, "comm", json_str(y->comm));
			jc.json_object_object_add(e, "read", jc.json_object_new_boolean(!y->why));
			if (y->version) {
				snprintf(ver, sizeof ver, "%u.%u.%u", y->version >> 24, (y->version >> 16) & 0xff,
					 (y->version >> 8) & 0xff);
				jc.json_object_object_add(e, "version", json_str(ver));
			}
			if (y->why)
				jc.json_object_object_add(e, "why", json_str(y->why));
			if (y->stopped)
				jc.json_object_object_add(e, "stopped", json_str(y->stopped));
			jc.json_object_object_add(e, "samples", jc.json_object_new_int64((int64_t)y->samples));
			jc.json_object_array_add(pa, e);
		}
		jc.json_object_object_add(py, "processes", pa);
		jc.json_object_object_add(o, "python", py);
	}
	idx = profile_top_funcs(p, 50, &ntop);
	for (i = 0; i < ntop; i++) {
		const struct prof_func *f = &p->funcs[idx[i]];
		json_object *e = jc.json_object_new_object();
		jc.json_object_object_add(e, "function", json_str(f->name));
		jc.json_object_object_add(e, "dso", json_str(f->dso));
		if (f->file) {
			jc.json_object_object_add(e, "file", json_str(f->file));
			if (f->line > 0) /* a function's first line: none for code the debug info does not place */
				jc.json_object_object_add(e, "line", jc.json_object_new_int(f->line));
		}
		jc.json_object_object_add(e, "self_samples", jc.json_object_new_int64((int64_t)f->self));
		jc.json_object_object_add(e, "self_percent", json_pct(f->self, p->samples));
		jc.json_object_object_add(e, "inclusive_samples", jc.json_object_new_int64((int64_t)f->incl));
		jc.json_object_object_add(e, "inclusive_percent", json_pct(f->incl, p->samples));
		jc.json_object_array_add(funcs, e);
	}
	free(idx);
	idx = profile_sorted_lines(p);
	for (i = 0; i < p->nlines && i < 50; i++) {
		const struct prof_line *l = &p->lines[idx[i]];
		json_object *e = jc.json_object_new_object();
		jc.json_object_object_add(e, "file", json_str(l->file));
		jc.json_object_object_add(e, "line", jc.json_object_new_int(l->line));
		jc.json_object_object_add(e, "function", json_str(p->funcs[l->func].name));
		jc.json_object_object_add(e, "self_samples", jc.json_object_new_int64((int64_t)l->self));
		jc.json_object_object_add(e, "self_percent", json_pct(l->self, p->samples));
		jc.json_object_object_add(e, "inclusive_samples", jc.json_object_new_int64((int64_t)l->incl));
		jc.json_object_object_add(e, "inclusive_percent", json_pct(l->incl, p->samples));
		jc.json_object_array_add(lines, e);
	}
	free(idx);
	for (i = 0; i < p->ntasks; i++) {
		const struct prof_task *t = &p->tasks[i];
		json_object *e = jc.json_object_new_object(), *pe = NULL;
		jc.json_object_object_add(e, "pid", jc.json_object_new_int(t->pid));
		jc.json_object_object_add(e, "tid", jc.json_object_new_int(t->tid));
		jc.json_object_object_add(e, "comm", json_str(t->comm));
		jc.json_object_object_add(e, "samples", jc.json_object_new_int64((int64_t)t->samples));
		jc.json_object_array_add(threads, e);
		for (j = 0; j < jc.json_object_array_length(procs); j++) {
			json_object *q = jc.json_object_array_get_idx(procs, j), *v;
			jc.json_object_object_get_ex(q, "pid", &v);
			if (jc.json_object_get_int(v) == t->pid)
				pe = q;
		}
		if (!pe) {
			pe = jc.json_object_new_object();
			jc.json_object_object_add(pe, "pid", jc.json_object_new_int(t->pid));
			jc.json_object_object_add(pe, "comm", json_str(t->comm));
			jc.json_object_object_add(pe, "samples", jc.json_object_new_int64(0));
			jc.json_object_array_add(procs, pe);
		}
		{
			json_object *v;
			jc.json_object_object_get_ex(pe, "samples", &v);
			jc.json_object_set_int64(v, jc.json_object_get_int64(v) + (int64_t)t->samples);
			if (t->pid == t->tid)
				jc.json_object_object_add(pe, "comm", json_str(t->comm));
		}
	}
	nw = symbols_warnings(p->syms, &w);
	for (i = 0; i < nw; i++)
		jc.json_object_array_add(warn, json_str(w[i]));
	jc.json_object_object_add(o, "functions", funcs);
	jc.json_object_object_add(o, "lines", lines);
	jc.json_object_object_add(o, "processes", procs);
	jc.json_object_object_add(o, "threads", threads);
	jc.json_object_object_add(o, "warnings", warn);
	return o;
}

static json_object *json_ns(int64_t ns)
{
	return jc.json_object_new_int64(ns);
}

/* Page faults without and with I/O, as {"minor", "major"}. */
static json_object *json_faults(int64_t minflt, int64_t majflt)
{
	json_object *o = jc.json_object_new_object();
	jc.json_object_object_add(o, "minor", jc.json_object_new_int64(minflt));
	jc.json_object_object_add(o, "major", jc.json_object_new_int64(majflt));
	return o;
}

static json_object *json_tree_proc(const struct tree *t, const struct tree_proc *p, const struct result *r)
{
	json_object *o = jc.json_object_new_object(), *threads = jc.json_object_new_array();
	json_object *un = jc.json_object_new_object();
	size_t k;

	jc.json_object_object_add(o, "pid", jc.json_object_new_int(p->pid));
	jc.json_object_object_add(o, "ppid", jc.json_object_new_int(p->ppid));
	jc.json_object_object_add(o, "comm", json_str(p->comm));
	if (p->cmdline) {
		json_object *argv = jc.json_object_new_array();
		const char *a, *end = p->cmdline + p->cmdline_len;
		for (a = p->cmdline; a < end; a += strlen(a) + 1)
			jc.json_object_array_add(argv, json_str(a));
		jc.json_object_object_add(o, "command", argv);
		jc.json_object_object_add(o, "command_truncated", jc.json_object_new_boolean(p->cmdline_truncated));
		jc.json_object_object_add(o, "command_inherited", jc.json_object_new_boolean(p->cmdline_inherited));
	} else {
		jc.json_object_object_add(un, "command", json_str(p->cmdline_why));
	}
	jc.json_object_object_add(o, "execs", jc.json_object_new_int((int)p->execs));
	jc.json_object_object_add(o, "start_ns", json_ns(p->start_ns));
	if (p->exec_ns >= 0)
		jc.json_object_object_add(o, "exec_ns", json_ns(p->exec_ns));
	if (p->end_ns >= 0) {
		jc.json_object_object_add(o, "end_ns", json_ns(p->end_ns));
		jc.json_object_object_add(o, "wall_ns", json_ns(p->end_ns - p->start_ns));
	} else {
		jc.json_object_object_add(un, "end_ns", json_str("still running when the command exited"));
	}
	jc.json_object_object_add(o, "cpu_ns", json_ns(p->cpu_ns));
	if (p->cpu_source)
		jc.json_object_object_add(o, "cpu_source", json_str(p->cpu_source));
	if (p->minflt >= 0 && p->majflt >= 0)
		jc.json_object_object_add(o, "page_faults", json_faults(p->minflt, p->majflt));
	else
		jc.json_object_object_add(un, "page_faults", json_str(p->faults_why ? p->faults_why : "not counted"));
	for (k = p->first_thread; k != SIZE_MAX; k = t->threads[k].next) {
		const struct tree_thread *th = &t->threads[k];
		json_object *e = jc.json_object_new_object();
		jc.json_object_object_add(e, "tid", jc.json_object_new_int(th->tid));
		jc.json_object_object_add(e, "comm", json_str(th->comm));
		jc.json_object_object_add(e, "start_ns", json_ns(th->start_ns));
		if (th->end_ns >= 0)
			jc.json_object_object_add(e, "end_ns", json_ns(th->end_ns));
		jc.json_object_object_add(e, "cpu_ns", json_ns(th->cpu_ns > 0 ? th->cpu_ns : 0));
		jc.json_object_object_add(e, "cpu_source", json_str(th->cpu_source));
		jc.json_object_object_add(e, "switch_cpu_ns", json_ns(th->switch_cpu_ns));
		if (th->minflt >= 0 && th->majflt >= 0)
			jc.json_object_object_add(e, "page_faults", json_faults(th->minflt, th->majflt));
		jc.json_object_array_add(threads, e);
	}
	jc.json_object_object_add(o, "threads", threads);
	if (p->exit_known)
		jc.json_object_object_add(o, "exit", json_exit(r));
	else
		jc.json_object_object_add(un, "exit", json_str("not a child of ptime: its parent reaped it"));
	jc.json_object_object_add(un, "max_rss_bytes",
				  json_str("the kernel gives it only to the waiting parent, or through taskstats (CAP_NET_ADMIN)"));
	jc.json_object_object_add(o, "unavailable", un);
	return o;
}

static json_object *json_share(int64_t a, int64_t b)
{
	return json_real(b > 0 ? 100.0 * (double)a / (double)b : 0);
}

/* The whole tree's cgroup: absent numbers say why in its own "unavailable". */
static json_object *json_tree_memory(const struct tree_memory *m)
{
	json_object *o = jc.json_object_new_object(), *un = jc.json_object_new_object();

	if (!m->measured) {
		jc.json_object_object_add(un, "peak_bytes", json_str(m->why[0] ? m->why : "no cgroup was made"));
		jc.json_object_object_add(o, "unavailable", un);
		return o;
	}
	jc.json_object_object_add(o, "cgroup", json_str(m->path));
	jc.json_object_object_add(o, "hierarchy", json_str(m->hierarchy));
	if (m->peak_bytes >= 0)
		jc.json_object_object_add(o, "peak_bytes", jc.json_object_new_int64(m->peak_bytes));
	else
		jc.json_object_object_add(un, "peak_bytes", json_str(m->peak_why));
	if (m->anon_bytes >= 0)
		jc.json_object_object_add(o, "anon_bytes", jc.json_object_new_int64(m->anon_bytes));
	if (m->file_bytes >= 0)
		jc.json_object_object_add(o, "file_bytes", jc.json_object_new_int64(m->file_bytes));
	if (m->cpu_ns >= 0)
		jc.json_object_object_add(o, "cpu_ns", json_ns(m->cpu_ns));
	if (m->user_ns >= 0)
		jc.json_object_object_add(o, "user_ns", json_ns(m->user_ns));
	if (m->sys_ns >= 0)
		jc.json_object_object_add(o, "sys_ns", json_ns(m->sys_ns));
	if (m->cpu_ns < 0)
		jc.json_object_object_add(un, "cpu_ns", json_str("the cgroup has no CPU accounting ptime could read"));
	jc.json_object_object_add(o, "removed", jc.json_object_new_boolean(m->removed));
	if (!m->removed)
		jc.json_object_object_add(un, "removed", json_str(m->left));
	jc.json_object_object_add(o, "unavailable", un);
	return o;
}

/* --tree: the processes, by executable, parallelism and the critical path, each a section of its own. */
static void json_tree(json_object *root, const struct result *r)
{
	const struct tree *t = r->tree;
	json_object *procs = jc.json_object_new_array(), *exes = jc.json_object_new_array();
	json_object *par = jc.json_object_new_object(), *hist = jc.json_object_new_array();
	json_object *curve = jc.json_object_new_object(), *busy = jc.json_object_new_array();
	json_object *cp = jc.json_object_new_object(), *steps = jc.json_object_new_array();
	json_object *info = jc.json_object_new_object(), *notes = jc.json_object_new_array();
	int64_t cpu = t->cpu_ns >= 0 ? t->cpu_ns : t->busy_ns, sum = 0;
	size_t i;
	int k;

	for (i = 0; i < t->nprocs; i++)
		jc.json_object_array_add(procs, json_tree_proc(t, &t->procs[i], r));
	for (i = 0; i < t->nexes; i++) {
		const struct tree_exe *e = &t->exes[i];
		json_object *o = jc.json_object_new_object();
		jc.json_object_object_add(o, "comm", json_str(e->comm));
		jc.json_object_object_add(o, "count", jc.json_object_new_int64((int64_t)e->count));
		jc.json_object_object_add(o, "cpu_ns", json_ns(e->cpu_ns));
		jc.json_object_object_add(o, "cpu_percent", json_share(e->cpu_ns, cpu));
		jc.json_object_object_add(o, "wall_ns", json_ns(e->wall_ns));
		jc.json_object_object_add(o, "max_cpu_pid", jc.json_object_new_int(t->procs[e->max_cpu].pid));
		jc.json_object_object_add(o, "max_cpu_ns", json_ns(t->procs[e->max_cpu].cpu_ns));
		if (t->procs[e->max_wall].end_ns >= 0) {
			jc.json_object_object_add(o, "max_wall_pid", jc.json_object_new_int(t->procs[e->max_wall].pid));
			jc.json_object_object_add(o, "max_wall_ns",
						  json_ns(t->procs[e->max_wall].end_ns - t->procs[e->max_wall].start_ns));
		}
		jc.json_object_array_add(exes, o);
	}
	jc.json_object_object_add(par, "average", json_real(t->real_ns > 0 ? (double)cpu / (double)t->real_ns : 0));
	jc.json_object_object_add(par, "max", jc.json_object_new_int(t->max_busy));
	jc.json_object_object_add(par, "nproc", jc.json_object_new_int64(t->nproc));
	jc.json_object_object_add(par, "cpu_ns", json_ns(cpu));
	jc.json_object_object_add(par, "real_ns", json_ns(t->real_ns));
	jc.json_object_object_add(par, "busy_ns", json_ns(t->busy_ns));
	for (k = 0; k <= t->max_busy && k < TREE_HIST_MAX; k++) {
		json_object *o = jc.json_object_new_object();
		jc.json_object_object_add(o, "busy", jc.json_object_new_int(k));
		jc.json_object_object_add(o, "ns", json_ns(t->hist_ns[k]));
		jc.json_object_object_add(o, "percent", json_share(t->hist_ns[k], t->real_ns));
		jc.json_object_array_add(hist, o);
	}
	jc.json_object_object_add(par, "histogram", hist);
	jc.json_object_object_add(par, "serial_fraction",
				  json_real(t->real_ns > 0 ? (double)(t->hist_ns[0] + t->hist_ns[1]) / (double)t->real_ns : 0));
	jc.json_object_object_add(par, "idle_tail_ns", json_ns(t->tail_ns));
	jc.json_object_object_add(curve, "resolution_ns", json_ns(t->curve_res_ns));
	jc.json_object_object_add(curve, "coarsened", jc.json_object_new_boolean(t->curve_coarsened));
	for (i = 0; i < t->ncurve; i++)
		jc.json_object_array_add(busy, json_real((double)t->curve[i] / (double)t->curve_res_ns));
	jc.json_object_object_add(curve, "busy", busy);
	jc.json_object_object_add(par, "curve", curve);
	for (i = 0; i < t->npath; i++) {
		const struct tree_step *st = &t->path[i];
		json_object *o = jc.json_object_new_object();
		jc.json_object_object_add(o, "pid", jc.json_object_new_int(t->procs[st->proc].pid));
		jc.json_object_object_add(o, "comm", json_str(t->procs[st->proc].comm));
		jc.json_object_object_add(o, "start_ns", json_ns(st->start_ns));
		jc.json_object_object_add(o, "end_ns", json_ns(st->end_ns));
		jc.json_object_object_add(o, "ns", json_ns(st->end_ns - st->start_ns));
		jc.json_object_object_add(o, "percent", json_share(st->end_ns - st->start_ns, t->real_ns));
		jc.json_object_array_add(steps, o);
		sum += st->end_ns - st->start_ns;
	}
	jc.json_object_object_add(cp, "ns", json_ns(sum));
	jc.json_object_object_add(cp, "percent", json_share(sum, t->real_ns));
	jc.json_object_object_add(cp, "steps", steps);
	jc.json_object_object_add(info, "processes", jc.json_object_new_int64((int64_t)t->nprocs));
	jc.json_object_object_add(info, "threads", jc.json_object_new_int64((int64_t)t->nthreads));
	jc.json_object_object_add(info, "user_only", jc.json_object_new_boolean(t->user_only));
	jc.json_object_object_add(info, "task_counts", jc.json_object_new_boolean(t->task_counts));
	jc.json_object_object_add(info, "task_faults", jc.json_object_new_boolean(t->task_faults));
	if (t->minflt >= 0 && t->majflt >= 0)
		jc.json_object_object_add(info, "page_faults", json_faults(t->minflt, t->majflt));
	jc.json_object_object_add(info, "lost_records", jc.json_object_new_int64((int64_t)t->lost));
	jc.json_object_object_add(info, "commands_missed", jc.json_object_new_int64((int64_t)t->cmdlines_missed));
	for (i = 0; i < t->nnotes; i++)
		jc.json_object_array_add(notes, json_str(t->notes[i]));
	jc.json_object_object_add(info, "notes", notes);
	jc.json_object_object_add(info, "memory", json_tree_memory(&t->memory));
	jc.json_object_object_add(root, "tree", info);
	jc.json_object_object_add(root, "processes", procs);
	jc.json_object_object_add(root, "executables", exes);
	jc.json_object_object_add(root, "parallelism", par);
	jc.json_object_object_add(root, "critical_path", cp);
}

/* Add each static metric to its section, or its reason to "unavailable". */
static void json_metrics(json_object *root, json_object *unavailable, const struct result *r)
{
	size_t n, i;
	const struct metric *m = metrics_all(&n);

	for (i = 0; i < n; i++) {
		struct mval v = metrics_value(r, &m[i]);
		json_object *sec;
		if (!jc.json_object_object_get_ex(root, m[i].section, &sec)) {
			sec = jc.json_object_new_object();
			jc.json_object_object_add(root, m[i].section, sec);
		}
		if (v.kind == MVAL_INT)
			jc.json_object_object_add(sec, m[i].name, jc.json_object_new_int64(v.i));
		else if (v.kind == MVAL_REAL)
			jc.json_object_object_add(sec, m[i].name, json_real(v.d));
		else
			jc.json_object_object_add(unavailable, m[i].name, json_str(v.why));
	}
}

/* Load json-c; NULL, or why it cannot be loaded. */
const char *report_json_load(void)
{
	return jc_load("libjson-c.so.5") ? NULL : jc_why;
}

/* Write r as one JSON object on one line; returns 0 or -1 on a write error. */
int report_json(FILE *fp, const struct opts *o, const struct result *r)
{
	json_object *root = jc.json_object_new_object(), *argv = jc.json_object_new_array();
	json_object *unavailable = jc.json_object_new_object();
	char *const *a;

	json_nraw = 0;
	jc.json_object_object_add(root, "schema_version", jc.json_object_new_int(PTIME_SCHEMA_VERSION));
	jc.json_object_object_add(root, "ptime_version", json_str(PACKAGE_VERSION));
	for (a = r->argv; *a; a++)
		jc.json_object_array_add(argv, json_str(*a));
	jc.json_object_object_add(root, "command", argv);
	jc.json_object_object_add(root, "start_time", json_time(&r->start_wall));
	jc.json_object_object_add(root, "end_time", json_time(&r->end_wall));
	jc.json_object_object_add(root, "exit", json_exit(r));
	json_metrics(root, unavailable, r);
	if (r->counters)
		json_counters(root, unavailable, r);
	else
		jc.json_object_object_add(unavailable, "counters", json_str("counting was turned off (-e none)"));
	if (r->profile && r->profile->why[0])
		jc.json_object_object_add(unavailable, "profile", json_str(r->profile->why));
	else if (r->profile)
		jc.json_object_object_add(root, "profile", json_profile(r->profile));
	if (r->tree && r->tree->why[0])
		jc.json_object_object_add(unavailable, "tree", json_str(r->tree->why));
	else if (r->tree)
		json_tree(root, r);
	report_json_memory(root, unavailable, r);
	if (r->have_host)
		jc.json_object_object_add(root, "host", json_host(&r->host));
	jc.json_object_object_add(root, "unavailable", unavailable);
	return report_json_write(fp, root);
}

/* A JSON string for the other JSON reports, made as every string of this one is (see json_str). */
json_object *report_json_str(const char *s)
{
	return json_str(s);
}

/* The host object, the same in every document. */
json_object *report_json_host(const struct host *h)
{
	return json_host(h);
}

/* Add "raw_bytes" to root when some string of it was not UTF-8, write it on one line and free it; returns
   0, or -1 on a write error. The JSON reports call report_json_load before they build anything. */
int report_json_write(FILE *fp, json_object *root)
{
	int rc;

	if (json_nraw) {
		json_object *raw = jc.json_object_new_object();
		struct json_ptr p = { 0 };
		json_walk(root, &p, raw);
		free(p.s);
		if (jc.json_object_object_length(raw))
			jc.json_object_object_add(root, "raw_bytes", raw);
		else
			jc.json_object_put(raw);
	}
	json_nraw = 0;
	rc = fprintf(fp, "%s\n", jc.json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
	jc.json_object_put(root);
	return rc < 0 ? -1 : 0;
}
