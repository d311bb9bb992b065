/* profile/unwind.c: call chains from a sample's copied user stack and registers (--call-graph=dwarf),
   unwound by the CFI of the files mapped at the sample's time with elfutils libdwfl, as perf's libdw backend. */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

/* perf's x86_64 user register set for DWARF unwinding (PERF_REGS_MASK): the general registers, ip, flags,
   cs and ss, but not ds, es, fs and gs, which the kernel does not sample on x86_64. */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP, R_IP, R_FLAGS, R_CS, R_SS, R_DS, R_ES, R_FS, R_GS,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15, R_MAX };
#define UNWIND_REGS_MASK (((1ULL << R_MAX) - 1) & ~((1ULL << R_DS) | (1ULL << R_ES) | (1ULL << R_FS) | (1ULL << R_GS)))

/* DWARF's x86_64 numbering, 0 to 16 (rip is the return-address column), in perf's numbers. */
static const int unwind_dwarf_regs[17] = { R_AX, R_DX, R_CX, R_BX, R_SI, R_DI, R_BP, R_SP, R_R8, R_R9,
					    R_R10, R_R11, R_R12, R_R13, R_R14, R_R15, R_IP };

#define UNWIND_SPACES 32 /* address spaces kept: processes sampled at once, and their exec and dlopen states */
#define UNWIND_TID 1     /* the one thread each Dwfl knows: the sample being unwound */

/* An address space: one Dwfl for one set of mappings, its modules reported when a chain first reaches them. */
struct space {
	uint64_t key, hash, used;
	struct unwind_map *maps;
	size_t n;
	char *paths;
	int *fds;               /* per mapping, for reads outside the stack: -1 not opened, -2 cannot */
	Dwfl *dwfl;
	bool attached;
	struct { uint64_t addr1; bool cfi; } cfi_cache[128]; /* unwind_has_cfi's answers by address + 1 */
};

/* A file some space maps: opened and parsed once for all of them. */
struct file {
	char *path;
	uint64_t dev, ino;
	int fd;
	Elf *elf;               /* NULL: not a usable ELF file */
	GElf_Half type;
	GElf_Addr low, high;    /* the span of its PT_LOADs, page-aligned low */
	GElf_Phdr *loads;
	size_t nloads;
};

struct unwinder {
	struct space spaces[UNWIND_SPACES];
	struct file *files;
	size_t nfiles, capfiles;
	uint64_t tick;
	Elf *arch;              /* an x86_64 ELF header: names the architecture before any module is reported */
	unsigned char arch_image[64];
	int vdso_fd;            /* ptime's own vDSO image, the same in every process: -1 not made, -2 cannot */
	/* the sample being unwound */
	struct space *sp;
	uint64_t regs[R_MAX];
	uint64_t have;          /* which of regs the sample holds */
	const unsigned char *stack;
	size_t stack_size;
	uint64_t *ips;
	size_t n, max;
	bool read_failed, prev_cfi;
	int ended;              /* the stats counter that tells why the chain ended */
	char why[256];
	struct unwind_stats stats;
};

enum { END_NONE, END_STACK, END_NO_CFI, END_MAX, END_ERROR };

#define DWU_FUNCS(X) X(dwfl_begin) X(dwfl_end) X(dwfl_report_begin_add) X(dwfl_report_elf) X(dwfl_report_end) \
	X(dwfl_report_module) X(dwfl_module_getelf) \
	X(dwfl_addrmodule) X(dwfl_attach_state) X(dwfl_getthread_frames) X(dwfl_thread_state_registers) \
	X(dwfl_frame_pc) X(dwfl_module_eh_cfi) X(dwfl_module_dwarf_cfi) X(dwarf_cfi_addrframe) X(dwfl_errmsg) \
	X(dwfl_standard_find_debuginfo) X(dwfl_offline_section_address) X(elf_version) X(elf_begin) X(elf_end) \
	X(elf_memory) X(gelf_getehdr) X(gelf_getphdr) X(elf_getphdrnum) X(elf_nextscn) X(gelf_getshdr) \
	X(elf_getshdrstrndx) X(elf_strptr)

