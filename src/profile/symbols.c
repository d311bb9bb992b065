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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ptime.h"

struct sym {
	uint64_t addr, size;
	const char *name;
	unsigned char bind;    /* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	const char *decl_file; /* where the function is declared, looked up once (decl_done) */
	int decl_line;
	bool decl_done;
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
	dev_t dev;            /* of the file that was mapped, 0 when unknown */
	uint64_t ino;
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

enum { DSO_FILE, DSO_VDSO, DSO_JIT, DSO_ANON, DSO_KERNEL };

struct symbols {
	struct dso *dsos;
	size_t n, cap;
	bool inline_caller;
	struct strtab *strs;
	char **warnings;
	size_t nwarnings;
	bool emfile;          /* ran out of descriptors: said once */
	struct kallsyms *kallsyms;
	bool kallsyms_tried;
};

/* libdw is loaded when the first address is resolved, not linked: ptime's start-up stays that of a
   program linked to libc, json-c and libcap (libdw pulls in five compression libraries). */
#define DW_FUNCS(X) X(dwfl_begin) X(dwfl_report_begin) X(dwfl_report_elf) X(dwfl_report_end) X(dwfl_errmsg) \
	X(dwfl_module_getelf) X(dwfl_module_getsymtab) X(dwfl_module_getsym_info) X(dwfl_module_getsrc) \
	X(dwfl_lineinfo) X(dwfl_module_getdwarf) X(dwfl_end) X(dwfl_module_info) \
	X(dwfl_offline_section_address) X(dwarf_nextcu) X(dwarf_offdie) X(dwarf_ranges) X(dwarf_getsrc_die) \
	X(dwarf_linesrc) X(dwarf_lineno) X(dwarf_getscopes) X(dwarf_tag) X(dwarf_formudata) X(dwarf_attr) \
	X(dwarf_getsrcfiles) X(dwarf_filesrc) X(elf_version) X(elf_getphdrnum) X(gelf_getphdr) \
	X(dwfl_module_addrdie) X(dwarf_decl_file) X(dwarf_decl_line) X(dwarf_attr_integrate) X(dwarf_formstring) X(dwarf_getscopes_die) \
	X(dwfl_module_build_id) X(dwarf_diecu) X(dwarf_new_oom_handler) \
	X(gelf_getehdr) X(elf_getshdrstrndx) X(elf_nextscn) X(elf_getscn) X(gelf_getshdr) X(elf_strptr) \
	X(elf_getdata) X(gelf_getrela) X(gelf_getrel) X(gelf_getsym)

DLIB_TABLE(libdw, DW_FUNCS)
static Dwfl_Callbacks symbols_callbacks;

/* --- finding debug files: libdw's own search opens each candidate with a blocking open(2), so that a FIFO
   named like a .gnu_debuglink target hangs it; this one looks where it looks, through safefile --- */

/* libdebuginfod, only with --debuginfod: asking a server sends build-ids out and may wait minutes. */
typedef struct debuginfod_client debuginfod_client;
debuginfod_client *debuginfod_begin(void);
int debuginfod_find_debuginfo(debuginfod_client *c, const unsigned char *id, int len, char **path);
void debuginfod_end(debuginfod_client *c);
#define DI_FUNCS(X) X(debuginfod_begin) X(debuginfod_find_debuginfo) X(debuginfod_end)
DLIB_TABLE(libdi, DI_FUNCS)
static bool symbols_network;
static debuginfod_client *symbols_di;

/* Whether debug files may be asked of the servers in DEBUGINFOD_URLS (--debuginfod); call before any lookup. */
void symbols_use_debuginfod(bool on)
{
	symbols_network = on;
}

/* The CRC-32 of .gnu_debuglink (zlib's), over a whole file. */
static uint32_t symbols_crc32(int fd, bool *ok)
{
	static uint32_t table[256];
	unsigned char buf[65536];
	uint32_t crc = 0xffffffffu;
	ssize_t n;
	size_t i;

	if (!table[1])
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < (size_t)n; i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	*ok = n == 0 && lseek(fd, 0, SEEK_SET) == 0;
	return crc ^ 0xffffffffu;
}

/* A candidate debug file: a regular file, opened without blocking, with the debuglink's CRC when one is given. */
static void symbols_warn(struct symbols *s, char *msg);
static void symbols_emfile(struct symbols *s, int e);

static int symbols_debug_try(struct symbols *s, const char *path, const char *self, GElf_Word crc, char **name)
{
	struct stat st, me;
	char why[160];
	bool ok = true;
	int fd;

	if (self && stat(self, &me) == 0 && stat(path, &st) == 0 && st.st_dev == me.st_dev && st.st_ino == me.st_ino)
		return -1; /* the debuglink names the file itself */
	fd = safefile_open(path, 0, &st, why, sizeof why);
	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE) && s)
			symbols_emfile(s, errno);
		else if (errno != ENOENT && errno != ENOTDIR && s)
			symbols_warn(s, xasprintf("%s: debug file not read: %s", path, why));
		return -1;
	}
	if (crc && (symbols_crc32(fd, &ok) != crc || !ok)) {
		close(fd);
		return -1;
	}
	*name = strdup(path);
	return fd;
}

