/* profile/symbols.c: addresses in files to function and file:line with elfutils libdw, built once per file:
   a sorted symbol table, and a compilation-unit table for binaries without .debug_aranges. */
#include "config.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ptime.h"

struct sym {
	uint64_t addr, size;
	const char *name;
};

struct cu_range {
	uint64_t lo, hi;
	Dwarf_Off off;
};

struct load {
	uint64_t offset, vaddr, filesz;
};

struct dso {
	const char *path;     /* interned */
	const char *name;     /* basename, for dso+0xOFF */
	int kind;             /* DSO_FILE, DSO_VDSO, DSO_JIT, DSO_ANON */
	int pid;              /* for DSO_JIT */
	bool loaded, usable, warned;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	uint64_t bias;        /* module address = ELF vaddr + bias */
	struct load *loads;
	size_t nloads;
	struct sym *syms;
	size_t nsyms;
	struct cu_range *cus;
	size_t ncus;
	bool cus_built;
};

enum { DSO_FILE, DSO_VDSO, DSO_JIT, DSO_ANON };

struct symbols {
	struct dso *dsos;
	size_t n, cap;
	bool inline_caller;
	struct strtab *strs;
	char **warnings;
	size_t nwarnings;
};

/* libdw is loaded when the first address is resolved, not linked: ptime's start-up stays that of a
   program linked to libc, json-c and libcap (libdw pulls in five compression libraries). */
#define DW_FUNCS(X) X(dwfl_begin) X(dwfl_report_begin) X(dwfl_report_elf) X(dwfl_report_end) X(dwfl_errmsg) \
	X(dwfl_module_getelf) X(dwfl_module_getsymtab) X(dwfl_module_getsym_info) X(dwfl_module_getsrc) \
	X(dwfl_lineinfo) X(dwfl_module_getdwarf) X(dwfl_end) X(dwfl_standard_find_debuginfo) \
	X(dwfl_offline_section_address) X(dwarf_nextcu) X(dwarf_offdie) X(dwarf_ranges) X(dwarf_getsrc_die) \
	X(dwarf_linesrc) X(dwarf_lineno) X(dwarf_getscopes) X(dwarf_tag) X(dwarf_formudata) X(dwarf_attr) \
	X(dwarf_getsrcfiles) X(dwarf_filesrc) X(elf_version) X(elf_getphdrnum) X(gelf_getphdr) \
	X(gelf_getehdr) X(elf_getshdrstrndx) X(elf_nextscn) X(elf_getscn) X(gelf_getshdr) X(elf_strptr) \
	X(elf_getdata) X(gelf_getrela) X(gelf_getrel) X(gelf_getsym)

DLIB_TABLE(libdw, DW_FUNCS)
static Dwfl_Callbacks symbols_callbacks;

/* Load libdw (and through it libelf) once. */
static bool symbols_dlopen(void)
{
	bool first = !libdw_tried;
	if (!libdw_load("libdw.so.1"))
		return false;
	if (first) {
		symbols_callbacks.find_debuginfo = libdw.dwfl_standard_find_debuginfo; /* debuglink, build-id */
		symbols_callbacks.section_address = libdw.dwfl_offline_section_address;
		libdw.elf_version(EV_CURRENT);
	}
	return true;
}

/* A resolver; inline_caller charges inlined code to its call site in the enclosing function. */
struct symbols *symbols_new(bool inline_caller, struct strtab *strs)
{
	struct symbols *s = xcalloc(1, sizeof *s);
	s->inline_caller = inline_caller;
	s->strs = strs;
	return s;
}

static void symbols_warn(struct symbols *s, char *msg)
{
	s->warnings = xrealloc(s->warnings, (s->nwarnings + 1) * sizeof *s->warnings);
	s->warnings[s->nwarnings++] = msg;
}

static int symbols_add(struct symbols *s, const char *path, int kind, int pid)
{
	size_t i;
	const char *slash;
	for (i = 0; i < s->n; i++)
		if (s->dsos[i].kind == kind && s->dsos[i].pid == pid && strcmp(s->dsos[i].path, path) == 0)
			return (int)i;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->dsos = xrealloc(s->dsos, s->cap * sizeof *s->dsos);
	}
	memset(&s->dsos[s->n], 0, sizeof s->dsos[0]);
	s->dsos[s->n].path = strtab_intern(s->strs, path);
	slash = strrchr(path, '/');
	s->dsos[s->n].name = strtab_intern(s->strs, slash ? slash + 1 : path);
	s->dsos[s->n].kind = kind;
	s->dsos[s->n].pid = pid;
	return (int)s->n++;
}