DLIB_TABLE(dwu, DWU_FUNCS)
static Dwfl_Callbacks unwind_offline;
static struct file *unwind_reporting; /* the file find_elf hands over; set only around dwfl_module_getelf */
static int unwind_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			   char **file_name, Elf **elfp);

/* With libdw there is nothing to refuse at option time: loading it is left to the first sample. */
bool unwind_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return true;
}

/* Ask the kernel for what DWARF unwinding needs in each sample: the user registers and stack_bytes of the
   user stack from the stack pointer up (0: UNWIND_STACK_DEFAULT). The frame-pointer chain is left out:
   it would only add frames that DWARF cannot vouch for. Returns 0 or -EINVAL. */
int unwind_attr(struct perf_event_attr *a, size_t stack_bytes)
{
	if (stack_bytes == 0)
		stack_bytes = UNWIND_STACK_DEFAULT;
	stack_bytes &= ~(size_t)7; /* the kernel wants a multiple of 8 */
	if (stack_bytes == 0 || stack_bytes > UNWIND_STACK_MAX)
		return -EINVAL;
	a->sample_type &= ~(uint64_t)PERF_SAMPLE_CALLCHAIN;
	a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	a->sample_regs_user = UNWIND_REGS_MASK;
	a->sample_stack_user = (uint32_t)stack_bytes;
	return 0;
}

/* Parse the regs_user and stack_user fields of a PERF_RECORD_SAMPLE, which p points at (len bytes to the
   record's end), for the attr's sample_regs_user mask. Returns the bytes they take, or -EINVAL. A sample
   without 64-bit user registers gets mask 0, which unwind_stack refuses: keep its ip alone. */
long unwind_parse_sample(const unsigned char *p, size_t len, uint64_t regs_mask, struct unwind_sample *out)
{
	size_t off = 8, nregs = (size_t)__builtin_popcountll(regs_mask);
	uint64_t size, dyn;

	memset(out, 0, sizeof *out);
	if (len < 8)
		return -EINVAL;
	memcpy(&out->abi, p, 8);
	out->mask = regs_mask;
	if (out->abi != PERF_SAMPLE_REGS_ABI_NONE) { /* NONE: no registers follow */
		if (len < off + nregs * 8)
			return -EINVAL;
		memcpy(out->regs, p + off, nregs * 8);
		off += nregs * 8;
	}
	if (out->abi != PERF_SAMPLE_REGS_ABI_64)
		out->mask = 0; /* none, or a 32-bit task's: x86_64 CFI cannot unwind it, so nothing to unwind with */
	if (len < off + 8)
		return -EINVAL;
	memcpy(&size, p + off, 8);
	off += 8;
	if (size == 0) /* no stack: then no dyn_size either */
		return (long)off;
	if (size > len - off || len - off - size < 8)
		return -EINVAL;
	memcpy(&dyn, p + off + size, 8);
	out->stack = p + off;
	out->stack_size = dyn < size ? (size_t)dyn : (size_t)size; /* dyn_size: what could really be copied */
	return (long)(off + size + 8);
}

/* A debug file only for .debug_frame, and only for a file without .eh_frame: libdwfl falls back to
   .debug_frame wherever .eh_frame has no answer (the outermost frame of every stack), and reading a
   debug file (libc's, compressed) for that in every process cost a make -j2 build 4 ms a process. */
static int unwind_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
				 const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
				 char **debuginfo_file_name)
{
	GElf_Addr bias;
	Elf *elf = dwu.dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstr;

	if (elf && dwu.elf_getshdrstrndx(elf, &shstr) == 0)
		while ((scn = dwu.elf_nextscn(elf, scn)) != NULL) {
			const char *name;
			if (!dwu.gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_X86_64_UNWIND))
				continue; /* lld marks .eh_frame SHT_X86_64_UNWIND */
			name = dwu.elf_strptr(elf, shstr, sh.sh_name);
			if (name && strcmp(name, ".eh_frame") == 0 && sh.sh_size > 0)
				return -1;
		}
	return dwu.dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
						debuglink_crc, debuginfo_file_name);
}

