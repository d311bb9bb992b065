/* report/baseline.c: --baseline: a saved export (ptime's or hyperfine's JSON) read back into each command's base. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

#define BL_FUNCS(X) X(json_object_array_get_idx) X(json_object_array_length) X(json_object_get_double) X(json_object_get_int) X(json_object_get_string) X(json_object_get_type) X(json_object_object_get_ex) X(json_object_put) X(json_tokener_error_desc) X(json_tokener_free) X(json_tokener_get_error) X(json_tokener_get_parse_end) X(json_tokener_new) X(json_tokener_parse_ex)
DLIB_TABLE(bl, BL_FUNCS)

#define BASELINE_MAX_BYTES (256u << 20)

static json_object *bl_get(json_object *o, const char *key)
{
	json_object *v;
	if (!o || bl.json_object_get_type(o) != json_type_object || !bl.json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *bl_string(json_object *o, const char *key)
{
	json_object *v = bl_get(o, key);
	return v && bl.json_object_get_type(v) == json_type_string ? bl.json_object_get_string(v) : NULL;
}

static double bl_number(json_object *v)
{
	enum json_type t = v ? bl.json_object_get_type(v) : json_type_null;
	return t == json_type_double || t == json_type_int ? bl.json_object_get_double(v) : NAN;
}

static json_object *bl_array(json_object *o, const char *key)
{
	json_object *v = bl_get(o, key);
	return v && bl.json_object_get_type(v) == json_type_array ? v : NULL;
}

static bool bl_same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The result for c: the same command string, else the same name (ptime's "name", or hyperfine's
   "command", which is the -n name when one was given). */
static json_object *bl_find(json_object *results, const struct bench_cmd *c)
{
	size_t i, n = bl.json_object_array_length(results);
	const char *name = c->name ? c->name : c->command;

	for (i = 0; i < n; i++)
		if (bl_same(bl_string(bl.json_object_array_get_idx(results, i), "command"), c->command))
			return bl.json_object_array_get_idx(results, i);
	for (i = 0; i < n; i++) {
		json_object *r = bl.json_object_array_get_idx(results, i);
		if (bl_same(bl_string(r, "name"), name) || (!bl_get(r, "name") && bl_same(bl_string(r, "command"), name)))
			return r;
	}
	return NULL;
}

/* The runs of one result: ptime's "runs" by metric name, else hyperfine's "times" (seconds) and
   "memory_usage_byte"; every other value is NAN. */
static struct bench_cmd *bl_base(const struct bench *b, json_object *res)
{
	struct bench_cmd *base = xcalloc(1, sizeof *base);
	json_object *runs = bl_array(res, "runs"), *times = bl_array(res, "times");
	json_object *mem = bl_array(res, "memory_usage_byte"), *codes = bl_array(res, "exit_codes");
	const char *command = bl_string(res, "command"), *name = bl_string(res, "name");
	double *x = xcalloc(1, sizeof *x);
	size_t k, m, n;

	base->command = xstrdup(command ? command : "");
	base->name = xstrdup(name ? name : base->command);
	n = runs ? bl.json_object_array_length(runs) : times ? bl.json_object_array_length(times) : 0;
	base->runs = xcalloc(n ? n : 1, sizeof *base->runs);
	base->nruns = n;
	for (k = 0; k < n; k++) {
		struct bench_run *r = &base->runs[k];
		r->v = xmalloc((b->nmetrics ? b->nmetrics : 1) * sizeof *r->v);
		for (m = 0; m < b->nmetrics; m++)
			r->v[m] = NAN;
		r->index = (uint32_t)(k + 1);
		r->cpu = -1;
		if (runs) {
			json_object *e = bl.json_object_array_get_idx(runs, k);
			double st = bl_number(bl_get(e, "exit_status")), round = bl_number(bl_get(e, "round"));
			for (m = 0; m < b->nmetrics; m++)
				r->v[m] = bl_number(bl_get(e, b->metrics[m].name));
			r->exit_status = isfinite(st) ? (int)st : 0;
			r->round = isfinite(round) ? (uint32_t)round : 0;
		} else {
			json_object *code = codes ? bl.json_object_array_get_idx(codes, k) : NULL;
			r->v[b->real] = bl_number(bl.json_object_array_get_idx(times, k)) * 1e9;
			if (mem && k < bl.json_object_array_length(mem))
				r->v[b->maxrss] = bl_number(bl.json_object_array_get_idx(mem, k));
			/* hyperfine writes null for a run killed by a signal: which one is not known */
			r->exit_status = code && bl.json_object_get_type(code) == json_type_int
						 ? bl.json_object_get_int(code) : 128;
		}
		if (r->exit_status)
			base->failed++;
	}
	base->stats = xcalloc(b->nmetrics ? b->nmetrics : 1, sizeof *base->stats);
	x = xrealloc(x, (n ? n : 1) * sizeof *x);
	for (m = 0; m < b->nmetrics; m++) {
		size_t got = 0;
		for (k = 0; k < n; k++)
			if (isfinite(base->runs[k].v[m]))
				x[got++] = base->runs[k].v[m];
		if (got)
			stats_compute(x, got, &base->stats[m]);
		else
			base->stats[m].why = "not in the baseline";
	}
	free(x);
	return base;
}

