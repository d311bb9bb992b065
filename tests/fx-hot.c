/* fx-hot.c: fixture: spend MS ms of CPU 3:1 in two known lines, in the way MODE says.
   Usage: fx-hot MODE MS [LIB]; MODE is main, threads, fork, exec, dlopen (LIB: libfxhot.so, or several), inline, vdso, jit.
   fx-hot jit MS HOW plants a hostile map instead of a good one: HOW is fifo, zero (a link to /dev/zero),
   long (a 5000-byte name, then a good line) or grow (a child appends 100 MiB of entries); it prints its pid
   (and the appender's). */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void fx_work(long ms);
volatile unsigned long fx_sink2;

static long ms;

/* Inlined code whose line and call site are both known: --inline=code charges FX-INLINED,
   --inline=caller charges FX-CALLSITE. */
static inline __attribute__((always_inline)) void fx_inlined(long n)
{
	for (long i = 0; i < n; i++) fx_sink2 += (unsigned long)i; /* FX-INLINED */
}

__attribute__((noinline)) static void fx_inliner(void)
{
	struct timespec s, n;
	clock_gettime(CLOCK_MONOTONIC, &s);
	do {
		fx_inlined(1000000); /* FX-CALLSITE */
		clock_gettime(CLOCK_MONOTONIC, &n);
	} while ((n.tv_sec - s.tv_sec) * 1000 + (n.tv_nsec - s.tv_nsec) / 1000000 < ms);
}

static void *fx_thread(void *arg)
{
	(void)arg;
	fx_work(ms);
	return NULL;
}

/* Most of the time in the vdso: clock_gettime called in a loop. */
static void fx_vdso(void)
{
	struct timespec s, n;
	clock_gettime(CLOCK_MONOTONIC, &s);
	do
		clock_gettime(CLOCK_MONOTONIC, &n);
	while ((n.tv_sec - s.tv_sec) * 1000 + (n.tv_nsec - s.tv_nsec) / 1000000 < ms);
}

/* What another user, or the command itself, may leave at /tmp/perf-PID.map. */
static int fx_plant(const char *path, const char *how, unsigned long mem, size_t size)
{
	char name[5001];
	FILE *map;
	pid_t pid;
	printf("%d", (int)getpid()); /* for the test to clean up */
	fflush(stdout);
	unlink(path);
	if (strcmp(how, "fifo") == 0)
		return mkfifo(path, 0644);
	if (strcmp(how, "zero") == 0)
		return symlink("/dev/zero", path);
	if (!(map = fopen(path, "w")))
		return -1;
	if (strcmp(how, "long") == 0) {
		memset(name, 'x', sizeof name - 1);
		name[sizeof name - 1] = '\0';
		/* the tail of an overlong line must not become a symbol of its own */
		fprintf(map, "%lx %zx %s%lx %zx fx_tail\n", mem, size, name, mem, size);
		fprintf(map, "%lx %zx fx_jit_loop\n", mem, size);
	} else if (strcmp(how, "grow") == 0) {
		long i;
		fprintf(map, "%lx %zx fx_jit_loop\n", mem, size);
		fflush(map);
		if ((pid = fork()) == 0) {
			/* outlives the command: the profiler reads a file that keeps growing */
			for (i = 0; i < 4000000; i++)
				fprintf(map, "%lx 10 fx_grow_%ld\n", 0x100000000000UL + (unsigned long)i * 16, i);
			fclose(map);
			_exit(0);
		}
		printf(" %d", (int)pid);
	}
	fclose(map);
	return 0;
}

/* JIT code: a counting loop written at run time, named in /tmp/perf-PID.map as perf expects. */
static int fx_jit(const char *how)
{
	static const unsigned char code[] = {
		0x48, 0x89, 0xf9,       /* mov %rdi,%rcx */
		0x48, 0xff, 0xc9,       /* 1: dec %rcx */
		0x75, 0xfb,             /* jnz 1b */
		0xc3,                   /* ret */
	};
	void (*fn)(long);
	char path[64];
	FILE *map;
	struct timespec s, n;
	unsigned char *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem, code, sizeof code);
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
	if (how) {
		if (fx_plant(path, how, (unsigned long)mem, sizeof code) < 0)
			return 1;
	} else {
		map = fopen(path, "w");
		if (!map)
			return 1;
		fprintf(map, "%lx %zx fx_jit_loop\n", (unsigned long)mem, sizeof code);
		fclose(map);
	}
	*(void **)&fn = mem;
	clock_gettime(CLOCK_MONOTONIC, &s);
	do {
		fn(1000000);
		clock_gettime(CLOCK_MONOTONIC, &n);
	} while ((n.tv_sec - s.tv_sec) * 1000 + (n.tv_nsec - s.tv_nsec) / 1000000 < ms);
	return 0; /* the map stays for the profiler to read after this process is gone */
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main";
	pthread_t t;

	ms = argc > 2 ? atol(argv[2]) : 500;
	if (strcmp(mode, "main") == 0) {
		fx_work(ms);
	} else if (strcmp(mode, "threads") == 0) {
		/* the work in two threads; main only waits */
		pthread_t t2;
		pthread_create(&t, NULL, fx_thread, NULL);
		pthread_create(&t2, NULL, fx_thread, NULL);
		pthread_join(t, NULL);
		pthread_join(t2, NULL);
	} else if (strcmp(mode, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			fx_work(ms);
			_exit(0);
		}
		fx_work(ms / 4); /* the parent is sampled too, not only in its few start-up milliseconds */
		waitpid(pid, NULL, 0);
	} else if (strcmp(mode, "exec") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/proc/self/exe", argv[0], "main", argv[2], (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	} else if (strcmp(mode, "dlopen") == 0) {
		int k, nlib = argc > 4 ? argc - 3 : 1; /* several LIBs: MS is shared among them */
		for (k = 0; k < nlib; k++) {
			void *h = dlopen(argc > 3 ? argv[3 + k] : "libfxhot.so", RTLD_NOW | RTLD_LOCAL);
			void (*work)(long);
			if (!h) {
				fprintf(stderr, "fx-hot: %s\n", dlerror());
				return 1;
			}
			*(void **)&work = dlsym(h, "fx_work");
			work(ms / nlib);
		}
	} else if (strcmp(mode, "inline") == 0) {
		fx_inliner();
	} else if (strcmp(mode, "vdso") == 0) {
		fx_vdso();
	} else if (strcmp(mode, "jit") == 0) {
		return fx_jit(argc > 3 ? argv[3] : NULL);
	} else {
		fprintf(stderr, "fx-hot: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
