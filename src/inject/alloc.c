/* inject/alloc.c: libptime-alloc.so, preloaded into the command: samples its allocations by bytes and
   writes each sample, with its stack, and the free of each sampled block to a shared-memory ring that
   ptime drains (inject/alloc-record.h). It links only libc and libgcc_s, and shares no code with ptime. */
#include "config.h"

#include <dlfcn.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "inject/alloc-record.h"
#include "inject/pylayout.h"

#define EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* glibc's own allocator, under the names it exports for interposers: no dlsym, so nothing to bootstrap. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void *__libc_stack_end;

enum { ST_NONE, ST_INIT, ST_ON, ST_OFF };

/* The process's settings and channel; the channel is reset in a fork child. */
static struct {
	int state;                      /* ST_*: ST_OFF without PTIME_ALLOC_DIR, or once the ring failed */
	uint64_t rate;
	uint32_t stack_mode;
	uint64_t ring_size;
	unsigned wait_ms;
	char dir[PATH_MAX - 32];
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	uintptr_t self_lo, self_hi;     /* this library's mapping: its frames are left out of stacks */
	pid_t pid;
	int ring_lock;                  /* taken to make the ring */
	struct alloc_hdr *ring;         /* NULL until the first record */
	int maps_lock, maps_listed;     /* the loaded objects are listed in the ring (a dlopen clears it) */
	uint32_t maps_generation;
	uint32_t image;
	int dropping;                   /* the last record was dropped: do not wait again until one fits */
	uint64_t next_id;
	char path[ALLOC_PATH_MAX];      /* scratch for the executable's path, under ring_lock */
} g;

/* Per thread: initial-exec, so that no access can call into the dynamic linker (and so malloc). */
struct tstate {
	int64_t countdown;              /* bytes to the next sample; <= 0: sample */
	uint64_t rng;
	int guard;                      /* inside this library: allocations pass straight through */
	int init;
	pid_t tid;
	uintptr_t stack_hi;             /* top of this thread's stack, for the frame-pointer walk */
};
static __thread struct tstate ts __attribute__((tls_model("initial-exec")));

/* --- small maths: libm is not linked --- */

/* ln x for 0 < x <= 1: x = m 2^e with m in [sqrt(1/2), sqrt(2)], ln m by the atanh series (error < 1e-10). */
static double ln(double x)
{
	union { double d; uint64_t u; } v = { x };
	int e = (int)((v.u >> 52) & 0x7ff) - 1023;
	double m, t, t2;

	v.u = (v.u & ((1ull << 52) - 1)) | (1023ull << 52);
	m = v.d;
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	t = (m - 1) / (m + 1);
	t2 = t * t;
	return e * 0.6931471805599453 +
	       t * (2 + t2 * (2.0 / 3 + t2 * (2.0 / 5 + t2 * (2.0 / 7 + t2 * (2.0 / 9 + t2 * (2.0 / 11 + t2 * (2.0 / 13)))))));
}

/* 1 - e^-x for x >= 0, without the cancellation that 1 - exp(-x) suffers for small x. */
static double one_minus_exp_neg(double x)
{
	double term, sum, r;
	int k, i;
	union { double d; uint64_t u; } scale;

	if (x > 40)
		return 1;
	if (x < 0.5) { /* x - x^2/2! + x^3/3! - ... */
		term = x;
		sum = x;
		for (i = 2; i < 20; i++) {
			term *= -x / i;
			sum += term;
		}
		return sum;
	}
	k = (int)(x / 0.6931471805599453);
	r = x - k * 0.6931471805599453; /* e^-x = 2^-k e^-r, 0 <= r < ln 2 */
	term = 1;
	sum = 1;
	for (i = 1; i < 20; i++) {
		term *= -r / i;
		sum += term;
	}
	scale.u = (uint64_t)(1023 - k) << 52;
	return 1 - sum * scale.d;
}