static int symbols_find_debuglink(struct symbols *s, const char *file, const char *link, GElf_Word crc, char **name);

/* libdw's find_debuginfo callback: /usr/lib/debug/.build-id/xx/yyyy.debug, then the debuglink next to the
   file, in .debug/ beside it, and under /usr/lib/debug; never anything but regular files; then, only with
   --debuginfod, the servers of DEBUGINFOD_URLS. */
static int symbols_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
				  const char *file, const char *link, GElf_Word crc, char **name)
{
	struct symbols *s = *userdata; /* set by symbols_load */
	const unsigned char *id = NULL;
	GElf_Addr vaddr;
	char path[4096];
	int n, fd, i;
	size_t len;

	(void)modname;
	(void)base;
	n = libdw.dwfl_module_build_id(mod, &id, &vaddr);
	if (n > 1 && (!link || crc)) {
		len = (size_t)snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (i = 1; i < n && len + 3 < sizeof path; i++)
			len += (size_t)snprintf(path + len, sizeof path - len, "%02x", id[i]);
		snprintf(path + len, sizeof path - len, ".debug");
		if ((fd = symbols_debug_try(s, path, NULL, 0, name)) >= 0)
			return fd;
	}
	if (link && *link && link[0] != '/' && (fd = symbols_find_debuglink(s, file, link, crc, name)) >= 0)
		return fd;
	if (symbols_network && n > 1 && (!link || crc) && libdi_load("libdebuginfod.so.1")) {
		char *got = NULL;
		if (!symbols_di)
			symbols_di = libdi.debuginfod_begin();
		if (symbols_di && (fd = libdi.debuginfod_find_debuginfo(symbols_di, id, n, &got)) >= 0) {
			*name = got;
			return fd;
		}
	}
	if (link && link[0] == '/') /* a .gnu_debugaltlink names its file whole */
		return symbols_debug_try(s, link, file, crc, name);
	return -1;
}

/* The debuglink next to file, in .debug/ beside it, and under /usr/lib/debug. */
static int symbols_find_debuglink(struct symbols *s, const char *file, const char *link, GElf_Word crc, char **name)
{
	char path[4096], dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof dir, "%s", file ? file : "");
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	/* a name too long for a path is no candidate */
	if (snprintf(path, sizeof path, "%s%s", dir, link) < (int)sizeof path &&
	    (fd = symbols_debug_try(s, path, file, crc, name)) >= 0)
		return fd;
	if (snprintf(path, sizeof path, "%s.debug/%s", dir, link) < (int)sizeof path &&
	    (fd = symbols_debug_try(s, path, file, crc, name)) >= 0)
		return fd;
	if (dir[0] == '/' && snprintf(path, sizeof path, "/usr/lib/debug%s%s", dir, link) < (int)sizeof path &&
	    (fd = symbols_debug_try(s, path, file, crc, name)) >= 0)
		return fd;
	return -1;
}

