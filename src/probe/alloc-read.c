/* probe/alloc-read.c: read the ring file that libptime-alloc.so writes in one process of the command
   (inject/alloc-record.h). The command can write anything there: every length and count is checked
   against the record that holds it, each record is copied out before it is checked, and a file that
   breaks a rule is not read again. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptime.h"
#include "inject/alloc-record.h"

struct alloc_file {
	int fd;
	struct alloc_hdr *hdr;          /* the whole file, mapped shared: ptime owns tail and wake */
	const unsigned char *data;
	size_t map_bytes;
	uint64_t ring_size;
	uint64_t tail;                  /* ours: the file's copy is only told, never trusted */
	bool seen_proc;
	struct alloc_read_stats st;
	union {
		uint64_t align;
		unsigned char b[ALLOC_REC_MAX];
	} rec;                          /* the record being read, copied out of the ring */
	char exe[ALLOC_PATH_MAX + 1];
	char exe2[ALLOC_PATH_MAX + 1];  /* the path of a mapping record, the file of a code record */
	char name[4 * ALLOC_PYNAME_MAX + 1]; /* the name of a code record */
};

/* Open the ring file at path: a regular file, not a link, of the size its header says. Returns 0 and the
   reader in *out, -EAGAIN when the header is not there yet, or another -errno. O_RDWR: ptime writes the
   ring's tail, which is how the writer knows what it may overwrite. */
int alloc_read_open(const char *path, struct alloc_file **out)
{
	struct alloc_hdr h;
	struct alloc_file *f;
	struct stat st;
	int fd, e;

	fd = open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		goto fail_fd;
	}
	e = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto fail_fd;
	e = -EAGAIN;
	if ((size_t)st.st_size < sizeof h || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		goto fail_fd;
	e = -EPROTO;
	if (memcmp(h.magic, ALLOC_MAGIC, sizeof h.magic) != 0 || h.version != ALLOC_VERSION ||
	    h.hdr_bytes != ALLOC_HDR_BYTES || h.ring_size < ALLOC_RING_MIN || h.ring_size > ALLOC_RING_MAX ||
	    (h.ring_size & (h.ring_size - 1)) || (uint64_t)st.st_size != ALLOC_HDR_BYTES + h.ring_size)
		goto fail_fd;
	e = -ENOMEM;
	f = calloc(1, sizeof *f);
	if (!f)
		goto fail_fd;
	f->fd = fd;
	f->ring_size = h.ring_size;
	f->map_bytes = ALLOC_HDR_BYTES + h.ring_size;
	f->hdr = mmap(NULL, f->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f->hdr == MAP_FAILED) {
		e = -errno;
		goto fail_f;
	}
	f->data = (const unsigned char *)f->hdr + ALLOC_HDR_BYTES;
	f->tail = __atomic_load_n(&f->hdr->tail, __ATOMIC_ACQUIRE);
	if (f->tail & (ALLOC_ALIGN - 1)) {
		e = -EPROTO;
		goto fail_map;
	}
	*out = f;
	return 0;
fail_map:
	munmap(f->hdr, f->map_bytes);
fail_f:
	free(f);
fail_fd:
	close(fd);
	return e;
}

/* Give up on the file: a rule was broken at pos. */
static long alloc_read_bad(struct alloc_file *f, const char *why)
{
	f->st.bad++;
	f->st.broken = true;
	snprintf(f->st.why, sizeof f->st.why, "%s at byte %llu", why, (unsigned long long)f->tail);
	return -EPROTO;
}

