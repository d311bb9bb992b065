/* tests/fx-plt.c: calls a cheap libc function (abs) through the PLT for a fixed CPU time, so that
   a profile shows the PLT stub "abs@plt" by name (and no "_init"). */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.3;
	volatile unsigned sink = 0;
	long i;

	while ((double)clock() / CLOCKS_PER_SEC < secs)
		for (i = 0; i < 1000000; i++)
			sink += (unsigned)abs((int)i - 500000);
	return sink == 42;
}
