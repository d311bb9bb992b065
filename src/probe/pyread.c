/* probe/pyread.c: the Python stacks of a running CPython 3.9 to 3.13, read from outside with process_vm_readv
   alone (the process is never stopped): where its runtime is, which thread state is which thread, the frames. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

#define PY_MAX_INTERPS 64
#define PY_MAX_THREADS 4096
#define PY_REFRESH_NS 10000000LL /* a thread unknown at the last look is looked for again after 10 ms */

/* Every remote read: counted, and a refusal (the process made itself undumpable, or changed its
   user) noted, so that the reader stops. */
static ssize_t py_readv(struct pyproc *pp, const struct iovec *l, const struct iovec *r, unsigned long n)
{
	ssize_t got;

	pp->reads++;
	got = process_vm_readv(pp->pid, l, n, r, n, 0);
	if (got < 0 && errno == EPERM)
		pp->denied = true;
	return got;
}

/* One remote read of exactly len bytes; false on any shortfall (errno says why, EFAULT for a short one). */
bool pyread_mem(struct pyproc *pp, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };
	ssize_t got;

	if (!addr || !len)
		return errno = EFAULT, false;
	got = py_readv(pp, &l, &r, 1);
	if (got == (ssize_t)len)
		return true;
	if (got >= 0)
		errno = EFAULT;
	return false;
}

/* A remote read of up to len bytes that may stop short at an unmapped page: the count read, or -1. */
ssize_t pyread_some(struct pyproc *pp, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };

	if (!addr)
		return errno = EFAULT, -1;
	return py_readv(pp, &l, &r, 1);
}

/* The remote ranges rv into lv, n of them, in as few calls as IOV_MAX allows: the bytes read, which stop
   at the first range that could not be read whole, or -1 when nothing could be read. */
ssize_t pyread_vec(struct pyproc *pp, struct iovec *lv, struct iovec *rv, size_t n)
{
	ssize_t total = 0, got, want;
	size_t i, k, j;

	for (i = 0; i < n; i += k) {
		k = n - i < IOV_MAX ? n - i : IOV_MAX;
		if ((got = py_readv(pp, lv + i, rv + i, k)) < 0)
			return i ? total : -1;
		total += got;
		for (j = i, want = 0; j < i + k; j++)
			want += (ssize_t)lv[j].iov_len;
		if (got < want)
			break; /* the next call would read past a gap */
	}
	return total;
}

static uint64_t py_u64(const unsigned char *b, unsigned off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

static uint64_t py_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* --- threads: which PyThreadState is which kernel thread --- */

/* The kernel tid of a 3.9/3.10 thread state's thread_id (its pthread_t, the address of glibc's struct
   pthread), through libthread_db's descriptor of struct pthread's tid; 0 when it cannot be known. */
static pid_t py_pthread_tid(struct pyproc *pp, uint64_t pthread)
{
	int32_t tid;

	if (!pp->pthread_tid_off || !pthread || !pyread_mem(pp, pthread + pp->pthread_tid_off, &tid, sizeof tid))
		return 0;
	return tid > 0 ? tid : 0;
}

/* The thread of a thread state just read (its first ts_read bytes): its tid for 3.11+, the key that
   names it in the map (native id, or pthread_t for 3.9/3.10). */
static uint64_t py_ts_key(const struct pyproc *pp, const unsigned char *ts)
{
	return pp->o.ts_native ? (uint64_t)(uint32_t)py_u64(ts, pp->o.ts_tid) : py_u64(ts, pp->o.ts_tid);
}

/* Walk every interpreter's thread list into a new map of tid to thread state. */
static void py_refresh(struct pyproc *pp)
{
	unsigned char ts[PY_TS_READ];
	uint64_t interp, t, last_main = 0;
	struct pythread *map = NULL;
	size_t n = 0, cap = 0, ni, nt;
	pid_t tid;

	pp->last_refresh = py_now();
	if (!pyread_mem(pp, pp->runtime + pp->o.rt_interps, &interp, sizeof interp))
		return;
	for (ni = 0; interp && ni < PY_MAX_INTERPS; ni++) {
		uint64_t head[2]; /* next, and the thread list head */
		if (!pyread_mem(pp, interp + pp->o.is_next, &head[0], 8) ||
		    !pyread_mem(pp, interp + pp->o.is_threads, &head[1], 8))
			break;
		for (t = head[1], nt = 0; t && nt < PY_MAX_THREADS && n < PY_MAX_THREADS; nt++) {
			uint64_t key;
			if (!pyread_mem(pp, t, ts, pp->o.ts_read))
				break;
			key = py_ts_key(pp, ts);
			tid = pp->o.ts_native ? (pid_t)key : py_pthread_tid(pp, key);
			if (ni == 0)
				last_main = t;
			if (tid > 0) {
				if (n == cap)
					map = xrealloc(map, (cap = cap ? cap * 2 : 16) * sizeof *map);
				map[n++] = (struct pythread){ tid, t, key };
			}
			t = py_u64(ts, pp->o.ts_next);
		}
		interp = head[0];
	}
	/* Without glibc's descriptor the main thread is still known: its state is the first made, the list's tail. */
	if (!pp->o.ts_native && !pp->pthread_tid_off && last_main && pyread_mem(pp, last_main, ts, pp->o.ts_read)) {
		map = xrealloc(map, (n + 1) * sizeof *map);
		map[n++] = (struct pythread){ pp->pid, last_main, py_ts_key(pp, ts) };
	}
	free(pp->threads);
	pp->threads = map;
	pp->nthreads = n;
}

/* The thread state of tid, read into ts: its address, or 0 when tid runs no Python now. */
static uint64_t py_tstate(struct pyproc *pp, pid_t tid, unsigned char *ts)
{
	int pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < pp->nthreads; i++)
			if (pp->threads[i].tid == tid)
				break;
		if (i < pp->nthreads) {
			/* the state may have been freed and its memory reused: it must still name its thread */
			if (pyread_mem(pp, pp->threads[i].ts, ts, pp->o.ts_read) && py_ts_key(pp, ts) == pp->threads[i].key)
				return pp->threads[i].ts;
		} else if (pass == 0 && pp->last_refresh && py_now() - pp->last_refresh < PY_REFRESH_NS) {
			return 0;
		}
		if (pass == 0)
			py_refresh(pp);
	}
	return 0;
}

