/* probe/sampler.c: sampling events per CPU on the command, drained while it runs, then replayed per process
   with the side-band records (mmap2, comm with exec, fork) that place each address in its file. */
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
#include <unistd.h>

#include "ptime.h"

#define SAMPLER_RING_ORDER 6 /* 64 pages a CPU: 256 KiB */

struct sampler {
	int ncpu;
	int *fds;
	struct ring *rings;
	struct bytes *bufs;
	bool call_graph;
	struct profile *prof;
};

static int sampler_perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int sampler_read_int(const char *path);

static void sampler_attr(struct perf_event_attr *a, bool hw, unsigned hz, bool call_graph)
{
	int khz = hw ? sampler_read_int("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq") : -1;

	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a->config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	if (khz > 0 && (uint64_t)khz * 1000 / hz >= 10000) {
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
	a->exclude_kernel = 1; /* user space only: works unprivileged at perf_event_paranoid 2 */
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->watermark = 1;
	a->wakeup_watermark = (unsigned)((sysconf(_SC_PAGESIZE) << SAMPLER_RING_ORDER) / 2);
}

static int sampler_read_int(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC), v = -1;
	ssize_t n;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		v = atoi(buf);
	}
	close(fd);
	return v;
}

/* Open one sampling event per online CPU on the corked child. NULL, with prof->why, if sampling cannot start. */
struct sampler *sampler_open(pid_t pid, unsigned hz, bool call_graph, struct profile *prof)
{
	struct sampler *s;
	struct perf_event_attr a;
	int cpu, e, maxrate = sampler_read_int("/proc/sys/kernel/perf_event_max_sample_rate");
	bool hw = true;

	prof->hz = hz;
	prof->call_graph = call_graph;
	if (maxrate > 0 && hz > (unsigned)maxrate) {
		snprintf(prof->why, sizeof prof->why,
			 "cannot sample at %u Hz: kernel.perf_event_max_sample_rate is %d", hz, maxrate);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	s->fds = xcalloc((size_t)s->ncpu, sizeof *s->fds);
	s->rings = xcalloc((size_t)s->ncpu, sizeof *s->rings);
	s->bufs = xcalloc((size_t)s->ncpu, sizeof *s->bufs);
	s->call_graph = call_graph;
	s->prof = prof;
	for (cpu = 0; cpu < s->ncpu; cpu++)
		s->fds[cpu] = -1;

	caps_raise_perfmon();
	sampler_attr(&a, true, hz, call_graph);
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		s->fds[cpu] = sampler_perf_open(&a, pid, cpu);
		if (s->fds[cpu] >= 0)
			continue;
		e = errno;
		if (e == ENODEV || e == ENXIO) /* an offline CPU */
			continue;
		if (hw && cpu == 0 && (e == ENOENT || e == EOPNOTSUPP || e == EINVAL)) {
			/* No PMU (a VM): the software clock samples as well, at the same rate. */
			hw = false;
			sampler_attr(&a, false, hz, call_graph);
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
	snprintf(prof->event, sizeof prof->event, "%s", hw ? "cycles:u" : "cpu-clock:u");
	prof->period = a.freq ? 0 : a.sample_period;
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		unsigned order = SAMPLER_RING_ORDER;
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
	return s;
}

/* Copy out what the rings hold, so that they never fill while the command runs. */
void sampler_drain(void *st)
{
	struct sampler *s = st;
	int cpu;
	for (cpu = 0; cpu < s->ncpu; cpu++)
		ring_drain(&s->rings[cpu], &s->bufs[cpu]);
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
	return n;
}

/* --- replay --- */

struct map {
	uint64_t start, end, pgoff;
	int dso;
};

struct proc {
	int pid;
	char comm[16];
	struct map *maps;
	size_t n, cap;
};

struct procs {
	struct proc *tab;
	size_t cap, used;
};

static struct proc *procs_get(struct procs *ps, int pid, bool create)
{
	size_t i;
	if (ps->used * 2 >= ps->cap && create) {
		struct procs bigger = { xcalloc(ps->cap ? ps->cap * 2 : 256, sizeof(struct proc)), ps->cap ? ps->cap * 2 : 256, 0 };
		for (i = 0; i < ps->cap; i++)
			if (ps->tab[i].pid) {
				struct proc *d = procs_get(&bigger, ps->tab[i].pid, true);
				*d = ps->tab[i];
			}
		free(ps->tab);
		*ps = bigger;
	}
	if (!ps->cap)
		return NULL;
	for (i = (size_t)pid * 2654435761u % ps->cap;; i = (i + 1) % ps->cap) {
		if (ps->tab[i].pid == pid)
			return &ps->tab[i];
		if (ps->tab[i].pid == 0) {
			if (!create)
				return NULL;
			ps->tab[i].pid = pid;
			ps->used++;
			return &ps->tab[i];
		}
	}
}

static void proc_map(struct proc *p, uint64_t start, uint64_t len, uint64_t pgoff, int dso)
{
	uint64_t end = start + len;
	size_t i, j;
	struct map tail = { 0 };
	bool have_tail = false;

	/* The new mapping replaces whatever it overlaps, as mmap(2) does. */
	for (i = j = 0; i < p->n; i++) {
		struct map m = p->maps[i];
		if (m.end <= start || m.start >= end) {
			p->maps[j++] = m;
			continue;
		}
		if (m.end > end) {
			tail = m;
			tail.pgoff += end - m.start;
			tail.start = end;
			have_tail = true;
		}
		if (m.start < start) {
			m.end = start;
			p->maps[j++] = m;
		}
	}
	p->n = j;
	if (p->n + 2 > p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->maps = xrealloc(p->maps, p->cap * sizeof *p->maps);
	}
	p->maps[p->n++] = (struct map){ start, end, pgoff, dso };
	if (have_tail)
		p->maps[p->n++] = tail;
	/* keep sorted by start for the lookup */
	for (i = p->n - (have_tail ? 2 : 1); i < p->n; i++)
		for (j = i; j > 0 && p->maps[j - 1].start > p->maps[j].start; j--) {
			struct map t = p->maps[j];
			p->maps[j] = p->maps[j - 1];
			p->maps[j - 1] = t;
		}
}

static const struct map *proc_find(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->maps[mid].end <= addr)
			lo = mid + 1;
		else if (p->maps[mid].start > addr)
			hi = mid;
		else
			return &p->maps[mid];
	}
	return NULL;
}

