/* alloc-record.h: the ring file that libptime-alloc.so writes and ptime reads (the one thing they share).

   One file per process image, in $PTIME_ALLOC_DIR, named PID-N (N counts images of one pid: exec makes
   a new one). The file is ALLOC_HDR_BYTES of header, then ring_size bytes of ring (a power of two).

   The header's control words (head, tail, wake, waiting, dropped) and each record's stamp are atomics
   in the host's byte order: the file is only ever read on the host that wrote it. Every other field is
   little-endian, of fixed size, and every length is explicit, so that a reader can check each one
   against the record's size before it uses it.

   Producers (any thread of the process) reserve [head, head + size) with a compare-and-swap while
   head + size - tail <= ring_size, write the record, then store its stamp (release). A record never
   wraps: one that would is preceded by an ALLOC_REC_PAD to the end of the ring. The consumer reads
   from tail, stops at the first record whose stamp is not alloc_stamp(its position) (reserved, not yet
   written; or garbage from an earlier lap), and advances tail. When the ring stays full the producer
   waits on wake (a futex the consumer bumps after it advances tail), then drops the record and counts
   it in dropped. */
#ifndef PTIME_ALLOC_RECORD_H
#define PTIME_ALLOC_RECORD_H

#include <stdint.h>

#define ALLOC_MAGIC "PTALLOC"           /* 8 bytes with its NUL */
#define ALLOC_VERSION 2
#define ALLOC_HDR_BYTES 4096u           /* the ring starts here */
#define ALLOC_RING_DEFAULT (4u << 20)
#define ALLOC_RING_MIN (64u << 10)
#define ALLOC_RING_MAX (256u << 20)
#define ALLOC_ALIGN 8u                  /* every record's size is a multiple of this */
#define ALLOC_REC_MAX 8192u             /* no record is larger */
#define ALLOC_FRAMES_MAX 64u
#define ALLOC_PYFRAMES_MAX 96u         /* Python frames of a sample, innermost first */
#define ALLOC_PYNAME_MAX 1024u          /* bytes of a code object's file or function name */
#define ALLOC_PATH_MAX 4096u            /* bytes of executable path in an ALLOC_REC_PROC */

/* The header. Producer and consumer words sit on cache lines of their own. */
struct alloc_hdr {
	char magic[8];                  /* ALLOC_MAGIC */
	uint32_t version;               /* ALLOC_VERSION */
	uint32_t hdr_bytes;             /* ALLOC_HDR_BYTES */
	uint64_t ring_size;             /* bytes of ring after the header, a power of two */
	uint32_t pid;                   /* the writer, also in its ALLOC_REC_PROC */
	uint32_t pad0;
	uint8_t pad1[32];
	/* written by producers */
	uint64_t head;                  /* bytes reserved since the start, never wraps */
	uint64_t dropped;               /* records dropped because the ring stayed full */
	uint64_t dropped_bytes;         /* their sizes */
	uint32_t waiting;               /* nonzero while a producer waits on wake */
	uint8_t pad2[36];
	/* written by the consumer */
	uint64_t tail;                  /* bytes consumed */
	uint32_t wake;                  /* bumped after tail moves; FUTEX_WAKE when waiting */
	uint8_t pad3[52];
};

/* Every record starts with this; size covers the whole record, a multiple of ALLOC_ALIGN. */
struct alloc_rec {
	uint32_t stamp;                 /* alloc_stamp(position): committed */
	uint16_t type;                  /* enum alloc_rec_type */
	uint16_t size;
};

enum alloc_rec_type {
	ALLOC_REC_PAD = 1,              /* filler to the end of the ring: skip size bytes */
	ALLOC_REC_PROC = 2,             /* who writes this file; the first record */
	ALLOC_REC_ALLOC = 3,            /* a sampled allocation */
	ALLOC_REC_FREE = 4,             /* the end of a sampled allocation */
	ALLOC_REC_MAP = 5,              /* an executable mapping of a loaded object: stacks are symbolized by them */
	ALLOC_REC_PYCODE = 6,           /* a CPython code object, before the first sample whose stack has it */
};

/* How an allocation was made (alloc_sample.kind) or ended (alloc_free.kind). */
enum alloc_kind {
	ALLOC_MALLOC = 1, ALLOC_CALLOC, ALLOC_REALLOC, ALLOC_MEMALIGN, /* posix_memalign, aligned_alloc, memalign, valloc, pvalloc */
	ALLOC_MMAP,                     /* anonymous mmap, mmap64, and the new mapping of mremap */
	ALLOC_FREE = 16, ALLOC_FREE_REALLOC, ALLOC_MUNMAP, ALLOC_FREE_MREMAP,
};

