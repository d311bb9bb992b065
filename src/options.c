/* options.c: the command line and the TIME variable into struct opts; usage and errors. */
#include "config.h"

#include <errno.h>
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
	{ "call-graph", ARG_OPTIONAL, 'G', false },
	{ "inline", ARG_REQUIRED, 'I', false },
	{ "annotate", ARG_OPTIONAL, 'A', false },
	{ "callgrind", ARG_REQUIRED, 'C', false },
	{ "folded", ARG_REQUIRED, 'F', false },
	{ "debuginfod", ARG_NONE, OPT_DEBUGINFOD, false },
	{ "output-fd", ARG_REQUIRED, 'O', false },
	{ "names", ARG_REQUIRED, OPT_NAMES, false },
	{ "runs", ARG_REQUIRED, 'r', false },
	{ "bench", ARG_NONE, 'b', false },
	{ "min-runs", ARG_REQUIRED, 'm', false },
	{ "max-runs", ARG_REQUIRED, 'M', false },
	{ "max-time", ARG_REQUIRED, OPT_MAX_TIME, false },
	{ "precision", ARG_REQUIRED, OPT_PRECISION, false },
	{ "command", ARG_REQUIRED, 'c', false },
	{ "command-name", ARG_REQUIRED, 'n', false },
	{ "shell", ARG_REQUIRED, OPT_SHELL, false },
	{ "warmup", ARG_REQUIRED, 'w', false },
	{ "prepare", ARG_REQUIRED, OPT_PREPARE, false },
	{ "conclude", ARG_REQUIRED, OPT_CONCLUDE, false },
	{ "setup", ARG_REQUIRED, OPT_SETUP, false },
	{ "cleanup", ARG_REQUIRED, OPT_CLEANUP, false },
	{ "parameter-scan", ARG_REQUIRED, 'P', false },
	{ "parameter-step-size", ARG_REQUIRED, 'D', false },
	{ "parameter-list", ARG_REQUIRED, 'L', false },
	{ "ignore-failure", ARG_NONE, 'i', false },
	{ "metric", ARG_REQUIRED, OPT_METRIC, false },
	{ "order", ARG_REQUIRED, OPT_ORDER, false },
	{ "cpus", ARG_REQUIRED, OPT_CPUS, false },
	{ "reference", ARG_REQUIRED, OPT_REFERENCE, false },
	{ "noise", ARG_REQUIRED, OPT_NOISE, false },
	{ "baseline", ARG_REQUIRED, OPT_BASELINE, false },
	{ "max-regression", ARG_REQUIRED, OPT_MAX_REGRESSION, false },
	{ "export-json", ARG_REQUIRED, OPT_EXPORT_JSON, false },
	{ "export-csv", ARG_REQUIRED, OPT_EXPORT_CSV, false },
	{ "export-markdown", ARG_REQUIRED, OPT_EXPORT_MARKDOWN, false },
	{ "show-output", ARG_NONE, OPT_SHOW_OUTPUT, false },
	{ "tree", ARG_NONE, OPT_TREE, false },
	{ "trace", ARG_REQUIRED, OPT_TRACE, false },
	{ "no-python", ARG_NONE, OPT_NO_PYTHON, false },
	{ "memory", ARG_NONE, OPT_MEMORY, false },
	{ "memory-rate", ARG_REQUIRED, OPT_MEMORY_RATE, false },
	{ "memory-interval", ARG_REQUIRED, OPT_MEMORY_INTERVAL, false },
	{ "folded-cost", ARG_REQUIRED, OPT_FOLDED_COST, false },
};

/* -P takes three arguments and -L two; the scanner gathers the extra ones. */
static const char shortopts[] = "af:o:pqvVhje:r:bm:M:c:n:w:P:D:L:iN";

/* Print one error line and the Try line, and exit 125: the command is not run. For main only. */
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

/* Where the parser puts its one error message: a buffer the caller owns. */
struct options_err {
	char *buf;
	size_t len;
};

