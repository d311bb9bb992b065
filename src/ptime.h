/* ptime.h: the one internal header: shared structs, then a prototype section per file. */
#ifndef PTIME_H
#define PTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

/* Exit statuses of ptime itself, as GNU time and env(1) use them. */
#define EXIT_CANCELED 125      /* ptime failed before the command ran */
#define EXIT_CANNOT_INVOKE 126 /* found but not runnable */
#define EXIT_ENOENT 127        /* not found */

#define NS_PER_SEC 1000000000LL

/* What the command line asked for. */
struct opts {
	const char *format;      /* -f, -p, -v or TIME; NULL: the classic report */
	bool posix;              /* -p is in force: no status line */
	bool verbose;            /* -v: the 23 GNU lines */
	bool append;             /* -a */
	bool quiet;              /* -q: no status line */
	bool json;               /* -j, --json */
	const char *output;      /* -o FILE, or NULL for stderr */
	char **argv;             /* the command and its arguments */
	const char *events;      /* -e LIST, or NULL for the default set */
	unsigned sample_hz;      /* --sample[=HZ]; 0: no sampling */
	bool call_graph;         /* --call-graph */
	bool inline_caller;      /* --inline=caller */
	int annotate;            /* --annotate[=N|full]: -1 off, -2 whole files, else context lines */
	const char *callgrind;   /* --callgrind=FILE */
	const char *folded;      /* --folded=FILE */
	int names;               /* --names: NAMES_SHORT (default), NAMES_FULL, NAMES_BARE */
};

/* How the text reports print function names (JSON, callgrind and folded always print them in full). */
enum { NAMES_SHORT, NAMES_FULL, NAMES_BARE };

/* A perf event as named on the command line. */
struct event {
	char name[96];           /* canonical: "cycles", "LLC-load-misses", "r1a8" */
	uint32_t type;
	uint64_t config;
	bool user, kernel;       /* :u, :k */
};

/* One counter of the run: what was asked, and what was read, scaled, or why not. */
struct counter {
	struct event ev;
	bool optional;           /* left out of the report when this CPU lacks it */
	int fd;
	bool user_only;          /* kernel counting was excluded, by :u or by fallback */
	bool counted;            /* value holds a measurement */
	bool from_rusage;        /* value came from rusage, not perf */
	uint64_t raw, enabled_ns, running_ns;
	double value;            /* raw scaled by enabled/running */
	bool scaled;
	char why[160];           /* when not counted */
};

/* The counters of a run. */
struct counters {
	struct counter *c;
	size_t n;
	int paranoid;
	bool fallback;           /* some counter fell back to user space only */
};

/* A growable byte buffer. */
struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* A perf mmap ring. */
struct ring {
	void *base;
	unsigned char *data;
	size_t data_size, map_size;
	int fd;
};

#define PROFILE_MAX_FRAMES 128

/* One frame of a sample: an offset in a file (or an address, for JIT code). */
struct frame {
	int dso;
	uint64_t addr;
	bool is_return;
};

/* Where an address is: function, source file and line (NULL/0 where unknown); interned strings. */
struct loc {
	const char *func, *file, *dso;
	int line;
};

struct prof_line { const char *file; int line; size_t func; uint64_t self, incl; };
struct prof_func { const char *name, *dso, *file; int line; uint64_t self, incl; };
struct prof_call { size_t caller, callee; const char *file; int line; uint64_t count; };
struct prof_stack { const char *stack; uint64_t count; };
struct prof_task { int pid, tid; const char *comm; uint64_t samples; };

/* What the sampler found: samples by line, function, call, stack and task. */
struct profile {
	char event[32];          /* "cycles:u" or "cpu-clock:u" */
	unsigned hz;
	uint64_t period;         /* cycles per sample when sampling cycles at a fixed period, else 0 */
	bool call_graph, inline_caller;
	int names;               /* NAMES_SHORT, NAMES_FULL or NAMES_BARE, for the text reports */
	char why[256];           /* when sampling could not start */
	uint64_t samples, lost, throttled, no_line;
	struct strtab *strs;
	struct symbols *syms;
	struct profile_maps *maps;
	struct loc *locs;
	size_t nlocs, caplocs;
	struct prof_line *lines;
	size_t nlines, caplines;
	struct prof_func *funcs;
	size_t nfuncs, capfuncs;
	struct prof_call *calls;
	size_t ncalls, capcalls;
	struct prof_stack *stacks;
	size_t nstacks, capstacks;
	struct prof_task *tasks;
	size_t ntasks, captasks;
};

