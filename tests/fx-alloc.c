/* fx-alloc.c: fixture: allocate and touch N MiB (argv[1]), hold them for MS milliseconds (argv[2], default 0), then exit 0. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 10;
	long ms = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	int rc;
	char *p = malloc(mib << 20);
	if (!p)
		return 1;
	memset(p, 1, mib << 20);
	if (ms > 0) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	rc = p[mib] == 1 ? 0 : 2;
	free(p); /* LeakSanitizer in a sanitizer build would otherwise fail the exit */
	return rc;
}
