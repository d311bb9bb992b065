/* probe/sampler.c: sampling events per CPU on the command, drained and replayed in time order while
   it runs, with the side-band records (mmap2, comm with exec, fork, exit) that place each address
   in its file; the profile keeps only unique stacks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

#define SAMPLER_RING_ORDER 6 /* 64 pages a CPU: 256 KiB */

struct sampler {
	int ncpu;
	int *fds;
	struct ring *rings;
	struct bytes *bufs;      /* records copied out of each ring, not yet replayed */
	size_t *pos;             /* how far each buffer has been replayed */
	uint64_t prev_newest, round_newest;
	bool call_graph;         /* frame-pointer chains (PERF_SAMPLE_CALLCHAIN) */
	bool dwarf;              /* stack copies unwound with DWARF CFI */
	uint64_t regs_mask;
	struct unwinder *unw;
	struct profile *prof;
	struct procmaps *pm;
	struct pysampler *py;    /* the Python frames of CPython processes, or NULL */
};

static int sampler_perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The sampling event: cycles (hw), else the CPU clock, at hz; or with faults, one page fault in faults. */
static void sampler_attr(struct perf_event_attr *a, bool hw, unsigned hz, uint64_t faults, bool call_graph, bool kernel)
{
	int khz = hw ? procfs_read_int("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", -1) : -1;

	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a->config = hw ? PERF_COUNT_HW_CPU_CYCLES : faults ? PERF_COUNT_SW_PAGE_FAULTS : PERF_COUNT_SW_CPU_CLOCK;
	if (faults) {
		a->sample_period = faults; /* each sample stands for as many faults */
	} else if (khz > 0 && (uint64_t)khz * 1000 / hz >= 10000) {
		/* A fixed period of cycles: every sample then stands for the same work, so counting
		   samples is exact. In frequency mode each new process starts with tiny periods and
		   its start-up would be over-represented unless samples were weighted. */
		a->sample_period = (uint64_t)khz * 1000 / hz;
	} else {
		a->freq = 1; /* the software clock's period is fixed anyway: 1 s / hz */
		a->sample_freq = hz;
	}
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 (call_graph ? PERF_SAMPLE_CALLCHAIN : 0);
	a->disabled = 1;
	a->enable_on_exec = 1;
	a->inherit = 1;
	a->exclude_kernel = !kernel; /* user space only works unprivileged at perf_event_paranoid 2 */
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = !kernel;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	/* the clock of clock_gettime: samples are matched to the Python stacks read at a known time */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (unsigned)((sysconf(_SC_PAGESIZE) << SAMPLER_RING_ORDER) / 2);
}

/* Open one sampling event per online CPU on the corked child: the CPU's time at hz, or (faults > 0) one
   page fault in faults, where the command first touched its memory. NULL, with prof->why, if sampling
   cannot start. */
