/* fx-hot-shared.c: fixture: the 3:1 work of fx-hot, in libfxhot.so linked at build time. */
#include <stdlib.h>

void fx_work(long ms);

int main(int argc, char **argv)
{
	fx_work(argc > 1 ? atol(argv[1]) : 500);
	return 0;
}
