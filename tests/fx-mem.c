/* fx-mem.c: fixture for t-alloc.sh: allocation sites of sizes that nothing else in the process asks for, so
   that a count by size is a count by site. Modes:
     sites    (default) every kind once or a known number of times, a thread, a forked child; prints a line
     exec     a child that allocates 5550 bytes, then execs this program in sites mode (a new image)
     exit     sites, then _exit(3) with no exit handlers
     kill     sites, then SIGKILL to itself
     volume   110000 blocks of 64 << (i % 11) bytes, each freed at once (1,310,080,000 bytes)
     threads  4 threads, 20000 blocks of 3333 bytes each, while the main thread forks 20 children that
              each allocate one block of 3335 bytes and exit */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

static void *thread_site(void *arg)
{
	char *p = malloc(4441);

	memset(p, 1, 4441);
	sink = p;
	free(p);
	return arg;
}

/* malloc: 3 x 1111 kept, 5 x 2222 held then freed, 1000 x 333 freed at once, 1001 then realloc'ed,
   300000 (served by glibc's own mmap) freed, 4441 in a second thread freed; calloc 7 x 111 freed;
   realloc 1001 -> 2002 -> 4004 -> 8008, then freed; posix_memalign 6666 freed; an anonymous mmap of
   20480 bytes unmapped. */
static void sites(void)
{
	char *keep[3], *held[5], *p, *q; /* keep: never freed */
	pthread_t t;
	void *m;
	int i;

	for (i = 0; i < 3; i++)
		sink = keep[i] = malloc(1111);
	for (i = 0; i < 5; i++)
		held[i] = malloc(2222);
	for (i = 0; i < 1000; i++) {
		p = malloc(333);
		p[0] = (char)i;
		sink = p;
		free(p);
	}
	for (i = 0; i < 5; i++)
		free(held[i]);
	p = calloc(7, 111);
	sink = p;
	free(p);
	p = malloc(1001);
	for (i = 2002; i <= 8008; i *= 2) {
		q = realloc(p, (size_t)i);
		if (!q)
			exit(2);
		p = q;
	}
	free(p);
	if (posix_memalign(&m, 64, 6666) != 0)
		exit(2);
	free(m);
	p = malloc(300000);
	memset(p, 2, 300000);
	sink = p;
	free(p);
	m = mmap(NULL, 20480, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		exit(2);
	munmap(m, 20480);
	if (pthread_create(&t, NULL, thread_site, NULL) != 0 || pthread_join(t, NULL) != 0)
		exit(2);
}

static void *thread_many(void *arg)
{
	int i;

	for (i = 0; i < 20000; i++) {
		char *p = malloc(3333);
		p[0] = 1;
		sink = p;
		free(p);
	}
	return arg;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sites";
	pthread_t t[4];
	pid_t pid;
	int i, st;

	if (strcmp(mode, "volume") == 0) {
		for (i = 0; i < 110000; i++) {
			char *p = malloc((size_t)64 << (i % 11));
			p[0] = 1;
			sink = p;
			free(p);
		}
		return 0;
	}
	if (strcmp(mode, "threads") == 0) {
		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, thread_many, NULL) != 0)
				return 2;
		for (i = 0; i < 20; i++) {
			pid = fork();
			if (pid == 0) {
				sink = malloc(3335);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
				return 2;
		}
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	if (strcmp(mode, "exec") == 0) {
		pid = fork();
		if (pid == 0) {
			sink = malloc(5550);
			execl("/proc/self/exe", argv[0], "sites", (char *)NULL);
			_exit(127);
		}
		return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 2;
	}
	sites();
	if (strcmp(mode, "exit") == 0)
		_exit(3);
	if (strcmp(mode, "kill") == 0)
		raise(SIGKILL);
	/* The same sites in a forked child, which has a file of its own. */
	pid = fork();
	if (pid == 0) {
		sites();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		return 2;
	printf("fx-mem: done\n");
	return 0;
}