static uint64_t rng_next(void)
{
	uint64_t z = (ts.rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes to the next sample, exponential with mean rate, rounded up: an allocation of n bytes is then sampled
   exactly when the continuous draw is <= n, with chance 1 - e^(-n/rate), whatever the sizes before it. */
static int64_t countdown_draw(void)
{
	double u, x;
	int64_t c;

	if (g.rate <= 1)
		return 0;
	u = (double)((rng_next() >> 11) + 1) * 0x1p-53; /* (0, 1] */
	x = -(double)g.rate * ln(u);
	if (x > 0x1p62)
		return INT64_C(1) << 62;
	c = (int64_t)x;
	if ((double)c < x)
		c++;
	return c < 1 ? 1 : c;
}

/* Count n bytes against this thread's countdown: true when this allocation is to be sampled. */
static inline bool sample_due(size_t n)
{
	int64_t c = ts.countdown - (int64_t)(n > (size_t)INT64_MAX ? INT64_MAX : n);

	ts.countdown = c;
	return c <= 0;
}

/* --- locks: spin, then yield; a fork child resets them (it has one thread) --- */

static void lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			sched_yield();
}

static void unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* --- memory of our own, straight from the kernel (never through the hooks) --- */

static void *raw_mmap(size_t len)
{
	void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --- the set of sampled live blocks: chained buckets, one lock per stripe of buckets, behind a bitmap of
   the buckets that hold a node. A free reads one bit without a lock, and a clear bit (nearly every one,
   unless rate is small) ends it. Both are small (512 KiB of buckets, made at the first sample; 8 KiB of
   bits): a free of an unsampled block must not touch pages of the command's that it would not have
   touched (the first-touch view showed an 8 MiB table costing a Python run 3.5 MiB of page faults, in
   every process anew); at rate 1 the chains are longer. --- */

#define SET_BITS 16
#define SET_STRIPES 256
#define NODES_PER_CHUNK 32768

struct node {
	struct node *next;
	uint64_t addr, id;
	pid_t pid;                      /* the process that sampled it: a fork child forgets its parent's */
};

static struct node **set_buckets;
static uint64_t set_used[1u << (SET_BITS - 6)]; /* a bit per bucket: it holds a node (changed under its stripe's lock) */
static int set_init_lock, pool_lock;
static int stripe_lock[SET_STRIPES];
static struct node *stripe_free[SET_STRIPES];
static struct node *pool_next, *pool_end;

static inline size_t set_hash(uintptr_t a)
{
	return (size_t)(((uint64_t)a * 0x9e3779b97f4a7c15ull) >> (64 - SET_BITS));
}

/* Could p be a sampled block? One load on the path of every free. */
static inline bool set_maybe(const void *p)
{
	size_t h = set_hash((uintptr_t)p);
	struct node **b;

	if (likely(!(__atomic_load_n(&set_used[h >> 6], __ATOMIC_ACQUIRE) & (1ull << (h & 63)))))
		return false;
	b = __atomic_load_n(&set_buckets, __ATOMIC_ACQUIRE);
	return b && __atomic_load_n(&b[h], __ATOMIC_ACQUIRE);
}

static struct node *node_get(size_t stripe)
{
	struct node *n = stripe_free[stripe];

	if (n) {
		stripe_free[stripe] = n->next;
		return n;
	}
	lock(&pool_lock);
	if (pool_next == pool_end) {
		pool_next = raw_mmap(NODES_PER_CHUNK * sizeof *n);
		pool_end = pool_next ? pool_next + NODES_PER_CHUNK : NULL;
	}
	n = pool_next ? pool_next++ : NULL;
	unlock(&pool_lock);
	return n;
}

/* Remove addr: its id when this process sampled it, 0 when it is not in the set (or was the parent's). */
static uint64_t set_take(uintptr_t addr)
{
	size_t h = set_hash(addr), s = h % SET_STRIPES;
	struct node **pp, *n;
	uint64_t id = 0;

	if (!set_buckets)
		return 0;
	lock(&stripe_lock[s]);
	for (pp = &set_buckets[h]; (n = *pp); pp = &n->next)
		if (n->addr == addr) {
			__atomic_store_n(pp, n->next, __ATOMIC_RELEASE);
			if (!set_buckets[h])
				__atomic_and_fetch(&set_used[h >> 6], ~(1ull << (h & 63)), __ATOMIC_RELEASE);
			id = n->pid == g.pid ? n->id : 0;
			n->next = stripe_free[s];
			stripe_free[s] = n;
			break;
		}
	unlock(&stripe_lock[s]);
	return id;
}

/* Add addr; false when there is no memory for the set. */
static bool set_put(uintptr_t addr, uint64_t id)
{
	size_t h, s;
	struct node *n;

	if (!__atomic_load_n(&set_buckets, __ATOMIC_ACQUIRE)) {
		lock(&set_init_lock);
		if (!set_buckets)
			__atomic_store_n(&set_buckets, raw_mmap(sizeof(struct node *) << SET_BITS), __ATOMIC_RELEASE);
		unlock(&set_init_lock);
		if (!set_buckets)
			return false;
	}
	h = set_hash(addr);
	s = h % SET_STRIPES;
	lock(&stripe_lock[s]);
	n = node_get(s);
	if (n) {
		n->addr = addr;
		n->id = id;
		n->pid = g.pid;
		n->next = set_buckets[h];
		__atomic_or_fetch(&set_used[h >> 6], 1ull << (h & 63), __ATOMIC_RELEASE);
		__atomic_store_n(&set_buckets[h], n, __ATOMIC_RELEASE);
	}
	unlock(&stripe_lock[s]);
	return n != NULL;
}

/* --- the ring --- */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static char *put_uint(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}


static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, addr, op, val, t, NULL, 0);
}

/* Reserve size bytes of h's ring (and a pad record before them if they would wrap): the position of the
   record, or UINT64_MAX when the ring stayed full for wait_ms (then the record is counted as dropped). */
