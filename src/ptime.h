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

#include "inject/pylayout.h"

/* Exit statuses of ptime itself, as GNU time and env(1) use them. */
#define EXIT_CANCELED 125      /* ptime failed before the command ran */
#define EXIT_CANNOT_INVOKE 126 /* found but not runnable */
#define EXIT_ENOENT 127        /* not found */

#define NS_PER_SEC 1000000000LL

/* What the command line asked for. */
struct opts {
	const char *format;      /* -f, -p, -v or TIME; NULL: the classic report */
	const char *format_opt;  /* "-f", "-p" or "-v" when an option (not TIME) chose the format */
	bool inline_opt;         /* --inline was given */
	bool posix;              /* -p is in force: no status line */
	bool verbose;            /* -v: the 23 GNU lines */
	bool append;             /* -a */
	bool quiet;              /* -q: no status line */
	bool json;               /* -j, --json */
	const char *output;      /* -o FILE, or NULL for stderr */
	int output_fd;           /* --output-fd=FD, or -1 */
	char **argv;             /* the command and its arguments */
	const char *events;      /* -e LIST, or NULL for the default set */
	char *events_joined;     /* several -e joined by commas: what events points to, owned */
	unsigned sample_hz;      /* --sample[=HZ]; 0: no sampling */
	int call_graph;          /* --call-graph: 0 off, 1 frame pointers (fp), 2 DWARF CFI (dwarf) */
	unsigned call_graph_stack; /* --call-graph=dwarf,SIZE: stack bytes per sample; 0: UNWIND_STACK_DEFAULT */
	bool inline_caller;      /* --inline=caller */
	int annotate;            /* --annotate[=N|full]: -1 off, -2 whole files, else context lines */
	const char *callgrind;   /* --callgrind=FILE */
	const char *folded;      /* --folded=FILE */
	bool debuginfod;         /* --debuginfod: debug files may be asked of DEBUGINFOD_URLS */
	int names;               /* --names: NAMES_SHORT (default), NAMES_FULL, NAMES_BARE */
	bool names_opt;          /* --names was given */
	struct bench_opts *bench; /* benchmark mode (-r, -b, --precision, -c): what it asked; NULL otherwise */
	bool no_python;          /* --no-python: CPython processes are profiled as C code only */
	bool tree;               /* --tree: every process and thread, parallelism, critical path */
	const char *trace;       /* --trace=FILE: the tree as a Chrome trace (implies tree) */
	bool call_graph_named;   /* --call-graph=fp or dwarf was spelled out */
	bool memory;             /* --memory: sampled allocations by stack, the heap and RSS over time */
	uint64_t memory_rate;    /* --memory-rate=BYTES: the mean bytes between samples (1: every allocation) */
	unsigned memory_interval_ms; /* --memory-interval=MS: the timeline's step */
	int folded_cost;         /* --folded-cost: -1 samples, else the memory cost --folded weighs stacks by */
	bool folded_cost_named;  /* --folded-cost was given */
};

/* Grow array arr of n elements (capacity cap) to hold one more. */
#define GROW_ARRAY(arr, n, cap) do { if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 16; \
	(arr) = xrealloc((arr), (cap) * sizeof *(arr)); } } while (0)

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

#define PROFILE_MAX_FRAMES 128  /* frames of one sample, as the kernel or the unwinder gave them */
/* What a raw stack costs besides its samples: the memory columns of --memory. */
enum { PROFILE_COST_SAMPLES = -1, MEM_ALLOCATED = 0, MEM_ALLOCATIONS, MEM_PEAK, MEM_LEAKED, MEM_TEMPORARY,
       PROFILE_COSTS };
#define PROFILE_MAX_DEPTH 512   /* frames of one stack once inlined calls are frames of their own */

/* One frame of a sample: an offset in a file (or an address, for JIT code). */
struct frame {
	int dso;
	uint64_t addr;
};

/* One frame at an address: function, source file and line, and where the function is declared
   (NULL/0 where unknown); interned strings. */
struct loc {
	const char *func, *file, *dso, *decl_file;
	int line, decl_line;
	bool kernel;             /* the kernel's code: named from kallsyms, never with a line */
};

/* A function: its name, the file it is in, and where it is declared (its DWARF declaration). */
struct prof_func { const char *name, *dso, *file; int line; uint64_t self, incl; };
/* A line of a function, keyed by function, file and line: a header line inlined into two
   functions is two lines. */
struct prof_line { const char *file; int line; size_t func; uint64_t self, incl; };
/* A call from a line of the caller: count is the inclusive cost it carries (see profile.c). */
struct prof_call { size_t caller, callee; const char *file; int line; uint64_t count; };
/* A call from the command itself into the outermost frame of its stacks. */
struct prof_root { const char *comm; size_t callee; uint64_t count; };
/* A source file: samples with their leaf in it (self), and with any frame in it (incl). */
struct prof_file { const char *file; uint64_t self, incl; };
/* A folded stack: "comm;outer;...;inner" with its samples. */
struct prof_stack { const char *stack; uint64_t count; };
struct prof_task { int pid, tid; const char *comm; uint64_t samples; };
/* A CPython process the sampler met: its frames were read (why NULL), or not, and why. */
struct prof_python {
	int pid;
	const char *comm;
	unsigned version;
	const char *why;         /* not read at all: why */
	const char *stopped;     /* read, until its reads were refused: why (its later samples have no read) */
	uint64_t samples;
};

/* What the sampler found. While the command runs, samples are counted into unique raw stacks
   (a task and its frames' addresses), so memory grows with the distinct stacks, not with time;
   profile_finish resolves them into the one model, unique stacks of (function, file, line)
   frames, and every view below is computed from those: their totals agree by construction. */
struct profile_share;
struct profile {
	struct profile_share *share; /* the symbols and strings it shares with other profiles of the run */
	bool unshared;           /* it no longer holds the others' DWARF: finished, or never to be */
	char event[32];          /* "cycles:u" or "cpu-clock:u" */
	unsigned hz;
	uint64_t period;         /* cycles per sample when sampling cycles at a fixed period, else 0 */
	bool call_graph, inline_caller;
	bool dwarf;              /* call chains unwound from stack copies with DWARF CFI */
	unsigned stack_bytes;    /* with dwarf: the user stack copied with each sample */
	uint64_t unwound, cut_at_stack; /* with dwarf: samples unwound; chains that ran past the copy */
	int names;               /* NAMES_SHORT, NAMES_FULL or NAMES_BARE, for the text reports */
	char why[256];           /* when sampling could not start, or the profile could not be built */
	bool abandoned;          /* resolving failed (out of memory, libdw): nothing of it may be used */
	bool kernel_sampled;     /* the kernel's code is sampled too */
	char kernel_why[160];    /* when it is not */
	int64_t cpu_ns, sys_ns;  /* the command's CPU time and its part in the kernel, from rusage */
	uint64_t samples, lost, throttled, no_line, truncated;
	uint64_t kernel_samples; /* samples whose leaf is in the kernel (no_line counts them too) */
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
	struct prof_file *files;
	size_t nfiles, capfiles;
	struct prof_root *roots;
	size_t nroots, caproots;
	struct prof_stack *stacks;
	size_t nstacks, capstacks;
	struct prof_task *tasks;
	size_t ntasks, captasks;
	size_t raw_stacks, raw_frames; /* the unique stacks held while the command ran */
	bool python;             /* CPython processes are looked for and their frames read */
	struct prof_python *pys; /* the CPython processes met, read or not */
	size_t npys, cappys;
	uint64_t py_samples;     /* samples whose stack has Python frames */
	uint64_t py_reads, py_torn; /* reads of Python threads' stacks; those that changed while read */
	uint64_t py_unmatched;   /* samples of a read Python thread with no read near their time */
	uint64_t py_interleaved; /* call-graph samples whose native frames went between their Python frames */
	bool alloc_sites;        /* a stack's leaf is past the allocator's frames (operator new, malloc) */
	bool touch_sites;        /* ... and past the C library's memset, memcpy and malloc internals */
	int cost;                /* what the views count: PROFILE_COST_SAMPLES, or a memory cost */
	uint64_t samples_charged; /* the views' total of that cost */
};

