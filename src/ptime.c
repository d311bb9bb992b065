/* ptime.c: main: options, then the run, then the reports; nothing else. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

/* One report: its target, checked before the run, and the text built in memory after it. */
struct ptime_out {
	struct outfile file;
	char *what;              /* for messages: "'r.json'", "the report", ... */
	char *buf;
	size_t len;
	FILE *fp;                /* onto buf while the report is written */
	bool open;
};

/* Which of fds 0-2 ptime found closed: /dev/null stands in for them, but is no place for a report. */
static unsigned ptime_closed_std;

/* A closed standard descriptor would be the first one a report file gets, and the command's
   own output would then land in it: hold each closed one with /dev/null before anything opens. */
static void ptime_fill_std(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int nfd;
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		ptime_closed_std |= 1u << fd;
		nfd = open("/dev/null", O_RDWR);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

/* Check a report file before the command runs, so that a bad path stops ptime with 125. */
static void ptime_open(struct ptime_out *out, const char *path, bool append)
{
	int rc = outfile_open(&out->file, path, append);

	if (rc < 0)
		options_usage_error("cannot open '%s': %s", path, strerror(-rc));
	out->what = xasprintf("'%s'", path);
	out->open = true;
}

/* The report goes to a descriptor: standard error (asked is false), or --output-fd. */
static void ptime_open_fd(struct ptime_out *out, int fd, bool asked)
{
	int rc;

	if (asked && fd <= 2 && (ptime_closed_std & (1u << fd)))
		rc = -EBADF;
	else
		rc = outfile_open_fd(&out->file, fd);
	if (rc < 0)
		options_usage_error("cannot write to --output-fd=%d: %s", fd,
				    rc == -EINVAL ? "not open for writing" : strerror(-rc));
	/* The command must not inherit the report's descriptor; its standard ones are its own. */
	if (fd > 2)
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	out->what = fd == 2 ? xstrdup("the report") : xasprintf("the report to --output-fd=%d", fd);
	out->open = true;
}

/* A FILE onto memory for a report function; outfile_commit then writes it in one go. */
static FILE *ptime_begin(struct ptime_out *out)
{
	out->fp = open_memstream(&out->buf, &out->len);
	if (!out->fp) {
		fprintf(stderr, "ptime: cannot write %s: %s\n", out->what, strerror(errno));
		outfile_abort(&out->file);
		free(out->what);
		out->what = NULL;
		out->open = false;
	}
	return out->fp;
}

/* Write the report whole, or leave the target as it was: one line if not, and the status stays. */
static void ptime_commit(struct ptime_out *out, bool write)
{
	bool kept = false;
	int rc = 0;

	if (!out->open)
		return;
	if (out->fp && fclose(out->fp) != 0)
		rc = -errno;
	out->fp = NULL;
	if (!write || rc < 0)
		outfile_abort(&out->file);
	else
		rc = outfile_commit(&out->file, out->buf, out->len, &kept);
	if (rc < 0)
		fprintf(stderr, "ptime: cannot write %s: %s%s\n", out->what, strerror(-rc),
			kept ? "; left as it was" : "");
	free(out->buf);
	out->buf = NULL;
	free(out->what);
	out->what = NULL;
	out->open = false;
}

/* Whether --memory has a profile to write: some process loaded the sampler, and its stacks resolved. */
static bool ptime_have_memory(const struct result *r)
{
	return r->memory && r->memory->nprocs && r->memory->prof && !r->memory->prof->abandoned;
}

/* Print every report asked for; they only read r. */
static void ptime_report(const struct opts *o, struct result *r, struct ptime_out *main_out,
			 struct ptime_out *callgrind, struct ptime_out *folded, struct ptime_out *trace)
{
	FILE *out = ptime_begin(main_out);

	if (r->profile)
		r->profile->names = o->names;
	if (out && o->json) {
		procfs_read_host(&r->host);
		r->have_host = true;
		report_json(out, o, r);
	} else if (out && o->format) {
		/* -v, -p, -f and TIME print exactly what GNU time prints; what ptime adds comes after,
		   and only when asked for: counters with -e, the profile with --sample. */
		format_report(out, o, r);
		if (o->events && r->counters)
			report_counters(out, r);
		report_profile(out, r);
		report_tree(out, r);
		report_memory(out, r);
	} else if (out) {
		report_classic(out, o, r);
	}
	if (out && o->annotate != -1 && !o->json) {
		report_annotate(out, r->profile, o->annotate == -2 ? -1 : o->annotate);
		report_annotate_memory(out, r->memory, o->annotate == -2 ? -1 : o->annotate);
	}
	ptime_commit(main_out, true);
	/* Without samples the profile files are not written at all: the last profile stays. */
	if (callgrind->open) {
		bool have = (r->profile && !r->profile->why[0]) || ptime_have_memory(r);
		if (have && ptime_begin(callgrind))
			report_callgrind(callgrind->fp, r);
		ptime_commit(callgrind, have);
	}
	if (folded->open) {
		bool have = o->folded_cost < 0 ? r->profile && !r->profile->why[0] : ptime_have_memory(r);
		if (have && ptime_begin(folded)) {
			if (o->folded_cost < 0) {
				report_folded(folded->fp, r->profile);
			} else {
				profile_select(r->memory->prof, o->folded_cost);
				report_folded(folded->fp, r->memory->prof);
				profile_select(r->memory->prof, PROFILE_COST_SAMPLES);
			}
		}
		ptime_commit(folded, have);
	}
	/* Likewise without a tree (the events could not be opened): the last trace stays. */
	if (trace->open) {
		bool have = r->tree && !r->tree->why[0];
		if (have && ptime_begin(trace))
			have = report_trace(trace->fp, r) == 0;
		ptime_commit(trace, have);
	}
}

/* Refuse two reports into one file: the second would replace the first. */
static void ptime_check_same(const char *opt_a, const char *a, const char *opt_b, const char *b)
{
	if (a && b && (strcmp(a, b) == 0 || outfile_same(a, b)))
		options_usage_error("%s and %s name the same file '%s'", opt_a, opt_b, b);
}

/* The commands of a benchmark read from and write to /dev/null (as hyperfine's), unless --show-output:
   ptime's own standard descriptors are kept aside, for the progress line, and put back for the reports. */
static void ptime_quiet_std(int saved[3], bool on)
{
	int fd, null;

	if (!on) {
		for (fd = 0; fd <= 2; fd++)
			if (saved[fd] >= 0) {
				dup2(saved[fd], fd);
				close(saved[fd]);
				saved[fd] = -1;
			}
		return;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (fd = 0; fd <= 2; fd++) {
		saved[fd] = null >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
		if (saved[fd] >= 0)
			dup2(null, fd);
	}
	if (null >= 0)
		close(null);
}

/* Benchmark mode: the runs, then the report and the exports, each written whole or not at all. */
static int ptime_bench(struct opts *o, struct ptime_out *out)
{
	struct bench_opts *bo = o->bench;
	struct ptime_out ej = { 0 }, ec = { 0 }, em = { 0 };
	struct bench b;
	int saved[3] = { -1, -1, -1 }, rc;
	bool ok;
	size_t i;

	ptime_check_same("-o", o->output, "--export-json", bo->export_json);
	ptime_check_same("-o", o->output, "--export-csv", bo->export_csv);
	ptime_check_same("-o", o->output, "--export-markdown", bo->export_markdown);
	ptime_check_same("--export-json", bo->export_json, "--export-csv", bo->export_csv);
	ptime_check_same("--export-json", bo->export_json, "--export-markdown", bo->export_markdown);
	ptime_check_same("--export-csv", bo->export_csv, "--export-markdown", bo->export_markdown);
	if (bo->export_json)
		ptime_open(&ej, bo->export_json, false);
	if (bo->export_csv)
		ptime_open(&ec, bo->export_csv, false);
	if (bo->export_markdown)
		ptime_open(&em, bo->export_markdown, false);
	if (!bo->show_output) {
		ptime_quiet_std(saved, true);
		if (saved[2] >= 0)
			bo->err_fd = saved[2];
	}
	rc = bench_run(o, &b);
	ptime_quiet_std(saved, false);
	bo->err_fd = STDERR_FILENO;
	if (rc || b.failure) {
		if (!rc) {
			fprintf(stderr, "ptime: %s\n", b.failure);
			rc = b.exit_status ? b.exit_status : 1;
		}
		ptime_commit(out, false);
		ptime_commit(&ej, false);
		ptime_commit(&ec, false);
		ptime_commit(&em, false);
		bench_free(&b);
		return rc;
	}
	/* A report whose building failed (json-c) is not written: the file stays as it was. */
	ok = true;
	if (ptime_begin(out)) {
		if (o->json)
			ok = report_bench_json(out->fp, &b) == 0;
		else
			report_bench(out->fp, &b);
	}
	ptime_commit(out, ok);
	ok = ej.open && ptime_begin(&ej) && report_bench_json(ej.fp, &b) == 0;
	ptime_commit(&ej, ok);
	ok = ec.open && ptime_begin(&ec) && report_bench_csv(ec.fp, &b) == 0;
	ptime_commit(&ec, ok);
	ok = em.open && ptime_begin(&em) && report_bench_markdown(em.fp, &b) == 0;
	ptime_commit(&em, ok);
	/* The gate says why it fails on standard error, whatever the report's format and target. */
	for (i = 0; i < b.ncmps; i++)
		if (b.cmps[i].regression)
			fprintf(stderr, "ptime: '%s' is %.1f%% slower than its baseline (--max-regression=%g%%)\n",
				b.cmds[b.cmps[i].cmd].name, (b.cmps[i].r[b.primary].ratio - 1) * 100, bo->max_regression_pct);
	rc = b.exit_status;
	bench_free(&b);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct result r;
	struct ptime_out out = { 0 }, callgrind = { 0 }, folded = { 0 }, trace = { 0 };
	const char *why;
	char err[4096];
	int rc;

	ptime_fill_std();
	spawn_init();
	caps_init();
	rc = options_parse(&o, argc, argv, err, sizeof err);
	if (rc < 0)
		options_usage_error("%s", err);
	if (rc > 0) { /* --help, --version, -e list */
		options_print(stdout, rc);
		options_free(&o);
		return 0;
	}
	if (o.output && o.output_fd >= 0)
		options_usage_error("-o and --output-fd both say where the report goes: give one");
	ptime_check_same("-o", o.output, "--callgrind", o.callgrind);
	ptime_check_same("-o", o.output, "--folded", o.folded);
	ptime_check_same("--callgrind", o.callgrind, "--folded", o.folded);
	ptime_check_same("-o", o.output, "--trace", o.trace);
	ptime_check_same("--callgrind", o.callgrind, "--trace", o.trace);
	ptime_check_same("--folded", o.folded, "--trace", o.trace);
	symbols_use_debuginfod(o.debuginfod);
	if ((o.json || (o.bench && (o.bench->export_json || o.bench->baseline))) && (why = report_json_load()) != NULL) {
		fprintf(stderr, "ptime: cannot write JSON: %s\n", why);
		options_free(&o);
		return EXIT_CANCELED;
	}
	if (o.trace && (why = report_trace_load()) != NULL) {
		fprintf(stderr, "ptime: cannot write the trace: %s\n", why);
		options_free(&o);
		return EXIT_CANCELED;
	}
	/* Every target is checked before the command runs (a bad path stops ptime with 125), but
	   none is changed until its report is complete. */
	if (o.output)
		ptime_open(&out, o.output, o.append);
	else
		ptime_open_fd(&out, o.output_fd >= 0 ? o.output_fd : STDERR_FILENO, o.output_fd >= 0);
	if (o.bench) {
		rc = ptime_bench(&o, &out);
		options_free(&o);
		return rc;
	}
	if (o.callgrind)
		ptime_open(&callgrind, o.callgrind, false);
	if (o.folded)
		ptime_open(&folded, o.folded, false);
	if (o.trace)
		ptime_open(&trace, o.trace, false);

	rc = measure_run(&o, &r);
	if (rc) {
		ptime_commit(&out, false);
		ptime_commit(&callgrind, false);
		ptime_commit(&folded, false);
		ptime_commit(&trace, false);
		options_free(&o);
		return rc;
	}
	ptime_report(&o, &r, &out, &callgrind, &folded, &trace);
	counters_free(r.counters);
	profile_free(r.profile);
	tree_free(r.tree);
	options_free(&o);
	/* A report that could not be written is said once above; the status is still the command's. */
	return r.exit_status;
}
