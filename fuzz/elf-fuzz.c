/* fuzz/elf-fuzz.c: ELF and DWARF through libdw: the input as a file, loaded and resolved at a few offsets. */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ptime.h"
#include "fuzz.h"

/* Resolve at a stride through the file, and at the entry point's offset when there is an ELF header. */
static void fuzz_resolve(struct symbols *s, int dso, const uint8_t *data, size_t size)
{
	struct loc loc[64];
	uint64_t entry = 0;
	size_t k;

	for (k = 0; k < 16; k++)
		symbols_resolve(s, dso, (uint64_t)size * k / 16, loc, 64);
	if (size >= 32 && memcmp(data, "\177ELF", 4) == 0) {
		memcpy(&entry, data + 24, sizeof entry); /* e_entry of a 64-bit little-endian file */
		symbols_resolve(s, dso, entry, loc, 64);
		symbols_resolve(s, dso, entry + 16, loc, 64);
	}
}

FUZZ_TARGET(elf)
{
	struct strtab *strs;
	struct symbols *s;
	char path[64];
	char *const *w;
	int fd = memfd_create("elf-fuzz", MFD_CLOEXEC), dso;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	strs = strtab_new();
	s = symbols_new(size & 1, strs);
	dso = symbols_dso(s, path, 0, 0, 0); /* no inode to check against */
	fuzz_resolve(s, dso, data, size);
	symbols_warnings(s, &w);
	symbols_free(s);
	strtab_free(strs);
	close(fd);
	/* symbols_load opened the file again, just above fd: symbols_free must have closed it */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dso = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (dso != fd + 1)
		abort();
	close(fd);
	close(dso);
	return 0;
}