static bool unwind_load(struct unwinder *u)
{
	bool first = !dwu_tried;
	if (!dwu_load("libdw.so.1")) {
		snprintf(u->why, sizeof u->why, "%s", dwu_why);
		return false;
	}
	if (first) {
		unwind_offline.find_elf = unwind_find_elf;
		unwind_offline.find_debuginfo = unwind_find_debuginfo;
		unwind_offline.section_address = dwu.dwfl_offline_section_address;
		dwu.elf_version(EV_CURRENT);
	}
	return true;
}

/* An unwinder with no address space yet. */
struct unwinder *unwind_new(void)
{
	struct unwinder *u = xcalloc(1, sizeof *u);
	u->vdso_fd = -1;
	return u;
}

static void space_clear(struct space *s)
{
	size_t i;
	if (s->dwfl)
		dwu.dwfl_end(s->dwfl);
	for (i = 0; s->fds && i < s->n; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	free(s->fds);
	free(s->maps);
	free(s->paths);
	memset(s, 0, sizeof *s);
}

static uint64_t maps_hash(const struct unwind_maps *m)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	const char *c;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ULL)
	for (i = 0; i < m->n; i++) {
		MIX(m->map[i].start);
		MIX(m->map[i].end);
		MIX(m->map[i].pgoff);
		MIX(m->map[i].ino);
		for (c = m->map[i].path; c && *c; c++)
			MIX(*c);
	}
#undef MIX
	return h;
}

static bool maps_equal(const struct space *s, const struct unwind_maps *m)
{
	size_t i;
	if (s->n != m->n)
		return false;
	for (i = 0; i < m->n; i++) {
		const struct unwind_map *a = &s->maps[i], *b = &m->map[i];
		if (a->start != b->start || a->end != b->end || a->pgoff != b->pgoff || a->dev != b->dev ||
		    a->ino != b->ino || strcmp(a->path, b->path ? b->path : "") != 0)
			return false;
	}
	return true;
}

static bool unwind_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg);
static pid_t unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_argp);
static bool unwind_initial_registers(Dwfl_Thread *thread, void *arg);

static const Dwfl_Thread_Callbacks unwind_callbacks = {
	.next_thread = unwind_next_thread,
	.memory_read = unwind_memory_read,
	.set_initial_registers = unwind_initial_registers,
};

/* The space for these mappings: the same Dwfl, with its files already open, while the mappings stay the
   same; a new one (the least recently used one evicted) when they change. */
static struct space *unwind_space(struct unwinder *u, const struct unwind_maps *m)
{
	uint64_t hash = m->key ? 0 : maps_hash(m);
	struct space *s, *victim = &u->spaces[0];
	size_t i, plen = 0;
	char *pp;

	for (i = 0; i < UNWIND_SPACES; i++) {
		s = &u->spaces[i];
		if (s->dwfl && (m->key ? s->key == m->key : (!s->key && s->hash == hash && maps_equal(s, m)))) {
			s->used = ++u->tick;
			return s;
		}
		if (victim->dwfl && (!s->dwfl || s->used < victim->used))
			victim = s;
	}
	s = victim;
	space_clear(s);
	s->dwfl = dwu.dwfl_begin(&unwind_offline);
	if (!s->dwfl) {
		snprintf(u->why, sizeof u->why, "libdw: %s", dwu.dwfl_errmsg(-1));
		return NULL;
	}
	if (!dwu.dwfl_attach_state(s->dwfl, u->arch, UNWIND_TID, &unwind_callbacks, u)) {
		snprintf(u->why, sizeof u->why, "libdw cannot unwind: %s", dwu.dwfl_errmsg(-1));
		space_clear(s);
		return NULL;
	}
	s->key = m->key;
	s->hash = hash;
	s->used = ++u->tick;
	s->n = m->n;
	s->maps = xmalloc((m->n ? m->n : 1) * sizeof *s->maps);
	s->fds = xmalloc((m->n ? m->n : 1) * sizeof *s->fds);
	for (i = 0; i < m->n; i++)
		plen += strlen(m->map[i].path ? m->map[i].path : "") + 1;
	pp = s->paths = xmalloc(plen ? plen : 1);
	for (i = 0; i < m->n; i++) {
		const char *path = m->map[i].path ? m->map[i].path : "";
		s->maps[i] = m->map[i];
		s->maps[i].path = strcpy(pp, path);
		pp += strlen(path) + 1;
		s->fds[i] = -1;
	}
	return s;
}