/* One process image that loaded the allocation sampler (--memory). */
struct mem_proc {
	int pid, ppid;
	unsigned image;          /* images of one pid, counted through exec */
	const char *exe;
	int64_t start_ns;        /* when its ring was made, from the start */
	double allocated_bytes, allocations, leaked_bytes, peak_heap_bytes; /* estimates from the samples */
	int64_t peak_heap_ns;
	uint64_t peak_rss_bytes; /* the most /proc/PID/statm showed on the timeline's ticks */
	bool gone;
};
/* A point of the timeline: the sampled live heap of the tree and the sum of its processes' RSS. */
struct mem_point { int64_t t_ns; double heap_bytes; uint64_t rss_bytes; };
/* What --memory found: estimates from allocations sampled by bytes, and the profile of their stacks
   (its raw stacks carry the MEM_* costs). */
struct memory {
	char why[256];           /* nothing was measured: why */
	uint64_t rate;
	bool stack_fp;           /* stacks by frame pointers, else unwound by the CFI */
	bool python_malloc;      /* ptime set PYTHONMALLOC=malloc */
	unsigned interval_ms;
	struct profile *prof;
	struct profile *faults;  /* page faults sampled with their stacks: where memory was first touched */
	uint64_t fault_period;   /* one fault in this many is sampled */
	double allocated_bytes, allocations, leaked_bytes, temporary, peak_heap_bytes;
	int64_t peak_heap_ns;
	uint64_t peak_rss_tree_bytes; /* the largest sum of the live processes' RSS on a tick */
	int64_t peak_rss_tree_ns;
	struct mem_proc *procs;
	size_t nprocs, capprocs;
	struct mem_point *points;
	size_t npoints, cappoints;
	uint64_t records, dropped, dropped_bytes, unmapped_frames, files_bad, files_skipped;
	uint64_t python_samples; /* samples with Python frames */
	char bad_why[96];
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
	char stopped[320];       /* why the kernel stops counting and sampling at the command's exec, or "" */
	struct counters *counters; /* NULL when counting was off */
	struct profile *profile;   /* NULL without --sample */
	int cpu;                 /* benchmark mode: the CPU the command ended on; -1 unknown */
	struct tree *tree;         /* NULL without --tree */
	struct memory *memory;     /* NULL without --memory */
};

/* --- the process tree (--tree): probe/tree.c fills it, probe/tree-model.c builds it --- */

/* A stretch on a CPU: ns from the release (perf times until tree_finish). */
struct tree_span {
	int64_t start_ns, end_ns;
};

/* One thread of a process: a task the side-band records named. Times are ns from the release. */
struct tree_thread {
	int tid;
	size_t proc;             /* index into tree.procs */
	size_t next;             /* the process's next thread, or SIZE_MAX */
	char comm[16];
	int64_t start_ns, end_ns; /* end_ns -1: not seen to exit */
	int64_t cpu_ns;          /* task-clock from its PERF_RECORD_READ (see cpu_source); -1 unknown */
	int64_t switch_cpu_ns;   /* on-CPU time summed from its SWITCH records */
	int64_t minflt, majflt;  /* its page faults without and with I/O, from its READs (see cpu_source); -1 unknown */
	const char *cpu_source;  /* "task-clock" (its READ), "task-clock total" (the root: the total less
				    every other task's READ), "switch records" */
	struct tree_span *spans; /* its stretches on a CPU, in time order, gaps under TREE_SPAN_GAP_NS merged */
	size_t nspans, capspans;
	bool spans_capped;       /* TREE_SPANS_MAX reached: the last span runs on to its last switch-out */
	/* while the records are replayed */
	int cpu;                 /* the CPU it is on, -1 when off */
	uint64_t on_since, last_seen; /* perf times */
	bool read_seen, exited;
};

/* One process: its identity, life, cost, and place in the tree. */
struct tree_proc {
	int pid, ppid;
	size_t parent;           /* index of the parent process, SIZE_MAX for the root or an unknown parent */
	char comm[16];           /* at its last exec (the executable's name, as the kernel keeps it) */
	char *cmdline;           /* its arguments, NUL-separated, cmdline_len bytes; NULL: see cmdline_why */
	size_t cmdline_len;
	bool cmdline_truncated;  /* longer than TREE_CMDLINE_MAX */
	bool cmdline_inherited;  /* it never exec'd: the arguments are its parent's */
	const char *cmdline_why; /* when cmdline is NULL */
	unsigned execs;
	int64_t start_ns, end_ns, exec_ns; /* end_ns -1: still running when the command exited; exec_ns -1: no exec */
	int64_t cpu_ns;          /* its threads' CPU time; -1 unknown */
	const char *cpu_source;  /* of its main thread */
	int64_t minflt, majflt;  /* its threads' page faults without and with I/O; -1 unknown (see faults_why) */
	const char *faults_why;  /* when they are unknown */
	size_t first_thread, nthreads;
	bool exit_known;         /* only for the command itself: the only process ptime waits for */
	int wait_status;
	/* while the records are replayed */
	bool cmdline_pending;    /* exec'd, its /proc/PID/cmdline not read yet */
	uint64_t start_t, end_t; /* perf times */
	size_t *children;        /* indices, ordered by end at tree_finish */
	size_t nchildren, capchildren;
};

/* The processes of one executable (by comm). */
struct tree_exe {
	char comm[16];
	size_t count;
	int64_t cpu_ns, wall_ns;
	size_t max_cpu, max_wall; /* indices of the process with the most CPU, the longest life */
};

/* One step of the critical path: a stretch of one process's life that the end waited for. */
struct tree_step {
	size_t proc;
	int64_t start_ns, end_ns;
};

#define TREE_CMDLINE_MAX 4096    /* bytes of /proc/PID/cmdline kept per process */
#define TREE_CURVE_MAX 16384     /* buckets of the busy-CPU curve before it coarsens */
#define TREE_HIST_MAX 1024       /* busy counts the histogram can hold */
#define TREE_SPAN_GAP_NS 100000  /* on-CPU stretches closer than this are kept as one (the trace's) */
#define TREE_SPANS_MAX 4096      /* on-CPU stretches kept per thread */
#define TREE_SPANS_TOTAL (1u << 20) /* and for the whole tree: 16 MiB */

/* The whole tree's memory and CPU, from a cgroup ptime made for the command (run/cgroup.c). */
struct tree_memory {
	bool measured;
	char why[1024];          /* when not: "no cgroup ptime may create: ..." */
	const char *hierarchy;   /* "cgroup2" or "cgroup v1" */
	char path[4096];         /* the cgroup's directory */
	int64_t peak_bytes;      /* memory.peak (v1: memory.max_usage_in_bytes), page cache included; -1 see peak_why */
	char peak_why[160];
	int64_t anon_bytes, file_bytes; /* memory.stat at the end (v1: total_rss, total_cache); -1 unknown */
	int64_t cpu_ns, user_ns, sys_ns; /* cpu.stat (v1: cpuacct); -1 unknown */
	bool removed;            /* the cgroup was removed after the tree exited */
	char left[8400];         /* when it was not */
};

