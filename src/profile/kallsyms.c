/* profile/kallsyms.c: the kernel's functions from /proc/kallsyms, for samples taken in the kernel,
   and whether this process may sample the kernel at all (perf_event_paranoid, capabilities). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

/* /proc/kallsyms has some 200,000 lines on a distribution kernel: a bound keeps a strange file
   from taking the memory of the command being measured. */
#define KALLSYMS_MAX 4000000
/* Past the last symbol, an address is named only this close to it. */
#define KALLSYMS_TAIL (1u << 20)

struct ksym {
	uint64_t addr;
	uint32_t name;   /* offset in names */
	uint16_t module; /* index in modules, 0 for the kernel itself */
	char type;
};

struct kallsyms {
	struct ksym *syms;
	size_t n;
	char *names;
	size_t nlen;
	char **modules;  /* "[kernel.kallsyms]", "[ext4]", ... */
	size_t nmodules;
};

static size_t kallsyms_underscores(const char *s)
{
	size_t n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* Which of two symbols at one address names it, as perf's choose_best_symbol picks: not weak, global,
   fewer leading underscores, not a SyS alias, the longer name. Negative when a is the better. */
static int kallsyms_better(const struct kallsyms *k, const struct ksym *a, const struct ksym *b)
{
	const char *na = k->names + a->name, *nb = k->names + b->name;
	bool wa = toupper((unsigned char)a->type) == 'W', wb = toupper((unsigned char)b->type) == 'W';
	bool ga = isupper((unsigned char)a->type), gb = isupper((unsigned char)b->type);
	size_t ua = kallsyms_underscores(na), ub = kallsyms_underscores(nb);
	bool sa = strncmp(na, "SyS", 3) == 0 || strncmp(na, "compat_SyS", 10) == 0;
	bool sb = strncmp(nb, "SyS", 3) == 0 || strncmp(nb, "compat_SyS", 10) == 0;

	if (wa != wb)
		return wa ? 1 : -1;
	if (ga != gb)
		return ga ? -1 : 1;
	if (ua != ub)
		return ua < ub ? -1 : 1;
	if (sa != sb)
		return sa ? 1 : -1;
	if (strlen(na) != strlen(nb))
		return strlen(na) > strlen(nb) ? -1 : 1;
	return strcmp(na, nb);
}

static const struct kallsyms *kallsyms_sorting;

static int kallsyms_cmp(const void *pa, const void *pb)
{
	const struct ksym *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return kallsyms_better(kallsyms_sorting, a, b);
}

static uint16_t kallsyms_module(struct kallsyms *k, const char *mod)
{
	size_t i;
	char buf[80];
	snprintf(buf, sizeof buf, "[%s]", mod);
	for (i = 0; i < k->nmodules; i++)
		if (strcmp(k->modules[i], buf) == 0)
			return (uint16_t)i;
	if (k->nmodules >= UINT16_MAX)
		return 0;
	k->modules = xrealloc(k->modules, (k->nmodules + 1) * sizeof *k->modules);
	k->modules[k->nmodules] = xstrdup(buf);
	return (uint16_t)k->nmodules++;
}

/* The text symbols of a file in /proc/kallsyms' format ("ffffffff81000000 T _stext", modules'
   symbols followed by "\t[module]"), sorted; NULL with why set when there are none, or when every
   address is 0 because kernel.kptr_restrict hides them from this process. */
struct kallsyms *kallsyms_load_file(const char *path, char *why, size_t len)
{
	FILE *f = fopen(path, "re");
	struct kallsyms *k;
	char line[512];
	size_t cap = 0, ncap = 0, lines = 0, zero = 0, i, o;

	if (!f) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	kallsyms_module(k, "kernel.kallsyms");
	while (fgets(line, sizeof line, f) && lines < KALLSYMS_MAX) {
		char *end, *name, *mod;
		uint64_t addr;
		char type;
		size_t nl;

		lines++;
		if (!strchr(line, '\n') && !feof(f)) {
			int c;
			while ((c = getc(f)) != EOF && c != '\n') /* an over-long line: skip the rest of it */
				;
			continue;
		}
		addr = strtoull(line, &end, 16);
		if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		name = end + 3;
		name[strcspn(name, "\n")] = '\0';
		if (addr == 0)
			zero++;
		/* text: t/T, and weak symbols w/W, which are functions in the kernel's text */
		if (!strchr("tTwW", type) || addr == 0)
			continue;
		mod = strchr(name, '\t');
		if (mod) {
			*mod++ = '\0';
			mod[strcspn(mod, "]")] = '\0';
			if (*mod == '[')
				mod++;
		}
		nl = strlen(name);
		if (!nl || nl > 400)
			continue;
		if (k->n == cap) {
			cap = cap ? cap * 2 : 16384;
			k->syms = xrealloc(k->syms, cap * sizeof *k->syms);
		}
		if (k->nlen + nl + 1 > ncap) {
			ncap = ncap ? ncap * 2 : 1 << 20;
			if (ncap > UINT32_MAX)
				break;
			k->names = xrealloc(k->names, ncap);
		}
		memcpy(k->names + k->nlen, name, nl + 1);
		k->syms[k->n++] = (struct ksym){ addr, (uint32_t)k->nlen, mod ? kallsyms_module(k, mod) : 0, type };
		k->nlen += nl + 1;
	}
	fclose(f);
	if (k->n == 0) {
		if (lines && zero == lines)
			snprintf(why, len, "kernel addresses are hidden from ptime (%s shows them all as 0: "
				 "kernel.kptr_restrict, CAP_SYSLOG)", path);
		else
			snprintf(why, len, "%s has no kernel functions", path);
		kallsyms_free(k);
		return NULL;
	}
	kallsyms_sorting = k;
	qsort(k->syms, k->n, sizeof *k->syms, kallsyms_cmp);
	/* one symbol per address: the best name sorted first */
	for (i = o = 1; i < k->n; i++)
		if (k->syms[i].addr != k->syms[o - 1].addr)
			k->syms[o++] = k->syms[i];
	k->n = o;
	return k;
}

/* The kernel's text symbols from /proc/kallsyms; NULL with why set when they cannot be had. */
struct kallsyms *kallsyms_load(char *why, size_t len)
{
	struct kallsyms *k = kallsyms_load_file("/proc/kallsyms", why, len);
	if (!k && strstr(why, "hidden")) {
		char buf[32] = "";
		FILE *f = fopen("/proc/sys/kernel/kptr_restrict", "re");
		if (f) {
			if (fgets(buf, sizeof buf, f))
				buf[strcspn(buf, "\n")] = '\0';
			fclose(f);
		}
		snprintf(why, len, "kernel addresses are hidden from ptime (/proc/kallsyms shows them as 0 with "
			 "kernel.kptr_restrict=%s: 0 and perf_event_paranoid <= 1, or CAP_SYSLOG, shows them)",
			 buf[0] ? buf : "?");
	}
	return k;
}

static const struct ksym *kallsyms_find(const struct kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k ? k->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (lo == k->n && addr - k->syms[lo - 1].addr > KALLSYMS_TAIL)
		return NULL;
	/* a module's last function does not run into the next module's */
	if (lo < k->n && k->syms[lo].module != k->syms[lo - 1].module && addr - k->syms[lo - 1].addr > KALLSYMS_TAIL)
		return NULL;
	return &k->syms[lo - 1];
}

/* The kernel function that holds addr, and addr's offset in it; NULL when none does. */
const char *kallsyms_name(const struct kallsyms *k, uint64_t addr, uint64_t *offset)
{
	const struct ksym *s = kallsyms_find(k, addr);
	if (!s)
		return NULL;
	if (offset)
		*offset = addr - s->addr;
	return k->names + s->name;
}

/* Where the function at addr lives: "[kernel.kallsyms]" or the module's name in brackets ("[ext4]"). */
const char *kallsyms_dso(const struct kallsyms *k, uint64_t addr)
{
	const struct ksym *s = kallsyms_find(k, addr);
	return s ? k->modules[s->module] : "[kernel.kallsyms]";
}

/* Free the table. */
void kallsyms_free(struct kallsyms *k)
{
	size_t i;
	if (!k)
		return;
	for (i = 0; i < k->nmodules; i++)
		free(k->modules[i]);
	free(k->modules);
	free(k->syms);
	free(k->names);
	free(k);
}

/* Whether the effective set of this process holds capability cap (from /proc/self/status: no libcap). */
static bool kallsyms_cap_effective(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	bool has = false;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "CapEff:", 7) == 0) {
			unsigned long long eff = strtoull(line + 7, NULL, 16);
			has = (eff >> cap) & 1;
			break;
		}
	fclose(f);
	return has;
}

