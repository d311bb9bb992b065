/* options.c: the command line and the TIME variable into struct opts; usage and errors. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

const char options_default_format[] =
	"%Uuser %Ssystem %Eelapsed %PCPU (%Xavgtext+%Davgdata %Mmaxresident)k\n"
	"%Iinputs+%Ooutputs (%Fmajor+%Rminor)pagefaults %Wswaps";

const char options_posix_format[] = "real %e\nuser %U\nsys %S";

const char options_verbose_format[] =
	"\tCommand being timed: \"%C\"\n"
	"\tUser time (seconds): %U\n"
	"\tSystem time (seconds): %S\n"
	"\tPercent of CPU this job got: %P\n"
	"\tElapsed (wall clock) time (h:mm:ss or m:ss): %E\n"
	"\tAverage shared text size (kbytes): %X\n"
	"\tAverage unshared data size (kbytes): %D\n"
	"\tAverage stack size (kbytes): %p\n"
	"\tAverage total size (kbytes): %K\n"
	"\tMaximum resident set size (kbytes): %M\n"
	"\tAverage resident set size (kbytes): %t\n"
	"\tMajor (requiring I/O) page faults: %F\n"
	"\tMinor (reclaiming a frame) page faults: %R\n"
	"\tVoluntary context switches: %w\n"
	"\tInvoluntary context switches: %c\n"
	"\tSwaps: %W\n"
	"\tFile system inputs: %I\n"
	"\tFile system outputs: %O\n"
	"\tSocket messages sent: %s\n"
	"\tSocket messages received: %r\n"
	"\tSignals delivered: %k\n"
	"\tPage size (bytes): %Z\n"
	"\tExit status: %x";

enum { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct longopt {
	const char *name;
	int has_arg;
	int val;
	bool gnu; /* GNU time's own: wins an abbreviation it shares with a ptime option */
};

static const struct longopt longopts[] = {
	{ "append", ARG_NONE, 'a', true },
	{ "format", ARG_REQUIRED, 'f', true },
	{ "help", ARG_NONE, 'h', true },
	{ "output-file", ARG_REQUIRED, 'o', true },
	{ "portability", ARG_NONE, 'p', true },
	{ "quiet", ARG_NONE, 'q', true },
	{ "verbose", ARG_NONE, 'v', true },
	{ "version", ARG_NONE, 'V', true },
	{ "json", ARG_NONE, 'j', false },
	{ "events", ARG_REQUIRED, 'e', false },
	{ "sample", ARG_OPTIONAL, 'S', false },
	{ "call-graph", ARG_NONE, 'G', false },
	{ "inline", ARG_REQUIRED, 'I', false },
	{ "annotate", ARG_OPTIONAL, 'A', false },
	{ "callgrind", ARG_REQUIRED, 'C', false },
	{ "folded", ARG_REQUIRED, 'F', false },
	{ "names", ARG_REQUIRED, 'N', false },
};

static const char shortopts[] = "af:o:pqvVhje:";

/* Print one error line and the Try line, and exit 125: the command is not run. */
void options_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("ptime: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ptime --help' for more information.\n", stderr);
	exit(EXIT_CANCELED);
}