/* Record the error message and return -EINVAL, so that a parse error is one `return` statement. */
__attribute__((format(printf, 2, 3)))
static int options_fail(struct options_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void options_help(FILE *fp)
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
	      "      --output-fd=FD        write the report to file descriptor FD, which the\n"
	      "                            command does not inherit\n"
	      "  -e, --events=LIST         count these perf events (comma-separated perf names,\n"
	      "                            rNNNN, :u/:k); 'none' counts nothing; 'list' shows\n"
	      "                            which this machine can count\n"
	      "\n"
	      "Sampling: where the time went, by source line and function:\n"
	      "      --sample[=HZ]         sample the command, its threads and children (999 Hz)\n"
	      "      --call-graph[=fp|dwarf[,SIZE]]\n"
	      "                            record call chains for inclusive costs: by frame\n"
	      "                            pointers (fp, the default), or by copying SIZE bytes\n"
	      "                            of stack (8192) and unwinding them by CFI (dwarf)\n"
	      "      --annotate[=N|full]   print hot source lines with N lines of context (3),\n"
	      "                            or whole files\n"
	      "      --callgrind=FILE      write the profile for KCachegrind and callgrind_annotate\n"
	      "      --folded=FILE         write folded stacks for flame graphs\n"
	      "      --inline=code|caller  charge inlined code to its own line (code, the default)\n"
	      "                            or to its call site in the enclosing function\n"
	      "      --debuginfod          ask the servers of DEBUGINFOD_URLS for missing debug\n"
	      "                            files (without it ptime makes no network request)\n"
	      "      --names=short|full|bare  function names in the text report: template\n"
	      "                            arguments shown as <> (short, the default), in full,\n"
	      "                            or also without parameter lists, as perf shows them\n"
	      "\n"
	      "The process tree of a build:\n"
	      "      --tree                every process and thread of the command: arguments,\n"
	      "                            CPU and wall time; CPU time by executable; how many\n"
	      "                            CPUs were busy; the critical path (no root needed);\n"
	      "                            the tree's peak memory where ptime may make a cgroup\n"
	      "      --trace=FILE          --tree, and a Chrome trace of its processes, threads\n"
	      "                            and on-CPU stretches, for ui.perfetto.dev\n"
	      "\n"
	      "Where the memory went:\n"
	      "      --memory              sample the allocations of every process of the command\n"
	      "                            by bytes, with their stacks: the heap's peak and what\n"
	      "                            held it, bytes allocated, leaks, temporaries, first\n"
	      "                            touches (sampled page faults), the heap and RSS over\n"
	      "                            time; --annotate, --callgrind and --folded show them\n"
	      "      --memory-rate=BYTES   one sample per BYTES allocated on average (512K; K and\n"
	      "                            M multiply by 1024); 1 records every allocation\n"
	      "      --memory-interval=MS  the timeline's step, and how often the records are\n"
	      "                            read (20)\n"
	      "      --folded-cost=COST    what --folded stacks count: samples, allocated,\n"
	      "                            allocations, peak, leaked or temporary\n"
	      "\n"
	      "Benchmark mode: many runs, statistics of every metric, comparisons:\n"
	      "  -r, --runs=N              run each command N times\n"
	      "  -b, --bench               choose the number of runs as hyperfine does (at least\n"
	      "                            10 and 3 s), within -m, -M and --max-time\n"
	      "  -m, --min-runs=N  -M, --max-runs=N  --max-time=SECONDS (per command)\n"
	      "      --precision=PCT       run until the median's 95% CI is within +-PCT\n"
	      "  -c, --command=STRING      a command to benchmark (repeatable); plain words run\n"
	      "                            without a shell, shell syntax under /bin/sh -c\n"
	      "  -n, --command-name=NAME   name the commands, in order\n"
	      "      --shell=none|PATH     never use a shell (-N), or always this one\n"
	      "  -w, --warmup=N            N unmeasured runs of each command first\n"
	      "      --prepare=CMD  --conclude=CMD   before and after every run\n"
	      "      --setup=CMD  --cleanup=CMD      once per command\n"
	      "  -P, --parameter-scan NAME MIN MAX  -D, --parameter-step-size STEP\n"
	      "  -L, --parameter-list NAME A,B,...  substitute {NAME} in commands and hooks\n"
	      "  -i, --ignore-failure      record failing runs and go on\n"
	      "      --metric=NAME         the primary metric: real (default), cpu, user, sys,\n"
	      "                            instructions, cycles, max_rss_bytes, any JSON name\n"
	      "      --order=shuffle|sequential  the order of commands in each round\n"
	      "      --cpus=LIST           pin the commands to these CPUs (0,2-3)\n"
	      "      --reference=STRING    compare against this command (default: the first)\n"
	      "      --noise=PCT           differences within +-PCT are no difference (1)\n"
	      "      --baseline=FILE       compare with a saved --export-json\n"
	      "      --max-regression=PCT  exit 3 if a command is slower than its baseline by more\n"
	      "      --export-json=FILE  --export-csv=FILE  --export-markdown=FILE\n"
	      "      --show-output         let the commands use the terminal (default: /dev/null)\n"
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
	      fp);
}