static uint64_t ring_reserve(struct alloc_hdr *h, uint32_t size)
{
	uint64_t head, tail, off, pad, ring = g.ring_size, waited = 0, t0 = 0;
	struct timespec ms = { 0, 1000000 };
	struct alloc_rec *r;
	uint32_t w;

	head = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
	for (;;) {
		tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
		off = head & (ring - 1);
		pad = off + size > ring ? ring - off : 0;
		if (tail <= head && head - tail + pad + size <= ring) {
			if (__atomic_compare_exchange_n(&h->head, &head, head + pad + size, true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
			continue;
		}
		/* Full: ptime drains while the command runs, so wait for it, but not for ever (it may be gone). */
		if (__atomic_load_n(&g.dropping, __ATOMIC_RELAXED) || waited >= g.wait_ms) {
			__atomic_store_n(&g.dropping, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&h->dropped, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&h->dropped_bytes, size, __ATOMIC_RELAXED);
			return UINT64_MAX;
		}
		if (!t0)
			t0 = now_ns();
		w = __atomic_load_n(&h->wake, __ATOMIC_ACQUIRE);
		__atomic_add_fetch(&h->waiting, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&h->tail, __ATOMIC_SEQ_CST) == tail)
			futex(&h->wake, FUTEX_WAIT, w, &ms);
		__atomic_sub_fetch(&h->waiting, 1, __ATOMIC_RELAXED);
		waited = (now_ns() - t0) / 1000000;
		head = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
	}
	if (__atomic_load_n(&g.dropping, __ATOMIC_RELAXED))
		__atomic_store_n(&g.dropping, 0, __ATOMIC_RELAXED);
	if (pad) {
		r = (struct alloc_rec *)((unsigned char *)h + ALLOC_HDR_BYTES + off);
		r->type = htole16(ALLOC_REC_PAD);
		r->size = htole16((uint16_t)pad);
		__atomic_store_n(&r->stamp, alloc_stamp(head), __ATOMIC_RELEASE);
	}
	return head + pad;
}

/* Write one record: rec (size bytes, starting with its struct alloc_rec), then tail_len bytes of tail.
   False when it was dropped. */
static bool ring_put(struct alloc_hdr *h, unsigned type, void *rec, size_t size, const void *tail, size_t tail_len)
{
	size_t total = (size + tail_len + ALLOC_ALIGN - 1) & ~(size_t)(ALLOC_ALIGN - 1);
	struct alloc_rec *r = rec;
	unsigned char *dst;
	uint64_t pos;

	if (total > ALLOC_REC_MAX)
		return false;
	pos = ring_reserve(h, (uint32_t)total);
	if (pos == UINT64_MAX)
		return false;
	dst = (unsigned char *)h + ALLOC_HDR_BYTES + (pos & (g.ring_size - 1));
	r->stamp = 0;
	r->type = htole16((uint16_t)type);
	r->size = htole16((uint16_t)total);
	memcpy(dst + sizeof r->stamp, (unsigned char *)rec + sizeof r->stamp, size - sizeof r->stamp);
	if (tail_len)
		memcpy(dst + size, tail, tail_len);
	memset(dst + size + tail_len, 0, total - size - tail_len);
	__atomic_store_n((uint32_t *)dst, alloc_stamp(pos), __ATOMIC_RELEASE);
	return true;
}

/* Make this process's ring file, under a temporary name until its header is written so that ptime never
   opens a half-made one, then renamed to PID-N, the first N that no earlier image of this pid took. */
static struct alloc_hdr *ring_make(void)
{
	char tmp[PATH_MAX], path[PATH_MAX], *p;
	size_t dl = strlen(g.dir), bytes = ALLOC_HDR_BYTES + g.ring_size, stem;
	struct alloc_hdr *h;
	struct alloc_proc pr;
	ssize_t len;
	int fd;

	memcpy(tmp, g.dir, dl);
	p = tmp + dl;
	*p++ = '/';
	p = put_uint(p, (unsigned long)g.pid);
	stem = (size_t)(p - tmp);
	memcpy(p, ".new", 5);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)bytes) < 0)
		goto fail_fd;
	h = (void *)syscall(SYS_mmap, NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		goto fail_fd;
	/* Without a descriptor, a program that closes or truncates descriptors it does not own cannot reach it. */
	close(fd);
	memcpy(h->magic, ALLOC_MAGIC, sizeof h->magic);
	h->version = ALLOC_VERSION;
	h->hdr_bytes = ALLOC_HDR_BYTES;
	h->ring_size = g.ring_size;
	h->pid = (uint32_t)g.pid;
	memcpy(path, tmp, stem);
	path[stem] = '-';
	for (g.image = 0;; g.image++) {
		if (g.image == 100000)
			goto fail_map;
		*put_uint(path + stem + 1, g.image) = '\0';
		if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, path, 1 /* RENAME_NOREPLACE */) == 0)
			break;
		if (errno != EEXIST)
			goto fail_map;
	}
	/* Nothing else can write before this record: the ring is published only after it. */
	len = readlink("/proc/self/exe", g.path, sizeof g.path);
	memset(&pr, 0, sizeof pr);
	pr.pid = htole32((uint32_t)g.pid);
	pr.ppid = htole32((uint32_t)getppid());
	pr.rate = htole64(g.rate);
	pr.start_ns = htole64(now_ns());
	pr.stack_mode = htole32(g.stack_mode);
	pr.image = htole32(g.image);
	pr.path_len = htole32(len > 0 ? (uint32_t)len : 0);
	ring_put(h, ALLOC_REC_PROC, &pr, sizeof pr, g.path, len > 0 ? (size_t)len : 0);
	return h;
fail_map:
	syscall(SYS_munmap, h, bytes);
	unlink(tmp);
	return NULL;
fail_fd:
	close(fd);
	unlink(tmp);
	return NULL;
}

/* This process's ring, made at its first record; NULL (and sampling off) when it cannot be made. */
static struct alloc_hdr *ring_get(void)
{
	struct alloc_hdr *h = __atomic_load_n(&g.ring, __ATOMIC_ACQUIRE);

	if (likely(h))
		return h;
	lock(&g.ring_lock);
	h = g.ring;
	if (!h && g.state == ST_ON) {
		h = ring_make();
		if (h)
			__atomic_store_n(&g.ring, h, __ATOMIC_RELEASE);
		else
			__atomic_store_n(&g.state, ST_OFF, __ATOMIC_RELEASE);
	}
	unlock(&g.ring_lock);
	return h;
}

/* --- stacks --- */

static uint32_t tid_get(void)
{
	if (!ts.tid)
		ts.tid = (pid_t)syscall(SYS_gettid);
	return (uint32_t)ts.tid;
}

struct unwind_walk {
	uint64_t *f;
	unsigned n;
};

static _Unwind_Reason_Code unwind_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct unwind_walk *w = arg;
	uintptr_t ip = _Unwind_GetIP(ctx);

	if (!ip)
		return _URC_END_OF_STACK;
	if (ip >= g.self_lo && ip < g.self_hi)
		return _URC_NO_REASON;
	if (w->n == ALLOC_FRAMES_MAX)
		return _URC_END_OF_STACK;
	w->f[w->n++] = htole64(ip);
	return _URC_NO_REASON;
}