static const struct unwind_map *space_find(const struct space *s, uint64_t addr, size_t *idx)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->maps[mid].end <= addr)
			lo = mid + 1;
		else if (s->maps[mid].start > addr)
			hi = mid;
		else {
			if (idx)
				*idx = mid;
			return &s->maps[mid];
		}
	}
	return NULL;
}

/* The kernel's vDSO is the same image in every process: a memfd with ptime's own, for libdw to read. */
static int unwind_vdso_fd(struct unwinder *u)
{
	if (u->vdso_fd == -1) {
		int fd = vdso_memfd();
		u->vdso_fd = fd >= 0 ? fd : -2; /* -2: tried, there is none */
	}
	return u->vdso_fd >= 0 ? dup(u->vdso_fd) : -1;
}

/* The file's Elf, opened once for every space that maps it (libelf counts the references), with what
   placing it needs: opening and mapping files again for each process cost 5 to 10 ms a process. */
static struct file *unwind_file(struct unwinder *u, const struct unwind_map *m)
{
	struct file *f;
	GElf_Ehdr eh;
	size_t i, nph;
	bool vdso = strcmp(m->path, "[vdso]") == 0;
	int fd;

	for (i = 0; i < u->nfiles; i++) {
		f = &u->files[i];
		if (strcmp(f->path, m->path) == 0 && (vdso || !m->ino || f->ino == m->ino))
			return f->elf ? f : NULL;
	}
	if (u->nfiles == u->capfiles) {
		u->capfiles = u->capfiles ? u->capfiles * 2 : 32;
		u->files = xrealloc(u->files, u->capfiles * sizeof *u->files);
	}
	f = &u->files[u->nfiles++];
	memset(f, 0, sizeof *f);
	f->path = xstrdup(m->path);
	f->fd = -1;
	if (vdso) {
		fd = unwind_vdso_fd(u);
	} else if (m->path[0] == '/') {
		struct stat st;
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0) {
			f->dev = st.st_dev;
			f->ino = st.st_ino;
		}
		/* A file rebuilt since it was mapped has other CFI: no chain beats a wrong one. Only the inode
		   is compared: stat's st_dev differs from the mapping's device on btrfs subvolumes. */
		if (fd >= 0 && m->ino && f->ino != m->ino) {
			close(fd);
			fd = -1;
		}
		if (m->ino) {
			f->ino = m->ino;
			f->dev = m->dev;
		}
	} else {
		fd = -1; /* anonymous memory, [heap], JIT code: no CFI */
	}
	if (fd < 0)
		return NULL;
	f->fd = fd;
	f->elf = dwu.elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || !dwu.gelf_getehdr(f->elf, &eh) || dwu.elf_getphdrnum(f->elf, &nph) != 0) {
		if (f->elf)
			dwu.elf_end(f->elf);
		f->elf = NULL;
		return NULL;
	}
	f->type = eh.e_type;
	f->loads = xmalloc((nph ? nph : 1) * sizeof *f->loads);
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!dwu.gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (f->nloads == 0)
			f->low = ph.p_vaddr & -(ph.p_align ? ph.p_align : 1);
		if (ph.p_vaddr + ph.p_memsz > f->high)
			f->high = ph.p_vaddr + ph.p_memsz;
		f->loads[f->nloads++] = ph;
	}
	return f;
}