static void options_version(FILE *fp)
{
	fprintf(fp, "ptime %s\n", PACKAGE_VERSION);
	fputs("License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
	      "This is free software: you are free to change and redistribute it.\n"
	      "There is NO WARRANTY, to the extent permitted by law.\n", fp);
#ifdef HAVE_LIBDW
	fputs("Samples are resolved to functions and lines with elfutils libdw.\n", fp);
#else
	fputs("Built without libdw: samples are named by file and offset only.\n", fp);
#endif
}

/* Print what options_parse asked for instead of a run: --help, --version or -e list. */
void options_print(FILE *fp, int what)
{
	if (what == OPTIONS_HELP)
		options_help(fp);
	else if (what == OPTIONS_VERSION)
		options_version(fp);
	else if (what == OPTIONS_LIST)
		counters_list(fp);
}

/* GNU abbreviations keep their meaning: among several prefix matches, a lone GNU one wins.
   An error names the whole argument, "=VALUE" included, as GNU getopt does. */
static int options_match_long(const char *name, size_t len, const struct longopt **out, struct options_err *e)
{
	const struct longopt *found = NULL, *gnu = NULL;
	size_t i, nfound = 0, ngnu = 0;

	for (i = 0; i < sizeof longopts / sizeof longopts[0]; i++) {
		const struct longopt *l = &longopts[i];
		if (strncmp(l->name, name, len) != 0)
			continue;
		if (strlen(l->name) == len) {
			*out = l;
			return 0;
		}
		found = l;
		nfound++;
		if (l->gnu) {
			gnu = l;
			ngnu++;
		}
	}
	*out = nfound == 1 ? found : ngnu == 1 ? gnu : NULL;
	if (*out)
		return 0;
	if (nfound == 0)
		return options_fail(e, "unrecognized option '--%s'", name);
	return options_fail(e, "option '--%s' is ambiguous", name);
}