/* What --tree found: every process and thread, the busy-CPU curve and its histogram, the critical path. */
struct tree {
	char why[256];           /* when there is no tree at all */
	char **notes;            /* what could not be seen, one sentence each; nnotes */
	size_t nnotes;
	struct tree_proc *procs;
	size_t nprocs, capprocs;
	struct tree_thread *threads;
	size_t nthreads, capthreads;
	struct tree_exe *exes;   /* by total CPU time, largest first */
	size_t nexes;
	long nproc;              /* online CPUs */
	int ncpu;                /* CPUs the events were opened on */
	bool user_only;          /* the events exclude the kernel (perf_event_paranoid) */
	bool task_counts;        /* each exiting task reported its own task-clock (inherit_stat) */
	bool task_faults;        /* and its own page faults (counters in task-clock's group) */
	const char *faults_why;  /* when not */
	int64_t real_ns;
	int64_t cpu_ns;          /* task-clock of the whole tree (the counters' total) */
	int64_t minflt, majflt;  /* the whole tree's page faults (the counters' totals), -1 unknown */
	int64_t busy_ns;         /* the integral of busy CPUs over the run, from the switch records */
	int max_busy;
	int64_t hist_ns[TREE_HIST_MAX]; /* time at 0, 1, 2, ... busy CPUs */
	int64_t tail_ns;         /* the idle tail: the last stretch with at most one busy CPU */
	int64_t *curve;          /* busy ns within each bucket of curve_res_ns from the release; ncurve */
	size_t ncurve, capcurve;
	int64_t curve_res_ns;
	bool curve_coarsened;    /* the run outgrew TREE_CURVE_MAX buckets at the first resolution */
	struct tree_step *path;
	size_t npath;
	uint64_t lost;           /* records the kernel could not write */
	uint64_t cmdlines_missed; /* processes gone before their command line was read */
	size_t nspans;           /* on-CPU stretches kept, all threads */
	size_t spans_capped;     /* threads that reached TREE_SPANS_MAX, or found TREE_SPANS_TOTAL reached */
	struct tree_memory memory;
	/* while the records are replayed */
	uint64_t origin_t;       /* perf time of the release (CLOCK_MONOTONIC) */
	uint64_t curve_t0;       /* perf time of bucket 0 */
	uint64_t last_t;         /* the last change of the busy count */
	uint64_t tail_from;      /* when the busy count last fell to 1 or less; 0 while 2 or more */
	int busy;
	int *cpu_thread;         /* per CPU: the thread on it, -1 */
	size_t *hash;            /* tid -> thread index + 1, open addressing; caphash */
	size_t caphash;
	pid_t root_pid;
	int *pend;               /* pids whose exec was seen and whose command line is still to be read */
	size_t npend, cappend;
};

/* --- benchmark mode: many runs of one or several commands (src/bench/) --- */

#define BENCH_MAX_PARAMS 8

/* A parameter of a scan: -P NAME MIN MAX [-D STEP] or -L NAME a,b,c, as the values it takes. */
struct bench_param {
	const char *name;
	char **values;           /* owned */
	size_t n;
};

enum { BENCH_SHUFFLE, BENCH_SEQUENTIAL }; /* --order */

/* What the command line asked of benchmark mode. */
struct bench_opts {
	unsigned runs;           /* -r N; 0: chosen as -b does */
	bool adaptive;           /* -b: as hyperfine: at least min_runs and at least 3 s */
	unsigned min_runs, max_runs; /* 0: not given */
	double max_time_s;       /* --max-time per command; 0: not given */
	double precision_pct;    /* --precision: CI half-width of the primary median, in percent; 0: off */
	unsigned warmup;
	const char **commands;   /* -c STRING..., in order; the positional command comes first */
	size_t ncommands;
	const char **names;      /* -n NAME..., in order */
	size_t nnames;
	const char *prepare, *conclude, *setup, *cleanup;
	const char *shell;       /* --shell: NULL to choose per string, "none", or a shell's path */
	struct bench_param params[BENCH_MAX_PARAMS];
	size_t nparams;
	bool ignore_failure;     /* -i */
	const char *metric;      /* --metric, as given; NULL: real */
	int order;               /* BENCH_SHUFFLE or BENCH_SEQUENTIAL */
	const char *cpus;        /* --cpus=LIST, checked by options_parse */
	const char *reference;   /* --reference=STRING: a command string or name; NULL: the first */
	double noise_pct;        /* --noise, default 1 */
	const char *baseline;    /* --baseline=FILE */
	double max_regression_pct; /* --max-regression; < 0: no gate */
	const char *export_json, *export_csv, *export_markdown;
	bool progress;           /* a progress line on standard error (a terminal, and not --json to it) */
	int err_fd;              /* where the progress line goes while the runs have /dev/null as standard error */
	bool show_output;        /* --show-output: the commands keep ptime's standard input and output */
	char *scans[BENCH_MAX_PARAMS][3]; /* -P NAME MIN MAX as given, expanded into params once -D is known */
	size_t nscans;
	size_t scan_pos[BENCH_MAX_PARAMS]; /* how many -L came before each -P */
	const char *step;        /* -D */
	void *cpuset;            /* --cpus as a cpu_set_t of cpuset_size bytes, owned; NULL: not pinned */
	size_t cpuset_size;
	bool counted_metric;     /* --metric names a counter: it must be countable here */
};

/* A metric benchmark mode records for every run: a name of metrics.c, "cpu_ns", a counter or a
   derived counter metric (its JSON name), and whether smaller is better (every one is, so far). */
struct bench_metric {
	const char *name;        /* "real_ns", "cpu_ns", "max_rss_bytes", "instructions", "ipc" */
	const char *unit;        /* "ns", "bytes", "count", "percent", "ratio" */
	const char *label;       /* for the text report: "real", "user", "max RSS", "instructions" */
};

/* One measured run (warmups are not kept). v holds one value per metric, NAN where not measured. */
struct bench_run {
	uint32_t cmd;            /* index into bench.cmds */
	uint32_t round;          /* 1-based round it ran in */
	uint32_t index;          /* 1-based: the command's n-th measured run */
	int32_t cpu;             /* the CPU the command ended on; -1 when unknown */
	int64_t start_ns;        /* CLOCK_REALTIME at its release, in ns since the epoch */
	int wait_status;         /* as wait4 gave it */
	int exit_status;         /* what ptime would exit with: its status, or 128+N for signal N */
	double *v;               /* nmetrics values */
};

/* The statistics of one metric over the runs of one command that measured it. */
struct bench_stats {
	size_t n;                /* values; 0: not measured (see why) */
	double mean, stddev;     /* stddev: sample (n-1), NAN when n < 2 */
	double median, min, max;
	double q1, q3;           /* quartiles, linear interpolation between order statistics (R type 7, numpy's default) */
	double mad;              /* median absolute deviation from the median, unscaled */
	double mean_ci[2];       /* 95%: Student t; NAN when n < 2 */
	double median_ci[2];     /* 95%: distribution-free, from order statistics; NAN when n < 6 (see stats.c) */
	size_t outliers;         /* modified Z-score 0.6745 |x - median| / MAD > 3.5 (Iglewicz and Hoaglin) */
	const char *why;         /* when n is 0: why the metric was not measured */
};

