/* fx-inline.c: known inlining for the profile tests: a header function inlined into two callers
   that spend CPU time 3:1, and a chain of three inlined calls in one function. Each part spends
   fixed CPU time, not a fixed count, so that the split does not depend on code placement. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fx-inline.h"

void caller_a(double ms);
void caller_b(double ms);
void top(double ms);
unsigned rec(unsigned depth, double end);

static volatile unsigned sink;

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline)) void caller_a(double ms)
{
	double end = cpu_ms() + ms;
	unsigned x = 1, i;
	while (cpu_ms() < end)
		for (i = 0; i < 20000; i++)
			x = hdr_work(x); /* FX-CALL-A */
	sink = x;
}

__attribute__((noinline)) void caller_b(double ms)
{
	double end = cpu_ms() + ms;
	unsigned x = 7, i;
	while (cpu_ms() < end)
		for (i = 0; i < 20000; i++)
			x = hdr_work(x); /* FX-CALL-B */
	sink = x;
}

static inline __attribute__((always_inline)) unsigned inner(unsigned x)
{
	return (x ^ (x << 7)) * 40503u; /* FX-INNER */
}

static inline __attribute__((always_inline)) unsigned mid(unsigned x)
{
	return inner(x) + 1; /* FX-MID */
}

static inline __attribute__((always_inline)) unsigned outer(unsigned x)
{
	return mid(x) ^ 0x55u; /* FX-OUTER */
}

__attribute__((noinline)) void top(double ms)
{
	double end = cpu_ms() + ms;
	unsigned x = 3, i;
	while (cpu_ms() < end)
		for (i = 0; i < 20000; i++)
			x = outer(x); /* FX-TOP */
	sink = x;
}

/* Recursion: rec calls itself 8 deep, then spins; its inclusive cost must count a sample once. */
__attribute__((noinline)) unsigned rec(unsigned depth, double end)
{
	unsigned x = depth, i;
	if (depth < 8)
		x += rec(depth + 1, end) * 3; /* FX-REC */
	else
		while (cpu_ms() < end)
			for (i = 0; i < 20000; i++)
				x = x * 2654435761u + i;
	return x;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 400;
	caller_a(ms * 3 / 4);
	caller_b(ms / 4);
	top(ms / 2);
	sink = rec(0, cpu_ms() + ms / 4);
	printf("%u\n", sink);
	return 0;
}