/* Apply one option: 0, OPTIONS_* to stop and print instead of running, or -EINVAL with the message in e. */
static int options_apply(struct opts *o, int c, const char *arg, char *const *extra, struct options_err *e)
{
	int rc = bench_options_apply(o, c, arg, extra, e->buf, e->len);

	if (rc <= 0)
		return rc;
	switch (c) {
	case 'a': o->append = true; break;
	case 'f': o->format = arg; o->posix = false; o->format_opt = "-f"; break;
	case 'o': o->output = arg; break;
	case 'p': o->format = options_posix_format; o->posix = true; o->format_opt = "-p"; break;
	case 'q': o->quiet = true; break;
	case 'v': o->verbose = true; o->format_opt = "-v"; break;
	case 'j': o->json = true; break;
	case 'e':
		if (strcmp(arg, "list") == 0)
			return OPTIONS_LIST;
		if (o->events) { /* -e may be given more than once, as in perf */
			char *joined = xasprintf("%s,%s", o->events, arg);
			free(o->events_joined);
			o->events_joined = joined;
			arg = joined;
		}
		o->events = arg;
		break;
	case 'S':
		o->sample_hz = 999;
		if (arg) {
			char *end;
			unsigned long hz = strtoul(arg, &end, 10);
			/* the kernel's own limit, perf_event_max_sample_rate, is checked when sampling starts */
			if (*end || end == arg || hz == 0 || hz > 1000000)
				return options_fail(e, "invalid sampling rate '%s' (1 to 1000000 Hz)", arg);
			o->sample_hz = (unsigned)hz;
		}
		break;
	case 'G':
		o->call_graph = 1; /* perf record -g: frame pointers */
		o->call_graph_named = arg != NULL;
		if (arg && strncmp(arg, "dwarf", 5) == 0 && (arg[5] == '\0' || arg[5] == ',')) {
			char why[256];
			if (!unwind_available(why, sizeof why))
				return options_fail(e, "%s", why);
			o->call_graph = 2;
			o->call_graph_stack = 0;
			if (arg[5] == ',') {
				char *end;
				unsigned long size = strtoul(arg + 6, &end, 10);
				size = (size + 7) & ~7UL; /* as perf: a whole number of words */
				if (*end || end == arg + 6 || size == 0 || size > UNWIND_STACK_MAX)
					return options_fail(e, "invalid stack size in --call-graph '%s' (1 to %d bytes)", arg,
							    UNWIND_STACK_MAX);
				o->call_graph_stack = (unsigned)size;
			}
		} else if (arg && strcmp(arg, "fp") != 0) {
			return options_fail(e, "invalid --call-graph '%s' (fp, or dwarf[,SIZE])", arg);
		}
		break;
	case 'I':
		if (strcmp(arg, "caller") != 0 && strcmp(arg, "code") != 0)
			return options_fail(e, "invalid --inline '%s' (code or caller)", arg);
		o->inline_caller = strcmp(arg, "caller") == 0;
		o->inline_opt = true;
		break;
	case 'A':
		o->annotate = 3;
		if (arg && strcmp(arg, "full") == 0) {
			o->annotate = -2;
		} else if (arg) {
			char *end;
			long n = strtol(arg, &end, 10);
			if (*end || end == arg || n < 0 || n > 1000)
				return options_fail(e, "invalid --annotate '%s' (a number of context lines, or full)", arg);
			o->annotate = (int)n;
		}
		break;
	case 'C': o->callgrind = arg; break;
	case 'F': o->folded = arg; break;
	case OPT_DEBUGINFOD: o->debuginfod = true; break;
	case 'O': {
		char *end;
		long fd = strtol(arg, &end, 10);
		if (*end || end == arg || fd < 0 || fd > 1 << 20)
			return options_fail(e, "invalid --output-fd '%s' (a file descriptor number)", arg);
		o->output_fd = (int)fd;
		break;
	}
	case OPT_NAMES:
		if (strcmp(arg, "short") == 0)
			o->names = NAMES_SHORT;
		else if (strcmp(arg, "full") == 0)
			o->names = NAMES_FULL;
		else if (strcmp(arg, "bare") == 0)
			o->names = NAMES_BARE;
		else
			return options_fail(e, "invalid --names '%s' (short, full or bare)", arg);
		o->names_opt = true;
		break;
	case OPT_TREE: o->tree = true; break;
	case OPT_MEMORY: o->memory = true; break;
	case OPT_MEMORY_RATE: {
		char *end;
		unsigned long long v;
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (end != arg && (*end == 'k' || *end == 'K') && end[1] == '\0')
			v *= 1024, end++;
		else if (end != arg && *end == 'M' && end[1] == '\0')
			v *= 1024 * 1024, end++;
		if (errno || *end || end == arg || arg[0] == '-' || v == 0 || v > (1ULL << 40))
			return options_fail(e, "invalid --memory-rate '%s' (bytes between samples, 1 to 1T; K and M "
					    "multiply by 1024)", arg);
		o->memory_rate = v;
		o->memory = true;
		break;
	}
	case OPT_MEMORY_INTERVAL: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (*end || end == arg || arg[0] == '-' || v == 0 || v > 60000)
			return options_fail(e, "invalid --memory-interval '%s' (1 to 60000 milliseconds)", arg);
		o->memory_interval_ms = (unsigned)v;
		o->memory = true;
		break;
	}
	case OPT_FOLDED_COST: {
		static const char *const names[] = { "allocated", "allocations", "peak", "leaked", "temporary", NULL };
		int k;
		for (k = 0; names[k] && strcmp(names[k], arg) != 0; k++)
			;
		if (!names[k] && strcmp(arg, "samples") != 0)
			return options_fail(e, "invalid --folded-cost '%s' (samples, allocated, allocations, peak, "
					    "leaked or temporary)", arg);
		o->folded_cost = names[k] ? k : -1;
		o->folded_cost_named = true;
		break;
	}
	case OPT_NO_PYTHON: o->no_python = true; break;
	case OPT_TRACE: o->trace = arg; o->tree = true; break;
	case 'h': return OPTIONS_HELP;
	case 'V': return OPTIONS_VERSION;
	}
	return 0;
}

