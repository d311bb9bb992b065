/* fx-hot-work.c: fixture code: two functions whose costs are 3:1 by construction (each spins for a
   fixed CPU time), each on one marked line. Built into fx-hot and into libfxhot.so. */
#include <time.h>

volatile unsigned long fx_sink;
void fx_work(long ms);

static double fx_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Spin for ms of this thread's CPU time, checking the clock every 100000 iterations. */
__attribute__((noinline)) static void fx_heavy(double ms)
{
	for (double end = fx_cpu_ms() + ms; fx_cpu_ms() < end;) for (long i = 0; i < 100000; i++) fx_sink += (unsigned long)i; /* FX-HEAVY */
}

/* Not the same code as fx_heavy ('^='), so that no compiler folds the two into one. */
__attribute__((noinline)) static void fx_light(double ms)
{
	for (double end = fx_cpu_ms() + ms; fx_cpu_ms() < end;) for (long i = 0; i < 100000; i++) fx_sink ^= (unsigned long)i; /* FX-LIGHT */
}

/* Burn about ms milliseconds of this thread's CPU: 3/4 in fx_heavy, 1/4 in fx_light, in 40 ms
   cycles of many sampling periods, so that periodic sampling cannot alias with them. */
__attribute__((noinline)) void fx_work(long ms)
{
	for (long done = 0; done < ms; done += 40) {
		fx_heavy(30);
		fx_light(10);
	}
}