/* Free what report_bench_baseline allocated for one command (NULL is fine). */
void report_bench_baseline_free(struct bench_cmd *base)
{
	size_t k;

	if (!base)
		return;
	for (k = 0; k < base->nruns; k++)
		free(base->runs[k].v);
	free(base->runs);
	free(base->stats);
	free(base->command);
	free(base->name);
	free(base);
}

/* Read the export at path (ptime's JSON document, or hyperfine's --export-json) and give each command of
   b that it has a result for its base and base_name. Returns 0, or -1 with one line in err when the file
   cannot be read, is not an export, or has a result for none of the commands. */
int report_bench_baseline(const char *path, struct bench *b, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *root, *results;
	char why[256], *buf;
	struct stat st;
	size_t len, i, matched = 0;
	int fd, rc;
	const char *shown = text_escape_terminal(path);

	if (!bl_load("libjson-c.so.5")) {
		snprintf(err, errlen, "cannot read '%s': %s", shown, bl_why);
		return -1;
	}
	fd = safefile_open(path, 0, &st, why, sizeof why);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", shown, why);
		return -1;
	}
	rc = safefile_read(fd, BASELINE_MAX_BYTES, &buf, &len);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", shown, strerror(-rc));
		return -1;
	}
	if (rc > 0) {
		free(buf);
		snprintf(err, errlen, "cannot read '%s': larger than %u MiB", shown, BASELINE_MAX_BYTES >> 20);
		return -1;
	}
	tok = bl.json_tokener_new();
	root = bl.json_tokener_parse_ex(tok, buf, (int)len);
	if (!root) {
		enum json_tokener_error e = bl.json_tokener_get_error(tok);
		snprintf(err, errlen, "'%s' is not a benchmark export: %s at byte %zu", shown,
			 e == json_tokener_continue ? "the JSON text ends early" : bl.json_tokener_error_desc(e),
			 bl.json_tokener_get_parse_end(tok));
		bl.json_tokener_free(tok);
		free(buf);
		return -1;
	}
	{
		size_t end = bl.json_tokener_get_parse_end(tok);
		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end < len) {
			snprintf(err, errlen, "'%s' is not a benchmark export: more after the JSON value at byte %zu",
				 shown, end);
			bl.json_object_put(root);
			root = NULL;
		}
	}
	bl.json_tokener_free(tok);
	free(buf);
	if (!root)
		return -1;
	results = bl_array(root, "results");
	if (!results) {
		snprintf(err, errlen, "'%s' is not a benchmark export: it has no \"results\" array", shown);
		bl.json_object_put(root);
		return -1;
	}
	for (i = 0; i < b->ncmds; i++) {
		json_object *res = bl_find(results, &b->cmds[i]);
		if (!res)
			continue;
		b->cmds[i].base = bl_base(b, res);
		b->cmds[i].base_name = b->cmds[i].base->command;
		matched++;
	}
	if (!matched) {
		const char *first = bl.json_object_array_length(results)
					    ? bl_string(bl.json_object_array_get_idx(results, 0), "command") : NULL;
		if (first)
			snprintf(err, errlen, "'%s' has a result for none of these commands (its first is '%s')", shown,
				 text_escape_terminal(first));
		else
			snprintf(err, errlen, "'%s' has a result for none of these commands", shown);
	}
	bl.json_object_put(root);
	return matched ? 0 : -1;
}