/* -P NAME MIN MAX and -L NAME LIST take more than one argument: the ones after the first. */
static int options_extra(int c, int argc, char **argv, int *i, char *const **extra, struct options_err *e)
{
	int need = c == 'P' ? 2 : c == 'L' ? 1 : 0;

	*extra = NULL;
	if (!need)
		return 0;
	if (*i + need >= argc)
		return options_fail(e, c == 'P' ? "-P (--parameter-scan) takes NAME MIN MAX"
					       : "-L (--parameter-list) takes NAME VALUES");
	*extra = argv + *i + 1;
	*i += need;
	return 0;
}

/* The options up to the command, in order; 0, OPTIONS_* or -EINVAL as options_apply. */
static int options_scan(struct opts *o, int argc, char **argv, struct options_err *e)
{
	char *const *extra = NULL;
	int i, rc;

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
			const struct longopt *l;
			const char *arg = NULL;
			if ((rc = options_match_long(name, len, &l, e)) < 0)
				return rc;
			if (l->has_arg == ARG_REQUIRED) {
				if (eq)
					arg = eq + 1;
				else if (i + 1 < argc)
					arg = argv[++i];
				else
					return options_fail(e, "option '--%s' requires an argument", l->name);
			} else if (l->has_arg == ARG_OPTIONAL) {
				arg = eq ? eq + 1 : NULL;
			} else if (eq) {
				return options_fail(e, "option '--%s' doesn't allow an argument", l->name);
			}
			if ((rc = options_extra(l->val, argc, argv, &i, &extra, e)) < 0 ||
			    (rc = options_apply(o, l->val, arg, extra, e)) != 0)
				return rc;
			continue;
		}
		for (a++; *a; a++) {
			const char *s = strchr(shortopts, *a);
			if (!s || *a == ':')
				return options_fail(e, "invalid option -- '%c'", *a);
			if (s[1] == ':') {
				const char *arg = a[1] ? a + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!arg)
					return options_fail(e, "option requires an argument -- '%c'", *a);
				if ((rc = options_extra(*a, argc, argv, &i, &extra, e)) < 0 ||
				    (rc = options_apply(o, *a, arg, extra, e)) != 0)
					return rc;
				break;
			}
			if ((rc = options_apply(o, *a, NULL, NULL, e)) != 0)
				return rc;
		}
	}
	if (i >= argc) {
		if (o->bench && o->bench->ncommands) /* -c gave the commands */
			return 0;
		return options_fail(e, "missing program to run");
	}
	o->argv = argv + i;
	return 0;
}

