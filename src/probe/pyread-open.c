/* probe/pyread-open.c: is a process CPython, which version, where its runtime is, and the layout of that
   version: fixed tables for 3.9 to 3.12 (x86_64), _Py_DebugOffsets at the start of _PyRuntime for 3.13. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptime.h"

#define PY_MAPS_MAX (16u << 20)

/* One file mapped at offset 0: where, and which file. */
struct pymap {
	uint64_t start, ino;
	char path[4096];
	bool found;
};

/* Offsets for x86_64, from each version's own headers (offsetof on the pyenv builds of this machine). */
static const struct pyoffs py_offs[] = {
	{ /* 3.9 */ .rt_interps = 32, .is_next = 0, .is_threads = 8, .ts_next = 8, .ts_tid = 176, .ts_frame = 24,
	  .ts_read = 184, .frames = PYF_OBJECT, .fr_back = 24, .fr_code = 32, .fr_instr = 104, .fr_read = 112,
	  .lasti_scale = 1, .co_size = 16, .co_first = 40, .co_file = 104, .co_name = 112, .co_table = 120,
	  .co_code = 48, .co_read = 128, .table = PYLINE_LNOTAB, .str_state = 32, .str_len = 16, .str_ascii = 48,
	  .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.10 */ .rt_interps = 32, .is_next = 0, .is_threads = 8, .ts_next = 8, .ts_tid = 176, .ts_frame = 24,
	  .ts_read = 184, .frames = PYF_OBJECT, .fr_back = 24, .fr_code = 32, .fr_instr = 96, .fr_read = 104,
	  .lasti_scale = 2, .co_size = 16, .co_first = 40, .co_file = 104, .co_name = 112, .co_table = 120,
	  .co_code = 48, .co_read = 128, .table = PYLINE_310, .str_state = 32, .str_len = 16, .str_ascii = 48,
	  .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.11 */ .rt_interps = 40, .is_next = 0, .is_threads = 16, .ts_next = 8, .ts_tid = 160, .ts_frame = 56,
	  .ts_read = 168, .ts_native = true, .cframe = true, .cf_frame = 8, .frames = PYF_IFRAME, .fr_back = 48,
	  .fr_code = 32, .fr_instr = 56, .fr_owner = 69, .fr_entry = 68, .fr_read = 72, .co_size = 16, .co_first = 72,
	  .co_file = 112, .co_name = 120, .co_table = 136, .co_adaptive = 184, .co_read = 144, .table = PYLINE_311,
	  .str_state = 32, .str_len = 16, .str_ascii = 48, .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.12 */ .rt_interps = 40, .is_next = 0, .is_threads = 72, .ts_next = 8, .ts_tid = 144, .ts_frame = 56,
	  .ts_read = 152, .ts_native = true, .cframe = true, .cf_frame = 0, .frames = PYF_IFRAME, .fr_back = 8,
	  .fr_code = 0, .fr_instr = 56, .fr_owner = 70, .fr_read = 72, .skip_cstack = true, .co_size = 16,
	  .co_first = 68, .co_file = 112, .co_name = 120, .co_table = 136, .co_adaptive = 192, .co_read = 144,
	  .table = PYLINE_311, .str_state = 32, .str_len = 16, .str_ascii = 40, .str_compact = 56,
	  .bytes_size = 16, .bytes_data = 32 },
};