/* Whether ptime may sample the kernel as well as user space; when not, why says what would allow it.
   The kernel allows it at perf_event_paranoid <= 1, and to CAP_PERFMON (CAP_SYS_ADMIN before 5.8):
   held by root, or raised from ptime's file capabilities when the sampler opens its events. */
bool kallsyms_may_sample(char *why, size_t len)
{
	int paranoid = procfs_paranoid();
	const char *held = caps_held();

	if (paranoid != INT_MIN && paranoid <= 1) {
		snprintf(why, len, "kernel.perf_event_paranoid is %d", paranoid);
		return true;
	}
	if (kallsyms_cap_effective(38) || kallsyms_cap_effective(21)) {
		snprintf(why, len, "ptime runs with %s", kallsyms_cap_effective(38) ? "CAP_PERFMON" : "CAP_SYS_ADMIN");
		return true;
	}
	if (held) {
		snprintf(why, len, "ptime holds %s", held);
		return true;
	}
	if (paranoid == INT_MIN)
		snprintf(why, len, "/proc/sys/kernel/perf_event_paranoid cannot be read, and ptime has no CAP_PERFMON");
	else
		snprintf(why, len, "kernel.perf_event_paranoid is %d and ptime has no CAP_PERFMON (run as root, "
			 "setcap cap_perfmon+ep on ptime, or sysctl kernel.perf_event_paranoid=1)", paranoid);
	return false;
}

/* The sentence a report gives when the kernel was not sampled: how much of the command's CPU time
   (rusage) that leaves out, and why ("" when the command used no CPU time at all). */
void kallsyms_unsampled(char *buf, size_t len, const struct rusage *ru, const char *why)
{
	double sys = (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
	double cpu = sys + (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6;
	if (cpu <= 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%.2f s of the %.2f s of CPU time (%.0f%%) were in the kernel and not sampled: %s",
		 sys, cpu, 100 * sys / cpu, why);
}