/* The top of this thread's stack: frames above it are not frames. */
static uintptr_t stack_top(void)
{
	pthread_attr_t a;
	void *lo;
	size_t size;

	if (tid_get() == (uint32_t)g.pid)
		return (uintptr_t)__libc_stack_end;
	/* For a thread other than the first, this reads the thread's descriptor (and allocates, through the guard). */
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return 0;
	if (pthread_attr_getstack(&a, &lo, &size) != 0)
		size = 0, lo = NULL;
	pthread_attr_destroy(&a);
	return (uintptr_t)lo + size;
}

/* Walk the frame-pointer chain, within [here, the top of the stack], so that no read can fault. */
__attribute__((noinline)) static unsigned stack_fp(uint64_t *f)
{
	uintptr_t *fp = __builtin_frame_address(0), lo = (uintptr_t)fp, ret;
	unsigned n = 0;

	if (!ts.stack_hi)
		ts.stack_hi = stack_top() ?: 1;
	while (n < ALLOC_FRAMES_MAX) {
		/* fp + 2 could wrap past the top of the address space (a frame pointer of -16 in code built
		   without them: binutils' as crashed): the bound is on fp itself */
		if (((uintptr_t)fp & 7) || (uintptr_t)fp < lo || ts.stack_hi < 2 * sizeof *fp ||
		    (uintptr_t)fp > ts.stack_hi - 2 * sizeof *fp)
			break;
		ret = fp[1];
		if (!ret)
			break;
		if (ret < g.self_lo || ret >= g.self_hi)
			f[n++] = htole64(ret);
		if ((uintptr_t *)fp[0] <= fp)
			break;
		fp = (uintptr_t *)fp[0];
	}
	return n;
}

static unsigned stack_take(uint64_t *f)
{
	struct unwind_walk w = { f, 0 };

	if (g.stack_mode == ALLOC_STACK_FP)
		return stack_fp(f);
	_Unwind_Backtrace(unwind_frame, &w);
	return w.n;
}

/* --- records --- */

/* --- the loaded objects, listed in the ring so that ptime needs no /proc/PID/maps --- */

struct maps_walk {
	struct alloc_hdr *h;
	uint32_t generation;
	long page;
	char abs[ALLOC_PATH_MAX];       /* a relative object name made absolute */
};

static int maps_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct maps_walk *w = arg;
	const char *path = info->dlpi_name;
	struct alloc_map m;
	struct stat st;
	size_t len;
	int i;

	(void)size;
	if (!path || !*path)
		path = g.path; /* the executable itself */
	if (path[0] != '/') {
		/* dlopen("./libx.so") names the object as it was given: from the working directory (which
		   the program may since have left: then its stacks stay unnamed). The vDSO has no '/'. */
		size_t dl;
		if (!strchr(path, '/') || !getcwd(w->abs, sizeof w->abs - 2))
			return 0;
		dl = strlen(w->abs);
		w->abs[dl++] = '/';
		if (path[0] == '.' && path[1] == '/')
			path += 2;
		if (dl + strlen(path) >= sizeof w->abs)
			return 0;
		memcpy(w->abs + dl, path, strlen(path) + 1);
		path = w->abs;
	}
	len = strnlen(path, ALLOC_PATH_MAX);
	memset(&m, 0, sizeof m);
	if (stat(path, &st) == 0) {
		m.dev = htole64((uint64_t)st.st_dev);
		m.ino = htole64((uint64_t)st.st_ino);
	}
	m.path_len = htole32((uint32_t)len);
	m.generation = htole32(w->generation);
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(w->page - 1);
		hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		m.start = htole64(lo);
		m.end = htole64(hi);
		m.pgoff = htole64(ph->p_offset & ~(uint64_t)(w->page - 1));
		ring_put(w->h, ALLOC_REC_MAP, &m, sizeof m, path, len);
	}
	return 0;
}

/* List the loaded objects, the first time and again after a dlopen or dlclose. Never on the way of a
   sample otherwise: dl_iterate_phdr takes the loader's lock, and a fork while a thread holds it leaves
   the child's copy locked for good (glibc does not reset it), so it is only called under maps_lock,
   which fork_prepare takes. */
static void py_find(void);
static void py_forget(void);

static void maps_note(struct alloc_hdr *h)
{
	static struct maps_walk w; /* under maps_lock; too large for a thread's stack in a malloc hook */

	if (likely(__atomic_load_n(&g.maps_listed, __ATOMIC_ACQUIRE)))
		return;
	lock(&g.maps_lock);
	if (!g.maps_listed) {
		w.h = h;
		w.generation = ++g.maps_generation;
		w.page = sysconf(_SC_PAGESIZE);
		if (w.page <= 0)
			w.page = 4096;
		/* listed before the walk: a dlopen during it marks the listing stale again */
		__atomic_store_n(&g.maps_listed, 1, __ATOMIC_RELEASE);
		dl_iterate_phdr(maps_one, &w);
	}
	unlock(&g.maps_lock);
}

/* dlopen and dlclose change what is loaded: the next sample lists it again. */
EXPORT void *dlopen(const char *file, int mode)
{
	void *(*real)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	void *r = real ? real(file, mode) : NULL;

	if (r) {
		__atomic_store_n(&g.maps_listed, 0, __ATOMIC_RELEASE);
		py_find(); /* an embedding program's libpython */
	}
	return r;
}

EXPORT int dlclose(void *handle)
{
	int (*real)(void *) = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	int r;

	py_forget(); /* libpython may be the one unloaded: looked for again after */
	r = real ? real(handle) : -1;
	__atomic_store_n(&g.maps_listed, 0, __ATOMIC_RELEASE);
	py_find();
	return r;
}

/* --- Python frames: the sample of a thread that runs Python code carries its Python stack, walked here, in
   the thread's own memory (its frames are its own: no other thread pushes or pops them, so the chain is
   whole), with the layouts of pylayout.h. Each code object is described once in the ring (file, name,
   first line), so ptime needs nothing of the process after it exits: a module's code, freed once its
   import is done, is named all the same. --- */

