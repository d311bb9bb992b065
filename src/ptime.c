/* ptime.c: main: options, then the run, then the reports; nothing else. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

/* Open a report file before the command runs, so that a bad path stops ptime with 125. */
static FILE *ptime_open(const char *path, bool append)
{
	int fd;
	FILE *fp;

	/* Close-on-exec: the command must not inherit a report file. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0)
		options_usage_error("cannot open '%s': %s", path, strerror(errno));
	fp = fdopen(fd, append ? "a" : "w");
	if (!fp)
		options_usage_error("cannot open '%s': %s", path, strerror(errno));
	return fp;
}

static void ptime_close(FILE *fp, const char *path)
{
	if (fflush(fp) != 0 || ferror(fp))
		fprintf(stderr, "ptime: cannot write '%s': %s\n", path, strerror(errno));
	fclose(fp);
}

/* The counters the reports need: -e, else the default set for the full reports, else what -f names. */
static struct counters *ptime_counters(const struct opts *o)
{
	char *list, *err = NULL;
	struct counters *cs;

	if (o->events)
		return strcmp(o->events, "none") == 0 ? NULL : counters_create(o->events, &err);
	if (o->json || !o->format || o->verbose)
		return counters_create(NULL, &err);
	list = counters_for_format(o->format);
	if (!list)
		return NULL;
	cs = counters_create(list, &err);
	free(list);
	return cs;
}

/* Run the command with every probe the reports need; returns 0, or an exit status if it could not run. */
static int ptime_measure(const struct opts *o, struct result *r)
{
	struct spawn sp;
	struct sampler *smp = NULL;
	int rc, io_fd;

	memset(r, 0, sizeof *r);
	r->argv = o->argv;
	r->page_size = sysconf(_SC_PAGESIZE);

	rc = spawn_fork(&sp, o->argv);
	if (rc < 0) {
		fprintf(stderr, "ptime: cannot fork: %s\n", strerror(-rc));
		return EXIT_CANCELED;
	}
	/* The probes attach while the child waits on the cork. Only what a report will print is
	   measured: -f '' reads nothing from /proc and opens no event. */
	io_fd = !o->format || o->json || format_needs(o->format, "io") ? procfs_open_io(sp.pid) : -ENODATA;
	r->counters = ptime_counters(o);
	if (r->counters)
		counters_open(r->counters, sp.pid);
	if (o->sample_hz) {
		r->profile = profile_new(o->inline_caller);
		smp = sampler_open(sp.pid, o->sample_hz, o->call_graph, r->profile);
		/* The command runs all the same; the classic and JSON reports say why, -f gets one line. */
		if (!smp && o->format && !o->json)
			fprintf(stderr, "ptime: %s\n", r->profile->why);
	}

	spawn_release(&sp, r);
	if (smp)
		sampler_wait(smp, sp.pid);
	if (spawn_wait_exit(&sp, r) == 0 && io_fd >= 0) {
		r->io_error = -procfs_read_io(io_fd, &r->io);
	} else {
		r->io_error = io_fd < 0 ? -io_fd : ECHILD;
		if (io_fd >= 0)
			close(io_fd);
	}
	spawn_reap(&sp, r);

	if (r->counters)
		counters_read(r->counters, &r->ru);
	if (smp) {
		sampler_finish(smp);
		sampler_free(smp);
	}
	if (!r->ran) {
		fprintf(stderr, "ptime: lost the command (pid %d)\n", (int)sp.pid);
		return EXIT_CANCELED;
	}
	return 0;
}

/* Print every report asked for; they only read r. */
static void ptime_report(const struct opts *o, struct result *r, FILE *out, FILE *callgrind, FILE *folded)
{
	if (o->json) {
		procfs_read_host(&r->host);
		r->have_host = true;
		report_json(out, o, r);
	} else if (o->format) {
		format_report(out, o, r);
		if (o->verbose) {
			report_counters(out, r);
			report_profile(out, r);
		}
	} else {
		report_classic(out, o, r);
	}
	if (o->annotate != -1 && !o->json)
		report_annotate(out, r->profile, o->annotate == -2 ? -1 : o->annotate);
	if (callgrind) {
		if (!r->profile->why[0])
			report_callgrind(callgrind, r);
		ptime_close(callgrind, o->callgrind);
	}
	if (folded) {
		if (!r->profile->why[0])
			report_folded(folded, r->profile);
		ptime_close(folded, o->folded);
	}
	if (fflush(out) != 0 || ferror(out))
		fprintf(stderr, "ptime: cannot write the report: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	struct opts o;
	struct result r;
	FILE *out, *callgrind = NULL, *folded = NULL;
	const char *why;
	int rc;

	caps_init();
	options_parse(&o, argc, argv);
	if (o.json && (why = report_json_load()) != NULL) {
		fprintf(stderr, "ptime: cannot write JSON: %s\n", why);
		return EXIT_CANCELED;
	}
	/* Every output file is opened before the command runs: a bad path stops ptime with 125. */
	out = o.output ? ptime_open(o.output, o.append) : stderr;
	if (o.callgrind)
		callgrind = ptime_open(o.callgrind, false);
	if (o.folded)
		folded = ptime_open(o.folded, false);

	rc = ptime_measure(&o, &r);
	if (rc)
		return rc;
	ptime_report(&o, &r, out, callgrind, folded);
	counters_free(r.counters);
	profile_free(r.profile);
	return r.exit_status;
}