/* --- frames --- */

/* Append one remote range and where it goes to the iovecs of a batched read. */
static void pyv_add(struct pyproc *pp, size_t *nv, void *buf, uint64_t addr, size_t len)
{
	pp->lv[*nv] = (struct iovec){ buf, len };
	pp->rv[*nv] = (struct iovec){ (void *)(uintptr_t)addr, len };
	(*nv)++;
}

/* Whether addr is one of the n frames already walked: a loop in the chain is garbage, not a stack. */
static bool py_seen(const struct pyraw *raw, size_t n, uint64_t addr)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (raw[i].addr == addr)
			return true;
	return false;
}

/* The Python stack of thread tid, innermost frame first, at most max frames; see ptime.h. */
size_t pyproc_stack(struct pyproc *pp, pid_t tid, struct pyframe *out, size_t max, bool *torn)
{
	const struct pyoffs *o = &pp->o;
	unsigned char ts[PY_TS_READ], fr[PY_FRAME_READ];
	uint64_t tsaddr, cframe = 0, head, f, recheck[2];
	struct pyraw *raw = pp->raw;
	size_t n = 0, depth, i, k, nv, nc, nh, need;
	ssize_t hwant, want, got;

	*torn = false;
	if (!max || !(tsaddr = py_tstate(pp, tid, ts)))
		return 0;
	head = py_u64(ts, o->ts_frame);
	if (o->cframe) {
		cframe = head;
		if (!cframe || !pyread_mem(pp, cframe + o->cf_frame, &head, sizeof head))
			return 0;
	}
	for (f = head, depth = 0; f; depth++) {
		if (depth >= PY_MAX_DEPTH || py_seen(raw, n, f) || !pyread_mem(pp, f, fr, o->fr_read))
			goto torn;
		if (o->skip_cstack && fr[o->fr_owner] == 3) {
			/* the shim an eval call pushes below its frames: the frame above it was the call's first */
			if (n)
				raw[n - 1].entry = true;
		} else {
			raw[n].addr = f;
			raw[n].entry = o->frames == PYF_OBJECT || (o->fr_entry && fr[o->fr_entry]);
			raw[n].code = py_u64(fr, o->fr_code);
			if (o->frames == PYF_OBJECT) {
				int32_t lasti;
				memcpy(&lasti, fr + o->fr_instr, sizeof lasti);
				raw[n].instr = (uint64_t)(int64_t)lasti;
			} else {
				raw[n].instr = py_u64(fr, o->fr_instr);
			}
			n++;
		}
		if (n == max)
			break;
		f = py_u64(fr, o->fr_back);
	}
	/* One call reads the head again (the chain is a stack only if its top is still the top), the header
	   of every code object of it, and the file and name strings of those cached: a new object at a
	   cached one's address is told by its header, or, when it took the old one's strings' addresses too
	   (pymalloc gives a freed block to the next object of its size), by their bytes. */
	nv = 0;
	pyv_add(pp, &nv, &recheck[0], tsaddr + o->ts_frame, 8);
	if (o->cframe)
		pyv_add(pp, &nv, &recheck[1], cframe + o->cf_frame, 8);
	for (i = 0, nc = 0, need = 0; i < n; i++) {
		struct pycheck *ck = &pp->checks[nc];
		for (k = 0; k < i && raw[k].code != raw[i].code; k++)
			;
		if (k < i) {
			raw[i].hdr = raw[k].hdr;
			continue;
		}
		raw[i].hdr = nc++;
		pyv_add(pp, &nv, pp->hdrs + raw[i].hdr * o->co_read, raw[i].code, o->co_read);
		ck->c = pycode_cached(pp, raw[i].code);
		ck->id = 0;
		ck->off = need;
		if (ck->c)
			need += ck->c->fsig.len + ck->c->nsig.len;
	}
	for (i = 0, hwant = 0; i < nv; i++)
		hwant += (ssize_t)pp->lv[i].iov_len;
	if (need > pp->capsigs) {
		free(pp->sigs);
		pp->sigs = xmalloc(pp->capsigs = need * 2);
	}
	for (i = 0, nh = nv; i < nc; i++) {
		const struct pycode_ent *c = pp->checks[i].c;
		if (!c)
			continue;
		pyv_add(pp, &nv, pp->sigs + pp->checks[i].off, c->file + o->str_len, c->fsig.len);
		pyv_add(pp, &nv, pp->sigs + pp->checks[i].off + c->fsig.len, c->name + o->str_len, c->nsig.len);
	}
	got = pyread_vec(pp, pp->lv, pp->rv, nv);
	if (got < hwant || recheck[0] != (o->cframe ? cframe : head) || (o->cframe && recheck[1] != head))
		goto torn;
	/* a cached entry whose strings could not be read (freed, their pages unmapped) is read anew */
	for (i = 0, k = nh, want = hwant; i < nc; i++) {
		struct pycheck *ck = &pp->checks[i];
		if (!ck->c)
			continue;
		want += (ssize_t)(pp->lv[k].iov_len + pp->lv[k + 1].iov_len);
		k += 2;
		if (want <= got && pycode_same_strings(ck->c, pp->sigs + ck->off))
			ck->id = ck->c->id;
	}
	for (i = 0, k = 0; i < n; i++) {
		struct pycheck *ck = &pp->checks[raw[i].hdr];
		int why = 0;
		const struct pycode_ent *c = pycode_get(pp, raw[i].code, pp->hdrs + raw[i].hdr * o->co_read, ck->id, &why);
		long off;
		if (!c) {
			if (why == PYC_NOTCODE && o->frames == PYF_EXEC) {
				/* 3.13: an executable that is no code object (a shim), not a Python frame */
				if (raw[i].entry && k)
					out[k - 1].entry = true;
				continue;
			}
			goto torn;
		}
		ck->id = c->id; /* the object's other frames (a recursion) take the entry just made */
		if (o->frames == PYF_OBJECT)
			off = (int64_t)raw[i].instr < 0 ? -1 : (long)raw[i].instr * o->lasti_scale;
		else
			off = (long)(int64_t)(raw[i].instr - (raw[i].code + o->co_adaptive));
		if (off < -2 || off >= (long)c->codelen)
			goto torn; /* an instruction outside its code: the frame changed under the read */
		out[k].code = raw[i].code;
		out[k].id = c->id;
		out[k].line = pyline_find(o->table, c->table, c->tablelen, c->pub.firstline, off);
		out[k].entry = raw[i].entry;
		k++;
	}
	return k;
torn:
	pp->torn++;
	*torn = true;
	return 0;
}