/* Where the file mapped by m has its p_vaddr 0: from the program header whose file range holds m's
   offset, so that segments with p_vaddr != p_offset (lld) are placed right; perf's start - pgoff else. */
static GElf_Addr unwind_bias(const struct file *f, const struct unwind_map *m)
{
	size_t i;
	if (f->type == ET_EXEC)
		return 0;
	for (i = 0; i < f->nloads; i++) {
		const GElf_Phdr *ph = &f->loads[i];
		if (m->pgoff >= (ph->p_offset & ~(GElf_Off)4095) && m->pgoff < ph->p_offset + ph->p_filesz)
			return m->start - m->pgoff - (ph->p_vaddr - ph->p_offset);
	}
	return m->start - m->pgoff;
}

/* libdwfl asks for the ELF of a module just reported: another reference to the cached one. */
static int unwind_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			   char **file_name, Elf **elfp)
{
	struct file *f = unwind_reporting;
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	if (!f)
		return -1;
	*elfp = dwu.elf_begin(-1, ELF_C_READ_MMAP, f->elf);
	*file_name = f->path[0] == '/' ? xstrdup(f->path) : NULL; /* for .gnu_debuglink */
	return -1;
}

/* Report the file mapped at addr to the space's Dwfl, once; NULL when it has no usable ELF file. */
static Dwfl_Module *unwind_module(struct unwinder *u, uint64_t addr)
{
	struct space *s = u->sp;
	Dwfl_Module *mod = dwu.dwfl_addrmodule(s->dwfl, addr);
	const struct unwind_map *m;
	const char *name;
	struct file *f;
	GElf_Addr bias;
	Dwarf_Addr got;
	size_t idx;

	if (mod)
		return mod;
	m = space_find(s, addr, &idx);
	if (!m || s->fds[idx] == -2)
		return NULL;
	f = unwind_file(u, m);
	if (!f) {
		s->fds[idx] = -2;
		return NULL;
	}
	bias = unwind_bias(f, m);
	name = strrchr(m->path, '/');
	name = name ? name + 1 : m->path;
	dwu.dwfl_report_begin_add(s->dwfl);
	if (f->type == ET_EXEC) {
		/* libdwfl places a non-PIE executable itself, from its own file */
		int fd = dup(f->fd);
		mod = fd >= 0 ? dwu.dwfl_report_elf(s->dwfl, name, f->path, fd, 0, false) : NULL;
		if (!mod && fd >= 0)
			close(fd);
	} else {
		mod = dwu.dwfl_report_module(s->dwfl, name, bias + f->low, bias + f->high);
	}
	dwu.dwfl_report_end(s->dwfl, NULL, NULL);
	if (mod && f->type != ET_EXEC) {
		unwind_reporting = f;
		if (!dwu.dwfl_module_getelf(mod, &got) || got != bias)
			mod = NULL; /* libdwfl placed it elsewhere: its CFI would be read at the wrong addresses */
		unwind_reporting = NULL;
	}
	if (!mod || dwu.dwfl_addrmodule(s->dwfl, addr) != mod) {
		s->fds[idx] = -2; /* not an ELF file, or it does not cover addr: leave it */
		return NULL;
	}
	return mod;
}

/* Whether the unwinder can step out of the code at addr by its CFI, rather than by libdw's fallback of
   treating rbp as a frame pointer, which invents frames in code built without them. */