/* The id of the file a mapping named path maps, as seen by process pid. */
int symbols_dso(struct symbols *s, const char *path, int pid)
{
	if (strcmp(path, "[vdso]") == 0)
		return symbols_add(s, path, DSO_VDSO, 0);
	if (path[0] != '/' || strncmp(path, "//anon", 6) == 0 || strncmp(path, "/memfd:", 7) == 0 ||
	    strncmp(path, "/dev/zero", 9) == 0)
		return symbols_jit_dso(s, pid); /* anonymous executable memory: JIT code, if anything */
	return symbols_add(s, path, DSO_FILE, 0);
}

/* Whether addresses in dso are absolute (JIT code) rather than offsets in a file. */
bool symbols_absolute(const struct symbols *s, int dso)
{
	return s->dsos[dso].kind == DSO_JIT;
}

/* The pseudo-file of process pid's anonymous code, resolved through /tmp/perf-PID.map. */
int symbols_jit_dso(struct symbols *s, int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", pid);
	return symbols_add(s, path, DSO_JIT, pid);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void symbols_load_jit(struct symbols *s, struct dso *d)
{
	FILE *f = fopen(d->path, "re");
	char line[4096];
	size_t cap = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *end, *name;
		uint64_t start = strtoull(line, &end, 16), size = strtoull(end, &name, 16);
		if (end == line || name == end)
			continue;
		name += strspn(name, " \t");
		name[strcspn(name, "\n")] = '\0';
		if (d->nsyms == cap) {
			cap = cap ? cap * 2 : 256;
			d->syms = xrealloc(d->syms, cap * sizeof *d->syms);
		}
		d->syms[d->nsyms++] = (struct sym){ start, size, strtab_intern(s->strs, name) };
	}
	fclose(f);
	if (d->nsyms)
		qsort(d->syms, d->nsyms, sizeof *d->syms, sym_cmp);
	d->usable = d->nsyms > 0;
}