/* The counters /proc/PID/io keeps, in bytes and calls. */
struct proc_io {
	uint64_t rchar, wchar, syscr, syscw;
	uint64_t read_bytes, write_bytes, cancelled_write_bytes;
};

/* The machine the command ran on. */
struct host {
	char hostname[256];
	char kernel[128];
	char machine[80];
	char cpu_model[128];
	long cpus_online;
	int perf_event_paranoid; /* INT_MIN when unreadable */
};

/* Everything measured about one run, in SI units, with the reason for anything missing. */
struct result {
	char *const *argv;       /* the command as run */
	long page_size;
	int wait_status;         /* as wait4 gave it; valid when ran */
	bool ran;                /* the child was forked and waited for */
	int exit_status;         /* what ptime exits with */
	struct timespec start_wall, end_wall; /* CLOCK_REALTIME at release and at exit */
	int64_t real_ns;         /* CLOCK_MONOTONIC from release of the cork to the wait */
	struct rusage ru;        /* of the command and its waited-for descendants */
	struct proc_io io;
	int io_error;            /* 0, or the errno that kept /proc/PID/io from being read */
	struct host host;
	bool have_host;
	struct counters *counters; /* NULL when counting was off */
	struct profile *profile;   /* NULL without --sample */
};

/* A metric's value: an integer or a real, or missing with a reason. */
struct mval {
	enum { MVAL_NONE, MVAL_INT, MVAL_REAL } kind;
	int64_t i;
	double d;
	const char *why;         /* when MVAL_NONE */
};

/* One named metric: its name is its JSON key and its %{name} in -f. */
struct metric {
	const char *name;
	const char *section;     /* the JSON object that holds it */
	const char *unit;        /* "ns", "bytes", "count", "percent" */
	int id;
	const char *help;
};

/* --- util/xmalloc.c --- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- options.c --- */
int options_parse(struct opts *o, int argc, char **argv);
void options_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
extern const char options_posix_format[];
extern const char options_default_format[];
extern const char options_verbose_format[];

/* --- util/dlib.c --- */
bool dlib_load(const char *soname, const char *const *names, void **slots, size_t n, char *why, size_t len);

/* A table of functions of an optional library, filled by dlib_load: DLIB_TABLE(name, LIST) with
   LIST(X) calling X(function) for each, then name.function(...) after name_load(). */
