/* fx-hostile.c: fixture: hot loops whose debug info names hostile "source files", through #line.
   Usage: fx-hostile MODE MS; MODE is bigline (a line numbered near INT_MAX), stdin (/dev/stdin, as if
   compiled from a pipe), zero (/dev/zero), fifo (fx-hostile.fifo in the profiler's working directory,
   where the test makes a FIFO) or shadow (/etc/shadow). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile unsigned long fx_sink;
static void hot_bigline(void), hot_stdin(void), hot_zero(void), hot_fifo(void), hot_shadow(void);

int main(int argc, char **argv)
{
	static const struct { const char *mode; void (*hot)(void); } modes[] = {
		{ "bigline", hot_bigline }, { "stdin", hot_stdin }, { "zero", hot_zero },
		{ "fifo", hot_fifo }, { "shadow", hot_shadow },
	};
	struct timespec s, n;
	long ms = argc > 2 ? atol(argv[2]) : 300;
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (argc > 1 && strcmp(argv[1], modes[i].mode) == 0)
			break;
	if (i == sizeof modes / sizeof modes[0]) {
		fprintf(stderr, "fx-hostile: unknown mode\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &s);
	do {
		modes[i].hot();
		clock_gettime(CLOCK_MONOTONIC, &n);
	} while ((n.tv_sec - s.tv_sec) * 1000 + (n.tv_nsec - s.tv_nsec) / 1000000 < ms);
	return 0;
}

#line 2147483600
static void hot_bigline(void) { for (long k = 0; k < 100000; k++) fx_sink += (unsigned long)k; } /* FX-BIGLINE */
#line 1 "/dev/stdin"
static void hot_stdin(void) { for (long k = 0; k < 100000; k++) fx_sink += (unsigned long)k; }
#line 1 "/dev/zero"
static void hot_zero(void) { for (long k = 0; k < 100000; k++) fx_sink += (unsigned long)k; }
#line 1 "/proc/self/cwd/fx-hostile.fifo"
static void hot_fifo(void) { for (long k = 0; k < 100000; k++) fx_sink += (unsigned long)k; }
#line 1 "/etc/shadow"
static void hot_shadow(void) { for (long k = 0; k < 100000; k++) fx_sink += (unsigned long)k; }
