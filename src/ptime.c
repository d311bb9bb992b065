/* ptime.c: main: options, then the run, then the reports; nothing else. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

static FILE *ptime_open_output(const struct opts *o)
{
	int fd;
	FILE *fp;

	if (!o->output)
		return stderr;
	/* Close-on-exec: the command must not inherit the report file. */
	fd = open(o->output, O_WRONLY | O_CREAT | O_CLOEXEC | (o->append ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0)
		options_usage_error("cannot open '%s': %s", o->output, strerror(errno));
	fp = fdopen(fd, o->append ? "a" : "w");
	if (!fp)
		options_usage_error("cannot open '%s': %s", o->output, strerror(errno));
	return fp;
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

int main(int argc, char **argv)
{
	struct opts o;
	struct result r;
	struct spawn sp;
	FILE *out;
	int rc, io_fd;

	caps_init();
	options_parse(&o, argc, argv);
	out = ptime_open_output(&o);

	memset(&r, 0, sizeof r);
	r.argv = o.argv;
	r.page_size = sysconf(_SC_PAGESIZE);

	rc = spawn_fork(&sp, o.argv);
	if (rc < 0) {
		fprintf(stderr, "ptime: cannot fork: %s\n", strerror(-rc));
		return EXIT_CANCELED;
	}
	/* Only what a report will print is measured: -f '' reads nothing from /proc. */
	io_fd = !o.format || o.json || format_needs(o.format, "io") ? procfs_open_io(sp.pid) : -ENODATA;
	r.counters = ptime_counters(&o);
	if (r.counters)
		counters_open(r.counters, sp.pid);
	spawn_release(&sp, &r);
	if (spawn_wait_exit(&sp, &r) == 0 && io_fd >= 0)
		r.io_error = -procfs_read_io(io_fd, &r.io);
	else
		r.io_error = io_fd < 0 ? -io_fd : ECHILD;
	spawn_reap(&sp, &r);
	if (r.counters)
		counters_read(r.counters, &r.ru);
	if (!r.ran) {
		fprintf(stderr, "ptime: lost the command (pid %d)\n", (int)sp.pid);
		return EXIT_CANCELED;
	}

	if (o.json) {
		procfs_read_host(&r.host);
		r.have_host = true;
		report_json(out, &o, &r);
	} else if (o.format) {
		format_report(out, &o, &r);
		if (o.verbose)
			report_counters(out, &r);
	} else {
		report_classic(out, &o, &r);
	}
	if (fflush(out) != 0 || ferror(out))
		fprintf(stderr, "ptime: cannot write the report: %s\n", strerror(errno));
	counters_free(r.counters);
	return r.exit_status;
}
