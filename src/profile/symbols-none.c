/* profile/symbols-none.c: the resolver of a build without libdw (./configure --without-libdw): every
   address is named by its file and offset, and the report says why there are no lines. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct symbols {
	const char **paths;
	size_t n;
	struct strtab *strs;
	char *warning;
};

/* A resolver that knows files but not their symbols. */
struct symbols *symbols_new(bool inline_caller, struct strtab *strs)
{
	struct symbols *s = xcalloc(1, sizeof *s);
	(void)inline_caller;
	s->strs = strs;
	s->warning = xstrdup("ptime was built without libdw: samples are shown as file+0xOFFSET, "
			     "with no function or line (rebuild with libdw-dev installed)");
	return s;
}

/* Debug files are never looked for here, on the network or not. */
void symbols_use_debuginfod(bool on)
{
	(void)on;
}

/* The id of the file path. */
int symbols_dso(struct symbols *s, const char *path, int pid, dev_t dev, uint64_t ino)
{
	size_t i;
	(void)pid;
	(void)dev;
	(void)ino;
	path = strtab_intern(s->strs, path);
	for (i = 0; i < s->n; i++)
		if (s->paths[i] == path)
			return (int)i;
	s->paths = xrealloc(s->paths, (s->n + 1) * sizeof *s->paths);
	s->paths[s->n] = path;
	return (int)s->n++;
}

/* Anonymous code of process pid. */
int symbols_jit_dso(struct symbols *s, int pid)
{
	return symbols_dso(s, "[anon]", pid, 0, 0);
}

/* The path of file dso, interned. */
const char *symbols_dso_path(const struct symbols *s, int dso)
{
	return dso >= 0 && (size_t)dso < s->n ? s->paths[dso] : NULL;
}

/* Whether addresses in dso are absolute: never here, anonymous code too is named by offset. */
bool symbols_absolute(const struct symbols *s, int dso)
{
	(void)s;
	(void)dso;
	return false;
}

/* The kernel's code: named through /proc/kallsyms, which needs no libdw. */
int symbols_kernel_dso(struct symbols *s)
{
	return symbols_dso(s, "[kernel.kallsyms]", 0, 0, 0);
}

/* "file+0xOFFSET", no line: one frame. */
size_t symbols_resolve(struct symbols *s, int dso, uint64_t off, struct loc *out, size_t max)
{
	const char *path = s->paths[dso], *slash = strrchr(path, '/');
	char buf[512];
	memset(out, 0, sizeof *out);
	snprintf(buf, sizeof buf, "%s+0x%llx", slash ? slash + 1 : path, (unsigned long long)off);
	out->func = strtab_intern(s->strs, buf);
	out->dso = path;
	(void)max;
	return 1;
}

/* Nothing is held per file in this build. */
void symbols_release_all(struct symbols *s)
{
	(void)s;
}

void symbols_release(struct symbols *s, int dso)
{
	(void)s;
	(void)dso;
}

/* The one warning of this build. */
size_t symbols_warnings(const struct symbols *s, char *const **w)
{
	*w = &s->warning;
	return 1;
}

/* Free the resolver. */
void symbols_free(struct symbols *s)
{
	if (!s)
		return;
	free(s->paths);
	free(s->warning);
	free(s);
}
