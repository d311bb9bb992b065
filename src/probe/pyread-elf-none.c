/* probe/pyread-elf-none.c: a build without libdw (./configure --without-libdw) has no libelf to read
   symbol tables with, so no Python process is read; the reason says so. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "ptime.h"

/* No symbols without libelf: always -ENOSYS, with the reason. */
int pyelf_symbols(const char *path, uint64_t ino, uint64_t start, struct pyelf_sym *syms, size_t n, char *why, size_t len)
{
	size_t k;

	(void)path;
	(void)ino;
	(void)start;
	for (k = 0; k < n; k++)
		syms[k].addr = syms[k].size = syms[k].off = 0;
	snprintf(why, len, "built without libdw");
	return -ENOSYS;
}