static bool unwind_has_cfi(struct unwinder *u, uint64_t addr)
{
	size_t slot = (size_t)((addr ^ addr >> 7 ^ addr >> 17) % 128);
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;
	Dwarf_Frame *fr;
	bool found = false;

	/* the same return addresses come back in sample after sample: remember the answer */
	if (u->sp->cfi_cache[slot].addr1 == addr + 1)
		return u->sp->cfi_cache[slot].cfi;
	mod = unwind_module(u, addr);
	if (mod) {
		cfi = dwu.dwfl_module_eh_cfi(mod, &bias);
		if (cfi && dwu.dwarf_cfi_addrframe(cfi, addr - bias, &fr) == 0) {
			free(fr);
			found = true;
		}
	}
	if (mod && !found) {
		cfi = dwu.dwfl_module_dwarf_cfi(mod, &bias); /* .debug_frame: some hand-written or old code */
		if (cfi && dwu.dwarf_cfi_addrframe(cfi, addr - bias, &fr) == 0) {
			free(fr);
			found = true;
		}
	}
	u->sp->cfi_cache[slot].addr1 = addr + 1;
	u->sp->cfi_cache[slot].cfi = found;
	return found;
}

static pid_t unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = arg;
	return UNWIND_TID;
}

static bool unwind_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;
	int i;
	for (i = 0; i < 17; i++) {
		Dwarf_Word v = u->regs[unwind_dwarf_regs[i]];
		if ((u->have >> unwind_dwarf_regs[i] & 1) && !dwu.dwfl_thread_state_registers(thread, i, 1, &v))
			return false;
	}
	return true;
}

/* Memory for the CFI: the copied stack, else the file mapped there (constants, never data written since). */
static bool unwind_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	uint64_t sp = u->regs[R_SP];
	const struct unwind_map *m;
	size_t idx;
	int *fd;

	(void)dwfl;
	if (addr >= sp && addr - sp <= u->stack_size && u->stack_size - (addr - sp) >= sizeof *result) {
		memcpy(result, u->stack + (addr - sp), sizeof *result);
		return true;
	}
	m = space_find(u->sp, addr, &idx);
	if (m && m->path[0] == '/' && m->end - addr >= sizeof *result) {
		fd = &u->sp->fds[idx];
		if (*fd == -1)
			*fd = open(m->path, O_RDONLY | O_CLOEXEC);
		if (*fd >= 0 && pread(*fd, result, sizeof *result, (off_t)(addr - m->start + m->pgoff)) == sizeof *result)
			return true;
		if (*fd == -1)
			*fd = -2;
	}
	u->read_failed = true;
	return false;
}

static int unwind_frame(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwu.dwfl_frame_pc(state, &pc, NULL)) {
		u->ended = END_ERROR;
		return DWARF_CB_ABORT;
	}
	if (u->n > 0) {
		/* A frame counts only when the step to it followed CFI with every read inside what the sample
		   holds: else libdw has guessed, and the chain ends here instead. */
		if (u->read_failed) {
			u->ended = END_STACK;
			return DWARF_CB_ABORT;
		}
		if (!u->prev_cfi) {
			u->ended = END_NO_CFI;
			return DWARF_CB_ABORT;
		}
		if (pc == 0) {
			u->ended = END_NONE;
			return DWARF_CB_ABORT;
		}
	}
	u->ips[u->n++] = pc;
	if (u->n == u->max) {
		u->ended = END_MAX;
		return DWARF_CB_ABORT;
	}
	/* The module must be known before asking whether this is an activation, for libdw answers that by
	   unwinding this frame already. A return address may be just past its function's end: look up the
	   call instruction, as libdw does. */
	unwind_module(u, u->n == 1 ? pc : pc - 1);
	u->read_failed = false;
	if (!dwu.dwfl_frame_pc(state, &pc, &activation)) {
		u->ended = END_ERROR;
		return DWARF_CB_ABORT;
	}
	u->prev_cfi = unwind_has_cfi(u, activation ? pc : pc - 1);
	return DWARF_CB_OK;
}

/* Unwind one sample: regs as the kernel packed them for regs_mask, the stack copied from regs' sp up, and
   the process's mappings at the sample's time. Fills ips with absolute addresses, the sampled ip first,
   then return addresses, as PERF_SAMPLE_CALLCHAIN would; returns how many (0: see unwind_why). */
