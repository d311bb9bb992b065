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

/* Print every report asked for; they only read r. */
static void ptime_report(const struct opts *o, struct result *r, FILE *out, FILE *callgrind, FILE *folded)
{
	if (r->profile)
		r->profile->names = o->names;
	if (o->json) {
		procfs_read_host(&r->host);
		r->have_host = true;
		report_json(out, o, r);
	} else if (o->format) {
		/* -v, -p, -f and TIME print exactly what GNU time prints; what ptime adds comes after,
		   and only when asked for: counters with -e, the profile with --sample. */
		format_report(out, o, r);
		if (o->events && r->counters)
			report_counters(out, r);
		report_profile(out, r);
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

	rc = measure_run(&o, &r);
	if (rc)
		return rc;
	ptime_report(&o, &r, out, callgrind, folded);
	counters_free(r.counters);
	profile_free(r.profile);
	return r.exit_status;
}
