/* fx-exit.c: fixture: exit with status N (argv[1]); with a second argument, die by signal N instead. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (argc > 2) {
		signal(n, SIG_DFL);
		raise(n);
		pause();
	}
	return n;
}
