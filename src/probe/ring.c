/* probe/ring.c: the perf mmap ring: map it, and copy out whole records, handling wrap-around. */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ptime.h"

/* Map the ring of event fd: one metadata page and 2^order data pages. Returns 0 or -errno. */
int ring_open(struct ring *rg, int fd, unsigned order)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	rg->data_size = page << order;
	rg->map_size = page + rg->data_size;
	rg->base = mmap(NULL, rg->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rg->base == MAP_FAILED) {
		rg->base = NULL;
		return -errno;
	}
	rg->data = (unsigned char *)rg->base + page;
	rg->fd = fd;
	return 0;
}

/* Append every complete record in the ring to out, then free the space: the four-step protocol. */
size_t ring_drain(struct ring *rg, struct bytes *out)
{
	struct perf_event_mmap_page *pg = rg->base;
	uint64_t head, tail, mask = rg->data_size - 1;
	size_t copied = 0;

	if (!pg)
		return 0;
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE); /* 1: read head, then the data */
	tail = pg->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		size_t off = tail & mask, first;
		/* 2: a record may wrap around the end of the ring: copy it in two parts */
		first = rg->data_size - off < sizeof h ? rg->data_size - off : sizeof h;
		memcpy(&h, rg->data + off, first);
		if (first < sizeof h)
			memcpy((char *)&h + first, rg->data, sizeof h - first);
		if (h.size < sizeof h || tail + h.size > head)
			break;
		bytes_reserve(out, h.size);
		first = rg->data_size - off < h.size ? rg->data_size - off : h.size;
		memcpy(out->p + out->len, rg->data + off, first);
		if (first < h.size)
			memcpy(out->p + out->len + first, rg->data, h.size - first);
		out->len += h.size;
		tail += h.size;
		copied += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE); /* 3, 4: give the space back */
	return copied;
}

/* Unmap the ring (the event fd is the caller's). */
void ring_close(struct ring *rg)
{
	if (rg->base)
		munmap(rg->base, rg->map_size);
	rg->base = NULL;
}

/* Make room for n more bytes. */
void bytes_reserve(struct bytes *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	b->cap = b->cap ? b->cap * 2 : 65536;
	while (b->cap < b->len + n)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

/* Apply, in time order across the CPUs' buffers, every record copied out so far that is not later
   than limit, then drop them. A record read in this round can be older than one read in the previous
   round on another CPU, but not older than the previous round's newest: perf's rule for rounds. What
   is not a whole record at the end of a buffer is dropped. */
void ring_replay(const struct ring_reader *rr, struct bytes *bufs, size_t *pos, int ncpu, uint64_t limit)
{
	int cpu;

	for (;;) {
		int best = -1;
		uint64_t bt = 0;
		size_t size = 0;
		for (cpu = 0; cpu < ncpu; cpu++) {
			struct bytes *b = &bufs[cpu];
			uint64_t t;
			if (!rr->size(b->p + pos[cpu], b->len - pos[cpu])) {
				pos[cpu] = b->len;
				continue;
			}
			t = rr->time(b->p + pos[cpu]);
			if (t <= limit && (best < 0 || t < bt)) {
				best = cpu;
				bt = t;
			}
		}
		if (best < 0)
			break;
		size = rr->size(bufs[best].p + pos[best], bufs[best].len - pos[best]);
		rr->apply(rr->ctx, bufs[best].p + pos[best]);
		pos[best] += size;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct bytes *b = &bufs[cpu];
		if (pos[cpu]) {
			memmove(b->p, b->p + pos[cpu], b->len - pos[cpu]);
			b->len -= pos[cpu];
			pos[cpu] = 0;
		}
	}
}