enum { BENCH_NO_DIFFERENCE, BENCH_FASTER, BENCH_SLOWER, BENCH_UNDECIDED }; /* a ratio's verdict */

/* One metric of a command against the reference: ratio of medians command/reference (above 1: the
   command takes more), its 95% CI, a two-sided p-value, and the verdict. */
struct bench_ratio {
	double ratio, ci[2];     /* NAN when undefined (a reference median of 0, too few runs) */
	double p_value;          /* Mann-Whitney U; NAN when undefined */
	int verdict;             /* BENCH_*: NO_DIFFERENCE when the CI holds 1 or lies inside the noise band */
};

/* A command's primary metric and the others against its reference: another command, or its baseline. */
struct bench_cmp {
	size_t cmd;              /* index into bench.cmds */
	size_t ref;              /* index into bench.cmds; SIZE_MAX: the baseline's command */
	const char *ref_command; /* the reference's command string (or the baseline's) */
	const char *baseline;    /* the --baseline file, or NULL */
	struct bench_ratio *r;   /* one per metric */
	bool regression;         /* slower than the baseline by more than --max-regression */
};

#define BENCH_TREE_EXES 10       /* --tree: executables reported by name; the rest are summed as others */

/* One executable of a command's trees over the runs (--tree): each figure's statistics over every run
   that had a tree, a run it did not appear in counting 0. */
struct bench_exe {
	char comm[16];
	size_t runs;             /* runs it appeared in */
	size_t nexes;            /* the others: how many executables they are; else 1 */
	struct bench_stats count, cpu_ns, wall_ns, max_cpu_ns; /* max_cpu_ns: its process with the most CPU */
};

/* --tree in benchmark mode: each run's tree reduced to a few figures per executable as the run
   ended (bench/trees.c), then their statistics over the runs. */
struct bench_tree {
	size_t runs;             /* runs that had a tree */
	char *why;               /* why a run had none (the first such run's), owned; NULL */
	size_t missing;          /* runs without a tree */
	struct bench_stats processes, threads, cpu_ns, parallelism, max_busy, critical_path_ns;
	struct bench_exe *exes;  /* the BENCH_TREE_EXES with the most CPU on average, most first */
	size_t nexes;
	struct bench_exe others; /* every other executable, summed in each run; others.nexes 0: none */
	uint64_t lost;           /* side-band records the kernel could not write, all runs */
};

/* One command of a benchmark, after parameter substitution, with its runs and statistics. */
struct bench_cmd {
	char *command;           /* as given (the positional argv joined with spaces, quoted where needed) */
	char *name;              /* -n, or the command */
	char **argv;             /* what is executed: its words, or the shell, -c and the string */
	bool shell;              /* runs under a shell */
	const char *shell_path;  /* which one, when shell */
	char *prepare, *conclude, *setup, *cleanup; /* substituted hooks, or NULL */
	const char **param_names;  /* nparams, from bench.params */
	char **param_values;       /* nparams, owned */
	size_t nparams;
	struct bench_run *runs;  /* nruns, in the order they ran */
	size_t nruns;
	size_t failed;           /* runs whose exit status was not 0 (kept with -i) */
	struct bench_stats *stats; /* one per metric */
	bool precision_met;      /* --precision reached */
	const char *stop;        /* why it stopped at nruns: "--runs", "3 s", "--max-runs", "--precision", "--max-time" */
	bool slow_first;         /* the first run was an outlier on the slow side: suggest --warmup */
	char **why;              /* per metric: why it was not measured (first run's reason), owned, or NULL */
	struct bench_cmd *base;  /* --baseline: this command's runs in the saved export (matched by command
				    string, else name), with its stats; NULL when it has none */
	const char *base_name;   /* the matched baseline result's command string */
	struct bench_tree *tree; /* --tree: its trees over the runs; NULL without */
};

/* The state of the machine that makes numbers noisy, read before the first run. */
struct bench_noise {
	char governor[32];       /* of cpu0's cpufreq, "" when there is none */
	int turbo;               /* 1 on, 0 off, -1 unknown */
	double loadavg[3];
	int aslr;                /* randomize_va_space: 0, 1, 2; -1 unknown */
	bool pmu;                /* a hardware PMU counts cycles */
	char pmu_why[160];       /* when not */
	long cpus_online;
	char **warnings;         /* what makes this machine noisy, one sentence each; NULL-terminated, owned */
};

/* A whole benchmark: the only thing the benchmark reports read. */
struct bench {
	const struct bench_opts *opts;
	struct bench_cmd *cmds;
	size_t ncmds;
	struct bench_metric *metrics;
	size_t nmetrics;
	size_t primary;          /* index into metrics */
	size_t real, user, sys, maxrss; /* indices of real_ns, user_ns, sys_ns, max_rss_bytes */
	struct bench_cmp *cmps;  /* each command but the reference, then each command with a baseline */
	size_t ncmps;
	size_t reference;        /* index of the reference command */
	uint64_t seed;           /* of the shuffled order */
	size_t rounds;
	struct host host;
	struct bench_noise noise;
	int64_t wall_ns;         /* from the first setup to the last cleanup */
	int64_t stats_ns;        /* what computing the statistics and comparisons took */
	int exit_status;         /* 0, a failed run's status, or EXIT_REGRESSION */
	char *failure;           /* the line that said why the benchmark stopped, or NULL */
	double *values;          /* every run's metrics, one block: what bench_run.v point into */
};

#define EXIT_REGRESSION 3        /* --max-regression: a command is slower than its baseline */

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

/* --- util/sort.c --- */
void sort_doubles(double *x, size_t n);

