/* fx-burn.c: fixture: burn CPU in user space for MS milliseconds in each of T threads and P processes.
   Usage: fx-burn MS [THREADS [PROCS]] */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long burn_ms;
volatile unsigned long fx_sink;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *burn(void *arg)
{
	double end = cpu_now() + burn_ms;
	unsigned long x = 0;
	(void)arg;
	while (cpu_now() < end)
		for (int i = 0; i < 1000000; i++) {
			x = x * 6364136223846793005ul + (unsigned long)i;
			__asm__ volatile("" : "+r"(x)); /* keep the loop a loop */
		}
	fx_sink = x;
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 1, procs = argc > 3 ? atoi(argv[3]) : 1;
	pthread_t t[64];
	int i;

	burn_ms = argc > 1 ? atol(argv[1]) : 100;
	for (i = 1; i < procs; i++)
		if (fork() == 0) {
			procs = 1;
			break;
		}
	for (i = 1; i < threads && i < 64; i++)
		pthread_create(&t[i], NULL, burn, NULL);
	burn(NULL);
	for (i = 1; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	while (wait(NULL) > 0)
		;
	return 0;
}