#define DLIB_MEMBER(f) __typeof__(f) *f;
#define DLIB_NAME(f) #f,
#define DLIB_TABLE(tab, LIST)                                                                        \
	static struct { LIST(DLIB_MEMBER) } tab;                                                        \
	static const char *const tab##_names[] = { LIST(DLIB_NAME) };                                   \
	static bool tab##_tried, tab##_ok;                                                              \
	static char tab##_why[256];                                                                     \
	static bool tab##_load(const char *soname)                                                      \
	{                                                                                               \
		if (!tab##_tried)                                                                       \
			tab##_ok = dlib_load(soname, tab##_names, (void **)&tab,                        \
					     sizeof tab##_names / sizeof tab##_names[0], tab##_why,      \
					     sizeof tab##_why);                                          \
		tab##_tried = true;                                                                     \
		return tab##_ok;                                                                        \
	}

/* --- run/caps.c --- */
void caps_init(void);
bool caps_raise_perfmon(void);
void caps_lower(void);
void caps_drop_for_exec(void);
const char *caps_held(void);
bool caps_used(void);

/* --- run/spawn.c --- */
struct spawn {
	pid_t pid;
	int cork;                /* write end: one byte releases the child */
	struct timespec start_mono;
};
int spawn_fork(struct spawn *sp, char *const argv[]);
void spawn_release(struct spawn *sp, struct result *r);
void spawn_abort(struct spawn *sp);
int spawn_wait_exit(struct spawn *sp, struct result *r);
void spawn_reap(struct spawn *sp, struct result *r);
int spawn_exit_status(int wait_status);

/* --- run/measure.c --- */
int measure_run(const struct opts *o, struct result *r);

/* --- probe/events.c --- */
int events_parse(const char *token, struct event *ev, char **err);
const char *events_suggest(const char *name);
bool events_known(const char *name);
size_t events_list(const char ***names);

/* --- probe/counters.c --- */
struct counters *counters_create(const char *list, char **err);
char *counters_for_format(const char *fmt);
int counters_open(struct counters *cs, pid_t pid);
void counters_read(struct counters *cs, const struct rusage *ru);
void counters_free(struct counters *cs);
void counters_list(FILE *fp);
bool counters_scale(uint64_t raw, uint64_t enabled, uint64_t running, double *value, bool *scaled);
const struct counter *counters_find(const struct counters *cs, const char *name);
struct mval counters_metric(const struct result *r, const char *name);
bool counters_metric_known(const char *name);
const char *counters_suggest(const char *name);
extern const char *const counters_derived_names[];

/* --- report/stat.c --- */
void report_counters(FILE *fp, const struct result *r);

/* --- probe/ring.c --- */
int ring_open(struct ring *rg, int fd, unsigned order);
size_t ring_drain(struct ring *rg, struct bytes *out);
void ring_close(struct ring *rg);
void bytes_reserve(struct bytes *b, size_t n);

/* --- probe/sampler.c --- */
struct sampler;
struct sampler *sampler_open(pid_t pid, unsigned hz, bool call_graph, struct profile *prof);
struct pollfd;
size_t sampler_pollfds(void *s, struct pollfd *out, size_t max);
void sampler_drain(void *s);
void sampler_finish(struct sampler *s);
void sampler_free(struct sampler *s);

/* --- util/strtab.c --- */
struct strtab *strtab_new(void);
const char *strtab_intern(struct strtab *t, const char *s);
void strtab_free(struct strtab *t);

/* --- profile/symbols.c (profile/symbols-none.c without libdw) --- */
struct symbols *symbols_new(bool inline_caller, struct strtab *strs);
int symbols_dso(struct symbols *s, const char *path, int pid);
int symbols_jit_dso(struct symbols *s, int pid);
bool symbols_absolute(const struct symbols *s, int dso);
void symbols_resolve(struct symbols *s, int dso, uint64_t off, struct loc *out);
size_t symbols_warnings(const struct symbols *s, char *const **w);
void symbols_free(struct symbols *s);

/* --- profile/demangle.c --- */
#define DEMANGLE_SHORT_BARE 1    /* demangle_shorten: drop the parameter list too */
char *demangle_name(const char *mangled);
char *demangle_shorten(const char *name, int how);

/* --- profile/kallsyms.c --- */
struct kallsyms;
struct kallsyms *kallsyms_load_file(const char *path, char *why, size_t len);
struct kallsyms *kallsyms_load(char *why, size_t len);
const char *kallsyms_name(const struct kallsyms *k, uint64_t addr, uint64_t *offset);
const char *kallsyms_dso(const struct kallsyms *k, uint64_t addr);
void kallsyms_free(struct kallsyms *k);
bool kallsyms_may_sample(char *why, size_t len);
void kallsyms_unsampled(char *buf, size_t len, const struct rusage *ru, const char *why);

/* --- profile/profile.c --- */
struct profile *profile_new(bool inline_caller);
void profile_add(struct profile *p, int pid, int tid, const char *comm, const struct frame *frames, size_t n);
size_t *profile_sorted_funcs(const struct profile *p);
size_t *profile_sorted_lines(const struct profile *p);
void profile_free(struct profile *p);

/* --- report/top.c --- */
void report_profile(FILE *fp, const struct result *r);
const char *report_path(const char *path);

/* --- report/annotate.c --- */
void report_annotate(FILE *fp, const struct profile *p, int context);

/* --- report/callgrind.c --- */
int report_callgrind(FILE *fp, const struct result *r);

/* --- report/folded.c --- */
int report_folded(FILE *fp, const struct profile *p);

/* --- run/procfs.c --- */
int procfs_open_io(pid_t pid);
int procfs_read_io(int fd, struct proc_io *io);
int procfs_parse_io(const char *text, struct proc_io *io);
void procfs_read_host(struct host *h);
int procfs_paranoid(void);

/* --- report/metrics.c --- */
const struct metric *metrics_find(const char *name);
const struct metric *metrics_all(size_t *n);
struct mval metrics_value(const struct result *r, const struct metric *m);
struct mval metrics_by_name(const struct result *r, const char *name);
bool metrics_known(const char *name);
const char *metrics_suggest(const char *name);
size_t metrics_edit_distance(const char *a, const char *b);

/* --- report/format.c --- */
void format_status_line(FILE *fp, const struct result *r);
void format_print(FILE *fp, const char *fmt, const struct result *r);
int format_check(const char *fmt, char **bad);
bool format_needs(const char *fmt, const char *sec);
void format_report(FILE *fp, const struct opts *o, const struct result *r);
void format_human_bytes(char *buf, size_t len, uint64_t bytes);
void format_group_digits(char *buf, size_t len, uint64_t v);

/* --- report/classic.c --- */
void report_classic(FILE *fp, const struct opts *o, const struct result *r);

/* --- report/json.c --- */
int report_json(FILE *fp, const struct opts *o, const struct result *r);
const char *report_json_load(void);

#endif