static void options_help(void)
{
	fputs("Usage: ptime [OPTIONS] COMMAND [ARG]...\n"
	      "Run COMMAND, then report what it cost: time, memory, faults, I/O, counters.\n"
	      "\n"
	      "GNU time options:\n"
	      "  -a, --append              with -o FILE, append instead of overwriting\n"
	      "  -f, --format=FORMAT       use the GNU time FORMAT instead of the classic report\n"
	      "  -o, --output-file=FILE    write the report to FILE instead of standard error\n"
	      "  -p, --portability         print the POSIX format: real %e, user %U, sys %S\n"
	      "  -q, --quiet               do not report abnormal termination of the command\n"
	      "  -v, --verbose             print GNU time's 23 lines of resource usage\n"
	      "  -h, --help                display this help and exit\n"
	      "  -V, --version             output version information and exit\n"
	      "\n"
	      "ptime options:\n"
	      "  -j, --json                write one JSON object (docs/json.md) instead of text\n"
	      "  -e, --events=LIST         count these perf events (comma-separated perf names,\n"
	      "                            rNNNN, :u/:k); 'none' counts nothing; 'list' shows\n"
	      "                            which this machine can count\n"
	      "\n"
	      "Sampling: where the time went, by source line and function:\n"
	      "      --sample[=HZ]         sample the command, its threads and children (999 Hz)\n"
	      "      --call-graph          record call chains (frame pointers) for inclusive costs\n"
	      "      --annotate[=N|full]   print hot source lines with N lines of context (3),\n"
	      "                            or whole files\n"
	      "      --callgrind=FILE      write the profile for KCachegrind and callgrind_annotate\n"
	      "      --folded=FILE         write folded stacks for flame graphs\n"
	      "      --inline=code|caller  charge inlined code to its own line (code, the default)\n"
	      "                            or to its call site in the enclosing function\n"
	      "      --names=short|full|bare  function names in the text report: template\n"
	      "                            arguments shown as <> (short, the default), in full,\n"
	      "                            or also without parameter lists, as perf shows them\n"
	      "\n"
	      "FORMAT takes every GNU time specifier (%e %U %S %E %P %M %x %C %Tt ...),\n"
	      "the escapes \\n \\t \\\\, and %{NAME} for any metric by its JSON name,\n"
	      "such as %{real_ns}, %{max_rss_bytes}, %{read_bytes}, %{instructions}, %{ipc}.\n"
	      "The TIME variable gives a FORMAT when no option does.\n"
	      "\n"
	      "Exit status: the command's; 128+N if it was killed by signal N;\n"
	      "126 if it was found but could not run; 127 if it was not found;\n"
	      "125 if ptime itself failed before running it.\n"
	      "\n"
	      "Full documentation: man ptime\n",
	      stdout);
	exit(0);
}

static void options_version(void)
{
	printf("ptime %s\n", PACKAGE_VERSION);
	puts("License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
	     "This is free software: you are free to change and redistribute it.\n"
	     "There is NO WARRANTY, to the extent permitted by law.");
#ifdef HAVE_LIBDW
	puts("Samples are resolved to functions and lines with elfutils libdw.");
#else
	puts("Built without libdw: samples are named by file and offset only.");
#endif
	exit(0);
}

/* GNU abbreviations keep their meaning: among several prefix matches, a lone GNU one wins. */
static const struct longopt *options_match_long(const char *name, size_t len)
{
	const struct longopt *found = NULL, *gnu = NULL;
	size_t i, nfound = 0, ngnu = 0;

	for (i = 0; i < sizeof longopts / sizeof longopts[0]; i++) {
		const struct longopt *l = &longopts[i];
		if (strncmp(l->name, name, len) != 0)
			continue;
		if (strlen(l->name) == len)
			return l;
		found = l;
		nfound++;
		if (l->gnu) {
			gnu = l;
			ngnu++;
		}
	}
	if (nfound == 1)
		return found;
	if (ngnu == 1)
		return gnu;
	if (nfound == 0)
		options_usage_error("unrecognized option '--%.*s'", (int)len, name);
	options_usage_error("option '--%.*s' is ambiguous", (int)len, name);
}

