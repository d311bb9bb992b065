/* fx-maps.c: a command that stresses the sampler's map tables: "jit N" maps code at N new
   addresses, one after another (as a JIT does); "fork N M" keeps M executable mappings and forks
   N children that exit at once. Both spin a little between so that they are sampled. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static volatile unsigned sink;

static void spin(unsigned n)
{
	unsigned i, x = sink;
	for (i = 0; i < n; i++)
		x = x * 2654435761u + i;
	sink = x;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000, m = argc > 3 ? atol(argv[3]) : 0, i;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *base = (char *)0x200000000000UL;

	if (argc > 1 && strcmp(argv[1], "jit") == 0) {
		for (i = 0; i < n; i++) {
			/* a new address each time, and the old one unmapped: no munmap record reaches perf */
			void *p = mmap(base + (size_t)i * 2 * page, page, PROT_READ | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				return 2;
			munmap(p, page);
			if (i % 64 == 0)
				spin(20000);
		}
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "fork") == 0) {
		for (i = 0; i < m; i++)
			if (mmap(base + (size_t)i * 2 * page, page, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
				return 2;
		for (i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid < 0)
				return 3;
			if (pid == 0)
				_exit(0);
			waitpid(pid, NULL, 0);
			spin(50000);
		}
		return 0;
	}
	fprintf(stderr, "usage: fx-maps jit N | fork N M\n");
	return 1;
}
