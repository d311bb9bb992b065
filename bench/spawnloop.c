/* spawnloop.c: run a command N times with posix_spawn + wait4, output to /dev/null, and print
   the median wall time in nanoseconds. Usage: spawnloop N COMMAND [ARG]... */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, i, st;
	long long *t;
	posix_spawn_file_actions_t fa;

	if (n <= 0) {
		fprintf(stderr, "usage: spawnloop N COMMAND [ARG]...\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof *t);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		pid_t pid;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0)
			return 2;
		wait4(pid, &st, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%lld\n", t[n / 2]);
	return 0;
}