/* The name, file and first line of the code object at code, cached; NULL if it cannot be read. */
const struct pycode *pyproc_code(struct pyproc *pp, uint64_t code)
{
	int why = 0;
	const struct pycode_ent *c = pycode_get(pp, code, NULL, 0, &why);

	if (why == PYC_CHANGED)
		pp->torn++;
	return c ? &c->pub : NULL;
}

/* Whether a read was refused since the process was opened: it has made itself unreadable. */
bool pyproc_denied(const struct pyproc *pp)
{
	return pp->denied;
}

/* The process_vm_readv calls made so far, and the stacks found torn or garbage. */
void pyproc_stats(const struct pyproc *pp, uint64_t *reads, uint64_t *torn)
{
	*reads = pp->reads;
	*torn = pp->torn;
}

/* Where the eval loop's code is; see ptime.h. */
size_t pyproc_eval(const struct pyproc *pp, struct pyrange r[2], bool *lib)
{
	memcpy(r, pp->eval, sizeof pp->eval);
	*lib = pp->eval_lib;
	return pp->neval;
}

/* The version of the CPython that pp reads, as PY_VERSION_HEX (micro 0 when only a file name told it). */
unsigned pyproc_version(const struct pyproc *pp)
{
	return pp->version;
}

/* Forget pp and everything it cached. */
void pyproc_close(struct pyproc *pp)
{
	if (!pp)
		return;
	pycode_free(pp);
	free(pp->threads);
	free(pp->lv);
	free(pp->rv);
	free(pp->hdrs);
	free(pp->sigs);
	strtab_free(pp->strs);
	free(pp);
}
