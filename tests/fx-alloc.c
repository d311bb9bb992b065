/* fx-alloc.c: fixture: allocate and touch N MiB (argv[1]), then exit 0. */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 10;
	char *p = malloc(mib << 20);
	if (!p)
		return 1;
	memset(p, 1, mib << 20);
	return p[mib] == 1 ? 0 : 2;
}