static void options_apply(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'a': o->append = true; break;
	case 'f': o->format = arg; o->posix = false; break;
	case 'o': o->output = arg; break;
	case 'p': o->format = options_posix_format; o->posix = true; break;
	case 'q': o->quiet = true; break;
	case 'v': o->verbose = true; break;
	case 'j': o->json = true; break;
	case 'e':
		if (strcmp(arg, "list") == 0) {
			counters_list(stdout);
			exit(0);
		}
		if (o->events) /* -e may be given more than once, as in perf */
			arg = xasprintf("%s,%s", o->events, arg);
		o->events = arg;
		break;
	case 'S':
		o->sample_hz = 999;
		if (arg) {
			char *end;
			unsigned long hz = strtoul(arg, &end, 10);
			/* the kernel's own limit, perf_event_max_sample_rate, is checked when sampling starts */
			if (*end || end == arg || hz == 0 || hz > 1000000)
				options_usage_error("invalid sampling rate '%s' (1 to 1000000 Hz)", arg);
			o->sample_hz = (unsigned)hz;
		}
		break;
	case 'G': o->call_graph = true; break;
	case 'I':
		if (strcmp(arg, "caller") != 0 && strcmp(arg, "code") != 0)
			options_usage_error("invalid --inline '%s' (code or caller)", arg);
		o->inline_caller = strcmp(arg, "caller") == 0;
		break;
	case 'A':
		o->annotate = 3;
		if (arg && strcmp(arg, "full") == 0) {
			o->annotate = -2;
		} else if (arg) {
			char *end;
			long n = strtol(arg, &end, 10);
			if (*end || end == arg || n < 0 || n > 1000)
				options_usage_error("invalid --annotate '%s' (a number of context lines, or full)", arg);
			o->annotate = (int)n;
		}
		break;
	case 'C': o->callgrind = arg; break;
	case 'F': o->folded = arg; break;
	case 'N':
		if (strcmp(arg, "short") == 0)
			o->names = NAMES_SHORT;
		else if (strcmp(arg, "full") == 0)
			o->names = NAMES_FULL;
		else if (strcmp(arg, "bare") == 0)
			o->names = NAMES_BARE;
		else
			options_usage_error("invalid --names '%s' (short, full or bare)", arg);
		break;
	case 'h': options_help(); break;
	case 'V': options_version(); break;
	}
}

/* Fill o from argv and the TIME variable; exits 125 with a Try line on bad input. */
int options_parse(struct opts *o, int argc, char **argv)
{
	int i;
	char *bad = NULL;

	memset(o, 0, sizeof *o);
	o->annotate = -1;
	o->format = getenv("TIME");

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct longopt *l = options_match_long(name, len);
			const char *arg = NULL;
			if (l->has_arg == ARG_REQUIRED) {
				if (eq)
					arg = eq + 1;
				else if (i + 1 < argc)
					arg = argv[++i];
				else
					options_usage_error("option '--%s' requires an argument", l->name);
			} else if (l->has_arg == ARG_OPTIONAL) {
				arg = eq ? eq + 1 : NULL;
			} else if (eq) {
				options_usage_error("option '--%s' doesn't allow an argument", l->name);
			}
			options_apply(o, l->val, arg);
			continue;
		}
		for (a++; *a; a++) {
			const char *s = strchr(shortopts, *a);
			if (!s || *a == ':')
				options_usage_error("invalid option -- '%c'", *a);
			if (s[1] == ':') {
				const char *arg = a[1] ? a + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!arg)
					options_usage_error("option requires an argument -- '%c'", *a);
				options_apply(o, *a, arg);
				break;
			}
			options_apply(o, *a, NULL);
		}
	}
	if (i >= argc)
		options_usage_error("missing program to run");
	o->argv = argv + i;

	/* Each profile output asks for the sampler. */
	if (!o->sample_hz && (o->call_graph || o->annotate != -1 || o->callgrind || o->folded))
		o->sample_hz = 999;
	if (o->verbose) {
		o->format = options_verbose_format;
		o->posix = false;
	}
	if (o->events && strcmp(o->events, "none") != 0) {
		char *err = NULL;
		struct counters *cs = counters_create(o->events, &err);
		if (!cs)
			options_usage_error("%s", err);
		counters_free(cs);
	}
	if (o->format && !o->json && format_check(o->format, &bad) < 0) {
		const char *near = metrics_suggest(bad);
		if (near)
			options_usage_error("unknown metric '%%{%s}' in the format; did you mean '%%{%s}'?", bad, near);
		options_usage_error("unknown metric '%%{%s}' in the format", bad);
	}
	return 0;
}