/* Load libdw (and through it libelf) once. */
static bool symbols_dlopen(void)
{
	bool first = !libdw_tried;
	/* libdw asks debuginfod servers by itself when this is set (Debian sets it for login shells): not
	   without --debuginfod. The command has its own copy of the environment since the fork. */
	if (first && !symbols_network)
		unsetenv("DEBUGINFOD_URLS");
	if (!libdw_load("libdw.so.1"))
		return false;
	if (first) {
		symbols_callbacks.find_debuginfo = symbols_find_debuginfo; /* build-id, debuglink: safely */
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

/* Out of descriptors: said once, with the true reason, not as a file without symbols. */
static void symbols_emfile(struct symbols *s, int e)
{
	struct rlimit rl;
	if (s->emfile)
		return;
	s->emfile = true;
	getrlimit(RLIMIT_NOFILE, &rl);
	symbols_warn(s, xasprintf("too many open files (%s; the limit is %llu): this and further files are shown as "
				  "offsets", strerror(e), (unsigned long long)rl.rlim_cur));
}

static int symbols_add(struct symbols *s, const char *path, int kind, int pid, dev_t dev, uint64_t ino)
{
	size_t i;
	const char *slash;
	/* one file under two names (/lib and /usr/lib on a merged /usr: the loader's name and the kernel's)
	   is one file, its DWARF read once: the same device, inode and base name (btrfs subvolumes share a
	   device number, so the inode alone is not enough) */
	for (i = 0; i < s->n; i++)
		if (s->dsos[i].kind == kind && s->dsos[i].pid == pid && s->dsos[i].dev == dev && s->dsos[i].ino == ino &&
		    (ino ? strcmp(s->dsos[i].name, strrchr(path, '/') ? strrchr(path, '/') + 1 : path) == 0
			 : strcmp(s->dsos[i].path, path) == 0))
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
	s->dsos[s->n].dev = dev;
	s->dsos[s->n].ino = ino;
	return (int)s->n++;
}

/* The id of the file a mapping named path maps, as seen by process pid; dev and ino (0: unknown) are
   those of the file that was mapped, from the MMAP2 record, to tell it from whatever has the path now. */
int symbols_dso(struct symbols *s, const char *path, int pid, dev_t dev, uint64_t ino)
{
	if (strcmp(path, "[vdso]") == 0)
		return symbols_add(s, path, DSO_VDSO, 0, 0, 0);
	if (path[0] != '/' || strncmp(path, "//anon", 6) == 0 || strncmp(path, "/memfd:", 7) == 0 ||
	    strncmp(path, "/dev/zero", 9) == 0)
		return symbols_jit_dso(s, pid); /* anonymous executable memory: JIT code, if anything */
	return symbols_add(s, path, DSO_FILE, 0, dev, ino);
}

/* The path of file dso, interned. */
const char *symbols_dso_path(const struct symbols *s, int dso)
{
	return dso >= 0 && (size_t)dso < s->n ? s->dsos[dso].path : NULL;
}

/* Whether addresses in dso are absolute (JIT code) rather than offsets in a file. */
bool symbols_absolute(const struct symbols *s, int dso)
{
	return s->dsos[dso].kind == DSO_JIT || s->dsos[dso].kind == DSO_KERNEL;
}

/* The pseudo-file of the kernel's code, named through /proc/kallsyms when it is first resolved. */
int symbols_kernel_dso(struct symbols *s)
{
	return symbols_add(s, "[kernel.kallsyms]", DSO_KERNEL, 0, 0, 0);
}

/* The pseudo-file of process pid's anonymous code, resolved through /tmp/perf-PID.map. */
int symbols_jit_dso(struct symbols *s, int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", pid);
	return symbols_add(s, path, DSO_JIT, pid, 0, 0);
}

static size_t sym_underscores(const char *n)
{
	return strspn(n, "_");
}

/* Of two symbols at one address, the one perf names (choose_best_symbol): a sized one, then not
   weak, then global, then (ptime's own rule) one without a symbol version, then fewer leading
   underscores, then the longer name; < 0 when a is. */
static int sym_better(const struct sym *a, const struct sym *b)
{
	if (!a->size != !b->size)
		return a->size ? -1 : 1;
	if ((a->bind == STB_WEAK) != (b->bind == STB_WEAK))
		return a->bind == STB_WEAK ? 1 : -1;
	if ((a->bind == STB_GLOBAL) != (b->bind == STB_GLOBAL))
		return a->bind == STB_GLOBAL ? -1 : 1;
	/* not perf's rule: free, not cfree@GLIBC_2.2.5, for the same code */
	if (!strchr(a->name, '@') != !strchr(b->name, '@'))
		return strchr(a->name, '@') ? 1 : -1;
	if (sym_underscores(a->name) != sym_underscores(b->name))
		return sym_underscores(a->name) < sym_underscores(b->name) ? -1 : 1;
	if (strlen(a->name) != strlen(b->name))
		return strlen(a->name) > strlen(b->name) ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return sym_better(x, y);
}

/* Sort by address and keep one symbol per address, the best named. */
static void sym_sort(struct sym *v, size_t *n)
{
	size_t i, j;
	if (!*n)
		return;
	qsort(v, *n, sizeof *v, sym_cmp);
	for (i = j = 1; i < *n; i++)
		if (v[i].addr != v[j - 1].addr)
			v[j++] = v[i];
	*n = j;
}

struct jit_load {
	struct symbols *s;
	struct dso *d;
	size_t cap;
};

static bool symbols_jit_add(void *ctx, uint64_t start, uint64_t size, const char *name, size_t nlen)
{
	struct jit_load *j = ctx;
	char buf[PERFMAP_MAX_LINE + 1];
	if (j->d->nsyms == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 256;
		j->d->syms = xrealloc(j->d->syms, j->cap * sizeof *j->d->syms);
	}
	memcpy(buf, name, nlen);
	buf[nlen] = '\0';
	j->d->syms[j->d->nsyms++] = (struct sym){ .addr = start, .size = size, .name = strtab_intern(j->s->strs, buf) };
	return true;
}

/* A JIT's map, read as perfmap.c allows: a map that is refused or cut short is said once. */
static void symbols_load_jit(struct symbols *s, struct dso *d)
{
	struct jit_load j = { s, d, 0 };
	char why[200] = "";
	long n = perfmap_read(d->path, getuid(), symbols_jit_add, &j, why, sizeof why);

	if (n < 0 && errno != ENOENT)
		symbols_warn(s, xasprintf("%s: not read: %s: JIT code is shown as [anon]+0xADDRESS", d->path, why));
	else if (n >= 0 && why[0])
		symbols_warn(s, xasprintf("%s: %s", d->path, why));
	if (d->nsyms)
		qsort(d->syms, d->nsyms, sizeof *d->syms, sym_cmp);
	d->usable = d->nsyms > 0;
}



/* The ELF sections that name PLT entries: the entries, their relocations and the symbols these name. */
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
	uint64_t got;   /* the GOT slot the entry jumps through */
	size_t sym;     /* in the linked symbol table; 0 for an IRELATIVE (IFUNC) slot */
	uint64_t addend;
	bool irelative;
};

static int plt_rel_cmp(const void *a, const void *b)
{
	const struct plt_rel *x = a, *y = b;
	return x->got < y->got ? -1 : x->got > y->got;
}

/* A relocation section's entries, sorted by GOT slot: on x86 the entries follow the slots' order,
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
	d->syms[d->nsyms++] = (struct sym){ .addr = addr, .size = size, .name = strtab_intern(s->strs, buf) };
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

/* The target of a .plt.got entry's "jmp *disp(%rip)" (after endbr64 and a bnd prefix), or 0. */
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

/* x86's .plt.got: entries of functions whose GOT slot is bound at load time (-z now), named through .rela.dyn. */
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

/* Name the PLT entries "function@plt" as perf does (dso__synthesize_plt_symbols): they are in no symbol
   table, so their samples went to whatever symbol came before (_init). The i-th entry of .plt (after a
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
		/* IBT: .plt holds the lazy-binding trampolines, .plt.sec the entries that are called */
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
		/* a .plt with exactly one entry per relocation has no header (-z now) */
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
	struct stat st;
	char why[200];
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
	if (d->kind == DSO_VDSO) {
		fd = vdso_memfd();
		snprintf(why, sizeof why, "%s", strerror(errno));
	} else {
		fd = safefile_open(d->path, 0, &st, why, sizeof why);
	}
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		symbols_emfile(s, errno);
		return;
	}
	if (fd < 0) {
		symbols_warn(s, xasprintf("%s: %s: addresses are shown as offsets", d->path, why));
		return;
	}
	/* A rebuild replaces the file under its path, and a chroot shows another one: its symbols would be
	   wrong for every sample. Anonymous devices (major 0: overlayfs, btrfs) are not the mapping's own. */
	if (d->kind == DSO_FILE && d->ino &&
	    (st.st_ino != d->ino || (major(d->dev) != 0 && major(st.st_dev) != 0 && st.st_dev != d->dev))) {
		close(fd);
		symbols_warn(s, xasprintf("%s: not the file that was mapped (replaced while the command ran, or seen "
					  "through a chroot or another mount namespace): addresses are shown as offsets",
					  d->path));
		return;
	}
	d->dwfl = libdw.dwfl_begin(&symbols_callbacks);
	libdw.dwfl_report_begin(d->dwfl);
	d->mod = libdw.dwfl_report_elf(d->dwfl, d->name, d->kind == DSO_VDSO ? "[vdso]" : d->path, fd, 0, false);
	libdw.dwfl_report_end(d->dwfl, NULL, NULL);
	if (!d->mod) {
		close(fd); /* libdw owns the fd only of a module it reported */
		symbols_warn(s, xasprintf("%s: not an ELF file libdw can read (%s)", d->path, libdw.dwfl_errmsg(-1)));
		return;
	}
	{
		void **ud;
		if (libdw.dwfl_module_info(d->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
			*ud = s; /* for symbols_find_debuginfo's warnings */
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
		d->syms[d->nsyms++] = (struct sym){ .addr = addr, .size = sym.st_size, .name = name, .bind = GELF_ST_BIND(sym.st_info) };
	}
	nreal = d->nsyms;
	symbols_plt(s, d, elf, bias, &cap);
	if (d->nsyms)
		sym_sort(d->syms, &d->nsyms);
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

/* The module's DWARF, with libdw's out-of-memory handler (error() and exit 1) replaced by ptime's,
   which gives up the profile and keeps the command's status. */
static Dwarf *symbols_dwarf(struct dso *d, Dwarf_Addr *bias)
{
	Dwarf *dw = libdw.dwfl_module_getdwarf(d->mod, bias);
	if (dw)
		libdw.dwarf_new_oom_handler(dw, xmalloc_oom);
	return dw;
}

/* The name of a subprogram or inlined DIE: its linkage name demangled, else its DW_AT_name. */
static const char *symbols_die_name(struct symbols *s, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;

	if (libdw.dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
	    libdw.dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		n = libdw.dwarf_formstring(&a);
	if (n)
		return strtab_intern(s->strs, symbols_demangle(s, n));
	if (libdw.dwarf_attr_integrate(die, DW_AT_name, &a) && (n = libdw.dwarf_formstring(&a)) != NULL)
		return strtab_intern(s->strs, n);
	return NULL;
}

/* Where a function is declared: DW_AT_decl_file and DW_AT_decl_line, through abstract origins. */
/* A source path as a reader can open it: a name relative to the compilation directory (as
   `gcc -g tests/x.c` writes it) joined to DW_AT_comp_dir, with "." and ".." taken out. */
static const char *symbols_path(struct symbols *s, Dwarf_Die *cu, const char *name)
{
	Dwarf_Attribute a;
	const char *dir;
	char buf[4096], *out, *seg;
	size_t len;

	if (!name || name[0] == '/' || !cu || !libdw.dwarf_attr(cu, DW_AT_comp_dir, &a) ||
	    !(dir = libdw.dwarf_formstring(&a)) || dir[0] != '/' ||
	    (size_t)snprintf(buf, sizeof buf, "%s/%s", dir, name) >= sizeof buf)
		return strtab_intern(s->strs, name ? name : "");
	/* lexically: a/b/../c is a/c, a/./b is a/b (the build tree may be gone, so no realpath) */
	out = xmalloc(strlen(buf) + 2);
	out[0] = '\0';
	len = 0;
	for (seg = strtok(buf, "/"); seg; seg = strtok(NULL, "/")) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		out[len++] = '/';
		strcpy(out + len, seg);
		len += strlen(seg);
	}
	if (!len)
		strcpy(out, "/");
	name = strtab_intern(s->strs, out);
	free(out);
	return name;
}

static void symbols_decl(struct symbols *s, Dwarf_Die *die, struct loc *l)
{
	const char *f = libdw.dwarf_decl_file(die);
	int line = 0;
	Dwarf_Die cu;
	if (f && libdw.dwarf_decl_line(die, &line) == 0 && line > 0) {
		l->decl_file = symbols_path(s, libdw.dwarf_diecu(die, &cu, NULL, NULL), f);
		l->decl_line = line;
	}
}

/* The call site of an inlined DIE: the file and line in its caller. */
static bool symbols_call_site(struct symbols *s, Dwarf_Die *cu, Dwarf_Die *inl, const char **file, int *line)
{
	Dwarf_Attribute a;
	Dwarf_Word fidx, ln;
	Dwarf_Files *files;
	size_t nfiles;
	const char *f;

	if (libdw.dwarf_formudata(libdw.dwarf_attr(inl, DW_AT_call_file, &a), &fidx) != 0 ||
	    libdw.dwarf_formudata(libdw.dwarf_attr(inl, DW_AT_call_line, &a), &ln) != 0 ||
	    libdw.dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || fidx >= nfiles ||
	    !(f = libdw.dwarf_filesrc(files, fidx, NULL, NULL)))
		return false;
	*file = symbols_path(s, cu, f);
	*line = (int)ln;
	return true;
}

#define SYMBOLS_MAX_INLINE 64

/* The scopes that hold pc, innermost first, through the concrete tree: dwarf_getscopes continues
   an inlined call with the scopes of its abstract definition, so, as eu-addr2line -i does, take
   the scopes that physically contain the innermost inlined call instead. */
static int symbols_scopes(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die **scopes)
{
	int n = libdw.dwarf_getscopes(cu, pc, scopes), i, m;
	Dwarf_Die inl, *concrete = NULL;

	if (n <= 0 || !*scopes)
		return n > 0 ? 0 : n;

	for (i = 0; i < n; i++) {
		int tag = libdw.dwarf_tag(&(*scopes)[i]);
		if (tag == DW_TAG_subprogram)
			return n;
		if (tag == DW_TAG_inlined_subroutine)
			break;
	}
	if (i == n)
		return n;
	inl = (*scopes)[i];
	m = libdw.dwarf_getscopes_die(&inl, &concrete);
	if (m <= 0)
		return n;
	free(*scopes);
	*scopes = concrete;
	return m;
}

/* Where the function of symbol sym is declared: the subprogram at its entry address (or, failing
   that, the one found at a sampled address), else the line of its entry address. */
static void symbols_sym_decl(struct symbols *s, struct dso *d, struct sym *sym, Dwarf_Die *fallback)
{
	Dwarf_Addr dwbias = 0;
	Dwarf_Die cu, *cup, *scopes = NULL;
	struct loc l = { 0 };
	int i, n;

	sym->decl_done = true;
	cup = libdw.dwfl_module_addrdie(d->mod, sym->addr, &dwbias);
	if (!cup) {
		Dwarf *dw = symbols_dwarf(d, &dwbias);
		if (dw && symbols_cudie(d, dw, sym->addr - dwbias, &cu))
			cup = &cu;
	}
	n = cup ? symbols_scopes(cup, sym->addr - dwbias, &scopes) : 0;
	for (i = 0; i < n; i++)
		if (libdw.dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			symbols_decl(s, &scopes[i], &l);
			break;
		}
	free(scopes);
	if (!l.decl_file && fallback)
		symbols_decl(s, fallback, &l);
	if (!l.decl_file) {
		Dwfl_Line *el = libdw.dwfl_module_getsrc(d->mod, sym->addr);
		const char *ef = el ? libdw.dwfl_lineinfo(el, NULL, &l.decl_line, NULL, NULL, NULL) : NULL;
		if (ef && l.decl_line > 0)
			l.decl_file = symbols_path(s, cup, ef);
	}
	sym->decl_file = l.decl_file;
	sym->decl_line = l.decl_file ? l.decl_line : 0;
}

/* Resolve offset off in file dso to the frames at that address, leaf first: the inlined calls, each
   a frame of its own, then the function that holds them; what cannot be found stays NULL/0.
   Returns how many frames were written (at least 1, at most max). */
size_t symbols_resolve(struct symbols *s, int dso, uint64_t off, struct loc *out, size_t max)
{
	struct dso *d = &s->dsos[dso];
	uint64_t vaddr, addr;
	const struct sym *sym;
	Dwfl_Line *l;
	int line = 0, nscopes, i;
	const char *src = NULL, *fname;
	Dwarf_Addr dwbias = 0;
	Dwarf_Die cu, *cup = NULL, *scopes = NULL, *inl[SYMBOLS_MAX_INLINE], *sub = NULL;
	size_t ninl = 0, n, k;
	char buf[300];

	memset(out, 0, sizeof *out);
	out->dso = d->path;
	if (d->kind == DSO_KERNEL) {
		uint64_t koff = 0;
		const char *kn = NULL;
		if (!s->kallsyms_tried) {
			char why[256];
			s->kallsyms_tried = true;
			s->kallsyms = kallsyms_load(why, sizeof why);
			if (!s->kallsyms)
				symbols_warn(s, xasprintf("kernel functions are not named: %s", why));
		}
		if (s->kallsyms)
			kn = kallsyms_name(s->kallsyms, off, &koff);
		out->func = strtab_intern(s->strs, kn ? kn : "[kernel]");
		out->kernel = true;
		out->dso = strtab_intern(s->strs, s->kallsyms ? kallsyms_dso(s->kallsyms, off) : "[kernel.kallsyms]");
		return 1;
	}
	if (!d->loaded)
		symbols_load(s, d);
	if (d->kind == DSO_JIT) {
		sym = d->usable ? symbols_find(d, off) : NULL;
		if (sym) {
			out->func = sym->name;
		} else {
			snprintf(buf, sizeof buf, "[anon]+0x%llx", (unsigned long long)off);
			out->func = strtab_intern(s->strs, buf);
		}
		out->dso = strtab_intern(s->strs, d->usable ? d->path : "[anon]");
		return 1;
	}
	if (!d->usable || !symbols_vaddr(d, off, &vaddr)) {
		snprintf(buf, sizeof buf, "%s+0x%llx", d->name, (unsigned long long)off);
		out->func = strtab_intern(s->strs, buf);
		return 1;
	}
	addr = vaddr + d->bias;
	sym = symbols_find(d, addr);
	if (sym) {
		fname = strtab_intern(s->strs, symbols_demangle(s, sym->name));
	} else {
		snprintf(buf, sizeof buf, "%s+0x%llx", d->name, (unsigned long long)off);
		fname = strtab_intern(s->strs, buf);
	}
	l = libdw.dwfl_module_getsrc(d->mod, addr);
	if (l)
		src = libdw.dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);

	/* The scopes at addr, innermost first: inlined subroutines, then the subprogram. */
	(void)symbols_dwarf(d, &dwbias); /* its out-of-memory handler first */
	cup = libdw.dwfl_module_addrdie(d->mod, addr, &dwbias);
	if (!cup) {
		Dwarf *dw = symbols_dwarf(d, &dwbias);
		if (dw && symbols_cudie(d, dw, addr - dwbias, &cu))
			cup = &cu;
	}
	if (cup) {
		if (!src) {
			Dwarf_Line *dl = libdw.dwarf_getsrc_die(cup, addr - dwbias);
			if (dl) {
				src = libdw.dwarf_linesrc(dl, NULL, NULL);
				libdw.dwarf_lineno(dl, &line);
			}
		}
		nscopes = symbols_scopes(cup, addr - dwbias, &scopes);
		for (i = 0; i < nscopes; i++) {
			int tag = libdw.dwarf_tag(&scopes[i]);
			if (tag == DW_TAG_inlined_subroutine && ninl < SYMBOLS_MAX_INLINE) {
				inl[ninl++] = &scopes[i];
			} else if (tag == DW_TAG_subprogram) {
				sub = &scopes[i];
				break;
			}
		}
	}

	/* Frame k < ninl is the code of inlined call k; frame k + 1 is its caller, at its call site. */
	n = s->inline_caller ? 1 : ninl + 1;
	if (n > max)
		n = max;
	for (k = 0; k < n; k++) {
		struct loc *o = &out[k];
		memset(o, 0, sizeof *o);
		o->dso = d->path;
		if (s->inline_caller || k == ninl || k == n - 1) {
			/* the function that holds the code: the ELF symbol's name, as perf prints it */
			o->func = fname;
			if (sub && !sym)
				symbols_decl(s, sub, o);
		} else {
			o->func = symbols_die_name(s, inl[k]);
			symbols_decl(s, inl[k], o);
			if (!o->func)
				o->func = fname;
		}
		if (k == 0 && !(s->inline_caller && ninl)) {
			if (src && line > 0) {
				o->file = symbols_path(s, cup, src);
				o->line = line;
			}
		} else {
			/* the call site of the inlined call below it; with --inline=caller, of the outermost */
			Dwarf_Die *callee = s->inline_caller ? inl[ninl - 1] : inl[k - 1];
			if (!symbols_call_site(s, cup, callee, &o->file, &o->line)) {
				o->file = NULL;
				o->line = 0;
			}
		}
	}
	/* The function's place is a property of its symbol, not of the address sampled: found once,
	   from the scopes at its entry address, so that every address of it agrees. */
	if (sym) {
		struct sym *ms = (struct sym *)sym;
		if (!ms->decl_done)
			symbols_sym_decl(s, d, ms, sub);
		out[n - 1].decl_file = ms->decl_file;
		out[n - 1].decl_line = ms->decl_line;
	}
	free(scopes);
	return n;
}

/* Free what file dso holds (its libdw session, symbols and tables) once all its addresses are
   resolved; a later address of it would load it again. */
void symbols_release(struct symbols *s, int dso)
{
	struct dso *d = &s->dsos[dso];
	if (d->kind == DSO_KERNEL) {
		if (s->kallsyms) {
			kallsyms_free(s->kallsyms);
			s->kallsyms = NULL;
			s->kallsyms_tried = false;
		}
		return;
	}
	if (d->dwfl)
		libdw.dwfl_end(d->dwfl);
	d->dwfl = NULL;
	d->mod = NULL;
	free(d->syms);
	free(d->cus);
	free(d->loads);
	d->syms = NULL;
	d->cus = NULL;
	d->loads = NULL;
	d->nsyms = d->ncus = d->nloads = 0;
	d->cus_built = false;
	d->loaded = d->usable = false;
}

/* The warnings collected while resolving (one per file at most). */
size_t symbols_warnings(const struct symbols *s, char *const **w)
{
	*w = s->warnings;
	return s->nwarnings;
}

/* Free everything. */
/* Release every file's symbols and DWARF (see symbols_release). */
void symbols_release_all(struct symbols *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		symbols_release(s, (int)i);
}

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
	if (symbols_di) {
		libdi.debuginfod_end(symbols_di);
		symbols_di = NULL;
	}
	kallsyms_free(s->kallsyms);
	for (i = 0; i < s->nwarnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	free(s->dsos);
	free(s);
}
