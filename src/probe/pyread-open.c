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

/* 3.13's layout from its _Py_DebugOffsets (pylayout.h). */
static bool py_debug_offsets(struct pyproc *pp, char *why, size_t len)
{
	unsigned char d[PYLAYOUT_DEBUG_BYTES];
	const char *bad;

	if (!pyread_mem(pp, pp->runtime, d, sizeof d)) {
		snprintf(why, len, "process_vm_readv: %s", strerror(errno));
		return false;
	}
	if ((bad = pylayout_debug(d, pp->version, &pp->o)) != NULL) {
		snprintf(why, len, "%s", bad);
		return false;
	}
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
		pp->o = pylayout_fixed[minor - 9];
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
