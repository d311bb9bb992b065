/* tests/fx-pyread.c: the Python stacks that pyread reads, for t-pyread.sh. `fx-pyread PID TID` prints the
   stack of thread TID, "file:line func" innermost first, or the reason it cannot; `fx-pyread --run PROG ARG...`
   starts PROG as its own child (so that it may read it wherever ptrace_scope allows a parent), waits for the
   line "ready PID TID" on its output, prints the stacks of the main thread and of thread TID, and kills it. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

/* Print the stack of tid in pid; a torn read is tried again, up to 100 times. */
static int fx_print(struct pyproc *pp, pid_t tid)
{
	struct pyframe f[64];
	size_t n = 0, i;
	bool t = false;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		n = pyproc_stack(pp, tid, f, 64, &t);
		if (n || !t)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	for (i = 0; i < n; i++) {
		const struct pycode *c = pyproc_code(pp, f[i].code);
		printf("%s:%d %s\n", c ? c->file : "?", f[i].line, c ? c->name : "?");
	}
	return n ? 0 : 1;
}

/* Open pid and print the stacks of the tids, each after a line "thread TID". */
static int fx_read(pid_t pid, const pid_t *tids, size_t n)
{
	char why[256];
	bool final;
	struct pyproc *pp = pyproc_open(pid, why, sizeof why, &final);
	uint64_t reads, torn;
	size_t i;
	int rc = 0;

	if (!pp) {
		printf("why: %s\n", why[0] ? why : "not CPython");
		if (why[0])
			printf("%s\n", final ? "final" : "may pass");
		return 1;
	}
	printf("version: %x\n", pyproc_version(pp));
	for (i = 0; i < n; i++) {
		printf("thread %d\n", (int)tids[i]);
		rc |= fx_print(pp, tids[i]);
	}
	pyproc_stats(pp, &reads, &torn);
	printf("reads: %llu torn: %llu\n", (unsigned long long)reads, (unsigned long long)torn);
	pyproc_close(pp);
	return rc;
}

int main(int argc, char **argv)
{
	pid_t tids[2], child;
	char line[256];
	int p[2], rc, pid = 0, tid = 0;
	FILE *out;

	if (argc == 3) {
		tids[0] = atoi(argv[2]);
		return fx_read(atoi(argv[1]), tids, 1);
	}
	if (argc < 3 || strcmp(argv[1], "--run") != 0) {
		fprintf(stderr, "usage: fx-pyread PID TID | fx-pyread --run PROG [ARG]...\n");
		return 2;
	}
	if (pipe(p) < 0 || (child = fork()) < 0)
		return 2;
	if (child == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	close(p[1]);
	out = fdopen(p[0], "r");
	/* a Python without the layout prints no tid it can name: its pid alone is enough to ask */
	if (!out || !fgets(line, sizeof line, out) || sscanf(line, "ready %d %d", &pid, &tid) < 1 || pid != child) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		printf("why: the fixture did not start\n");
		return 1;
	}
	tids[0] = pid;
	tids[1] = tid;
	/* from the print to the loop is a few bytecodes: a sleep, not a timing threshold, covers them */
	nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
	fflush(stdout);
	rc = fx_read(pid, tids, tid > 0 ? 2 : 1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	fclose(out);
	return rc;
}