/* Check and deliver the record copied into f->rec (size bytes, of type). Returns 0, or -EPROTO. */
static long alloc_read_one(struct alloc_file *f, unsigned type, size_t size, const struct alloc_read_ops *ops, void *ctx)
{
	const unsigned char *b = f->rec.b;
	struct alloc_proc_info pi;
	struct alloc_event ev;
	const struct alloc_proc *pr;
	const struct alloc_sample *s;
	const struct alloc_free *fr;
	const struct alloc_map *mp;
	const struct alloc_pycode *pc;
	struct alloc_map_info mi;
	struct alloc_pycode_info ci;
	struct alloc_pyframe *pf;
	uint64_t *frames;
	unsigned i;

	if (!f->seen_proc && type != ALLOC_REC_PROC && type != ALLOC_REC_PAD)
		return alloc_read_bad(f, "a record before the process record");
	memset(&ev, 0, sizeof ev);
	switch (type) {
	case ALLOC_REC_PAD:
		if ((f->tail & (f->ring_size - 1)) + size != f->ring_size)
			return alloc_read_bad(f, "a pad record that does not end the ring");
		return 0;
	case ALLOC_REC_PROC:
		pr = (const void *)b;
		if (f->seen_proc)
			return alloc_read_bad(f, "a second process record");
		if (size < sizeof *pr || le32toh(pr->path_len) > ALLOC_PATH_MAX ||
		    le32toh(pr->path_len) > size - sizeof *pr || size - sizeof *pr - le32toh(pr->path_len) >= ALLOC_ALIGN)
			return alloc_read_bad(f, "a process record of the wrong size");
		memcpy(f->exe, b + sizeof *pr, le32toh(pr->path_len));
		f->exe[le32toh(pr->path_len)] = '\0';
		f->seen_proc = true;
		pi.pid = (pid_t)le32toh(pr->pid);
		pi.ppid = (pid_t)le32toh(pr->ppid);
		pi.rate = le64toh(pr->rate);
		pi.start_ns = le64toh(pr->start_ns);
		pi.stack_mode = le32toh(pr->stack_mode);
		pi.image = le32toh(pr->image);
		pi.exe = f->exe;
		f->st.pid = pi.pid;
		if (ops->proc)
			ops->proc(ctx, &pi);
		return 0;
	case ALLOC_REC_ALLOC:
		s = (const void *)b;
		if (size < sizeof *s || le16toh(s->nframes) > ALLOC_FRAMES_MAX || le16toh(s->npy) > ALLOC_PYFRAMES_MAX ||
		    size != sizeof *s + le16toh(s->nframes) * sizeof(uint64_t) +
				    le16toh(s->npy) * sizeof(struct alloc_pyframe))
			return alloc_read_bad(f, "an allocation record of the wrong size");
		if (le16toh(s->kind) < ALLOC_MALLOC || le16toh(s->kind) > ALLOC_MMAP)
			return alloc_read_bad(f, "an allocation of no known kind");
		ev.kind = le16toh(s->kind);
		ev.tid = le32toh(s->tid);
		ev.id = le64toh(s->id);
		ev.addr = le64toh(s->addr);
		ev.size = le64toh(s->size);
		ev.weight_bytes = le64toh(s->weight_bytes);
		ev.weight_count = (double)le64toh(s->weight_count) * 0x1p-32;
		ev.time_ns = le64toh(s->time_ns);
		ev.nframes = le16toh(s->nframes);
		frames = (uint64_t *)(f->rec.b + sizeof *s);
		for (i = 0; i < ev.nframes; i++)
			frames[i] = le64toh(frames[i]);
		ev.frames = frames;
		ev.npy = le16toh(s->npy);
		pf = (struct alloc_pyframe *)(f->rec.b + sizeof *s + ev.nframes * sizeof(uint64_t));
		for (i = 0; i < ev.npy; i++) {
			pf[i].code = le64toh(pf[i].code);
			pf[i].line = (int32_t)le32toh((uint32_t)pf[i].line);
			pf[i].flags = le32toh(pf[i].flags);
		}
		ev.py = pf;
		f->st.allocs++;
		if (ops->alloc)
			ops->alloc(ctx, &ev);
		return 0;
	case ALLOC_REC_MAP:
		mp = (const void *)b;
		if (size < sizeof *mp || le32toh(mp->path_len) == 0 || le32toh(mp->path_len) > ALLOC_PATH_MAX ||
		    le32toh(mp->path_len) > size - sizeof *mp || size - sizeof *mp - le32toh(mp->path_len) >= ALLOC_ALIGN)
			return alloc_read_bad(f, "a mapping record of the wrong size");
		mi.start = le64toh(mp->start);
		mi.end = le64toh(mp->end);
		if (mi.start >= mi.end)
			return alloc_read_bad(f, "a mapping that ends before it starts");
		mi.pgoff = le64toh(mp->pgoff);
		mi.dev = le64toh(mp->dev);
		mi.ino = le64toh(mp->ino);
		mi.generation = le32toh(mp->generation);
		memcpy(f->exe2, b + sizeof *mp, le32toh(mp->path_len));
		f->exe2[le32toh(mp->path_len)] = '\0';
		mi.path = f->exe2;
		if (ops->map)
			ops->map(ctx, &mi);
		return 0;
	case ALLOC_REC_PYCODE:
		pc = (const void *)b;
		if (size < sizeof *pc || le16toh(pc->file_len) > ALLOC_PYNAME_MAX * 4 ||
		    le16toh(pc->name_len) > ALLOC_PYNAME_MAX * 4 ||
		    size - sizeof *pc < (size_t)le16toh(pc->file_len) + le16toh(pc->name_len) ||
		    size - sizeof *pc - le16toh(pc->file_len) - le16toh(pc->name_len) >= ALLOC_ALIGN)
			return alloc_read_bad(f, "a code record of the wrong size");
		ci.code = le64toh(pc->code);
		ci.version = le32toh(pc->version);
		ci.firstline = (int)(int32_t)le32toh((uint32_t)pc->firstline);
		memcpy(f->exe2, b + sizeof *pc, le16toh(pc->file_len));
		f->exe2[le16toh(pc->file_len)] = '\0';
		memcpy(f->name, b + sizeof *pc + le16toh(pc->file_len), le16toh(pc->name_len));
		f->name[le16toh(pc->name_len)] = '\0';
		ci.file = f->exe2;
		ci.name = f->name;
		if (ops->pycode)
			ops->pycode(ctx, &ci);
		return 0;
	case ALLOC_REC_FREE:
		fr = (const void *)b;
		if (size != sizeof *fr)
			return alloc_read_bad(f, "a free record of the wrong size");
		if (le16toh(fr->kind) < ALLOC_FREE || le16toh(fr->kind) > ALLOC_FREE_MREMAP)
			return alloc_read_bad(f, "a free of no known kind");
		ev.is_free = true;
		ev.kind = le16toh(fr->kind);
		ev.tid = le32toh(fr->tid);
		ev.id = le64toh(fr->id);
		ev.addr = le64toh(fr->addr);
		ev.time_ns = le64toh(fr->time_ns);
		f->st.frees++;
		if (ops->free)
			ops->free(ctx, &ev);
		return 0;
	default:
		return alloc_read_bad(f, "a record of no known type");
	}
}