/* The kernel's vdso is the same image in every process: copy ptime's own into a memfd for libdw. */
static int symbols_vdso_fd(void)
{
	const unsigned char *img = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)img;
	size_t size, i;
	int fd;

	if (!img || memcmp(img, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -1;
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + i * eh->e_phentsize);
		if (ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, img, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}


/* The ELF sections that name PLT stubs: the stubs, their relocations and the symbols these name. */
struct plt_elf {
	Elf *elf;
	GElf_Ehdr eh;
	size_t shstrndx;
};

static Elf_Scn *plt_section(const struct plt_elf *pe, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	while ((scn = libdw.elf_nextscn(pe->elf, scn))) {
		const char *n;
		if (!libdw.gelf_getshdr(scn, sh) || sh->sh_type == SHT_NOBITS)
			continue;
		n = libdw.elf_strptr(pe->elf, pe->shstrndx, sh->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

/* The symbol table a relocation section names, and its string table. */
static bool plt_symtab(const struct plt_elf *pe, GElf_Word link, Elf_Data **syms, Elf_Data **strs)
{
	Elf_Scn *scn = libdw.elf_getscn(pe->elf, link);
	GElf_Shdr sh;
	if (!scn || !libdw.gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
		return false;
	*syms = libdw.elf_getdata(scn, NULL);
	scn = libdw.elf_getscn(pe->elf, sh.sh_link);
	*strs = scn ? libdw.elf_getdata(scn, NULL) : NULL;
	return *syms && *strs && (*strs)->d_size > 0;
}

static const char *plt_symname(Elf_Data *syms, Elf_Data *strs, size_t idx)
{
	GElf_Sym sym;
	if (!idx || !libdw.gelf_getsym(syms, (int)idx, &sym) || sym.st_name >= strs->d_size)
		return "";
	return (const char *)strs->d_buf + sym.st_name;
}

struct plt_rel {
	uint64_t got;   /* the GOT slot the stub jumps through */
	size_t sym;     /* in the linked symbol table; 0 for an IRELATIVE (IFUNC) slot */
	uint64_t addend;
	bool irelative;
};

static int plt_rel_cmp(const void *a, const void *b)
{
	const struct plt_rel *x = a, *y = b;
	return x->got < y->got ? -1 : x->got > y->got;
}

/* A relocation section's entries, sorted by GOT slot: on x86 the stubs follow the slots' order,
   and IFUNC relocations are not emitted in it. */
static size_t plt_rels(Elf_Scn *scn, const GElf_Shdr *sh, bool sort, struct plt_rel **out)
{
	Elf_Data *data = libdw.elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0, i;
	struct plt_rel *r;

	*out = NULL;
	if (!data || !n)
		return 0;
	r = xcalloc(n, sizeof *r);
	for (i = 0; i < n; i++) {
		if (sh->sh_type == SHT_RELA) {
			GElf_Rela ra;
			if (!libdw.gelf_getrela(data, (int)i, &ra))
				break;
			r[i] = (struct plt_rel){ ra.r_offset, GELF_R_SYM(ra.r_info), (uint64_t)ra.r_addend,
						 GELF_R_TYPE(ra.r_info) == R_X86_64_IRELATIVE };
		} else {
			GElf_Rel rl;
			if (!libdw.gelf_getrel(data, (int)i, &rl))
				break;
			r[i] = (struct plt_rel){ rl.r_offset, GELF_R_SYM(rl.r_info), 0, false };
		}
	}
	n = i;
	if (sort)
		qsort(r, n, sizeof *r, plt_rel_cmp);
	*out = r;
	return n;
}

/* Add name@plt, or the name of the PLT itself (".plt") when name is NULL. */
static void plt_push(struct symbols *s, struct dso *d, size_t *cap, uint64_t addr, uint64_t size, const char *name)
{
	char buf[1024];
	if (d->nsyms == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		d->syms = xrealloc(d->syms, *cap * sizeof *d->syms);
	}
	snprintf(buf, sizeof buf, "%s%s", name ? name : ".plt", name ? "@plt" : "");
	d->syms[d->nsyms++] = (struct sym){ addr, size, strtab_intern(s->strs, buf) };
}

/* The name of an IFUNC's PLT slot: the function at the relocation's addend, among those read so far. */
static const char *plt_ifunc_name(const struct dso *d, size_t nreal, uint64_t addr)
{
	size_t i;
	for (i = 0; i < nreal; i++)
		if (d->syms[i].addr == addr)
			return d->syms[i].name;
	return NULL;
}

/* The target of a .plt.got stub's "jmp *disp(%rip)" (after endbr64 and a bnd prefix), or 0. */
static uint64_t plt_jmp_target(const unsigned char *p, size_t len, uint64_t addr)
{
	size_t n = 0;
	int32_t disp;
	if (len >= 4 && memcmp(p, "\xf3\x0f\x1e\xfa", 4) == 0)
		n += 4;
	if (n < len && p[n] == 0xf2)
		n++;
	if (n + 6 > len || p[n] != 0xff || p[n + 1] != 0x25)
		return 0;
	memcpy(&disp, p + n + 2, 4);
	return addr + n + 6 + (int64_t)disp;
}

/* x86's .plt.got: stubs of functions whose GOT slot is bound at load time (-z now), named through .rela.dyn. */
static void symbols_plt_got(struct symbols *s, struct dso *d, const struct plt_elf *pe, GElf_Addr bias, size_t *cap)
{
	GElf_Shdr sh, rsh;
	Elf_Scn *scn = plt_section(pe, ".plt.got", &sh), *rscn;
	Elf_Data *code, *syms = NULL, *strs = NULL;
	struct plt_rel *rels = NULL;
	size_t nrels = 0, i;

	if (!scn || !sh.sh_entsize || !(code = libdw.elf_getdata(scn, NULL)))
		return;
	rscn = pe->eh.e_machine == EM_X86_64 ? plt_section(pe, ".rela.dyn", &rsh) : NULL;
	if (rscn && plt_symtab(pe, rsh.sh_link, &syms, &strs))
		nrels = plt_rels(rscn, &rsh, true, &rels);
	for (i = 0; i + sh.sh_entsize <= sh.sh_size && i + sh.sh_entsize <= code->d_size; i += sh.sh_entsize) {
		struct plt_rel key = { plt_jmp_target((const unsigned char *)code->d_buf + i, sh.sh_entsize,
						      sh.sh_addr + i), 0, 0, false };
		const struct plt_rel *r = key.got && nrels ? bsearch(&key, rels, nrels, sizeof *rels, plt_rel_cmp) : NULL;
		const char *name = r ? plt_symname(syms, strs, r->sym) : "";
		char off[40];
		if (!*name) {
			snprintf(off, sizeof off, "offset_%#llx", (unsigned long long)(sh.sh_offset + i));
			name = off;
		}
		plt_push(s, d, cap, sh.sh_addr + i + bias, sh.sh_entsize, name);
	}
	free(rels);
}

/* Name the PLT stubs "function@plt" as perf does (dso__synthesize_plt_symbols): they are in no symbol
   table, so their samples went to whatever symbol came before (_init). The i-th stub of .plt (after a
   lazy-binding header), or of .plt.sec with IBT, jumps through the i-th GOT slot of .rela.plt. */
static void symbols_plt(struct symbols *s, struct dso *d, Elf *elf, GElf_Addr bias, size_t *cap)
{
	struct plt_elf pe = { .elf = elf };
	GElf_Shdr plt, sec, rsh;
	Elf_Scn *rscn;
	Elf_Data *syms, *strs;
	struct plt_rel *rels;
	size_t nreal = d->nsyms, nrels, i;
	uint64_t entry, header, addr;
	bool x86, lazy = true;

	if (!elf || !libdw.gelf_getehdr(elf, &pe.eh) || libdw.elf_getshdrstrndx(elf, &pe.shstrndx) != 0 ||
	    !plt_section(&pe, ".plt", &plt))
		return;
	x86 = pe.eh.e_machine == EM_X86_64 || pe.eh.e_machine == EM_386;
	switch (pe.eh.e_machine) {
	case EM_AARCH64: header = 32; entry = 16; break;
	case EM_ARM: header = 20; entry = 12; break;
	case EM_386:
	case EM_X86_64:
		/* 16-byte entries, or 8 (-z bndplt off, x32); the alignment tells when entsize does not */
		entry = plt.sh_entsize == 8 || plt.sh_entsize == 16 ? plt.sh_entsize : plt.sh_addralign == 8 ? 8 : 16;
		header = entry;
		break;
	default: header = entry = plt.sh_entsize; break;
	}
	if (!entry)
		return;
	if (x86)
		symbols_plt_got(s, d, &pe, bias, cap);
	addr = plt.sh_addr;
	if (x86 && plt_section(&pe, ".plt.sec", &sec)) {
		/* IBT: .plt holds the lazy-binding trampolines, .plt.sec the stubs that are called */
		plt_push(s, d, cap, plt.sh_addr + bias, plt.sh_size, NULL);
		addr = sec.sh_addr;
		entry = sec.sh_entsize == 8 || sec.sh_entsize == 16 ? sec.sh_entsize : sec.sh_addralign == 8 ? 8 : 16;
		lazy = false;
	}
	if (!(rscn = plt_section(&pe, ".rela.plt", &rsh)) && !(rscn = plt_section(&pe, ".rel.plt", &rsh)))
		return;
	if ((rsh.sh_type != SHT_RELA && rsh.sh_type != SHT_REL) || !plt_symtab(&pe, rsh.sh_link, &syms, &strs))
		return;
	nrels = plt_rels(rscn, &rsh, x86, &rels);
	if (lazy) {
		/* a .plt with exactly one stub per relocation has no header (-z now) */
		if (nrels * entry != plt.sh_size) {
			plt_push(s, d, cap, plt.sh_addr + bias, header, NULL);
			addr += header;
		}
	}
	for (i = 0; i < nrels; i++, addr += entry) {
		const char *name = plt_symname(syms, strs, rels[i].sym), *ifunc;
		char off[40];
		if (!*name && rels[i].irelative && (ifunc = plt_ifunc_name(d, nreal, rels[i].addend + bias)))
			name = ifunc;
		if (!*name) {
			snprintf(off, sizeof off, "offset_%#llx", (unsigned long long)(addr - plt.sh_addr + plt.sh_offset));
			name = off;
		}
		plt_push(s, d, cap, addr + bias, entry, name);
	}
	free(rels);
}

static void symbols_load(struct symbols *s, struct dso *d)
{
	int fd, i, n;
	Elf *elf;
	GElf_Addr bias = 0;
	size_t nph, k, cap = 0, nreal;

	d->loaded = true;
	if (d->kind == DSO_JIT) {
		symbols_load_jit(s, d);
		return;
	}
	if (!symbols_dlopen()) {
		if (!s->nwarnings)
			symbols_warn(s, xasprintf("%s (install libdw1): addresses are shown as file+0xOFFSET", libdw_why));
		return;
	}
	fd = d->kind == DSO_VDSO ? symbols_vdso_fd() : open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		symbols_warn(s, xasprintf("%s: %s: addresses are shown as offsets", d->path, strerror(errno)));
		return;
	}
	d->dwfl = libdw.dwfl_begin(&symbols_callbacks);
	libdw.dwfl_report_begin(d->dwfl);
	d->mod = libdw.dwfl_report_elf(d->dwfl, d->name, d->kind == DSO_VDSO ? "[vdso]" : d->path, fd, 0, false);
	libdw.dwfl_report_end(d->dwfl, NULL, NULL);
	if (!d->mod) {
		symbols_warn(s, xasprintf("%s: not an ELF file libdw can read (%s)", d->path, libdw.dwfl_errmsg(-1)));
		return;
	}
	elf = libdw.dwfl_module_getelf(d->mod, &bias);
	d->bias = bias;
	if (elf && libdw.elf_getphdrnum(elf, &nph) == 0)
		for (k = 0; k < nph; k++) {
			GElf_Phdr ph;
			if (libdw.gelf_getphdr(elf, (int)k, &ph) && ph.p_type == PT_LOAD) {
				d->loads = xrealloc(d->loads, (d->nloads + 1) * sizeof *d->loads);
				d->loads[d->nloads++] = (struct load){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
			}
		}
	n = libdw.dwfl_module_getsymtab(d->mod);
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx = SHN_UNDEF;
		const char *name = libdw.dwfl_module_getsym_info(d->mod, i, &sym, &addr, &shndx, NULL, NULL);
		/* functions defined here: an imported one (SHN_UNDEF) has no address in this file */
		if (!name || !*name || shndx == SHN_UNDEF ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC && GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
			continue;
		if (d->nsyms == cap) {
			cap = cap ? cap * 2 : 1024;
			d->syms = xrealloc(d->syms, cap * sizeof *d->syms);
		}
		d->syms[d->nsyms++] = (struct sym){ addr, sym.st_size, name };
	}
	nreal = d->nsyms;
	symbols_plt(s, d, elf, bias, &cap);
	if (d->nsyms)
		qsort(d->syms, d->nsyms, sizeof *d->syms, sym_cmp);
	d->usable = true;
	if (nreal == 0 && d->kind == DSO_FILE) {
		d->warned = true;
		symbols_warn(s, xasprintf("%s: no symbols (stripped): its addresses are shown as %s+0xOFFSET",
					  d->path, d->name));
	}
}

/* ELF virtual address of a file offset, through the PT_LOAD segments. */
static bool symbols_vaddr(const struct dso *d, uint64_t off, uint64_t *vaddr)
{
	size_t i;
	for (i = 0; i < d->nloads; i++)
		if (off >= d->loads[i].offset && off < d->loads[i].offset + d->loads[i].filesz) {
			*vaddr = off - d->loads[i].offset + d->loads[i].vaddr;
			return true;
		}
	return false;
}

static const struct sym *symbols_find(const struct dso *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nsyms;
	const struct sym *best;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	best = &d->syms[lo - 1];
	/* Past a sized symbol's end is not inside it; a size-0 symbol runs to the next one. */
	if (best->size && addr >= best->addr + best->size)
		return NULL;
	return best;
}

static int cu_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The ranges of every compilation unit, once: libdw needs .debug_aranges otherwise (clang omits it). */
static void symbols_build_cus(struct dso *d, Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;

	d->cus_built = true;
	while (libdw.dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t o = 0;
		if (libdw.dwarf_offdie(dw, off + hsize, &cu)) {
			while ((o = libdw.dwarf_ranges(&cu, o, &base, &lo, &hi)) > 0) {
				if (d->ncus == cap) {
					cap = cap ? cap * 2 : 64;
					d->cus = xrealloc(d->cus, cap * sizeof *d->cus);
				}
				d->cus[d->ncus++] = (struct cu_range){ lo, hi, off + hsize };
			}
		}
		off = next;
	}
	if (d->ncus)
		qsort(d->cus, d->ncus, sizeof *d->cus, cu_cmp);
}

static bool symbols_cudie(struct dso *d, Dwarf *dw, uint64_t addr, Dwarf_Die *cu)
{
	size_t lo = 0, hi;
	if (!d->cus_built)
		symbols_build_cus(d, dw);
	hi = d->ncus;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->cus[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ranges may nest or overlap: look back a little for one that holds addr */
	while (lo > 0) {
		const struct cu_range *c = &d->cus[--lo];
		if (addr >= c->lo && addr < c->hi)
			return libdw.dwarf_offdie(dw, c->off, cu) != NULL;
		if (d->ncus - lo > 64)
			break;
	}
	return false;
}

static const char *symbols_demangle(struct symbols *s, const char *name)
{
	char *out = demangle_name(name);
	if (!out)
		return name;
	name = strtab_intern(s->strs, out);
	free(out);
	return name;
}

/* With --inline=caller: the call site, in the enclosing function, of the outermost inlined code at pc. */
static bool symbols_call_site(struct symbols *s, Dwarf_Die *cu, Dwarf_Addr pc, const char **file, int *line)
{
	Dwarf_Die *scopes = NULL;
	int n = libdw.dwarf_getscopes(cu, pc, &scopes), i, outer = -1;
	Dwarf_Attribute a;
	Dwarf_Word fidx, ln;
	Dwarf_Files *files;
	size_t nfiles;
	bool ok = false;

	for (i = 0; i < n; i++)
		if (libdw.dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			outer = i;
	if (outer >= 0 && libdw.dwarf_formudata(libdw.dwarf_attr(&scopes[outer], DW_AT_call_file, &a), &fidx) == 0 &&
	    libdw.dwarf_formudata(libdw.dwarf_attr(&scopes[outer], DW_AT_call_line, &a), &ln) == 0 &&
	    libdw.dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && fidx < nfiles) {
		const char *f = libdw.dwarf_filesrc(files, fidx, NULL, NULL);
		if (f) {
			*file = strtab_intern(s->strs, f);
			*line = (int)ln;
			ok = true;
		}
	}
	free(scopes);
	return ok;
}

/* Resolve offset off in file dso to function, source file and line; what cannot be found stays NULL/0. */
void symbols_resolve(struct symbols *s, int dso, uint64_t off, struct loc *out)
{
	struct dso *d = &s->dsos[dso];
	uint64_t vaddr, addr;
	const struct sym *sym;
	Dwfl_Line *l;
	int line = 0;
	const char *src = NULL;

	memset(out, 0, sizeof *out);
	out->dso = d->path;
	if (!d->loaded)
		symbols_load(s, d);
	if (d->kind == DSO_JIT) {
		sym = d->usable ? symbols_find(d, off) : NULL;
		if (sym) {
			out->func = sym->name;
		} else {
			char buf[64];
			snprintf(buf, sizeof buf, "[anon]+0x%llx", (unsigned long long)off);
			out->func = strtab_intern(s->strs, buf);
		}
		out->dso = strtab_intern(s->strs, d->usable ? d->path : "[anon]");
		return;
	}
	if (!d->usable || !symbols_vaddr(d, off, &vaddr)) {
		char buf[300];
		snprintf(buf, sizeof buf, "%s+0x%llx", d->name, (unsigned long long)off);
		out->func = strtab_intern(s->strs, buf);
		return;
	}
	addr = vaddr + d->bias;
	sym = symbols_find(d, addr);
	if (sym) {
		out->func = strtab_intern(s->strs, symbols_demangle(s, sym->name));
	} else {
		char buf[300];
		snprintf(buf, sizeof buf, "%s+0x%llx", d->name, (unsigned long long)off);
		out->func = strtab_intern(s->strs, buf);
	}
	l = libdw.dwfl_module_getsrc(d->mod, addr);
	if (l)
		src = libdw.dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	if (!src || s->inline_caller) {
		Dwarf_Addr dwbias = 0;
		Dwarf *dw = libdw.dwfl_module_getdwarf(d->mod, &dwbias);
		Dwarf_Die cu;
		if (dw && symbols_cudie(d, dw, addr - dwbias, &cu)) {
			if (!src) {
				Dwarf_Line *dl = libdw.dwarf_getsrc_die(&cu, addr - dwbias);
				if (dl) {
					src = libdw.dwarf_linesrc(dl, NULL, NULL);
					libdw.dwarf_lineno(dl, &line);
				}
			}
			if (s->inline_caller && symbols_call_site(s, &cu, addr - dwbias, &out->file, &out->line))
				return;
		}
	}
	if (src && line > 0) {
		out->file = strtab_intern(s->strs, src);
		out->line = line;
	}
}

/* The warnings collected while resolving (one per file at most). */
size_t symbols_warnings(const struct symbols *s, char *const **w)
{
	*w = s->warnings;
	return s->nwarnings;
}

/* Free everything. */
void symbols_free(struct symbols *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->dsos[i].dwfl)
			libdw.dwfl_end(s->dsos[i].dwfl);
		free(s->dsos[i].syms);
		free(s->dsos[i].cus);
		free(s->dsos[i].loads);
	}
	for (i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	free(s->dsos);
	free(s);
}
