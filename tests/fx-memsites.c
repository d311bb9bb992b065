/* fx-memsites.c: fixture for t-memory.sh: allocation sites of known sizes on lines marked SITE, so that the
   report's sites can be checked against this file and against heaptrack. One run() allocates:
     keep    3 x 100000 bytes, never freed (leaked)
     held    10 x 1 MiB, all live at once (the heap's peak), then freed
     temp    100000 x 64 bytes, each freed before the next allocation (temporary)
     thread  2 MiB in a second thread, freed
   Modes: run (the default) runs it once; fork runs it in a forked child, waits, then runs it again;
   small runs it with 2,000,000 temporaries (128,000,000 bytes), for the estimates at a sampling rate. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

static void *keep_site(void)
{
	return malloc(100000); /* SITE keep */
}

static char *held_site(void)
{
	return malloc(1 << 20); /* SITE held */
}

static void temp_site(void)
{
	char *p = malloc(64); /* SITE temp */
	p[0] = 1;
	sink = p;
	free(p);
}

static void *thread_main(void *arg)
{
	char *p = malloc(2 << 20); /* SITE thread */
	memset(p, 1, 2 << 20);
	sink = p;
	free(p);
	return arg;
}

static void held(void)
{
	char *h[10];
	int i;

	for (i = 0; i < 10; i++) {
		h[i] = held_site();
		memset(h[i], 1, 1 << 20);
	}
	for (i = 0; i < 10; i++)
		free(h[i]);
}

static void run(int temps)
{
	pthread_t t;
	int i;

	for (i = 0; i < 3; i++)
		sink = keep_site();
	held();
	for (i = 0; i < temps; i++)
		temp_site();
	if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, NULL) != 0)
		exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "run";
	int st;
	pid_t pid;

	if (strcmp(mode, "small") == 0) {
		run(2000000);
		return 0;
	}
	if (strcmp(mode, "fork") == 0) {
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			run(100000);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || st != 0)
			return 2;
	}
	run(100000);
	return 0;
}