size_t unwind_stack(struct unwinder *u, const struct unwind_maps *maps, const uint64_t *regs, uint64_t regs_mask,
		    const unsigned char *stack, size_t stack_size, uint64_t *ips, size_t max)
{
	size_t i, k = 0;
	int rc;

	static const struct unwind_maps no_maps;

	u->stats.samples++;
	u->why[0] = '\0';
	if (max == 0)
		return 0;
	if (!maps)
		maps = &no_maps;
	memset(u->regs, 0, sizeof u->regs);
	u->have = 0;
	for (i = 0; i < 64; i++)
		if (regs_mask >> i & 1) {
			if (i < R_MAX) {
				u->regs[i] = regs[k];
				u->have |= 1ULL << i;
			}
			k++;
		}
	if (!(u->have >> R_IP & 1) || !(u->have >> R_SP & 1)) {
		snprintf(u->why, sizeof u->why, "the sample has no ip or sp register");
		u->stats.end_error++;
		return 0;
	}
	if (!unwind_load(u)) {
		u->stats.end_error++;
		return 0;
	}
	if (!u->arch) {
		/* a bare ELF header names the architecture, so that a Dwfl can be attached before any module */
		Elf64_Ehdr *eh = (void *)u->arch_image;
		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS64;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_CORE;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_ehsize = sizeof *eh;
		u->arch = dwu.elf_memory((char *)u->arch_image, sizeof u->arch_image);
		if (!u->arch) {
			snprintf(u->why, sizeof u->why, "libelf cannot make an x86_64 header");
			u->stats.end_error++;
			return 0;
		}
	}
	u->sp = unwind_space(u, maps);
	if (!u->sp) {
		u->stats.end_error++;
		return 0;
	}
	u->stack = stack;
	u->stack_size = stack ? stack_size : 0;
	u->ips = ips;
	u->max = max;
	u->n = 0;
	u->read_failed = false;
	u->prev_cfi = false;
	u->ended = END_NONE;
	rc = dwu.dwfl_getthread_frames(u->sp->dwfl, UNWIND_TID, unwind_frame, u);
	if (u->ended == END_NONE && u->n > 0) {
		/* libdw stopped by itself: at the outermost frame, or for the same causes as ours */
		if (u->read_failed)
			u->ended = END_STACK;
		else if (!u->prev_cfi)
			u->ended = END_NO_CFI;
		else if (rc == -1)
			u->ended = END_ERROR;
	}
	if (u->ended == END_ERROR || u->n == 0)
		snprintf(u->why, sizeof u->why, "libdw: %s", dwu.dwfl_errmsg(-1));
	switch (u->ended) {
	case END_NONE: u->stats.end_outermost++; break;
	case END_STACK: u->stats.end_stack++; break;
	case END_NO_CFI: u->stats.end_no_cfi++; break;
	case END_MAX: u->stats.end_max++; break;
	default: u->stats.end_error++; break;
	}
	u->stats.frames += u->n;
	u->sp = NULL;
	return u->n;
}

/* Why the last unwind_stack gave no frame ("" when it gave some). */
const char *unwind_why(const struct unwinder *u)
{
	return u->why;
}

/* How the chains so far ended. */
const struct unwind_stats *unwind_stats(const struct unwinder *u)
{
	return &u->stats;
}

/* Close every Dwfl and file. */
void unwind_free(struct unwinder *u)
{
	size_t i;
	if (!u)
		return;
	for (i = 0; i < UNWIND_SPACES; i++)
		if (u->spaces[i].dwfl || u->spaces[i].maps)
			space_clear(&u->spaces[i]);
	for (i = 0; i < u->nfiles; i++) {
		if (u->files[i].elf)
			dwu.elf_end(u->files[i].elf);
		if (u->files[i].fd >= 0)
			close(u->files[i].fd);
		free(u->files[i].path);
		free(u->files[i].loads);
	}
	free(u->files);
	if (u->arch)
		dwu.elf_end(u->arch);
	if (u->vdso_fd >= 0)
		close(u->vdso_fd);
	free(u);
}
