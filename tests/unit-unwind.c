/* unit-unwind.c: DWARF unwinding of a copied stack through a library without frame pointers: main -> a ->
   fxunwind_b (libfxunwind.so, -fomit-frame-pointer) -> c, checked with dladdr's names; frame-pointer walking of
   the same stack loses a; a short stack ends the chain without invented frames; real samples of a child from
   perf_event_open with unwind_attr unwind the same way. "spin" runs the chain for perf, "chains" prints what
   the unwinder makes of sampling it, as folded stacks, for t-unwind.sh to compare with perf's. */
#include "config.h"

#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

int fxunwind_b(int (*c)(int), int x);
int a(int x);
int c(int x);

/* perf's x86_64 register numbers (asm/perf_regs.h) */
enum { AX, BX, CX, DX, SI, DI, BP, SP, IP, FLAGS, CS, SS, DS, ES, FS, GS, R8, R9, R10, R11, R12, R13, R14, R15 };
#define REGS_MASK 0xff0fffULL /* perf's PERF_REGS_MASK: all but ds, es, fs, gs */

static uint64_t raw[24];
static double first_us;     /* the first real sample's unwind: files opened */       /* by perf register number */
static unsigned char stack_copy[32768];
static size_t stack_len;
static uint64_t stack_top;
static int mode;               /* 0 capture, 1 spin */
static volatile unsigned long sink;

/* Copy the live stack word by word: under ASan, memcpy would report the redzones between frames. */
__attribute__((no_sanitize_address, noinline)) static void copy_stack(uint64_t sp)
{
	size_t n = stack_top - sp < sizeof stack_copy ? (size_t)(stack_top - sp) : sizeof stack_copy, i;
	const volatile uint64_t *from = (const volatile uint64_t *)(uintptr_t)sp;
	for (i = 0; i < n / 8; i++)
		((uint64_t *)(void *)stack_copy)[i] = from[i];
	stack_len = n & ~(size_t)7;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time, for the costs: on a shared machine wall time counts the other tenants too. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The leaf: take the registers and the stack as the kernel would in a sample, or burn CPU for perf. */
__attribute__((noinline)) int c(int x)
{
	if (mode == 1) {
		double end = now() + 0.4;
		unsigned long i;
		while (now() < end)
			for (i = 0; i < 20000; i++)
				sink += i * (unsigned long)x;
		return x + 1;
	}
	__asm__ volatile("movq %%rax, 0(%0)\n\t"
			 "movq %%rbx, 8(%0)\n\t"
			 "movq %%rcx, 16(%0)\n\t"
			 "movq %%rdx, 24(%0)\n\t"
			 "movq %%rsi, 32(%0)\n\t"
			 "movq %%rdi, 40(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "1: leaq 1b(%%rip), %%rax\n\t"
			 "movq %%rax, 64(%0)\n\t"
			 "pushfq\n\t"
			 "popq 72(%0)\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%cs, %%ax\n\t"
			 "movq %%rax, 80(%0)\n\t"
			 "movw %%ss, %%ax\n\t"
			 "movq %%rax, 88(%0)\n\t"
			 "movq %%r8, 128(%0)\n\t"
			 "movq %%r9, 136(%0)\n\t"
			 "movq %%r10, 144(%0)\n\t"
			 "movq %%r11, 152(%0)\n\t"
			 "movq %%r12, 160(%0)\n\t"
			 "movq %%r13, 168(%0)\n\t"
			 "movq %%r14, 176(%0)\n\t"
			 "movq %%r15, 184(%0)\n\t"
			 :
			 : "r"(raw)
			 : "rax", "memory");
	copy_stack(raw[SP]);
	return x + 1;
}

/* Between main and the library: its return address is on fxunwind_b's frame, which has no frame pointer. */
__attribute__((noinline)) int a(int x)
{
	int r = fxunwind_b(c, x);
	__asm__ volatile("" ::: "memory");
	return r + 1;
}

/* The process's mappings of files, from /proc/self/maps; executable ones only, as the sampler keeps. */
static size_t read_maps(struct unwind_map *m, size_t max, char paths[][256])
{
	FILE *fp = fopen("/proc/self/maps", "r");
	char line[512], perms[8], path[256];
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	size_t n = 0;

	while (fp && n < max && fgets(line, sizeof line, fp)) {
		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %255s", &start, &end, perms, &off, &maj, &min, &ino,
			   path) < 7)
			continue;
		if (strcmp(path, "[stack]") == 0)
			stack_top = end;
		if (perms[2] != 'x' || !path[0])
			continue;
		snprintf(paths[n], 256, "%s", path);
		m[n] = (struct unwind_map){ start, end, off, paths[n], ino ? makedev(maj, min) : 0, ino };
		n++;
	}
	if (fp)
		fclose(fp);
	return n;
}