#define PY_SEEN 4096u                   /* code objects remembered as described, by address (a cache) */
#define PY_WALK_MAX 4096u               /* frames looked at: past it, the chain is not followed */

enum { PYS_UNKNOWN, PYS_NONE, PYS_READY };

struct py_seen { uintptr_t code, file, name, table; int32_t first; };

static struct {
	int state;                      /* PYS_*, set under maps_lock */
	struct pyoffs o;
	unsigned version;
	int (*is_init)(void);
	void *(*this_ts)(void);         /* PyGILState_GetThisThreadState: a TSS read, no allocation */
	uintptr_t code_type;
	int lock;                       /* over seen */
	int find_lock;                  /* over state and the symbols */
	struct py_seen *seen;
	char buf[2 * (4 * ALLOC_PYNAME_MAX + 1)]; /* under lock: a description's strings */
} py;

/* Whether this process runs CPython of a known layout: looked for by the constructor and after each
   dlopen and dlclose, never on a sample's way (dlsym takes the loader's lock and may allocate), under
   py.find_lock. */
static void py_look(void);

static void py_find(void)
{
	if (__atomic_load_n(&g.state, __ATOMIC_ACQUIRE) != ST_ON)
		return;
	ts.guard++;
	lock(&py.find_lock);
	if (py.state == PYS_READY)
		goto out;
	py_look();
out:
	unlock(&py.find_lock);
	ts.guard--;
}

/* Before a dlclose: no sample may call into the interpreter until it is looked for again. */
static void py_forget(void)
{
	lock(&py.find_lock);
	__atomic_store_n(&py.state, PYS_UNKNOWN, __ATOMIC_RELEASE);
	unlock(&py.find_lock);
}

static void py_look(void)
{
	const unsigned long *pv;
	uintptr_t rt;
	unsigned minor;

	py.state = PYS_NONE;
	rt = (uintptr_t)dlsym(RTLD_DEFAULT, "_PyRuntime");
	py.is_init = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsInitialized");
	py.this_ts = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
	py.code_type = (uintptr_t)dlsym(RTLD_DEFAULT, "PyCode_Type");
	if (!rt || !py.is_init || !py.this_ts || !py.code_type)
		return;
	py.version = 0;
	if ((pv = (const unsigned long *)dlsym(RTLD_DEFAULT, "Py_Version")) != NULL) {
		py.version = (unsigned)*pv;
	} else {
		/* before 3.11: "3.10.13 (main, ...", from a static buffer */
		const char *(*gv)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
		const char *v = gv ? gv() : NULL;
		if (v && v[0] == '3' && v[1] == '.' && v[2] >= '0' && v[2] <= '9') {
			minor = (unsigned)(v[2] - '0');
			if (v[3] >= '0' && v[3] <= '9')
				minor = minor * 10 + (unsigned)(v[3] - '0');
			py.version = 3u << 24 | minor << 16;
		}
	}
	if (py.version >> 24 != 3)
		return;
	minor = py.version >> 16 & 0xff;
#if defined(__x86_64__)
	if (minor >= 9 && minor <= 12)
		py.o = pylayout_fixed[minor - 9];
	else if (minor != 13 || pylayout_debug((const unsigned char *)rt, py.version, &py.o) != NULL)
		return;
#else
	return;
#endif
	if (!py.seen && !(py.seen = raw_mmap(PY_SEEN * sizeof *py.seen)))
		return;
	__atomic_store_n(&py.state, PYS_READY, __ATOMIC_RELEASE);
}

static uintptr_t py_ptr(const unsigned char *b, unsigned off)
{
	uintptr_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

/* The str at s as UTF-8 in d (room for 4 * ALLOC_PYNAME_MAX + 1): its length; 0 for any other form. */
static size_t py_str(const unsigned char *s, char *d)
{
	const struct pyoffs *o = &py.o;
	uint32_t state, kind;
	int64_t len;

	d[0] = '\0';
	if (!s)
		return 0;
	memcpy(&state, s + o->str_state, sizeof state);
	memcpy(&len, s + o->str_len, sizeof len);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || (kind != 1 && kind != 2 && kind != 4) || len < 0)
		return 0;
	if (len > (int64_t)ALLOC_PYNAME_MAX)
		len = ALLOC_PYNAME_MAX;
	return pylayout_utf8(d, kind, s + (((state >> 6) & 1) ? o->str_ascii : o->str_compact), (size_t)len);
}

/* The first len bytes of UTF-8 at s, cut on a character's start to at most half of what a code record can
   carry after its header: both strings then fit in one record. */