struct sampler *sampler_open(pid_t pid, unsigned hz, uint64_t faults, int call_graph, unsigned stack_bytes,
			     bool python, struct profile *prof)
{
	struct sampler *s;
	struct perf_event_attr a;
	int cpu, e, maxrate = procfs_read_int("/proc/sys/kernel/perf_event_max_sample_rate", -1);
	bool hw = faults == 0, kernel;

	prof->hz = faults ? 0 : hz;
	prof->call_graph = call_graph != 0;
	prof->dwarf = call_graph == 2;
	prof->stack_bytes = prof->dwarf ? (stack_bytes ? stack_bytes : UNWIND_STACK_DEFAULT) & ~7u : 0;
	if (!faults && maxrate > 0 && hz > (unsigned)maxrate) {
		snprintf(prof->why, sizeof prof->why,
			 "cannot sample at %u Hz: kernel.perf_event_max_sample_rate is %d", hz, maxrate);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	s->fds = xcalloc((size_t)s->ncpu, sizeof *s->fds);
	s->rings = xcalloc((size_t)s->ncpu, sizeof *s->rings);
	s->bufs = xcalloc((size_t)s->ncpu, sizeof *s->bufs);
	s->pos = xcalloc((size_t)s->ncpu, sizeof *s->pos);
	s->pm = procmaps_new();
	s->call_graph = call_graph == 1;
	s->dwarf = call_graph == 2;
	s->prof = prof;
	for (cpu = 0; cpu < s->ncpu; cpu++)
		s->fds[cpu] = -1;

	/* The kernel's code too, where ptime may sample it (root, CAP_PERFMON, paranoid <= 1). */
	kernel = kallsyms_may_sample(prof->kernel_why, sizeof prof->kernel_why);
	caps_raise_perfmon();
	sampler_attr(&a, hw, hz, faults, s->call_graph, kernel);
	if (s->dwarf)
		unwind_attr(&a, prof->stack_bytes);
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		s->fds[cpu] = sampler_perf_open(&a, pid, cpu);
		if (s->fds[cpu] >= 0)
			continue;
		e = errno;
		if (e == ENODEV || e == ENXIO) /* an offline CPU */
			continue;
		if ((hw && cpu == 0 && (e == ENOENT || e == EOPNOTSUPP || e == EINVAL)) ||
		    (kernel && (e == EACCES || e == EPERM))) {
			/* No PMU (a VM): the software clock samples as well, at the same rate. The kernel
			   refused its own code: sample user space, and say why. */
			int c;
			for (c = 0; c < cpu; c++)
				if (s->fds[c] >= 0) {
					close(s->fds[c]);
					s->fds[c] = -1;
				}
			if (kernel && (e == EACCES || e == EPERM)) {
				kernel = false;
				snprintf(prof->kernel_why, sizeof prof->kernel_why, "the kernel refused to sample itself: %s",
					 strerror(e));
			} else {
				hw = false;
			}
			sampler_attr(&a, hw, hz, faults, s->call_graph, kernel);
			if (s->dwarf)
				unwind_attr(&a, prof->stack_bytes);
			cpu = -1;
			continue;
		}
		caps_lower();
		if (e == EACCES || e == EPERM)
			snprintf(prof->why, sizeof prof->why,
				 "sampling not permitted: perf_event_paranoid=%d (fix: sysctl kernel.perf_event_paranoid=2, "
				 "or setcap cap_perfmon+ep on ptime)", procfs_paranoid());
		else
			snprintf(prof->why, sizeof prof->why, "sampling cannot start: %s", strerror(e));
		sampler_free(s);
		return NULL;
	}
	caps_lower();
	s->regs_mask = a.sample_regs_user;
	if (s->dwarf)
		s->unw = unwind_new();
	snprintf(prof->event, sizeof prof->event, "%s%s", hw ? "cycles" : faults ? "page-faults" : "cpu-clock",
		 kernel ? "" : ":u");
	prof->kernel_sampled = kernel;
	if (kernel)
		prof->kernel_why[0] = '\0';
	prof->period = a.freq ? 0 : a.sample_period;
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		/* A sample with a stack copy is 8 KiB or more: a ring of 64 pages would hold 30 of them. */
		unsigned order = s->dwarf ? SAMPLER_RING_ORDER + 3 : SAMPLER_RING_ORDER;
		if (s->fds[cpu] < 0)
			continue;
		/* Under the locked-memory limit of an unprivileged user, take a smaller ring. */
		while ((e = ring_open(&s->rings[cpu], s->fds[cpu], order)) == -EPERM && order > 2)
			order--;
		if (e < 0) {
			snprintf(prof->why, sizeof prof->why, "sampling cannot start: cannot map the ring: %s",
				 strerror(-e));
			sampler_free(s);
			return NULL;
		}
	}
	if (python)
		s->py = pysampler_new(prof, pid, hz);
	return s;
}

/* --- replay, in time order across the CPUs, while the command runs --- */

/* The size of the record at p if it is whole within n bytes and long enough to carry its time,
   else 0: the kernel writes only such records, but a fuzzer does not. */
static size_t sampler_rec_size(const unsigned char *p, size_t n)
{
	struct perf_event_header h;
	size_t min;
	if (n < sizeof h)
		return 0;
	memcpy(&h, p, sizeof h);
	min = h.type == PERF_RECORD_SAMPLE ? sizeof h + 24 : sizeof h + 8;
	/* the kernel's records are multiples of 8 bytes, so that every one of them is aligned */
	if (h.size < min || h.size > n || h.size % 8)
		return 0;
	return h.size;
}

/* A record's time: samples carry it after ip and pid/tid; other records end with the sample_id
   trailer (pid/tid, time). */
static uint64_t sampler_rec_time(const unsigned char *p)
{
	const struct perf_event_header *h = (const void *)p;
	uint64_t t;
	if (h->type == PERF_RECORD_SAMPLE)
		memcpy(&t, p + sizeof *h + 8 + 8, 8);
	else
		memcpy(&t, p + h->size - 8, 8);
	return t;
}