/* The function an address is in, by the dynamic symbol tables (the test is linked -rdynamic). */
static const char *name_of(uint64_t ip, bool ret)
{
	Dl_info di;
	if (ret)
		ip--;
	if (dladdr((void *)(uintptr_t)ip, &di) && di.dli_sname)
		return di.dli_sname;
	return "?";
}

/* Whether the chain holds c, fxunwind_b, a in a row, after at most skip leaf frames, then main within two
   frames (the forked child's sample_child is between). */
static bool chain_ok(const uint64_t *ips, size_t n, size_t skip)
{
	static const char *const want[] = { "c", "fxunwind_b", "a" };
	size_t i, k;
	for (i = 0; i <= skip && i < n; i++) {
		for (k = 0; k < 3 && i + k < n; k++)
			if (strcmp(name_of(ips[i + k], i + k > 0), want[k]) != 0)
				break;
		if (k < 3)
			continue;
		for (k = i + 3; k < n && k <= i + 4; k++)
			if (strcmp(name_of(ips[k], true), "main") == 0)
				return true;
	}
	return false;
}

static void show(const char *what, const uint64_t *ips, size_t n)
{
	size_t i;
	printf("# %s:", what);
	for (i = 0; i < n; i++)
		printf(" %s", name_of(ips[i], i > 0));
	printf("\n");
}

/* Walk saved rbp/return address pairs on the copied stack: what PERF_SAMPLE_CALLCHAIN does. */
static size_t fp_walk(uint64_t *ips, size_t max)
{
	uint64_t fp = raw[BP], sp = raw[SP], next[2];
	size_t n = 0;
	ips[n++] = raw[IP];
	while (n < max && fp >= sp && fp + 16 <= sp + stack_len) {
		memcpy(next, stack_copy + (fp - sp), 16);
		if (!next[1])
			break;
		ips[n++] = next[1];
		if (next[0] <= fp)
			break;
		fp = next[0];
	}
	return n;
}

static void packed_regs(uint64_t *out)
{
	size_t i, k = 0;
	for (i = 0; i < 64; i++)
		if (REGS_MASK >> i & 1)
			out[k++] = raw[i];
}

static uint64_t file_offset(const struct unwind_maps *maps, uint64_t addr)
{
	size_t i;
	for (i = 0; i < maps->n; i++)
		if (addr >= maps->map[i].start && addr < maps->map[i].end)
			return addr - maps->map[i].start + maps->map[i].pgoff;
	return addr;
}

struct chain {
	char folded[1024];
	unsigned long count;
};

int sample_child(struct unwinder *u, const struct unwind_maps *maps, struct chain *chains, size_t *nchains,
		 unsigned long *good, unsigned long *total, double *secs, char *why, size_t whylen);

/* Sample a forked child running the chain with unwind_attr's settings and unwind every sample; -1 if the
   test can't sample here (why is set). Fills chains (folded, root first) and good/total counts. */