static size_t py_fit(const char *s, size_t len)
{
	size_t max = (ALLOC_REC_MAX - sizeof(struct alloc_pycode)) / 2 - ALLOC_ALIGN;

	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Describe the code object at code in the ring unless it was (at that address, with the same strings and
   table: else another object took the address). False when it could not be: the frame is then left out. */
static bool py_describe(struct alloc_hdr *h, const unsigned char *code)
{
	const struct pyoffs *o = &py.o;
	struct py_seen now, *e;
	struct alloc_pycode r;
	size_t fl, nl;
	bool ok = true;

	memset(&now, 0, sizeof now); /* its padding too: the entries are compared whole */
	now.code = (uintptr_t)code;
	now.file = py_ptr(code, o->co_file);
	now.name = py_ptr(code, o->co_name);
	now.table = py_ptr(code, o->co_table);
	memcpy(&now.first, code + o->co_first, sizeof now.first);
	e = &py.seen[(((uintptr_t)code >> 4) * 0x9e3779b97f4a7c15ull) >> 52 & (PY_SEEN - 1)];
	lock(&py.lock);
	if (memcmp(e, &now, sizeof now) != 0) {
		fl = py_fit(py.buf, py_str((const unsigned char *)now.file, py.buf));
		nl = py_fit(py.buf + fl, py_str((const unsigned char *)now.name, py.buf + fl));
		memset(&r, 0, sizeof r);
		r.code = htole64((uint64_t)now.code);
		r.version = htole32(py.version);
		r.firstline = (int32_t)htole32((uint32_t)now.first);
		r.file_len = htole16((uint16_t)fl);
		r.name_len = htole16((uint16_t)nl);
		ok = ring_put(h, ALLOC_REC_PYCODE, &r, sizeof r, py.buf, fl + nl);
		if (ok)
			*e = now;
	}
	unlock(&py.lock);
	return ok;
}

/* The line the frame f of code object code is at. */
static int32_t py_line(const unsigned char *code, const unsigned char *f)
{
	const struct pyoffs *o = &py.o;
	const unsigned char *tab = (const unsigned char *)py_ptr(code, o->co_table);
	int32_t first, lasti;
	int64_t n;
	long off;

	memcpy(&first, code + o->co_first, sizeof first);
	if (o->frames == PYF_OBJECT) {
		memcpy(&lasti, f + o->fr_instr, sizeof lasti);
		off = lasti < 0 ? -1 : (long)lasti * o->lasti_scale;
	} else {
		off = (long)(py_ptr(f, o->fr_instr) - ((uintptr_t)code + o->co_adaptive));
	}
	if (!tab)
		return first;
	memcpy(&n, tab + o->bytes_size, sizeof n);
	if (n < 0 || n > (int64_t)(1 << 20))
		return 0;
	return pyline_find(o->table, tab + o->bytes_data, (size_t)n, first, off);
}

/* The Python stack of this thread, innermost first, at most max frames (0: none, or not Python). */
static unsigned py_stack(struct alloc_hdr *h, struct alloc_pyframe *out, unsigned max)
{
	const struct pyoffs *o = &py.o;
	const unsigned char *tstate, *f, *code;
	unsigned n = 0, walked;

	if (__atomic_load_n(&py.state, __ATOMIC_ACQUIRE) != PYS_READY || !py.is_init() || !(tstate = py.this_ts()))
		return 0;
	f = (const unsigned char *)py_ptr(tstate, o->ts_frame);
	if (o->cframe && f)
		f = (const unsigned char *)py_ptr(f, o->cf_frame);
	for (walked = 0; f && n < max && walked < PY_WALK_MAX; walked++, f = (const unsigned char *)py_ptr(f, o->fr_back)) {
		if (o->skip_cstack && f[o->fr_owner] == 3) {
			/* the shim an eval call pushes below its frames: the frame above it was the call's first */
			if (n)
				out[n - 1].flags |= htole32(ALLOC_PY_ENTRY);
			continue;
		}
		code = (const unsigned char *)py_ptr(f, o->fr_code);
		if (!code || py_ptr(code, 8) != py.code_type)
			continue; /* 3.13: an executable that is no code object (a shim) */
		if (!py_describe(h, code))
			return 0;
		out[n].code = htole64((uint64_t)(uintptr_t)code);
		out[n].line = (int32_t)htole32((uint32_t)py_line(code, f));
		out[n].flags = htole32(o->frames == PYF_OBJECT || (o->fr_entry && f[o->fr_entry]) ? ALLOC_PY_ENTRY : 0);
		n++;
	}
	return n;
}

/* Record the sampled block p of n bytes and remember it as live. */
static void record_alloc(void *p, size_t n, unsigned kind)
{
	struct {
		struct alloc_sample s;
		uint64_t frames[ALLOC_FRAMES_MAX];
		struct alloc_pyframe py[ALLOC_PYFRAMES_MAX];
	} r;
	struct alloc_hdr *h = ring_get();
	unsigned nf, npy;
	double prob;
	uint64_t id;

	if (!h)
		return;
	maps_note(h);
	nf = stack_take(r.frames);
	npy = py_stack(h, (struct alloc_pyframe *)&r.frames[nf], ALLOC_PYFRAMES_MAX);
	id = __atomic_add_fetch(&g.next_id, 1, __ATOMIC_RELAXED);
	memset(&r.s, 0, sizeof r.s);
	r.s.tid = htole32(tid_get());
	r.s.kind = htole16((uint16_t)kind);
	r.s.nframes = htole16((uint16_t)nf);
	r.s.id = htole64(id);
	r.s.addr = htole64((uintptr_t)p);
	r.s.size = htole64(n);
	if (g.rate <= 1) {
		r.s.weight_bytes = htole64(n);
		r.s.weight_count = htole64(UINT64_C(1) << 32);
	} else {
		/* Horvitz-Thompson: each sample counts 1/p times, p its chance to be taken (golang/go #26618). */
		prob = one_minus_exp_neg((double)n / (double)g.rate);
		if (prob <= 0)
			prob = 1;
		r.s.weight_bytes = htole64((uint64_t)((double)n / prob + 0.5));
		r.s.weight_count = htole64((uint64_t)(0x1p32 / prob + 0.5));
	}
	r.s.time_ns = htole64(now_ns());
	r.s.npy = htole16((uint16_t)npy);
	/* The block joins the live set only if ptime will see it, so that its free is never unpaired. */
	if (ring_put(h, ALLOC_REC_ALLOC, &r, sizeof r.s + nf * sizeof r.frames[0] + npy * sizeof r.py[0], NULL, 0))
		set_put((uintptr_t)p, id);
}

static void record_free(void *p, uint64_t id, unsigned kind)
{
	struct alloc_free r;
	struct alloc_hdr *h = __atomic_load_n(&g.ring, __ATOMIC_ACQUIRE);

	if (!h)
		return;
	memset(&r, 0, sizeof r);
	r.tid = htole32(tid_get());
	r.kind = htole16((uint16_t)kind);
	r.id = htole64(id);
	r.addr = htole64((uintptr_t)p);
	r.time_ns = htole64(now_ns());
	ring_put(h, ALLOC_REC_FREE, &r, sizeof r, NULL, 0);
}

/* --- set-up --- */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	uint64_t v = 0;

	if (!s || !*s)
		return dflt;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 1)
			return dflt;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v ? v : dflt;
}

