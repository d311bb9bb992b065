/* probe/pyread-elf.c: the addresses of named symbols of a file mapped into another process (CPython's
   _PyRuntime, glibc's thread descriptor), from its ELF symbol tables through libelf. */
#include "config.h"

#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

/* libelf alone: loaded when a Python process is first looked at, as dlib.c does for libdw. */
#define PYELF_FUNCS(X) X(elf_version) X(elf_begin) X(elf_end) X(elf_kind) X(elf_errmsg) X(gelf_getclass) \
	X(elf_getphdrnum) X(gelf_getphdr) X(elf_nextscn) X(gelf_getshdr) X(elf_getdata) X(gelf_getsym) X(elf_strptr)
DLIB_TABLE(pyelf, PYELF_FUNCS)

/* The load bias: where file offset 0 is mapped (start) less the address the file wants for it, from
   the PT_LOAD of the lowest offset (0 in every linker's output; the page holds the ELF header). */
static bool pyelf_bias(Elf *elf, uint64_t start, uint64_t *bias)
{
	size_t n = 0, i;
	GElf_Phdr ph;
	bool found = false;
	uint64_t off = 0, vaddr = 0;

	if (pyelf.elf_getphdrnum(elf, &n) != 0)
		return false;
	for (i = 0; i < n && i < 4096; i++) {
		if (!pyelf.gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!found || ph.p_offset < off) {
			off = ph.p_offset;
			vaddr = ph.p_vaddr;
			found = true;
		}
	}
	if (!found || vaddr < off)
		return false;
	*bias = start - ((vaddr - off) & ~(uint64_t)0xfff);
	return true;
}

/* The file offset of the address vaddr wants, from the PT_LOAD that holds it; 0 if none does. */
static uint64_t pyelf_offset(Elf *elf, uint64_t vaddr)
{
	size_t n = 0, i;
	GElf_Phdr ph;

	if (pyelf.elf_getphdrnum(elf, &n) != 0)
		return 0;
	for (i = 0; i < n && i < 4096; i++)
		if (pyelf.gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr - ph.p_vaddr < ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	return 0;
}

/* Look the wanted names up in one symbol table section; returns how many were newly found. */
static size_t pyelf_scan(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t bias, struct pyelf_sym *syms, size_t n)
{
	Elf_Data *data = pyelf.elf_getdata(scn, NULL);
	size_t count, i, k, found = 0;
	GElf_Sym sym;
	const char *name;

	if (!data || !sh->sh_entsize)
		return 0;
	count = data->d_size / sh->sh_entsize;
	for (i = 1; i < count; i++) {
		if (!pyelf.gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value ||
		    GELF_ST_TYPE(sym.st_info) == STT_TLS)
			continue;
		name = pyelf.elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		for (k = 0; k < n; k++)
			if (!syms[k].addr && strcmp(name, syms[k].name) == 0) {
				syms[k].addr = bias + sym.st_value;
				syms[k].size = sym.st_size;
				syms[k].off = pyelf_offset(elf, sym.st_value);
				found++;
			}
	}
	return found;
}

/* Fill syms[i].addr (0: absent) with the run-time addresses of the names in the file at path, mapped with
   its offset 0 at start; ino, when not 0, must be the mapped file's inode. Returns how many were found, or
   -1 with why set. .dynsym is read first, .symtab only for names that it lacks. */
int pyelf_symbols(const char *path, uint64_t ino, uint64_t start, struct pyelf_sym *syms, size_t n, char *why, size_t len)
{
	char ewhy[160];
	struct stat st;
	Elf *elf = NULL;
	Elf_Scn *scn;
	GElf_Shdr sh;
	uint64_t bias;
	size_t found = 0, k, pass;
	int fd, ret = -1;

	for (k = 0; k < n; k++)
		syms[k].addr = syms[k].size = syms[k].off = 0;
	if (!pyelf_load("libelf.so.1")) {
		snprintf(why, len, "%s", pyelf_why);
		return -1;
	}
	pyelf.elf_version(EV_CURRENT);
	fd = safefile_open(path, 0, &st, ewhy, sizeof ewhy);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", path, ewhy);
		return -1;
	}
	if (ino && st.st_ino != ino) {
		snprintf(why, len, "%s: not the file that is mapped (replaced since)", path);
		goto out;
	}
	/* ELF_C_READ, not _MMAP: a file truncated under ptime is a read error, not a SIGBUS */
	elf = pyelf.elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || pyelf.elf_kind(elf) != ELF_K_ELF || pyelf.gelf_getclass(elf) != ELFCLASS64) {
		snprintf(why, len, "%s: not a 64-bit ELF file", path);
		goto out;
	}
	if (!pyelf_bias(elf, start, &bias)) {
		snprintf(why, len, "%s: no loadable segment", path);
		goto out;
	}
	for (pass = 0; pass < 2 && found < n; pass++) {
		scn = NULL;
		while ((scn = pyelf.elf_nextscn(elf, scn)) && found < n)
			if (pyelf.gelf_getshdr(scn, &sh) && sh.sh_type == (pass ? SHT_SYMTAB : SHT_DYNSYM))
				found += pyelf_scan(elf, scn, &sh, bias, syms, n);
	}
	ret = (int)found;
out:
	if (elf)
		pyelf.elf_end(elf);
	close(fd);
	return ret;
}
