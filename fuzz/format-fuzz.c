/* fuzz/format-fuzz.c: the GNU format language: format_check, then format_print of a filled result. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "ptime.h"
#include "fuzz.h"

static char *fuzz_argv[] = { "sh", "-c", "exit 3", NULL };

/* A result with every field set, counters included: some counted, one not, one zero. */
static void fuzz_result(struct result *r, size_t variant)
{
	static struct counters *cs;
	size_t i;

	if (!cs) {
		char *err = NULL;
		cs = counters_create(NULL, &err);
		for (i = 0; i < cs->n; i++) {
			cs->c[i].counted = i % 5 != 4;
			cs->c[i].raw = i == 1 ? 0 : 1000003 * i;
			cs->c[i].value = (double)cs->c[i].raw;
			snprintf(cs->c[i].why, sizeof cs->c[i].why, "not supported");
		}
	}
	memset(r, 0, sizeof *r);
	r->argv = fuzz_argv;
	r->ran = true;
	r->page_size = 4096;
	/* exited 0, exited 3, killed by SIGKILL: %x %Tt %Tn %Ts differ */
	r->wait_status = variant == 0 ? 0 : variant == 1 ? 3 << 8 : SIGKILL;
	r->exit_status = spawn_exit_status(r->wait_status);
	r->real_ns = variant == 2 ? 0 : 3723456789012LL;
	r->ru.ru_utime.tv_sec = 12;
	r->ru.ru_utime.tv_usec = 345678;
	r->ru.ru_stime.tv_usec = 999999;
	r->ru.ru_maxrss = 1908;
	r->ru.ru_minflt = 84;
	r->ru.ru_majflt = 2;
	r->ru.ru_nvcsw = 5;
	r->ru.ru_nivcsw = 7;
	r->ru.ru_inblock = 16;
	r->ru.ru_oublock = 8;
	r->io = (struct proc_io){ 3000, 200, 10, 4, 8192, 4096, 0 };
	r->io_error = variant == 2 ? EACCES : 0;
	r->counters = variant == 0 ? NULL : cs;
}

FUZZ_TARGET(format)
{
	static FILE *null;
	char *fmt = fuzz_string(data, size && data[size - 1] == '\n' ? size - 1 : size), *bad = NULL, *events;
	struct result r;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	fuzz_result(&r, size % 3);
	if (format_check(fmt, &bad) < 0)
		metrics_suggest(bad);
	format_needs(fmt, "io");
	events = counters_for_format(fmt);
	free(events);
	/* format_print must cope with any text, checked or not: it prints '?' for what it cannot. */
	format_print(null, fmt, &r);
	format_status_line(null, &r);
	free(fmt);
	return 0;
}