static int self_range(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t me = (uintptr_t)arg, lo = UINTPTR_MAX, hi = 0, a;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD) {
			a = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			if (a < lo)
				lo = a;
			if (a + info->dlpi_phdr[i].p_memsz > hi)
				hi = a + info->dlpi_phdr[i].p_memsz;
		}
	if (me < lo || me >= hi)
		return 0;
	g.self_lo = lo;
	g.self_hi = hi;
	return 1;
}

static void fork_prepare(void)
{
	int i;

	lock(&g.maps_lock);
	lock(&g.ring_lock);
	lock(&set_init_lock);
	for (i = 0; i < SET_STRIPES; i++)
		lock(&stripe_lock[i]);
	lock(&pool_lock);
	lock(&py.find_lock);
	lock(&py.lock);
}

static void fork_parent(void)
{
	int i;

	unlock(&py.lock);
	unlock(&py.find_lock);
	unlock(&pool_lock);
	for (i = SET_STRIPES - 1; i >= 0; i--)
		unlock(&stripe_lock[i]);
	unlock(&set_init_lock);
	unlock(&g.ring_lock);
	unlock(&g.maps_lock);
}

/* The child is a process of its own: a file of its own, made at its first record; its parent's samples
   are not its to free. Only this thread survives, so every lock is free. */
static void fork_child(void)
{
	int i;

	pool_lock = 0;
	py.lock = 0;
	py.find_lock = 0;
	if (py.seen) /* the child's ring describes its code objects anew */
		memset(py.seen, 0, PY_SEEN * sizeof *py.seen);
	for (i = 0; i < SET_STRIPES; i++)
		stripe_lock[i] = 0;
	set_init_lock = 0;
	g.ring_lock = 0;
	g.maps_lock = 0;
	g.maps_listed = 0; /* the child's ring lists them anew */
	if (g.ring)
		syscall(SYS_munmap, g.ring, ALLOC_HDR_BYTES + g.ring_size);
	g.ring = NULL;
	g.dropping = 0;
	g.pid = getpid();
	ts.tid = 0;
	ts.stack_hi = 0;
	ts.rng ^= (uint64_t)g.pid * 0x9e3779b97f4a7c15ull;
	ts.countdown = countdown_draw();
}

/* Read the settings once; any thread may come first (through a hook, before our constructor ran). */
static void init(void)
{
	int expect = ST_NONE;
	const char *dir, *stack;
	size_t len;

	if (!__atomic_compare_exchange_n(&g.state, &expect, ST_INIT, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	ts.guard++;
	dir = getenv("PTIME_ALLOC_DIR");
	len = dir ? strlen(dir) : 0;
	if (!len || len >= sizeof g.dir) {
		__atomic_store_n(&g.state, ST_OFF, __ATOMIC_RELEASE);
		ts.guard--;
		return;
	}
	memcpy(g.dir, dir, len + 1);
	g.rate = env_u64("PTIME_ALLOC_RATE", 524288);
	stack = getenv("PTIME_ALLOC_STACK");
	g.stack_mode = stack && strcmp(stack, "fp") == 0 ? ALLOC_STACK_FP : ALLOC_STACK_UNWIND;
	g.ring_size = env_u64("PTIME_ALLOC_RING", ALLOC_RING_DEFAULT);
	if (g.ring_size < ALLOC_RING_MIN)
		g.ring_size = ALLOC_RING_MIN;
	if (g.ring_size > ALLOC_RING_MAX)
		g.ring_size = ALLOC_RING_MAX;
	while (g.ring_size & (g.ring_size - 1))
		g.ring_size &= g.ring_size - 1;
	g.wait_ms = (unsigned)env_u64("PTIME_ALLOC_WAIT_MS", 1000);
	g.pid = getpid();
	g.mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	g.munmap = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
	g.mremap = (void *(*)(void *, size_t, size_t, int, ...))dlsym(RTLD_NEXT, "mremap");
	dl_iterate_phdr(self_range, (void *)(uintptr_t)init);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	{
		/* The first unwind may load and set up what the unwinder needs (and allocate): do it now. */
		uint64_t f[ALLOC_FRAMES_MAX];
		struct unwind_walk w = { f, 0 };
		_Unwind_Backtrace(unwind_frame, &w);
	}
	__atomic_store_n(&g.state, ST_ON, __ATOMIC_RELEASE);
	ts.guard--;
}

/* Every image that loads the library has its ring from the start, sampled allocation or not: ptime then
   knows every process the sampler was in, not only those whose allocations happened to be sampled. */
__attribute__((constructor)) static void alloc_ctor(void)
{
	init();
	if (__atomic_load_n(&g.state, __ATOMIC_ACQUIRE) == ST_ON) {
		ts.guard++;
		ring_get();
		ts.guard--;
		py_find(); /* an interpreter the program was linked with is loaded by now */
	}
}

static void thread_init(void)
{
	int st = __atomic_load_n(&g.state, __ATOMIC_ACQUIRE);

	if (st == ST_NONE) {
		init();
		st = __atomic_load_n(&g.state, __ATOMIC_ACQUIRE);
	}
	if (st == ST_INIT) { /* another thread is reading the settings: look again a little later */
		ts.countdown = 4096;
		return;
	}
	ts.init = 1;
	if (st != ST_ON) {
		ts.countdown = INT64_C(1) << 62;
		return;
	}
	ts.rng = now_ns() ^ ((uint64_t)(uintptr_t)&ts << 16) ^ ((uint64_t)tid_get() << 40);
	ts.countdown = countdown_draw();
}

/* The countdown reached zero on n bytes at p: draw the next one, and record p (unless the thread is inside
   this library, or its first allocation only now starts its countdown and did not reach it). */
static void sample_slow(void *p, size_t n, unsigned kind)
{
	int e = errno;

	if (ts.guard)
		return;
	ts.guard = 1;
	if (!ts.init) {
		thread_init();
		if (!ts.init || !sample_due(n))
			goto out;
	}
	if (__atomic_load_n(&g.state, __ATOMIC_ACQUIRE) != ST_ON) {
		ts.countdown = INT64_C(1) << 62;
		goto out;
	}
	ts.countdown = countdown_draw();
	record_alloc(p, n, kind);
out:
	ts.guard = 0;
	errno = e;
}

/* p, which may be sampled, ends: take it out of the set (before the allocator can hand it out again) and
   record its end. Returns its id, or 0. */
static uint64_t free_slow(void *p, unsigned kind, bool record)
{
	int e = errno;
	uint64_t id = set_take((uintptr_t)p);

	if (id && record && !ts.guard) {
		ts.guard = 1;
		record_free(p, id, kind);
		ts.guard = 0;
	}
	errno = e;
	return id;
}

/* --- the hooks --- */

EXPORT void *malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (likely(p) && unlikely(sample_due(n)))
		sample_slow(p, n, ALLOC_MALLOC);
	return p;
}

EXPORT void free(void *p)
{
	if (p && unlikely(set_maybe(p)))
		free_slow(p, ALLOC_FREE, true);
	__libc_free(p);
}

EXPORT void *calloc(size_t a, size_t b)
{
	void *p = __libc_calloc(a, b);

	if (likely(p) && unlikely(sample_due(a * b)))
		sample_slow(p, a * b, ALLOC_CALLOC);
	return p;
}

EXPORT void *realloc(void *old, size_t n)
{
	uint64_t id = 0;
	void *p;

	if (old && n == 0) { /* glibc frees, and returns NULL */
		free(old);
		return NULL;
	}
	if (old && unlikely(set_maybe(old)))
		id = free_slow(old, ALLOC_FREE_REALLOC, false);
	p = __libc_realloc(old, n);
	if (!p) { /* the old block stays, and so does its sample */
		if (id)
			set_put((uintptr_t)old, id);
		return NULL;
	}
	if (id) {
		int e = errno;
		ts.guard++;
		if (ts.guard == 1)
			record_free(old, id, ALLOC_FREE_REALLOC);
		ts.guard--;
		errno = e;
	}
	if (unlikely(sample_due(n)))
		sample_slow(p, n, ALLOC_REALLOC);
	return p;
}

EXPORT void *reallocarray(void *old, size_t a, size_t b)
{
	size_t n;

	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, n);
}