/* Fill o from argv and the TIME variable. Returns 0 to run the command; OPTIONS_HELP, OPTIONS_VERSION
   or OPTIONS_LIST for options_print; or -EINVAL with one line (no "ptime: ") in err. Never prints or exits;
   options_free frees what o holds, whatever the result. */
int options_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	struct options_err e = { err, errlen };
	char *bad = NULL;
	int rc;

	memset(o, 0, sizeof *o);
	o->annotate = -1;
	o->output_fd = -1;
	o->folded_cost = -1;
	o->format = getenv("TIME");
	if (errlen)
		err[0] = '\0';

	if ((rc = options_scan(o, argc, argv, &e)) != 0)
		return rc;
	if (o->folded_cost_named && o->folded_cost >= 0 && !o->memory)
		return options_fail(&e, "--folded-cost=%s needs --memory: it weighs stacks by what they allocated",
				    o->folded_cost == MEM_ALLOCATED ? "allocated" : o->folded_cost == MEM_ALLOCATIONS ? "allocations" :
				    o->folded_cost == MEM_PEAK ? "peak" : o->folded_cost == MEM_LEAKED ? "leaked" : "temporary");
	if (o->folded_cost_named && !o->folded)
		return options_fail(&e, "--folded-cost needs --folded=FILE: it says what the folded stacks count");
	if (o->memory && !o->memory_rate)
		o->memory_rate = 512 * 1024;
	if (o->memory && !o->memory_interval_ms)
		o->memory_interval_ms = 20;
	/* --memory alone writes the memory profile to --folded and --callgrind; with --sample too, --folded
	   counts what --folded-cost says (samples unless told), and --callgrind has both. */
	if (o->memory && !o->folded_cost_named)
		o->folded_cost = o->sample_hz ? -1 : MEM_ALLOCATED;
	/* Each profile output asks for the sampler, unless --memory's profile is the one it writes. */
	if (!o->sample_hz && (o->call_graph || o->annotate != -1 || o->callgrind || o->folded || o->inline_opt) &&
	    !(o->memory && !(o->folded && o->folded_cost < 0)))
		o->sample_hz = 999;
	if ((rc = bench_options_check(o, err, errlen)) < 0)
		return rc;
	/* No option is dropped without a word: what cannot be combined is refused. */
	if (o->json && o->format_opt)
		return options_fail(&e, "--json and %s cannot be combined: the JSON report holds every figure", o->format_opt);
	if (o->json && o->annotate != -1)
		return options_fail(&e, "--json and --annotate cannot be combined: profile.lines holds the hot lines, "
				    "and --callgrind=FILE writes them for callgrind_annotate");
	if (o->no_python && !o->sample_hz)
		return options_fail(&e, "--no-python needs --sample: it keeps a profile of CPython to its C code");
	if (o->verbose) {
		o->format = options_verbose_format;
		o->posix = false;
	}
	if (o->events && strcmp(o->events, "none") != 0) {
		char *why = NULL;
		struct counters *cs = counters_create(o->events, &why);
		if (!cs) {
			rc = options_fail(&e, "%s", why);
			free(why);
			return rc;
		}
		counters_free(cs);
	}
	if (o->format && !o->json && format_check(o->format, &bad) < 0) {
		const char *near = metrics_suggest(bad);
		if (near)
			return options_fail(&e, "unknown metric '%%{%s}' in the format; did you mean '%%{%s}'?", bad, near);
		return options_fail(&e, "unknown metric '%%{%s}' in the format", bad);
	}
	return 0;
}

/* Free what options_parse allocated in o. */
void options_free(struct opts *o)
{
	free(o->events_joined);
	o->events_joined = NULL;
	bench_options_free(o);
}
