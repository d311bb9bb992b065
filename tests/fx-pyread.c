/* tests/fx-pyread.c: fx-pyread PID TID prints the Python stack of thread TID, "file:line func" innermost
   first, or the reason it cannot (t-pyread.sh); a torn read is tried again, up to 100 times. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ptime.h"

int main(int argc, char **argv)
{
	struct pyframe f[64];
	char why[256];
	struct pyproc *pp;
	uint64_t reads, torn;
	size_t n = 0, i;
	bool t = false;
	int tries;

	if (argc != 3) {
		fprintf(stderr, "usage: fx-pyread PID TID\n");
		return 2;
	}
	pp = pyproc_open(atoi(argv[1]), why, sizeof why);
	if (!pp) {
		printf("why: %s\n", why[0] ? why : "not CPython");
		return 1;
	}
	for (tries = 0; tries < 100; tries++) {
		n = pyproc_stack(pp, atoi(argv[2]), f, 64, &t);
		if (n || !t)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	printf("version: %x\n", pyproc_version(pp));
	for (i = 0; i < n; i++) {
		const struct pycode *c = pyproc_code(pp, f[i].code);
		printf("%s:%d %s\n", c ? c->file : "?", f[i].line, c ? c->name : "?");
	}
	pyproc_stats(pp, &reads, &torn);
	printf("reads: %llu torn: %llu\n", (unsigned long long)reads, (unsigned long long)torn);
	pyproc_close(pp);
	return 0;
}