static void *aligned(size_t al, size_t n)
{
	void *p = __libc_memalign(al, n);

	if (likely(p) && unlikely(sample_due(n)))
		sample_slow(p, n, ALLOC_MEMALIGN);
	return p;
}

EXPORT int posix_memalign(void **out, size_t al, size_t n)
{
	int e = errno;
	void *p;

	if (al % sizeof(void *) || (al & (al - 1)) || !al)
		return EINVAL;
	p = aligned(al, n);
	if (!p) {
		errno = e;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t al, size_t n)
{
	if (!al || (al & (al - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(al, n);
}

EXPORT void *memalign(size_t al, size_t n)
{
	return aligned(al, n);
}

EXPORT void *valloc(size_t n)
{
	void *p = __libc_valloc(n);

	if (likely(p) && unlikely(sample_due(n)))
		sample_slow(p, n, ALLOC_MEMALIGN);
	return p;
}

EXPORT void *pvalloc(size_t n)
{
	void *p = __libc_pvalloc(n);

	if (likely(p) && unlikely(sample_due(n)))
		sample_slow(p, n, ALLOC_MEMALIGN);
	return p;
}

static void *mmap_any(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	/* A fixed mapping over a sampled one ends it. */
	if ((flags & MAP_FIXED) && unlikely(set_maybe(addr)))
		free_slow(addr, ALLOC_MUNMAP, true);
	if (g.mmap)
		p = g.mmap(addr, len, prot, flags, fd, off);
	else
		p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && unlikely(sample_due(len)))
		sample_slow(p, len, ALLOC_MMAP);
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_any(addr, len, prot, flags, fd, off);
}

/* Built with 64-bit file offsets (Python, for one), code calls this name. */
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_any(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	if (unlikely(set_maybe(addr)))
		free_slow(addr, ALLOC_MUNMAP, true);
	if (g.munmap)
		return g.munmap(addr, len);
	return (int)syscall(SYS_munmap, addr, len);
}

/* Like realloc: the end of the old mapping, and the new one an allocation of new_len. */
EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *want = NULL, *p;
	uint64_t id = 0;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	if (unlikely(set_maybe(old)))
		id = free_slow(old, ALLOC_FREE_MREMAP, false);
	if (g.mremap)
		p = g.mremap(old, old_len, new_len, flags, want);
	else
		p = (void *)syscall(SYS_mremap, old, old_len, new_len, flags, want);
	if (p == MAP_FAILED) {
		if (id)
			set_put((uintptr_t)old, id);
		return p;
	}
	if (id) {
		int e = errno;
		if (!ts.guard++)
			record_free(old, id, ALLOC_FREE_MREMAP);
		ts.guard--;
		errno = e;
	}
	if (unlikely(sample_due(new_len)))
		sample_slow(p, new_len, ALLOC_MMAP);
	return p;
}
