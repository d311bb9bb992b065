/* unit-plt.c: the names ptime gives PLT stubs against objdump's: every "<name@plt>" label objdump -d -C
   prints in .plt, .plt.sec and .plt.got resolves to that name, at the stub's start and inside it;
   on the fx-plt fixture (lazy .plt with a header, .plt.got), on it built with IBT (.plt.sec), and on
   libstdc++ (a large .plt and .plt.got). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

struct sect {
	char name[64];
	unsigned long long vma, size, off;
};

static size_t sections(const char *file, struct sect *out, size_t max)
{
	char cmd[4200], line[1024];
	size_t n = 0;
	FILE *p;
	snprintf(cmd, sizeof cmd, "objdump -h '%s' 2>/dev/null", file);
	if (!(p = popen(cmd, "r")))
		return 0;
	while (fgets(line, sizeof line, p) && n < max) {
		struct sect s;
		unsigned idx;
		unsigned long long lma;
		if (sscanf(line, " %u %63s %llx %llx %llx %llx", &idx, s.name, &s.size, &s.vma, &lma, &s.off) == 6)
			out[n++] = s;
	}
	pclose(p);
	return n;
}

/* Resolve every @plt label of file; the number checked, or -1 on the first mismatch (reported). */
static void check_file(const char *file, const char *must)
{
	struct sect secs[128];
	size_t nsec = sections(file, secs, 128), i;
	struct strtab *strs = strtab_new();
	struct symbols *s = symbols_new(false, strs);
	int dso = symbols_dso(s, file, 1, 0, 0), checked = 0, bad = 0, init = 0;
	bool seen_must = !must;
	char cmd[4200], line[4096];
	FILE *p;

	snprintf(cmd, sizeof cmd, "objdump -d -C --no-show-raw-insn -j .plt -j .plt.sec -j .plt.got '%s' 2>/dev/null", file);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof line, p)) {
		unsigned long long vma;
		char *lt = strchr(line, '<'), *gt = strrchr(line, '>');
		struct loc loc, chain[64];
		size_t nl;
		size_t len;
		if (!lt || !gt || gt[1] != ':' || sscanf(line, "%llx", &vma) != 1)
			continue;
		*gt = '\0';
		len = strlen(lt + 1);
		if (len < 4 || strcmp(lt + 1 + len - 4, "@plt") != 0)
			continue;
		for (i = 0; i < nsec; i++)
			if (vma >= secs[i].vma && vma < secs[i].vma + secs[i].size)
				break;
		if (i == nsec)
			continue;
		nl = symbols_resolve(s, dso, vma - secs[i].vma + secs[i].off + 2, chain, 64);
		loc = chain[nl - 1]; /* the function that holds the code: a stub has no inlined calls */
		checked++;
		if (must && strcmp(lt + 1, must) == 0)
			seen_must = true;
		if (loc.func && strcmp(loc.func, "_init") == 0)
			init++;
		if (!loc.func || strcmp(loc.func, lt + 1) != 0) {
			if (bad++ < 3)
				printf("#   %s at %#llx: got '%s', objdump says '%s'\n", file, vma, loc.func ? loc.func : "(null)",
				       lt + 1);
		}
	}
	if (p)
		pclose(p);
	fflush(stdout);
	ok(checked > 0 && bad == 0, "%s: %d of %d PLT stubs named as objdump names them", file, checked - bad, checked);
	ok(init == 0, "%s: no stub is named _init", file);
	ok(seen_must, "%s: %s is among them", file, must ? must : "-");
	symbols_free(s);
	strtab_free(strs);
}

int main(void)
{
	const char *fx = getenv("FX");
	char path[12800], ibt[4096];
	const char *libstdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

#ifndef HAVE_LIBDW
	printf("1..0 # SKIP built without libdw: no symbols\n");
	return 0;
#endif
	if (system("objdump --version >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP objdump (binutils) is not installed\n");
		return 0;
	}
	snprintf(path, sizeof path, "%s/fx-plt", fx ? fx : "tests");
	check_file(path, "abs@plt");
	/* IBT: the stubs that are called are in .plt.sec, .plt holds the lazy trampolines */
	if (!getcwd(ibt, sizeof ibt - 16))
		return 1;
	strcat(ibt, "/unit-plt-ibt"); /* an absolute path: a relative one names anonymous memory */
	snprintf(path, sizeof path, "cc -O1 -fno-builtin -fcf-protection=full -Wl,-z,ibtplt -o '%s' "
		 "'%s/tests/fx-plt.c' 2>/dev/null && objdump -h '%s' | grep -q '[.]plt[.]sec'", ibt,
		 getenv("srcdir") ? getenv("srcdir") : ".", ibt);
	if (system(path) == 0)
		check_file(ibt, "abs@plt");
	else
		printf("ok %d - # SKIP cc cannot build an IBT PLT (-fcf-protection=full -z ibtplt) here\n", ++tap_n);
	unlink(ibt);
	if (access(libstdcxx, R_OK) == 0)
		check_file(libstdcxx, NULL);
	else
		printf("ok %d - # SKIP %s is not installed\n", ++tap_n, libstdcxx);
	return done();
}