/* How stacks were taken (alloc_proc.stack_mode). */
enum alloc_stack_mode { ALLOC_STACK_UNWIND = 1, ALLOC_STACK_FP = 2 };

/* ALLOC_REC_PROC: followed by path_len bytes of the executable's path (no NUL), padded to ALLOC_ALIGN. */
struct alloc_proc {
	struct alloc_rec rec;
	uint32_t pid, ppid;
	uint64_t rate;                  /* mean sampling interval in bytes; 1: every allocation */
	uint64_t start_ns;              /* CLOCK_MONOTONIC when the file was made */
	uint32_t stack_mode;            /* enum alloc_stack_mode */
	uint32_t image;                 /* N of the file name */
	uint32_t path_len;
	uint32_t pad;
};

/* ALLOC_REC_MAP: followed by path_len bytes of the object's path (no NUL), padded to ALLOC_ALIGN. Written
   before the first sample and again whenever the process has loaded or unloaded an object since: each one
   names every executable segment then loaded, so that ptime symbolizes the stacks of a process that
   exited before it could read /proc/PID/maps. */
struct alloc_map {
	struct alloc_rec rec;
	uint32_t path_len;
	uint32_t generation;            /* every map record of one listing has the same; a new listing replaces the old */
	uint64_t start, end;            /* the segment's addresses, start on a page */
	uint64_t pgoff;                 /* its offset in the file, on a page */
	uint64_t dev, ino;              /* of the file, as stat gave them when it was listed (0: unknown) */
};

/* ALLOC_REC_PYCODE: followed by file_len bytes of its file name, then name_len of its function's name
   (UTF-8, no NUL), padded to ALLOC_ALIGN. A code object is described once, and again if its address
   comes to hold another one. */
struct alloc_pycode {
	struct alloc_rec rec;
	uint64_t code;                  /* its address */
	uint32_t version;               /* the interpreter's, as PY_VERSION_HEX */
	int32_t firstline;              /* co_firstlineno */
	uint16_t file_len, name_len;
	uint32_t pad;
};

/* One Python frame of a sample: which code object, at which line (0: none known). */
#define ALLOC_PY_ENTRY 1u               /* the outermost frame of one call of the interpreter's eval loop */
struct alloc_pyframe {
	uint64_t code;
	int32_t line;
	uint32_t flags;                 /* ALLOC_PY_* */
};

/* ALLOC_REC_ALLOC: followed by nframes return addresses (uint64_t), innermost first, then npy Python
   frames (struct alloc_pyframe), innermost first, when the allocating thread runs Python code.
   The sample stands for weight_bytes bytes and weight_count / 2^32 allocations: size / p and 1 / p,
   with p = 1 - exp(-size / rate) the chance that an allocation of that size is sampled (1 at rate 1). */
struct alloc_sample {
	struct alloc_rec rec;
	uint32_t tid;
	uint16_t kind;                  /* enum alloc_kind */
	uint16_t nframes;               /* <= ALLOC_FRAMES_MAX */
	uint64_t id;                    /* unique in this file; its alloc_free carries it */
	uint64_t addr;
	uint64_t size;                  /* bytes asked for */
	uint64_t weight_bytes;
	uint64_t weight_count;          /* 32.32 fixed point */
	uint64_t time_ns;               /* CLOCK_MONOTONIC */
	uint16_t npy;                   /* <= ALLOC_PYFRAMES_MAX */
	uint16_t pad[3];
};

/* ALLOC_REC_FREE: a sampled allocation of this file ended (free, realloc, munmap, mremap). */
struct alloc_free {
	struct alloc_rec rec;
	uint32_t tid;
	uint16_t kind;                  /* enum alloc_kind */
	uint16_t pad;
	uint64_t id;
	uint64_t addr;
	uint64_t time_ns;
};

/* The stamp that commits a record at ring position pos (bytes since the start): what the same slot held
   on an earlier lap differs from it (until 2^32 records' worth of laps), as does a fresh file's 0 at pos 0. */
static inline uint32_t alloc_stamp(uint64_t pos)
{
	return (uint32_t)(pos / ALLOC_ALIGN) ^ 0x9e3779b9u;
}

#endif