/* Hand every committed record after the tail to ops, then move the tail past them and wake a writer
   that waits for room. Returns how many records were read, or -EPROTO once the file broke a rule (it is
   then never read again; alloc_read_stats says why). */
long alloc_read_drain(struct alloc_file *f, const struct alloc_read_ops *ops, void *ctx)
{
	uint64_t head, off, stamp_pos;
	const struct alloc_rec *r;
	struct stat st;
	unsigned type;
	size_t size;
	long n = 0, rc;

	if (f->st.broken)
		return -EPROTO;
	/* A file cut shorter than the mapping would fault on the next read. */
	if (fstat(f->fd, &st) < 0 || (uint64_t)st.st_size < f->map_bytes)
		return alloc_read_bad(f, "the file was truncated");
	head = __atomic_load_n(&f->hdr->head, __ATOMIC_ACQUIRE);
	if (head < f->tail || head - f->tail > f->ring_size)
		return alloc_read_bad(f, "a head outside the ring");
	while (f->tail < head) {
		stamp_pos = f->tail;
		off = stamp_pos & (f->ring_size - 1);
		r = (const struct alloc_rec *)(f->data + off);
		if (__atomic_load_n(&r->stamp, __ATOMIC_ACQUIRE) != alloc_stamp(stamp_pos))
			break; /* reserved, not yet written */
		type = le16toh(__atomic_load_n(&r->type, __ATOMIC_RELAXED));
		size = le16toh(__atomic_load_n(&r->size, __ATOMIC_RELAXED));
		if (size < sizeof *r || size % ALLOC_ALIGN || size > ALLOC_REC_MAX || off + size > f->ring_size ||
		    size > head - f->tail) {
			rc = alloc_read_bad(f, "a record of an impossible size");
			goto out;
		}
		memcpy(f->rec.b, r, size);
		rc = alloc_read_one(f, type, size, ops, ctx);
		if (rc < 0)
			goto out;
		f->tail += size;
		f->st.records++;
		n++;
	}
	rc = n;
out:
	if (n) {
		__atomic_store_n(&f->hdr->tail, f->tail, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&f->hdr->wake, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&f->hdr->waiting, __ATOMIC_SEQ_CST))
			syscall(SYS_futex, &f->hdr->wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
	f->st.dropped = __atomic_load_n(&f->hdr->dropped, __ATOMIC_RELAXED);
	f->st.dropped_bytes = __atomic_load_n(&f->hdr->dropped_bytes, __ATOMIC_RELAXED);
	head = __atomic_load_n(&f->hdr->head, __ATOMIC_RELAXED);
	f->st.pending_bytes = head >= f->tail && head - f->tail <= f->ring_size ? head - f->tail : 0;
	return rc;
}

/* What the reader has seen of the file so far. */
void alloc_read_stats(const struct alloc_file *f, struct alloc_read_stats *st)
{
	*st = f->st;
}

/* Unmap and close the file (it stays where it is). */
void alloc_read_close(struct alloc_file *f)
{
	if (!f)
		return;
	munmap(f->hdr, f->map_bytes);
	close(f->fd);
	free(f);
}