static uint64_t po_u64(const unsigned char *b, unsigned off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

/* 3.13's layout from its _Py_DebugOffsets (the struct's own layout is fixed within 3.13.x). */
static bool py_debug_offsets(struct pyproc *pp, char *why, size_t len)
{
	unsigned char d[584];
	struct pyoffs *o = &pp->o;
	uint64_t v[21];
	static const unsigned at[21] = { 40, 64, 72, 168, 184, 200, 232, 240, 248, 264, 280, 288, 304, 312,
					 344, 360, 520, 528, 544, 552, 560 };
	unsigned i;

	if (!pyread_mem(pp, pp->runtime, d, sizeof d)) {
		snprintf(why, len, "process_vm_readv: %s", strerror(errno));
		return false;
	}
	if (memcmp(d, "xdebugpy", 8) != 0 || (po_u64(d, 8) >> 16) != (pp->version >> 16)) {
		snprintf(why, len, "CPython 3.13: _Py_DebugOffsets not found at _PyRuntime");
		return false;
	}
	if (po_u64(d, 16)) {
		snprintf(why, len, "CPython 3.13 free-threaded: layout not known");
		return false;
	}
	for (i = 0; i < 21; i++)
		v[i] = po_u64(d, at[i]);
	if (v[3] + 8 > PY_TS_READ || v[4] + 8 > PY_TS_READ || v[5] + 8 > PY_TS_READ || v[6] + 8 > PY_FRAME_READ ||
	    v[7] + 8 > PY_FRAME_READ || v[8] + 8 > PY_FRAME_READ || v[9] + 1 > PY_FRAME_READ || v[10] + 8 > PY_CODE_READ ||
	    v[11] + 8 > PY_CODE_READ || v[12] + 8 > PY_CODE_READ || v[13] + 4 > PY_CODE_READ || v[14] > 4096 ||
	    v[15] != 8 || v[17] > 64 || v[18] + 4 > 64 || v[19] + 8 > 64 || v[20] + 16 > 192 || v[0] > 0xffff ||
	    v[1] > 0xffff || v[2] > 0xffff) {
		snprintf(why, len, "CPython 3.13: _Py_DebugOffsets out of range");
		return false;
	}
	*o = (struct pyoffs){
		.rt_interps = (unsigned)v[0], .is_next = (unsigned)v[1], .is_threads = (unsigned)v[2],
		.ts_next = (unsigned)v[3], .ts_frame = (unsigned)v[4], .ts_tid = (unsigned)v[5], .ts_native = true,
		.frames = PYF_EXEC, .fr_back = (unsigned)v[6], .fr_code = (unsigned)v[7], .fr_instr = (unsigned)v[8],
		.fr_owner = (unsigned)v[9], .skip_cstack = true, .co_file = (unsigned)v[10], .co_name = (unsigned)v[11],
		.co_table = (unsigned)v[12], .co_first = (unsigned)v[13], .co_adaptive = (unsigned)v[14],
		.co_size = 16, .table = PYLINE_311, .bytes_size = (unsigned)v[16], .bytes_data = (unsigned)v[17],
		.str_state = (unsigned)v[18], .str_len = (unsigned)v[19], .str_ascii = (unsigned)v[20],
		.str_compact = (unsigned)v[20] + 16,
	};
	o->ts_read = (unsigned)(v[3] > v[4] ? v[3] : v[4]);
	o->ts_read = (o->ts_read > v[5] ? o->ts_read : (unsigned)v[5]) + 8;
	o->fr_read = 80;
	o->co_read = 0;
	for (i = 10; i < 14; i++)
		if (v[i] + 8 > o->co_read)
			o->co_read = (unsigned)v[i] + 8;
	if (o->co_read < 24)
		o->co_read = 24;
	return true;
}

/* Read /proc/PID/maps for the executable, libpython and libc, each where its offset 0 is mapped. */
static bool py_maps(pid_t pid, struct pymap *exe, struct pymap *lib, struct pymap *libc, char *why, size_t len)
{
	char path[64], ewhy[160], exepath[4096], *buf, *line, *next;
	struct stat st;
	size_t n;
	ssize_t el;
	int fd, rc;
	bool first = true;

	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	el = readlink(path, exepath, sizeof exepath - 1);
	exepath[el > 0 ? el : 0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	fd = safefile_open(path, 0, &st, ewhy, sizeof ewhy);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", path, ewhy);
		return false;
	}
	rc = safefile_read(fd, PY_MAPS_MAX, &buf, &n);
	close(fd);
	if (rc < 0) {
		snprintf(why, len, "%s: %s", path, strerror(-rc));
		return false;
	}
	for (line = buf; line && *line; line = next) {
		unsigned long long start, end, off, ino;
		char perms[8];
		int pos = 0;
		const char *p, *base;
		struct pymap *m = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu %n", &start, &end, perms, &off, &ino, &pos) < 5 || !pos)
			continue;
		p = line + pos;
		if (*p != '/' || off != 0)
			continue;
		base = strrchr(p, '/') + 1;
		if (exepath[0] ? strcmp(p, exepath) == 0 : first)
			m = exe;
		else if (strncmp(base, "libpython", 9) == 0)
			m = lib;
		else if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0)
			m = libc;
		first = false;
		if (!m || m->found)
			continue;
		m->start = start;
		m->ino = ino;
		snprintf(m->path, sizeof m->path, "%s", p);
		m->found = true;
	}
	free(buf);
	if (exepath[0] && !exe->found) {
		/* the kernel names the new executable, and perf reports the exec, before it maps it: the
		   process is still in its execve, maybe for milliseconds on a busy machine */
		snprintf(why, len, "%s: not mapped yet", exepath);
		return false;
	}
	return true;
}

/* Major and minor from a file name: "libpython3.10.so.1.0", "python3.9"; 0 when it tells none. */
static unsigned py_name_version(const char *path)
{
	const char *base = strrchr(path, '/'), *p;
	unsigned maj, min;

	base = base ? base + 1 : path;
	p = strncmp(base, "libpython", 9) == 0 ? base + 9 : strncmp(base, "python", 6) == 0 ? base + 6 : NULL;
	if (!p || sscanf(p, "%u.%u", &maj, &min) != 2 || maj > 9 || min > 99)
		return 0;
	return maj << 24 | min << 16;
}