/* Frames of one sample into (file, offset) pairs; a return address is moved back into its call.
   A caller outside every executable mapping is where a frame-pointer chain ran into code that
   keeps no frame pointer: the chain ends there rather than invent a frame. */
/* Kernel code lives in the upper half of the address space on every 64-bit Linux. */
#define SAMPLER_KERNEL_START 0x8000000000000000ULL

static size_t sampler_frames(struct sampler *s, int pid, const uint64_t *ips, size_t nips, struct frame *out,
			     size_t max)
{
	struct profile *prof = s->prof;
	size_t i, n = 0;
	bool first = true;
	for (i = 0; i < nips && n < max; i++) {
		uint64_t ip = ips[i];
		const struct pm_map *m;
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			/* PERF_CONTEXT_KERNEL, _USER: the first address after the switch is where the code
			   was, not a return address */
			first = true;
			continue;
		}
		if (!first && ip > 0)
			ip--;
		if (ip >= SAMPLER_KERNEL_START) {
			out[n].dso = symbols_kernel_dso(prof->syms);
			out[n].addr = ip;
		} else if ((m = procmaps_find(s->pm, pid, ip)) != NULL) {
			out[n].dso = m->dso;
			out[n].addr = symbols_absolute(prof->syms, m->dso) ? ip : ip - m->start + m->pgoff;
		} else if (first) {
			/* No file: perhaps JIT code named in /tmp/perf-PID.map. */
			out[n].dso = symbols_jit_dso(prof->syms, pid);
			out[n].addr = ip;
		} else {
			break;
		}
		n++;
		first = false;
	}
	return n;
}

static void sampler_sample(struct sampler *s, const struct perf_event_header *h, const unsigned char *b)
{
	struct frame frames[PROFILE_MAX_FRAMES];
	uint64_t ip, nr = 0, unwound[PROFILE_MAX_FRAMES];
	const uint64_t *ips = &ip;
	uint32_t pid, tid;
	uint64_t t;
	const char *comm;
	size_t n;

	if (h->size < sizeof *h + 24)
		return;
	memcpy(&ip, b, 8);
	memcpy(&pid, b + 8, 4);
	memcpy(&tid, b + 12, 4);
	memcpy(&t, b + 16, 8);
	if (s->call_graph && h->size >= sizeof *h + 32) {
		memcpy(&nr, b + 24, 8);
		if (nr > (h->size - sizeof *h - 32) / 8)
			nr = 0;
		ips = (const uint64_t *)(const void *)(b + 32);
	} else if (s->dwarf) {
		/* Unwound now, while the mappings are those of the sample's time: only the chain is kept. */
		struct unwind_sample smp;
		const struct unwind_map *maps;
		struct unwind_maps um;
		if (unwind_parse_sample(b + 24, h->size - sizeof *h - 24, s->regs_mask, &smp) >= 0 && smp.mask &&
		    (um.n = procmaps_snapshot(s->pm, (int)pid, &maps, &um.key)) > 0) {
			um.map = maps;
			/* a sample in the kernel keeps its kernel address, then the user stack's chain */
			size_t k = ip >= SAMPLER_KERNEL_START ? 2 : 0;
			nr = unwind_stack(s->unw, &um, smp.regs, smp.mask, smp.stack, smp.stack_size, unwound + k,
					  PROFILE_MAX_FRAMES - k);
			if (nr && k) {
				unwound[0] = ip;
				unwound[1] = PERF_CONTEXT_USER;
				nr += k;
			}
			if (nr)
				ips = unwound;
		}
	}
	n = sampler_frames(s, (int)pid, nr ? ips : &ip, nr ? nr : 1, frames, PROFILE_MAX_FRAMES);
	if (n == 0)
		n = sampler_frames(s, (int)pid, &ip, 1, frames, 1);
	if (s->py)
		n = pysampler_join(s->py, (int)pid, (int)tid, t, frames, n, PROFILE_MAX_FRAMES);
	comm = procmaps_comm(s->pm, (int)pid);
	profile_add(s->prof, (int)pid, (int)tid, comm ? comm : "?", frames, n);
}