struct rec {
	uint64_t time;
	size_t seq;
	const unsigned char *p;
};

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Frames of one sample into (dso, file offset) pairs; a return address is moved back into its call. */
static size_t sampler_frames(struct proc *p, int pid, const uint64_t *ips, size_t nips, struct frame *out,
			     size_t max, struct profile *prof)
{
	size_t i, n = 0;
	bool first = true;
	for (i = 0; i < nips && n < max; i++) {
		uint64_t ip = ips[i];
		const struct map *m;
		if (ip >= (uint64_t)PERF_CONTEXT_MAX)
			continue; /* PERF_CONTEXT_USER and friends */
		if (!first && ip > 0)
			ip--;
		m = p ? proc_find(p, ip) : NULL;
		if (m) {
			out[n].dso = m->dso;
			out[n].addr = symbols_absolute(prof->syms, m->dso) ? ip : ip - m->start + m->pgoff;
		} else {
			/* No file: perhaps JIT code named in /tmp/perf-PID.map. */
			out[n].dso = symbols_jit_dso(prof->syms, pid);
			out[n].addr = ip;
		}
		out[n].is_return = !first;
		n++;
		first = false;
	}
	return n;
}

/* Drain what is left, then replay all records in time order into the profile. */
void sampler_finish(struct sampler *s)
{
	struct profile *prof = s->prof;
	struct procs ps = { 0 };
	struct rec *recs = NULL;
	size_t nrec = 0, cap = 0, i, seq = 0;
	struct frame frames[PROFILE_MAX_FRAMES];
	int cpu;

	sampler_drain(s);
	for (cpu = 0; cpu < s->ncpu; cpu++) {
		const unsigned char *p = s->bufs[cpu].p, *end = p + s->bufs[cpu].len;
		while (p && p < end) {
			const struct perf_event_header *h = (const void *)p;
			uint64_t t;
			if (h->size < sizeof *h || p + h->size > end)
				break;
			if (h->type == PERF_RECORD_SAMPLE)
				memcpy(&t, p + sizeof *h + 8 + 8, 8); /* ip, pid/tid, then time */
			else
				memcpy(&t, p + h->size - 8, 8);       /* the sample_id trailer ends with time */
			if (nrec == cap) {
				cap = cap ? cap * 2 : 4096;
				recs = xrealloc(recs, cap * sizeof *recs);
			}
			recs[nrec++] = (struct rec){ t, seq++, p };
			p += h->size;
		}
	}
	if (nrec)
		qsort(recs, nrec, sizeof *recs, rec_cmp);

	for (i = 0; i < nrec; i++) {
		const unsigned char *p = recs[i].p;
		const struct perf_event_header *h = (const void *)p;
		const unsigned char *b = p + sizeof *h;
		uint32_t pid, tid, ppid;
		struct proc *pr;

		switch (h->type) {
		case PERF_RECORD_SAMPLE: {
			uint64_t ip, nr = 0;
			const uint64_t *ips = &ip;
			size_t n;
			memcpy(&ip, b, 8);
			memcpy(&pid, b + 8, 4);
			memcpy(&tid, b + 12, 4);
			if (s->call_graph) {
				memcpy(&nr, b + 24, 8);
				ips = (const uint64_t *)(const void *)(b + 32);
				if (32 + nr * 8 > h->size - sizeof *h)
					nr = 0;
			}
			pr = procs_get(&ps, (int)pid, false);
			n = sampler_frames(pr, (int)pid, nr ? ips : &ip, nr ? nr : 1, frames, PROFILE_MAX_FRAMES, prof);
			if (n == 0)
				n = sampler_frames(pr, (int)pid, &ip, 1, frames, 1, prof);
			profile_add(prof, (int)pid, (int)tid, pr ? pr->comm : "?", frames, n);
			break;
		}
		case PERF_RECORD_MMAP2: {
			uint64_t addr, len, pgoff, ino;
			uint32_t prot, maj, min;
			const char *name = (const char *)(b + 64);
			memcpy(&pid, b, 4);
			memcpy(&addr, b + 8, 8);
			memcpy(&len, b + 16, 8);
			memcpy(&pgoff, b + 24, 8);
			memcpy(&prot, b + 56, 4);
			if (!(prot & PROT_EXEC))
				break;
			pr = procs_get(&ps, (int)pid, true);
			memcpy(&maj, b + 32, 4), memcpy(&min, b + 36, 4), memcpy(&ino, b + 40, 8); /* the file mapped */
			proc_map(pr, addr, len, pgoff, symbols_dso(prof->syms, name, (int)pid, makedev(maj, min), ino));
			break;
		}
		case PERF_RECORD_COMM:
			memcpy(&pid, b, 4);
			memcpy(&tid, b + 4, 4);
			pr = procs_get(&ps, (int)pid, true);
			if (h->misc & PERF_RECORD_MISC_COMM_EXEC)
				pr->n = 0; /* a new program: the old mappings are gone */
			if (pid == tid || (h->misc & PERF_RECORD_MISC_COMM_EXEC))
				snprintf(pr->comm, sizeof pr->comm, "%s", (const char *)(b + 8));
			break;
		case PERF_RECORD_FORK: {
			struct proc *parent;
			memcpy(&pid, b, 4);
			memcpy(&ppid, b + 4, 4);
			if (pid == ppid)
				break; /* a new thread shares its process's mappings */
			pr = procs_get(&ps, (int)pid, true);
			parent = procs_get(&ps, (int)ppid, false);
			if (parent && parent != pr) {
				free(pr->maps);
				memcpy(pr->comm, parent->comm, sizeof pr->comm);
				pr->cap = pr->n = parent->n;
				pr->maps = parent->n ? xmalloc(parent->n * sizeof *pr->maps) : NULL;
				if (parent->n)
					memcpy(pr->maps, parent->maps, parent->n * sizeof *pr->maps);
			}
			break;
		}
		case PERF_RECORD_LOST: {
			uint64_t lost;
			memcpy(&lost, b + 8, 8);
			prof->lost += lost;
			break;
		}
		case PERF_RECORD_LOST_SAMPLES: {
			uint64_t lost;
			memcpy(&lost, b, 8);
			prof->lost += lost;
			break;
		}
		case PERF_RECORD_THROTTLE:
			prof->throttled++;
			break;
		}
	}
	free(recs);
	for (i = 0; i < ps.cap; i++)
		free(ps.tab[i].maps);
	free(ps.tab);
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
	free(s->fds);
	free(s->rings);
	free(s->bufs);
	free(s);
}