/* Find the file's symbols through /proc/PID/root (the process's own view of the path), else the path as is. */
static int py_syms(pid_t pid, const struct pymap *m, struct pyelf_sym *s, size_t n, char *why, size_t len)
{
	char root[4200];
	int r;

	snprintf(root, sizeof root, "/proc/%d/root%s", (int)pid, m->path);
	r = pyelf_symbols(root, m->ino, m->start, s, n, why, len);
	if (r < 0)
		r = pyelf_symbols(m->path, m->ino, m->start, s, n, why, len);
	return r;
}

/* Opens pid for reading if it runs CPython 3.9..3.13; see ptime.h. */
struct pyproc *pyproc_open(pid_t pid, char *why, size_t whylen, bool *final)
{
	static struct pymap exe, lib, libc; /* 12 KiB of paths: not on the sampler's stack */
	/* the eval loop's symbol is in .dynsym (extensions may call it), its .cold part only in .symtab */
	struct pyelf_sym s[6] = { { "_PyRuntime", 0, 0, 0 },		   { "Py_Version", 0, 0, 0 },
				  { "PyCode_Type", 0, 0, 0 },		   { "_PyThreadState_Current", 0, 0, 0 },
				  { "_PyEval_EvalFrameDefault", 0, 0, 0 }, { "_PyEval_EvalFrameDefault.cold", 0, 0, 0 } };
	size_t k;
	struct pyelf_sym td = { "_thread_db_pthread_tid", 0, 0, 0 };
	const struct pymap *py;
	struct pyproc *pp = NULL;
	unsigned version = 0, minor;
	uint64_t interp, pv;
	uint32_t desc[3];
	bool named;
	int r;

	why[0] = '\0';
	*final = false;
	memset(&exe, 0, sizeof exe);
	memset(&lib, 0, sizeof lib);
	memset(&libc, 0, sizeof libc);
	if (!py_maps(pid, &exe, &lib, &libc, why, whylen))
		return NULL;
	py = lib.found ? &lib : &exe;
	if (!py->found)
		return NULL;
	named = lib.found || py_name_version(exe.path);
	r = py_syms(pid, py, s, 6, why, whylen);
	if (r < 0) {
		if (!named)
			why[0] = '\0';
		*final = r == -ENOSYS;
		return NULL;
	}
	if (!s[0].addr && !s[2].addr) {
		if (named)
			snprintf(why, whylen, "%s: no CPython symbols (stripped)", py->path);
		return NULL;
	}
	pp = xcalloc(1, sizeof *pp);
	pp->pid = pid;
	if (s[1].addr && pyread_mem(pp, s[1].addr, &pv, sizeof pv) && (pv >> 24) == 3)
		version = (unsigned)pv;
	if (!version)
		version = py_name_version(py->path);
	if (!version && py != &exe)
		version = py_name_version(exe.path);
	minor = version >> 16 & 0xff;
	*final = true; /* from here on, every reason is the build's or the version's, and stays */
	if (!version) {
		snprintf(why, whylen, "CPython of an unknown version: layout not known");
		goto fail;
	}
	if (version >> 24 != 3 || minor < 9 || minor > 13 || !s[0].addr) {
		snprintf(why, whylen, "CPython %u.%u: layout not known", version >> 24, minor);
		goto fail;
	}
	if (!s[2].addr) {
		snprintf(why, whylen, "CPython %u.%u: no PyCode_Type symbol", version >> 24, minor);
		goto fail;
	}
	pp->version = version;
	pp->runtime = s[0].addr;
	pp->code_type = s[2].addr;
	for (k = 4; k < 6 && s[4].off && s[4].size; k++)
		if (s[k].off && s[k].size)
			pp->eval[pp->neval++] = (struct pyrange){ s[k].off, s[k].size };
	pp->eval_lib = py == &lib;
	if (minor == 13) {
#if defined(__LP64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (!py_debug_offsets(pp, why, whylen))
			goto fail;
#else
		snprintf(why, whylen, "CPython 3.13 on this architecture: layout not known");
		goto fail;
#endif
	} else {
#if defined(__x86_64__)
		pp->o = py_offs[minor - 9];
#else
		snprintf(why, whylen, "CPython %u.%u on this architecture: layout not known", version >> 24, minor);
		goto fail;
#endif
	}
	if (!pyread_mem(pp, pp->runtime + pp->o.rt_interps, &interp, sizeof interp)) {
		snprintf(why, whylen, "process_vm_readv: %s", strerror(errno));
		*final = false;
		goto fail;
	}
	if (!pp->o.ts_native && libc.found && py_syms(pid, &libc, &td, 1, why, whylen) == 1 &&
	    pyread_mem(pp, td.addr, desc, sizeof desc) && desc[0] == 32 && desc[1] == 1 && desc[2] < 65536)
		pp->pthread_tid_off = desc[2];
	why[0] = '\0';
	pp->strs = strtab_new();
	pp->lv = xcalloc(PY_IOVS, sizeof *pp->lv);
	pp->rv = xcalloc(PY_IOVS, sizeof *pp->rv);
	pp->hdrs = xmalloc((size_t)PY_MAX_DEPTH * PY_CODE_READ);
	return pp;
fail:
	free(pp);
	return NULL;
}
