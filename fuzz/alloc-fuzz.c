/* fuzz/alloc-fuzz.c: a ring file of libptime-alloc.so read by probe/alloc-read.c. The command writes
   its rings, so they may hold anything. The input is records without their stamps: each is a type
   (2 bytes), a size as the record claims it (2 bytes) and its body up to that size; the harness lays
   them out in a ring with the stamps that commit them, so that the fuzzer reaches the records' fields. */
#include "config.h"

#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"
#include "inject/alloc-record.h"
#include "fuzz.h"

static uint64_t fz_sum;

static void fz_proc(void *ctx, const struct alloc_proc_info *p)
{
	(void)ctx;
	fz_sum += p->exe ? strlen(p->exe) : 0;
}

static void fz_map(void *ctx, const struct alloc_map_info *m)
{
	(void)ctx;
	if (m->start >= m->end)
		abort(); /* the reader refuses such a mapping */
	fz_sum += strlen(m->path);
}

static void fz_alloc(void *ctx, const struct alloc_event *e)
{
	unsigned i;
	(void)ctx;
	if (e->nframes > ALLOC_FRAMES_MAX || e->npy > ALLOC_PYFRAMES_MAX)
		abort();
	for (i = 0; i < e->nframes; i++)
		fz_sum += e->frames[i];
	for (i = 0; i < e->npy; i++)
		fz_sum += e->py[i].code + (uint64_t)e->py[i].line;
}

static void fz_free(void *ctx, const struct alloc_event *e)
{
	(void)ctx;
	fz_sum += e->id;
}

static void fz_pycode(void *ctx, const struct alloc_pycode_info *c)
{
	(void)ctx;
	fz_sum += strlen(c->file) + strlen(c->name) + (uint64_t)c->firstline;
}

static const struct alloc_read_ops fz_ops = { fz_proc, fz_map, fz_alloc, fz_free, fz_pycode };

FUZZ_TARGET(alloc)
{
	static unsigned char ring[ALLOC_RING_MIN];
	struct alloc_hdr h;
	struct alloc_file *f;
	char path[64];
	size_t at = 0, pos = 0;
	int fd;

	memset(ring, 0, sizeof ring);
	while (at + 4 <= size) {
		uint16_t type, claimed;
		size_t body, total;
		uint32_t stamp = alloc_stamp(pos);
		memcpy(&type, data + at, 2);
		memcpy(&claimed, data + at + 2, 2);
		at += 4;
		body = claimed > 8 ? claimed - 8u : 0;
		if (body > size - at)
			body = size - at;
		total = (8 + body + ALLOC_ALIGN - 1) & ~(size_t)(ALLOC_ALIGN - 1);
		if (pos + total > sizeof ring)
			break;
		type = htole16(type);
		claimed = htole16(claimed);
		memcpy(ring + pos, &stamp, 4);
		memcpy(ring + pos + 4, &type, 2);
		memcpy(ring + pos + 6, &claimed, 2);
		memcpy(ring + pos + 8, data + at, body);
		at += body;
		pos += total;
	}
	memset(&h, 0, sizeof h);
	memcpy(h.magic, ALLOC_MAGIC, sizeof h.magic);
	h.version = ALLOC_VERSION;
	h.hdr_bytes = ALLOC_HDR_BYTES;
	h.ring_size = sizeof ring;
	h.pid = 100;
	h.head = pos;
	snprintf(path, sizeof path, "/tmp/ptime-alloc-fuzz.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || pwrite(fd, ring, sizeof ring, ALLOC_HDR_BYTES) != (ssize_t)sizeof ring) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (alloc_read_open(path, &f) == 0) {
		alloc_read_drain(f, &fz_ops, NULL);
		alloc_read_drain(f, &fz_ops, NULL); /* nothing new: a second drain reads nothing */
		alloc_read_close(f);
	}
	unlink(path);
	return 0;
}
