/* fx-comm.c: a command whose names try to forge ptime's reports: JIT code named with terminal escapes
   and a byte that is not UTF-8, then three children that rename themselves (prctl PR_SET_NAME) to
   "a\nEVIL 9999999\n", to an ESC sequence and to bytes that are not UTF-8. Each part burns MS ms
   of CPU (first argument, 75 by default); further arguments are ignored, for the command line tests.
   It prints its pid, whose /tmp/perf-PID.map the caller removes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The names, shared with tests/t-text.sh. */
#define FX_JIT_NAME "\x1b[31mjit\xff\x1b[0m"
static const char *const fx_comms[] = { "a\nEVIL 9999999\n", "\x1b[31mred\x1b[0m", "b\xff\xfe" };

static long ms;

static long fx_elapsed_ms(const struct timespec *s)
{
	struct timespec n;
	clock_gettime(CLOCK_MONOTONIC, &n);
	return (n.tv_sec - s->tv_sec) * 1000 + (n.tv_nsec - s->tv_nsec) / 1000000;
}

static void __attribute__((noinline)) fx_burn(void)
{
	struct timespec s;
	volatile unsigned long x = 0;
	unsigned long i;

	clock_gettime(CLOCK_MONOTONIC, &s);
	do
		for (i = 0; i < 1000000; i++)
			x += i;
	while (fx_elapsed_ms(&s) < ms);
}

/* A counting loop written at run time, named in /tmp/perf-PID.map as perf expects. */
static int fx_jit(void)
{
	static const unsigned char code[] = {
		0x48, 0x89, 0xf9, /* mov %rdi,%rcx */
		0x48, 0xff, 0xc9, /* 1: dec %rcx */
		0x75, 0xfb,       /* jnz 1b */
		0xc3,             /* ret */
	};
	void (*fn)(long);
	char path[64];
	FILE *map;
	struct timespec s;
	unsigned char *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem, code, sizeof code);
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
	map = fopen(path, "w");
	if (!map)
		return 1;
	fprintf(map, "%lx %zx %s\n", (unsigned long)mem, sizeof code, FX_JIT_NAME);
	fclose(map);
	printf("%d\n", (int)getpid()); /* for the test to remove the map */
	fflush(stdout);
	*(void **)&fn = mem;
	clock_gettime(CLOCK_MONOTONIC, &s);
	do
		fn(1000000);
	while (fx_elapsed_ms(&s) < ms);
	return 0; /* the map stays for the profiler to read after this process is gone */
}

int main(int argc, char **argv)
{
	size_t i;

	ms = argc > 1 ? atol(argv[1]) : 75;
	if (fx_jit() != 0)
		fx_burn();
	for (i = 0; i < sizeof fx_comms / sizeof fx_comms[0]; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_NAME, fx_comms[i]);
			fx_burn();
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}