/* Apply one record: a sample is counted, a side-band record changes what the processes map. */
static void sampler_record(struct sampler *s, const unsigned char *p)
{
	const struct perf_event_header *h = (const void *)p;
	const unsigned char *b = p + sizeof *h;
	size_t len = h->size - sizeof *h;
	uint32_t pid, tid, ppid;
	struct profile *prof = s->prof;

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		sampler_sample(s, h, b);
		break;
	case PERF_RECORD_MMAP2: {
		struct pm_map m;
		uint64_t addr, mlen, pgoff;
		uint32_t prot;
		char name[4096];
		if (len < 64 + 1)
			break;
		memcpy(&pid, b, 4);
		memcpy(&addr, b + 8, 8);
		memcpy(&mlen, b + 16, 8);
		memcpy(&pgoff, b + 24, 8);
		memcpy(&prot, b + 56, 4);
		if (!(prot & PROT_EXEC))
			break;
		snprintf(name, sizeof name, "%.*s", (int)(len - 64 < sizeof name ? len - 64 : sizeof name - 1),
			 (const char *)(b + 64));
		m.start = addr;
		m.end = addr + mlen;
		m.pgoff = pgoff;
		{
			uint32_t maj, min;
			memcpy(&maj, b + 32, 4);
			memcpy(&min, b + 36, 4);
			memcpy(&m.ino, b + 40, 8);
			m.dev = makedev(maj, min);
			m.path = strtab_intern(prof->strs, name);
		}
		m.dso = symbols_dso(prof->syms, name, (int)pid, (dev_t)m.dev, m.ino);
		procmaps_map(s->pm, (int)pid, &m);
		break;
	}
	case PERF_RECORD_COMM: {
		char comm[16];
		if (len < 8 + 1)
			break;
		memcpy(&pid, b, 4);
		memcpy(&tid, b + 4, 4);
		snprintf(comm, sizeof comm, "%.*s", (int)(len - 8 < sizeof comm ? len - 8 : sizeof comm - 1),
			 (const char *)(b + 8));
		if (pid == tid || (h->misc & PERF_RECORD_MISC_COMM_EXEC))
			procmaps_comm_set(s->pm, (int)pid, comm, h->misc & PERF_RECORD_MISC_COMM_EXEC);
		break;
	}
	case PERF_RECORD_FORK:
		if (len < 8)
			break;
		memcpy(&pid, b, 4);
		memcpy(&ppid, b + 4, 4);
		if (pid != ppid) /* a new thread shares its process's mappings */
			procmaps_fork(s->pm, (int)pid, (int)ppid);
		break;
	case PERF_RECORD_EXIT:
		if (len < 16)
			break;
		memcpy(&pid, b, 4);
		memcpy(&tid, b + 8, 4);
		if (pid == tid) /* the process is gone: so is what it mapped */
			procmaps_exit(s->pm, (int)pid);
		break;
	case PERF_RECORD_LOST: {
		uint64_t lost;
		if (len < 16)
			break;
		memcpy(&lost, b + 8, 8);
		prof->lost += lost;
		break;
	}
	case PERF_RECORD_LOST_SAMPLES: {
		uint64_t lost;
		if (len < 8)
			break;
		memcpy(&lost, b, 8);
		prof->lost += lost;
		break;
	}
	case PERF_RECORD_THROTTLE:
		prof->throttled++;
		break;
	}
}

static void sampler_apply(void *ctx, const unsigned char *p)
{
	sampler_record(ctx, p);
}

/* Apply every record copied out so far that is not later than limit, in time order (ring_replay). */
static void sampler_replay(struct sampler *s, uint64_t limit)
{
	const struct ring_reader rr = { sampler_rec_size, sampler_rec_time, sampler_apply, s };
	ring_replay(&rr, s->bufs, s->pos, s->ncpu, limit);
}

/* The tasks a record starts or ends, and those a sample says ran, told to the Python reader as soon as
   the record is copied out: the stacks must be read while the process runs, long before its samples
   are replayed. */