int sample_child(struct unwinder *u, const struct unwind_maps *maps, struct chain *chains, size_t *nchains,
			unsigned long *good, unsigned long *total, double *secs, char *why, size_t whylen)
{
	struct perf_event_attr at;
	struct ring rg = { 0 };
	struct bytes buf = { 0 };
	int cork[2], fd, status, rc = 0;
	pid_t pid;
	size_t off;
	double t0;

	if (pipe(cork) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char b;
		close(cork[1]);
		if (read(cork[0], &b, 1) != 1)
			_exit(1);
		mode = 1;
		_exit(a(3) > 0 ? 0 : 1);
	}
	close(cork[0]);
	memset(&at, 0, sizeof at);
	at.size = sizeof at;
	at.type = PERF_TYPE_SOFTWARE;
	at.config = PERF_COUNT_SW_CPU_CLOCK;
	at.freq = 1;
	at.sample_freq = 999;
	at.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN;
	at.exclude_kernel = 1;
	at.exclude_hv = 1;
	if (unwind_attr(&at, 0) != 0) {
		snprintf(why, whylen, "unwind_attr refused the default size");
		rc = -1;
		goto out;
	}
	fd = (int)syscall(SYS_perf_event_open, &at, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "perf_event_open: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	if (ring_open(&rg, fd, 6) != 0 && ring_open(&rg, fd, 3) != 0) {
		snprintf(why, whylen, "cannot map the ring");
		close(fd);
		rc = -1;
		goto out;
	}
	if (write(cork[1], "x", 1) != 1)
		rc = -1;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		poll(&p, 1, 5);
		ring_drain(&rg, &buf);
	}
	pid = -1;
	ring_drain(&rg, &buf);
	ring_close(&rg);
	close(fd);

	*good = *total = 0;
	*secs = 0;
	for (off = 0; off + sizeof(struct perf_event_header) <= buf.len;) {
		const struct perf_event_header *h = (const void *)(buf.p + off);
		struct unwind_sample smp;
		uint64_t ips[PROFILE_MAX_FRAMES];
		size_t n, i, k;
		long used;
		char f[1024];

		if (h->size < sizeof *h || off + h->size > buf.len)
			break;
		off += h->size;
		if (h->type != PERF_RECORD_SAMPLE)
			continue;
		/* ip, pid/tid, time, then regs_user and stack_user */
		used = unwind_parse_sample((const unsigned char *)h + sizeof *h + 24, h->size - sizeof *h - 24,
					   at.sample_regs_user, &smp);
		if (used < 0 || smp.abi == PERF_SAMPLE_REGS_ABI_NONE)
			continue;
		t0 = cpu_now();
		n = unwind_stack(u, maps, smp.regs, smp.mask, smp.stack, smp.stack_size, ips, PROFILE_MAX_FRAMES);
		if (*total == 0)
			first_us = (cpu_now() - t0) * 1e6;
		*secs += cpu_now() - t0;
		(*total)++;
		if (chain_ok(ips, n, 3))
			(*good)++;
		f[0] = '\0';
		for (i = n; i-- > 0;)
			snprintf(f + strlen(f), sizeof f - strlen(f), "%s%s", name_of(ips[i], i > 0), i ? ";" : "");
		/* then the return addresses as offsets in their files, less one, as perf script prints them */
		snprintf(f + strlen(f), sizeof f - strlen(f), " ");
		for (i = n; i-- > 1;)
			snprintf(f + strlen(f), sizeof f - strlen(f), "%llx%s", (unsigned long long)file_offset(maps, ips[i] - 1),
				 i > 1 ? ";" : "");
		for (k = 0; k < *nchains && strcmp(chains[k].folded, f) != 0; k++)
			;
		if (k == *nchains && k < 256) {
			snprintf(chains[k].folded, sizeof chains[k].folded, "%s", f);
			chains[k].count = 0;
			(*nchains)++;
		}
		if (k < 256)
			chains[k].count++;
	}
	/* again, timing only the unwinding: the first pass also paid for naming and for cold caches */
	t0 = cpu_now();
	for (off = 0; off + sizeof(struct perf_event_header) <= buf.len;) {
		const struct perf_event_header *h = (const void *)(buf.p + off);
		struct unwind_sample smp;
		uint64_t ips[PROFILE_MAX_FRAMES];
		if (h->size < sizeof *h || off + h->size > buf.len)
			break;
		off += h->size;
		if (h->type != PERF_RECORD_SAMPLE ||
		    unwind_parse_sample((const unsigned char *)h + sizeof *h + 24, h->size - sizeof *h - 24,
					at.sample_regs_user, &smp) < 0 || smp.abi == PERF_SAMPLE_REGS_ABI_NONE)
			continue;
		unwind_stack(u, maps, smp.regs, smp.mask, smp.stack, smp.stack_size, ips, PROFILE_MAX_FRAMES);
	}
	*secs = cpu_now() - t0;
out:
	close(cork[1]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	free(buf.p);
	return rc;
}