/* --- util/xmalloc.c --- */
void xmalloc_on_failure(int status, void (*recover)(void));
void xmalloc_oom(void) __attribute__((noreturn));
void error(int status, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xrecalloc(void *p, size_t old, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- util/outfile.c --- */
/* A report's target, checked before the run and written whole after it. */
struct outfile {
	const char *path;        /* as given, for the rename; NULL for a descriptor */
	int fd;                  /* -1 when there is nothing open yet */
	int mode;                /* how outfile_commit writes it */
	bool borrowed;           /* a descriptor ptime was given: never closed */
	bool existed;            /* a file that a rename replaces: keep its mode and owner */
	mode_t st_mode;
	uid_t uid;
	gid_t gid;
};
int outfile_open(struct outfile *f, const char *path, bool append);
int outfile_open_fd(struct outfile *f, int fd);
int outfile_commit(struct outfile *f, const char *buf, size_t len, bool *kept);
void outfile_abort(struct outfile *f);
bool outfile_same(const char *a, const char *b);

/* --- options.c --- */
/* Long options without a short one: their values in the option tables of options.c and bench/options.c. */
enum {
	OPT_DEBUGINFOD = 256, OPT_NAMES, OPT_MAX_TIME, OPT_PRECISION, OPT_SHELL, OPT_PREPARE, OPT_CONCLUDE,
	OPT_SETUP, OPT_CLEANUP, OPT_METRIC, OPT_ORDER, OPT_CPUS, OPT_REFERENCE, OPT_NOISE, OPT_BASELINE,
	OPT_MAX_REGRESSION, OPT_EXPORT_JSON, OPT_EXPORT_CSV, OPT_EXPORT_MARKDOWN, OPT_SHOW_OUTPUT, OPT_TREE, OPT_NO_PYTHON,
	OPT_MEMORY, OPT_MEMORY_RATE, OPT_MEMORY_INTERVAL, OPT_FOLDED_COST,
	OPT_TRACE,
};
enum { OPTIONS_HELP = 1, OPTIONS_VERSION, OPTIONS_LIST }; /* options_parse: print, exit 0 */
int options_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen);
void options_print(FILE *fp, int what);
void options_free(struct opts *o);
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
/* What the child undoes before exec, as raw syscalls: RLIMIT_NOFILE back to the user's, and, when file
   capabilities elevated ptime, the ambient set cleared and capset(hdr, data) (permitted and effective empty). */
struct caps_exec {
	bool nofile;
	struct rlimit nofile_limit;
	bool drop;
	bool unknown;            /* capget failed: the command must not run */
	uint32_t hdr[2];         /* struct __user_cap_header_struct */
	uint32_t data[6];        /* two struct __user_cap_data_struct */
};
void caps_exec_prepare(struct caps_exec *ce);
const char *caps_held(void);
bool caps_used(void);
bool caps_secure_exec(const char *cmd, char *why, size_t len);

/* --- run/spawn.c --- */
struct spawn {
	pid_t pid;
	int cork;                /* write end: one byte releases the child */
	int execd;               /* read end: EOF once the child has exec'ed (or exited) */
	struct timespec start_mono;
	const char *failed;      /* when spawn_fork fails: the step, as in "cannot create the cork pipe" */
	struct spawn_args *args; /* what the child reads, and where it leaves the errno of a failed exec */
	bool lower_floor;        /* a report shows the command's max RSS: lower ptime's own before the release */
};
void spawn_init(void);
void spawn_many_runs(void);
int spawn_stopped(void);
int spawn_fork(struct spawn *sp, char *const argv[]);
void spawn_release(struct spawn *sp, struct result *r);
void spawn_abort(struct spawn *sp);
int spawn_wait_exit(struct spawn *sp, struct result *r);
void spawn_reap(struct spawn *sp, struct result *r);
int spawn_exit_status(int wait_status);

/* --- run/cgroup.c --- */
struct tree_memory;
void *cgroup_open(pid_t pid, struct tree_memory *out);
void cgroup_collect(void *st);
void cgroup_close(void *st);

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
void counters_stopped(struct counters *cs, const char *why);
void counters_list(FILE *fp);
bool counters_scale(uint64_t raw, uint64_t enabled, uint64_t running, double *value, bool *scaled);
const struct counter *counters_find(const struct counters *cs, const char *name);
void counters_label(const struct counter *c, char *buf, size_t len);
struct mval counters_metric(const struct result *r, const char *name);
bool counters_metric_known(const char *name);
bool counters_metric_uses(const char *name, const char *ev);
const char *counters_suggest(const char *name);
extern const char *const counters_derived_names[];

/* --- report/stat.c --- */
void report_counters(FILE *fp, const struct result *r);

/* --- probe/ring.c --- */
int ring_open(struct ring *rg, int fd, unsigned order);
size_t ring_drain(struct ring *rg, struct bytes *out);
void ring_close(struct ring *rg);
void bytes_reserve(struct bytes *b, size_t n);
/* How a probe reads its records: a whole record's size at p (0: none whole), its time, and what to do with it. */
struct ring_reader {
	size_t (*size)(const unsigned char *p, size_t n);
	uint64_t (*time)(const unsigned char *p);
	void (*apply)(void *ctx, const unsigned char *p);
	void *ctx;
};
void ring_replay(const struct ring_reader *rr, struct bytes *bufs, size_t *pos, int ncpu, uint64_t limit);

/* --- probe/alloc-read.c: the ring files of libptime-alloc.so (inject/alloc-record.h) --- */
struct alloc_file;
struct alloc_pyframe;
/* Who wrote a ring file (its first record); exe is owned by the reader. */
struct alloc_proc_info {
	pid_t pid, ppid;
	uint64_t rate;                  /* mean sampling interval in bytes; 1: every allocation */
	uint64_t start_ns;              /* CLOCK_MONOTONIC when the file was made */
	unsigned stack_mode;            /* ALLOC_STACK_UNWIND or ALLOC_STACK_FP */
	unsigned image;                 /* the file is PID-IMAGE: images of one pid, counted through exec */
	const char *exe;
};
/* A sampled allocation, or (is_free) the end of one, paired by id within one file. */
struct alloc_event {
	bool is_free;
	unsigned kind;                  /* enum alloc_kind */
	uint32_t tid;
	uint64_t id, addr;
	uint64_t size;                  /* bytes asked for (allocations only) */
	uint64_t weight_bytes;          /* the bytes and allocations the sample stands for */
	double weight_count;
	uint64_t time_ns;               /* CLOCK_MONOTONIC */
	const uint64_t *frames;         /* return addresses, innermost first; valid during the callback */
	unsigned nframes;
	const struct alloc_pyframe *py; /* the thread's Python frames, innermost first, in host order */
	unsigned npy;
};
/* A CPython code object of the process (ALLOC_REC_PYCODE); the strings are owned by the reader. */
struct alloc_pycode_info {
	uint64_t code;
	unsigned version;               /* PY_VERSION_HEX */
	int firstline;
	const char *file, *name;
};
/* An executable segment the process had loaded; a new generation replaces the segments of the last. */
struct alloc_map_info {
	uint64_t start, end, pgoff, dev, ino;
	unsigned generation;
	const char *path;               /* owned by the reader */
};
struct alloc_read_ops {
	void (*proc)(void *ctx, const struct alloc_proc_info *p);
	void (*map)(void *ctx, const struct alloc_map_info *m);
	void (*alloc)(void *ctx, const struct alloc_event *e);
	void (*free)(void *ctx, const struct alloc_event *e);
	void (*pycode)(void *ctx, const struct alloc_pycode_info *c);
};
struct alloc_read_stats {
	pid_t pid;                      /* from the process record; 0 before it */
	uint64_t records, allocs, frees;
	uint64_t dropped, dropped_bytes; /* what the writer could not put in a full ring */
	uint64_t pending_bytes;         /* reserved but not yet written; lost if the writer is gone */
	uint64_t bad;                   /* records that broke a rule (reading stopped at the first) */
	bool broken;
	char why[96];                   /* why, when broken */
};
int alloc_read_open(const char *path, struct alloc_file **out);
long alloc_read_drain(struct alloc_file *f, const struct alloc_read_ops *ops, void *ctx);
void alloc_read_stats(const struct alloc_file *f, struct alloc_read_stats *st);
void alloc_read_close(struct alloc_file *f);

/* --- probe/alloc.c --- */
struct alloc_probe;
struct pollfd;
struct alloc_probe *alloc_prepare(const struct opts *o, struct memory *mem);
void alloc_restore_env(struct alloc_probe *a);
void alloc_attach(struct alloc_probe *a);
size_t alloc_pollfds(void *st, struct pollfd *out, size_t max);
void alloc_drain(void *st);
void alloc_collect(void *st, struct result *r);
struct profile *alloc_profile(void *st);
void alloc_free(void *st);

/* --- probe/tree.c --- */
struct pollfd;
void *tree_open(pid_t pid, bool stat, struct tree **out);
size_t tree_pollfds(void *tp, struct pollfd *out, size_t max);
void tree_drain(void *tp);
void tree_exited(void *tp, struct result *r);
void tree_collect(void *tp, struct result *r);
void tree_close(void *tp);

/* --- probe/tree-model.c --- */
/* What a task's PERF_RECORD_READ counts: one event of the group on each CPU. */
enum tree_count { TREE_CPU, TREE_MINFLT, TREE_MAJFLT, TREE_COUNTS };
struct tree *tree_new(pid_t root, int ncpu, uint64_t t0);
void tree_note(struct tree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tree_fork(struct tree *t, uint64_t time, int pid, int ppid, int tid);
void tree_comm(struct tree *t, uint64_t time, int pid, int tid, const char *comm, bool exec);
void tree_exit(struct tree *t, uint64_t time, int pid, int tid);
void tree_switch(struct tree *t, uint64_t time, int pid, int tid, int cpu, bool out);
void tree_seen(struct tree *t, uint64_t time, int pid, int tid, int cpu);
void tree_read(struct tree *t, int pid, int tid, enum tree_count what, uint64_t value);
void tree_cmdline(struct tree *t, int pid, const char *buf, size_t len, bool truncated);
size_t tree_pending(const struct tree *t, int *pids, size_t max);
void tree_cmdline_gone(struct tree *t, int pid);
void tree_finish(struct tree *t, uint64_t origin, uint64_t end, const int64_t *total, int wait_status);
void tree_free(struct tree *t);

/* --- probe/tree-path.c --- */
void tree_analyze(struct tree *t, size_t root);
size_t tree_brief(const struct tree_proc *p, char *buf, size_t len);

/* --- report/tree.c --- */
void report_tree(FILE *fp, const struct result *r);
/* --- report/memory.c --- */
struct json_object;
void report_memory(FILE *fp, const struct result *r);
void report_json_memory(struct json_object *root, struct json_object *unavailable, const struct result *r);

/* --- report/trace.c --- */
const char *report_trace_load(void);
int report_trace(FILE *fp, const struct result *r);

/* --- probe/sampler.c --- */
struct sampler;
struct sampler *sampler_open(pid_t pid, unsigned hz, uint64_t faults, int call_graph, unsigned stack_bytes, bool python,
			     struct profile *prof);
struct pollfd;
size_t sampler_pollfds(void *s, struct pollfd *out, size_t max);
void sampler_drain(void *s);
void sampler_finish(struct sampler *s);
void sampler_free(struct sampler *s);
void sampler_replay_bytes(const unsigned char *buf, size_t len, int call_graph, struct profile *prof);

/* --- probe/pyread.c: Python stacks of a running CPython, read from outside (pyread-*.c: its parts) --- */
struct pyproc;                                  /* one CPython process being read */
struct iovec;
/* code object's address, its identity (see pycode_ent); line, 0 if none; entry: the outermost frame of
   one C-level call of the interpreter's eval loop (_PyEval_EvalFrameDefault), as the native stack has it */
struct pyframe { uint64_t code, id; int line; bool entry; };
struct pycode { const char *name, *file; int firstline; }; /* strings owned by the pyproc */
/* Opens pid for reading if it runs CPython 3.9..3.13: returns NULL when it is not CPython
   (why = "") or when it is but cannot be read (why says why, e.g. "CPython 2.7: layout not known",
   "process_vm_readv: Operation not permitted"); *final then says whether the reason holds for good
   (a layout ptime does not know) or may pass (an interpreter half set up: look again). */
struct pyproc *pyproc_open(pid_t pid, char *why, size_t whylen, bool *final);
unsigned pyproc_version(const struct pyproc *pp);    /* PY_VERSION_HEX style, from Py_Version or the binary */
/* The Python stack of thread tid, innermost frame first, at most max frames: returns the count,
   0 when the thread has no Python frame now (not running Python, or its stack could not be read
   consistently: then *torn is set). Never stops the process. */
size_t pyproc_stack(struct pyproc *pp, pid_t tid, struct pyframe *out, size_t max, bool *torn);
/* Cached; NULL if unreadable. The struct holds until the next pyproc_stack, its strings until pyproc_close. */
const struct pycode *pyproc_code(struct pyproc *pp, uint64_t code);
void pyproc_stats(const struct pyproc *pp, uint64_t *reads, uint64_t *torn); /* counts so far */
/* Where the eval loop's code is: up to two ranges [off, off + size) of offsets in the file that holds it
   (libpython if mapped, else the executable: lib says which), its hot and its .cold part; returns how many
   (0: its symbol was not found). */
struct pyrange { uint64_t off, size; };
size_t pyproc_eval(const struct pyproc *pp, struct pyrange r[2], bool *lib);
bool pyproc_denied(const struct pyproc *pp); /* a read was refused: e.g. prctl(PR_SET_DUMPABLE, 0) */
void pyproc_close(struct pyproc *pp);

/* The parts' shared state: one version's layout, the process, its cached code objects. */
#define PY_MAX_DEPTH 512        /* a longer frame chain is garbage */
#define PY_MAX_STRING 4096      /* a name or file name is cut there */
#define PY_MAX_TABLE (1u << 20) /* a longer line table is not read: no line */
#define PY_IOVS (2 + 3 * PY_MAX_DEPTH) /* one stack's batched read: the top twice, each code's header and two strings */
struct pythread { pid_t tid; uint64_t ts, key; };
/* What a str object held when it was read: its length field and data, from str_len on (len bytes, the
   data from byte data on; those between, its hash and state, may change), hashed (FNV-1a). */
struct pystr_sig { uint64_t hash; uint32_t data, len; };
struct pycode_ent {
	struct pycode pub;
	uint64_t addr, file, name, tablep;   /* the header as cached, to tell a new object at the same address */
	struct pystr_sig fsig, nsig;         /* and the strings at file and name: their memory may be reused too */
	uint64_t size;                       /* and co_size (3.11+), or co_code's address (3.9, 3.10) */
	uint64_t id;                         /* never the same for two objects, though they share an address */
	uint32_t codelen;                    /* bytes of bytecode */
	unsigned char *table;
	size_t tablelen;
};
struct pyraw { uint64_t addr, code, instr; size_t hdr; bool entry; };
struct pycheck { const struct pycode_ent *c; uint64_t id; size_t off; }; /* a cached code object of one stack */
struct pyproc {
	pid_t pid;
	unsigned version;
	struct pyoffs o;
	uint64_t runtime, code_type, pthread_tid_off;
	struct pythread *threads;
	size_t nthreads;
	uint64_t last_refresh;
	struct pycode_ent **codes;           /* open addressing by address */
	size_t ncodes, capcodes;
	struct strtab *strs;
	uint64_t reads, torn;
	uint64_t next_id;                    /* of the last code object cached */
	bool denied;                         /* a read was refused (EPERM): the process made itself unreadable */
	struct pyraw raw[PY_MAX_DEPTH];
	struct pyrange eval[2];              /* _PyEval_EvalFrameDefault (and .cold) in its file (see pyproc_eval) */
	size_t neval;
	bool eval_lib;                       /* that file is libpython, not the executable */
	struct pycheck checks[PY_MAX_DEPTH]; /* by raw[].hdr: the entry whose strings the batch read, its id if same */
	struct iovec *lv, *rv;               /* PY_IOVS each */
	unsigned char *hdrs;                 /* PY_MAX_DEPTH * PY_CODE_READ */
	unsigned char *sigs;                 /* the strings read to check cached entries, capsigs bytes */
	size_t capsigs;
};
bool pyread_mem(struct pyproc *pp, uint64_t addr, void *buf, size_t len);
ssize_t pyread_some(struct pyproc *pp, uint64_t addr, void *buf, size_t len);
ssize_t pyread_vec(struct pyproc *pp, struct iovec *lv, struct iovec *rv, size_t n);
/* probe/pyread-code.c */
enum { PYC_UNREADABLE = 1, PYC_NOTCODE, PYC_CHANGED }; /* why pycode_get gave NULL */
const struct pycode_ent *pycode_cached(const struct pyproc *pp, uint64_t code);
bool pycode_same_strings(const struct pycode_ent *c, const unsigned char *buf);
const struct pycode_ent *pycode_get(struct pyproc *pp, uint64_t code, const unsigned char *hdr, uint64_t checked, int *why);
void pycode_free(struct pyproc *pp);
/* probe/pyread-line.c */
/* probe/pyread-elf.c (pyread-elf-none.c without libdw) */
/* name; address in the process (0: absent), size; off: the offset in the file its first byte is at,
   as a sample's frame names code (0 if no loadable segment holds it) */
struct pyelf_sym { const char *name; uint64_t addr, size, off; };
/* The symbols' addresses in the process: how many were found, or -errno (-ENOSYS: no symbol can ever
   be read, in a build without libdw). */
int pyelf_symbols(const char *path, uint64_t ino, uint64_t start, struct pyelf_sym *syms, size_t n, char *why, size_t len);

/* --- probe/python.c --- */
struct pysampler;
struct pysampler *pysampler_new(struct profile *prof, int pid, unsigned hz);
int pysampler_fd(const struct pysampler *ps);
void pysampler_exec(struct pysampler *ps, int pid);
void pysampler_fork(struct pysampler *ps, int pid, int ppid, int tid);
void pysampler_exit(struct pysampler *ps, int pid, int tid);
void pysampler_sampled(struct pysampler *ps, int pid, int tid);
void pysampler_tick(struct pysampler *ps);
uint64_t pysampler_horizon(const struct pysampler *ps);
/* Where a CPython's own code is: interned paths of the files (executable, libpython), the one its eval
   loop is in, and where in it (offsets in the file). */
struct py_interp {
	const char *interp[2];
	const char *eval_path;
	struct pyrange eval[2];
	size_t neval;
};
/* A Python stack as the interleaving takes it: a count, then that many locations (profile_python_loc),
   innermost first, PY_ENTRY set on the outermost frame of each call of the eval loop. */
#define PY_ENTRY 0x80000000u
/* Native frames f[0..n) with the Python stack interleaved, each eval frame replaced by its call's Python
   frames (probe/python.c): the new count, or 0 when they do not fit (f unchanged). */
size_t py_interleave(const struct py_interp *p, const struct symbols *syms, struct frame *f, size_t n,
		     const uint32_t *stack, size_t max);
size_t py_join(const struct py_interp *ip, const struct symbols *syms, struct frame *f, size_t n,
	       const uint32_t *stack, size_t max, bool *interleaved);
size_t pysampler_join(struct pysampler *ps, int pid, int tid, uint64_t t, struct frame *f, size_t n, size_t max);
void pysampler_finish(struct pysampler *ps);
void pysampler_free(struct pysampler *ps);

/* --- probe/procmaps.c --- */
struct pm_map {
	uint64_t start, end, pgoff;
	int dso;
	const char *path;        /* interned, for the unwinder */
	uint64_t dev, ino;       /* as MMAP2 gave them */
};
struct unwind_map;
struct procmaps *procmaps_new(void);
const char *procmaps_comm(struct procmaps *pm, int pid);
void procmaps_comm_set(struct procmaps *pm, int pid, const char *comm, bool exec);
void procmaps_fork(struct procmaps *pm, int pid, int ppid);
void procmaps_exit(struct procmaps *pm, int pid);
void procmaps_map(struct procmaps *pm, int pid, const struct pm_map *m);
const struct pm_map *procmaps_find(struct procmaps *pm, int pid, uint64_t addr);
size_t procmaps_nodes(const struct procmaps *pm);
size_t procmaps_snapshot(struct procmaps *pm, int pid, const struct unwind_map **out, uint64_t *key);
void procmaps_free(struct procmaps *pm);
/* --- util/text.c --- */
#define TEXT_KEEP_TAB 1u  /* text_escape: a tab stays a tab */
#define TEXT_SEMICOLON 2u /* text_escape: ';' is escaped too */
int text_utf8_next(const char *s, size_t n, uint32_t *cp);
bool text_utf8_valid(const char *s, size_t n);
size_t text_utf8_fix(char *dst, size_t cap, const char *s, size_t n);
size_t text_base64(char *dst, size_t cap, const void *src, size_t n);
size_t text_escape(char *dst, size_t cap, const char *s, unsigned flags);
const char *text_escape_terminal(const char *s);
const char *text_escape_source(const char *s);
const char *text_folded_frame(const char *s);
const char *text_folded_stack(const char *s);
const char *text_callgrind_name(const char *s);

/* --- util/vdso.c --- */
int vdso_memfd(void);

/* --- util/strtab.c --- */
struct strtab *strtab_new(void);
const char *strtab_intern(struct strtab *t, const char *s);
void strtab_free(struct strtab *t);

/* --- util/safefile.c --- */
#define SAFEFILE_NOFOLLOW 1      /* refuse a symbolic link */
struct stat;
int safefile_open(const char *path, int flags, struct stat *st, char *why, size_t len);
int safefile_read(int fd, size_t cap, char **buf, size_t *len);

/* --- profile/perfmap.c --- */
#define PERFMAP_MAX_BYTES (64u << 20)   /* a map is read up to this size */
#define PERFMAP_MAX_ENTRIES (1u << 18)  /* and this many symbols */
#define PERFMAP_MAX_LINE 4096           /* a longer line is skipped whole */
typedef bool perfmap_add_fn(void *ctx, uint64_t start, uint64_t size, const char *name, size_t nlen);
size_t perfmap_parse(const char *buf, size_t len, bool eof, perfmap_add_fn *add, void *ctx);
long perfmap_read(const char *path, uid_t uid, perfmap_add_fn *add, void *ctx, char *why, size_t len);

/* --- profile/symbols.c (profile/symbols-none.c without libdw) --- */
void symbols_use_debuginfod(bool on);
struct symbols *symbols_new(bool inline_caller, struct strtab *strs);
int symbols_dso(struct symbols *s, const char *path, int pid, dev_t dev, uint64_t ino);
int symbols_jit_dso(struct symbols *s, int pid);
int symbols_kernel_dso(struct symbols *s);
void symbols_release(struct symbols *s, int dso);
void symbols_release_all(struct symbols *s);
const char *symbols_dso_path(const struct symbols *s, int dso);
bool symbols_absolute(const struct symbols *s, int dso);
size_t symbols_resolve(struct symbols *s, int dso, uint64_t off, struct loc *out, size_t max);
size_t symbols_warnings(const struct symbols *s, char *const **w);
void symbols_free(struct symbols *s);

/* --- profile/unwind.c (profile/unwind-none.c without libdw) --- */
/* One mapping of a file in the sampled process at the sample's time, as PERF_RECORD_MMAP2 gives it. */
struct unwind_map {
	uint64_t start, end, pgoff;
	const char *path;        /* "/..." a file, "[vdso]" the vDSO; anything else has no CFI */
	uint64_t dev, ino;       /* makedev(maj, min) and inode; a file whose inode differs is not read; 0: unchecked */
};
/* A process's mappings, sorted by start; the executable ones are enough. */
struct unwind_maps {
	const struct unwind_map *map;
	size_t n;
	uint64_t key;            /* non-zero: the caller's name for exactly this set (pid and generation); 0: by content */
};
/* How the chains of unwind_stack ended. */
struct unwind_stats {
	uint64_t samples, frames;
	uint64_t end_outermost;  /* the CFI said there is no caller: a whole chain */
	uint64_t end_stack;      /* the next frame lies beyond the copied stack */
	uint64_t end_no_cfi;     /* an address outside any file with CFI (JIT code, a changed file) */
	uint64_t end_max, end_error;
};
#define UNWIND_STACK_DEFAULT 8192 /* perf's default dump size */
#define UNWIND_STACK_MAX 65528    /* the kernel's limit: a sample's size is 16 bits */
struct perf_event_attr;
/* A sample's regs_user and stack_user, as unwind_parse_sample finds them: pass them to unwind_stack. */
struct unwind_sample {
	uint64_t abi;            /* PERF_SAMPLE_REGS_ABI_*: NONE when the kernel had no user registers */
	uint64_t mask;           /* the registers' mask; 0 unless abi is ABI_64: then keep the ip alone */
	uint64_t regs[64];       /* packed in mask bit order, as the kernel wrote them */
	const unsigned char *stack;
	size_t stack_size;       /* the bytes the kernel could copy (dyn_size) */
};
bool unwind_available(char *why, size_t len);
int unwind_attr(struct perf_event_attr *a, size_t stack_bytes);
long unwind_parse_sample(const unsigned char *p, size_t len, uint64_t regs_mask, struct unwind_sample *out);
struct unwinder *unwind_new(void);
size_t unwind_stack(struct unwinder *u, const struct unwind_maps *maps, const uint64_t *regs, uint64_t regs_mask,
		    const unsigned char *stack, size_t stack_size, uint64_t *ips, size_t max);
const char *unwind_why(const struct unwinder *u);
const struct unwind_stats *unwind_stats(const struct unwinder *u);
void unwind_free(struct unwinder *u);
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
size_t profile_add(struct profile *p, int pid, int tid, const char *comm, const struct frame *frames, size_t n);
void profile_cost_add(struct profile *p, size_t i, unsigned k, double v);
double profile_cost(const struct profile *p, size_t i, unsigned k);
size_t profile_raw_stacks(const struct profile *p);
void profile_select(struct profile *p, int k);
#define PROFILE_DSO_PYTHON (-2) /* a frame of Python code: its address is from profile_python_loc */
uint64_t profile_python_loc(struct profile *p, const char *dso, const char *func, const char *file, int firstline,
			    int line);
void profile_finish(struct profile *p);
/* p, new and empty, resolves through from's symbols and strings: a file's DWARF is then read once for
   all the profiles of a run (their last profile_finish releases it), not once for each. */
void profile_share(struct profile *p, struct profile *from);
void profile_unshare(struct profile *p); /* p will not be finished after all */
size_t *profile_sorted_funcs(const struct profile *p);
size_t *profile_top_funcs(const struct profile *p, size_t n, size_t *count);
size_t *profile_sorted_lines(const struct profile *p);
void profile_free(struct profile *p);

/* --- report/top.c --- */
void report_profile(FILE *fp, const struct result *r);
const char *report_path(const char *path);
const char *report_kernel_note(const struct profile *p, char *buf, size_t len);

/* --- report/annotate.c --- */
void report_annotate(FILE *fp, const struct profile *p, int context);
void report_annotate_memory(FILE *fp, const struct memory *m, int context);

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
int procfs_parse_int(const char *text, int *v);
int procfs_read_int(const char *path, int fallback);
void procfs_parse_cpu_model(const char *text, char *out, size_t len);
int procfs_last_cpu(pid_t pid);
void procfs_reset_peak(void);

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
void format_real(char *buf, size_t len, double v);

/* --- report/classic.c --- */
void report_classic(FILE *fp, const struct opts *o, const struct result *r);

/* --- report/json.c --- */
int report_json(FILE *fp, const struct opts *o, const struct result *r);
const char *report_json_load(void);
struct json_object;
struct json_object *report_json_str(const char *s);
struct json_object *report_json_host(const struct host *h);
int report_json_write(FILE *fp, struct json_object *root);

/* --- bench/stats.c --- */
void stats_compute(const double *x, size_t n, struct bench_stats *out);
double stats_quantile(const double *sorted, size_t n, double p);
bool stats_median_ci(const double *sorted, size_t n, double ci[2]);
double stats_t_quantile(double p, double df);
bool stats_outlier(double x, double median, double mad);
double stats_z_quantile(double p);
double stats_binom_half_cdf(size_t n, size_t k);

/* --- bench/compare.c --- */
void compare_ratio(const double *a, size_t na, const double *b, size_t nb, double noise_pct, struct bench_ratio *out);
double compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb);

/* --- bench/noise.c --- */
void noise_read_state(struct bench_noise *n);
void noise_free(struct bench_noise *n);

/* --- bench/options.c --- */
int bench_options_apply(struct opts *o, int c, const char *arg, char *const *extra, char *err, size_t len);
int bench_options_check(struct opts *o, char *err, size_t len);
void bench_options_free(struct opts *o);

/* --- bench/record.c --- */
const char *record_metric_name(const char *m);
int record_metrics(const struct opts *o, struct bench *b, char *err, size_t errlen);
int record_check_primary(const struct opts *o, const struct bench *b, char *err, size_t errlen);
void record_counters(const struct opts *o, const struct bench *b, char **events, char ***skipped);

/* --- bench/trees.c --- */
int trees_keep(int fd, uint32_t cmd, const struct tree *t);
int trees_collect(int fd, struct bench *b);
void trees_free(struct bench_tree *bt);

/* --- bench/verdict.c --- */
void verdict_finish(struct bench *b);
void verdict_stats(const struct bench *b, struct bench_cmd *c);

/* --- bench/loop.c --- */
int bench_run(const struct opts *o, struct bench *b);
void bench_free(struct bench *b);
void bench_cmd_free(struct bench_cmd *c, size_t nmetrics);
const char *bench_status_text(int wait_status);

/* --- bench/split.c --- */
int bench_split_words(const char *s, bool literal, char ***argv, bool *shell);
void bench_free_argv(char **v);
char *bench_substitute(const char *s, const char *const *names, char *const *values, size_t n);
char *bench_join(char *const *argv);

/* --- report/bench.c, bench-tree.c, csv.c, markdown.c, json-bench.c, baseline.c --- */
void report_bench(FILE *fp, const struct bench *b);
void report_bench_value(char *buf, size_t len, const char *unit, double typical, double v);
void report_bench_pad(FILE *fp, const char *s, int width, bool right);
int report_bench_width(const char *s);
void report_bench_tree(FILE *fp, const struct bench_cmd *c);
int report_bench_csv(FILE *fp, const struct bench *b);
int report_bench_markdown(FILE *fp, const struct bench *b);
int report_bench_json(FILE *fp, const struct bench *b);
int report_bench_baseline(const char *path, struct bench *b, char *err, size_t errlen);
void report_bench_baseline_free(struct bench_cmd *base);

#endif