static void sampler_peek(struct sampler *s, const unsigned char *p)
{
	const struct perf_event_header *h = (const void *)p;
	const unsigned char *b = p + sizeof *h;
	uint32_t pid, ppid, tid;

	if (h->type == PERF_RECORD_SAMPLE && h->size >= sizeof *h + 16) {
		memcpy(&pid, b + 8, 4); /* after the ip: PERF_SAMPLE_TID */
		memcpy(&tid, b + 12, 4);
		pysampler_sampled(s->py, (int)pid, (int)tid);
	} else if (h->type == PERF_RECORD_COMM && (h->misc & PERF_RECORD_MISC_COMM_EXEC) && h->size >= sizeof *h + 8) {
		memcpy(&pid, b, 4);
		pysampler_exec(s->py, (int)pid);
	} else if ((h->type == PERF_RECORD_FORK || h->type == PERF_RECORD_EXIT) && h->size >= sizeof *h + 16) {
		memcpy(&pid, b, 4);
		memcpy(&ppid, b + 4, 4);
		memcpy(&tid, b + 8, 4);
		if (h->type == PERF_RECORD_FORK)
			pysampler_fork(s->py, (int)pid, (int)ppid, (int)tid);
		else
			pysampler_exit(s->py, (int)pid, (int)tid);
	}
}

/* Copy out what the rings hold, so that they never fill, and replay what is safe to replay. */
void sampler_drain(void *st)
{
	struct sampler *s = st;
	uint64_t newest = s->round_newest, limit;
	int cpu;

	for (cpu = 0; cpu < s->ncpu; cpu++) {
		struct bytes *b = &s->bufs[cpu];
		size_t from = b->len, off;
		ring_drain(&s->rings[cpu], b);
		for (off = from; off < b->len;) {
			size_t size = sampler_rec_size(b->p + off, b->len - off);
			uint64_t t;
			if (!size)
				break;
			t = sampler_rec_time(b->p + off);
			if (t > newest)
				newest = t;
			if (s->py)
				sampler_peek(s, b->p + off);
			off += size;
		}
	}
	limit = s->prev_newest;
	if (s->py) {
		pysampler_tick(s->py);
		if (pysampler_horizon(s->py) < limit)
			limit = pysampler_horizon(s->py);
	}
	sampler_replay(s, limit);
	s->prev_newest = s->round_newest = newest;
}

/* The ring descriptors to poll while the command runs; returns how many were written. */
size_t sampler_pollfds(void *st, struct pollfd *out, size_t max)
{
	struct sampler *s = st;
	size_t n = 0;
	int cpu;
	for (cpu = 0; cpu < s->ncpu && n < max; cpu++)
		if (s->fds[cpu] >= 0) {
			out[n].fd = s->fds[cpu];
			out[n++].events = POLLIN;
		}
	if (s->py && n < max) {
		out[n].fd = pysampler_fd(s->py);
		out[n++].events = POLLIN;
	}
	return n;
}

/* The command has exited: drain and replay everything, then resolve the profile. */
void sampler_finish(struct sampler *s)
{
	int cpu;
	for (cpu = 0; cpu < s->ncpu; cpu++)
		ring_drain(&s->rings[cpu], &s->bufs[cpu]);
	sampler_replay(s, UINT64_MAX);
	if (s->py)
		pysampler_finish(s->py);
	procmaps_free(s->pm);
	s->pm = NULL;
	if (s->unw) {
		const struct unwind_stats *st = unwind_stats(s->unw);
		s->prof->unwound = st->samples;
		s->prof->cut_at_stack = st->end_stack;
	}
	profile_finish(s->prof);
}

/* Replay records as the rings would have given them, for the fuzzer and the tests: one CPU's worth
   of bytes, with frame-pointer chains when call_graph is 1, into prof (then finished). */
void sampler_replay_bytes(const unsigned char *buf, size_t len, int call_graph, struct profile *prof)
{
	struct sampler s;
	struct bytes b = { 0 };
	size_t pos = 0;

	memset(&s, 0, sizeof s);
	s.ncpu = 1;
	s.bufs = &b;
	s.pos = &pos;
	s.call_graph = call_graph == 1;
	s.prof = prof;
	s.pm = procmaps_new();
	bytes_reserve(&b, len + 1);
	if (len)
		memcpy(b.p, buf, len);
	b.len = len;
	sampler_replay(&s, UINT64_MAX);
	procmaps_free(s.pm);
	free(b.p);
	profile_finish(prof);
}

/* Unmap, close and free. */
void sampler_free(struct sampler *s)
{
	int cpu;
	if (!s)
		return;
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		ring_close(&s->rings[cpu]);
		if (s->fds[cpu] >= 0)
			close(s->fds[cpu]);
		free(s->bufs[cpu].p);
	}
	procmaps_free(s->pm);
	pysampler_free(s->py);
	unwind_free(s->unw);
	free(s->fds);
	free(s->rings);
	free(s->bufs);
	free(s->pos);
	free(s);
}