int main(int argc, char **argv)
{
	static struct unwind_map mapv[512];
	static char paths[512][256];
	static struct chain chains[256];
	struct unwind_maps maps = { mapv, 0, 0 };
	struct unwinder *u;
	uint64_t regs[24], ips[PROFILE_MAX_FRAMES], fps[PROFILE_MAX_FRAMES], ips2[PROFILE_MAX_FRAMES];
	size_t n, nfp, n2, i, nchains = 0;
	unsigned long good, total;
	double t0, secs;
	char why[256];
	int iters;

	if (argc > 1 && strcmp(argv[1], "spin") == 0) {
		mode = 1;
		return a(3) > 0 ? 0 : 1;
	}
	if (!unwind_available(why, sizeof why)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	maps.n = read_maps(mapv, 512, paths);
	u = unwind_new();
	if (argc > 1 && strcmp(argv[1], "chains") == 0) {
		if (sample_child(u, &maps, chains, &nchains, &good, &total, &secs, why, sizeof why) != 0) {
			fprintf(stderr, "unit-unwind: %s\n", why);
			return 77;
		}
		for (i = 0; i < nchains; i++)
			printf("%lu %s\n", chains[i].count, chains[i].folded);
		{
			struct perf_event_attr at = { 0 };
			unwind_attr(&at, 0);
			fprintf(stderr, "sample_regs_user: %#llx sample_stack_user: %u\n",
				(unsigned long long)at.sample_regs_user, at.sample_stack_user);
		}
		fprintf(stderr, "unit-unwind: %lu samples, %.2f us per sample, %.2f us the first\n", total,
			secs / (double)total * 1e6, first_us);
		unwind_free(u);
		return 0;
	}

	sink += (unsigned long)a(1);
	ok(stack_len > 256 && raw[IP] && raw[SP], "captured the registers and %zu bytes of stack", stack_len);
	packed_regs(regs);

	t0 = cpu_now();
	n = unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips, PROFILE_MAX_FRAMES);
	first_us = (cpu_now() - t0) * 1e6;
	if (argc > 2 && strcmp(argv[1], "bench") == 0) {
		/* unit-unwind bench N: only the cached unwind, N times, for a profiler */
		long k, iters_b = atol(argv[2]);
		t0 = cpu_now();
		for (k = 0; k < iters_b; k++) {
			if (argc > 3) /* bench N cold: a new set of mappings each time */
				maps.key = (uint64_t)k + 1;
			n = unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips, PROFILE_MAX_FRAMES);
		}
		printf("%.2f us of CPU per sample of %zu frames\n", (cpu_now() - t0) / (double)iters_b * 1e6, n);
		unwind_free(u);
		return 0;
	}
	show("dwarf", ips, n);
	ok(n > 0 && ips[0] == raw[IP], "the chain starts at the sampled ip (%s)", n ? "" : unwind_why(u));
	ok(chain_ok(ips, n, 0), "the chain is c, fxunwind_b, a, main, with fxunwind_b built without frame pointers");
	ok(n >= 5 && strcmp(name_of(ips[n - 1], true), "_start") == 0 && unwind_stats(u)->end_outermost == 1 &&
	   unwind_stats(u)->samples == 1,
	   "it goes on through libc to _start, where the CFI says there is no caller");

	nfp = fp_walk(fps, PROFILE_MAX_FRAMES);
	show("frame pointers", fps, nfp);
	ok(!chain_ok(fps, nfp, 0) && nfp >= 2 && strcmp(name_of(fps[1], true), "fxunwind_b") == 0,
	   "frame pointers on the same stack find fxunwind_b but lose a: the test can fail");

	/* A stack cut short: the chain is a prefix of the whole one, never a guess past the copy. */
	for (i = 0, n2 = 0; i < stack_len && n2 < n; i += 8) {
		n2 = unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, i, ips2, PROFILE_MAX_FRAMES);
		if (n2 > n || memcmp(ips, ips2, n2 * sizeof *ips) != 0)
			break;
	}
	ok(n2 == n && memcmp(ips, ips2, n * sizeof *ips) == 0,
	   "every shorter stack gives a prefix of the chain (whole from %zu bytes)", i - 8);
	printf("# stats: %llu samples, outermost %llu, stack %llu, no cfi %llu, error %llu\n",
	       (unsigned long long)unwind_stats(u)->samples, (unsigned long long)unwind_stats(u)->end_outermost,
	       (unsigned long long)unwind_stats(u)->end_stack, (unsigned long long)unwind_stats(u)->end_no_cfi,
	       (unsigned long long)unwind_stats(u)->end_error);
	ok(unwind_stats(u)->end_stack > 0, "and those chains ended at the stack's end (%llu times)",
	   (unsigned long long)unwind_stats(u)->end_stack);
	n2 = unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, 0, ips2, PROFILE_MAX_FRAMES);
	ok(n2 == 1 && ips2[0] == raw[IP], "no stack at all: just the sampled ip");

	/* No mappings: no CFI, so nothing past the ip, where libdw alone would fall back to rbp. */
	{
		struct unwind_maps none = { mapv, 0, 0 };
		n2 = unwind_stack(u, &none, regs, REGS_MASK, stack_copy, stack_len, ips2, PROFILE_MAX_FRAMES);
		ok(n2 == 1 && unwind_stats(u)->end_no_cfi > 0, "without the files' CFI the chain is the ip alone (%zu)",
		   n2);
	}
	/* A library replaced on disk since it was mapped (another inode): its CFI is not trusted. */
	{
		static struct unwind_map changed[512];
		struct unwind_maps cm = { changed, maps.n, 0 };
		size_t hit = 0;
		memcpy(changed, mapv, maps.n * sizeof *changed);
		for (i = 0; i < maps.n; i++)
			if (strstr(changed[i].path, "libfxunwind.so")) {
				changed[i].ino++;
				hit++;
			}
		n2 = unwind_stack(u, &cm, regs, REGS_MASK, stack_copy, stack_len, ips2, PROFILE_MAX_FRAMES);
		ok(hit && n2 == 2 && strcmp(name_of(ips2[1], true), "fxunwind_b") == 0,
		   "a library with another inode than the mapping's ends the chain at its frame (%zu)", n2);
	}
	n2 = unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips2, 3);
	is_int(n2, 3, "max frames is kept");

	/* A sample's tail as the kernel writes it: abi, the registers, size, the stack, dyn_size. */
	{
		uint64_t rec[1 + 20 + 1 + 2 + 1] = { PERF_SAMPLE_REGS_ABI_64 };
		struct unwind_sample smp;
		struct perf_event_attr at = { .sample_type = PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_IP };
		long used;
		for (i = 0; i < 20; i++)
			rec[1 + i] = 100 + i;
		rec[21] = 16;
		rec[22] = 0x1111;
		rec[23] = 0x2222;
		rec[24] = 8; /* the kernel could copy only 8 of the 16 */
		used = unwind_parse_sample((const unsigned char *)rec, sizeof rec, REGS_MASK, &smp);
		ok(used == (long)sizeof rec && smp.mask == REGS_MASK && smp.regs[8] == 108 && smp.stack_size == 8 &&
		   smp.stack == (const unsigned char *)&rec[22], "unwind_parse_sample reads regs, stack and dyn_size");
		ok(unwind_parse_sample((const unsigned char *)rec, sizeof rec - 8, REGS_MASK, &smp) == -EINVAL,
		   "and refuses a record cut short");
		rec[0] = PERF_SAMPLE_REGS_ABI_NONE;
		rec[1] = 0; /* then no registers, and a stack of size 0 has no dyn_size */
		used = unwind_parse_sample((const unsigned char *)rec, sizeof rec, REGS_MASK, &smp);
		ok(used == 16 && smp.mask == 0 && smp.stack_size == 0, "a sample without user registers");
		ok(unwind_attr(&at, 0) == 0 && at.sample_regs_user == REGS_MASK && at.sample_stack_user == 8192 &&
		   (at.sample_type & (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_CALLCHAIN)) ==
			   (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER), "unwind_attr: perf's register mask, 8192 bytes");
		ok(unwind_attr(&at, 100) == 0 && at.sample_stack_user == 96 && unwind_attr(&at, 70000) == -EINVAL,
		   "a size is a whole number of words, at most 65528");
	}

	/* The cost with the files open and the CFI cached, as for every sample but a process's first. */
	iters = 2000;
	t0 = cpu_now();
	for (i = 0; i < (size_t)iters; i++)
		unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips2, PROFILE_MAX_FRAMES);
	secs = cpu_now() - t0;
	printf("# unwind: %.2f us of CPU per sample of %zu frames, files cached (%d samples)\n", secs / iters * 1e6, n, iters);
	maps.key = 42;
	t0 = cpu_now();
	for (i = 0; i < (size_t)iters; i++)
		unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips2, PROFILE_MAX_FRAMES);
	secs = cpu_now() - t0;
	printf("# unwind: %.2f us per sample with a caller's key for the mappings\n", secs / iters * 1e6);
	printf("# unwind: %.0f us for the first sample (libdw loaded, files opened)\n", first_us);
	maps.key = 43; /* a new space: the files opened again, but libdw is loaded */
	t0 = cpu_now();
	unwind_stack(u, &maps, regs, REGS_MASK, stack_copy, stack_len, ips2, PROFILE_MAX_FRAMES);
	printf("# unwind: %.0f us for the first sample of a new set of mappings\n", (cpu_now() - t0) * 1e6);
	maps.key = 0;
	ok(1, "timed");

	/* Real samples: perf_event_open on a child with unwind_attr, each sample parsed and unwound. */
	if (sample_child(u, &maps, chains, &nchains, &good, &total, &secs, why, sizeof why) != 0) {
		printf("ok %d # SKIP cannot sample here: %s\n", ++tap_n, why);
	} else {
		for (i = 0; i < nchains; i++)
			printf("#   %6lu %s\n", chains[i].count, chains[i].folded);
		ok(total >= 20 && good * 10 >= total * 9, "%lu of %lu real samples unwind to main -> a -> fxunwind_b -> c",
		   good, total);
		printf("# unwind: %.2f us per real sample (%.2f us the first)\n", total ? secs / (double)total * 1e6 : 0.0,
		       first_us);
	}
	unwind_free(u);
	return done();
}
