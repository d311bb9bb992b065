/* pylayout.h: where CPython 3.9 to 3.13 keep their thread states, frames, code objects and strings, on
   x86_64: shared by ptime's reader from outside (probe/pyread*.c) and the allocation sampler, which walks
   its own process's frames from inside (inject/alloc.c). Nothing here allocates or reads memory. */
#ifndef PTIME_PYLAYOUT_H
#define PTIME_PYLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PY_TS_READ 512          /* bytes of a thread state read, at most */
#define PY_FRAME_READ 128       /* of a frame */
#define PY_CODE_READ 256        /* of a code object's header */
enum { PYF_OBJECT, PYF_IFRAME, PYF_EXEC };       /* frames: PyFrameObject (3.9, 3.10), _PyInterpreterFrame, 3.13's */
enum { PYLINE_LNOTAB = 1, PYLINE_310, PYLINE_311 }; /* line tables: co_lnotab, PEP 626, location table */
struct pyoffs {
	unsigned rt_interps;                 /* _PyRuntime: interpreters.head */
	unsigned is_next, is_threads;        /* PyInterpreterState: next, thread list head */
	unsigned ts_next, ts_tid, ts_frame;  /* PyThreadState: next, thread id, frame (or cframe) */
	unsigned ts_read;
	bool ts_native;                      /* ts_tid is native_thread_id (3.11+), not the pthread_t */
	bool cframe;                         /* 3.11, 3.12: ts_frame points to a _PyCFrame ... */
	unsigned cf_frame;                   /* ... whose current_frame is here */
	int frames;                          /* PYF_* */
	unsigned fr_back, fr_code, fr_instr, fr_owner, fr_read;
	bool skip_cstack;                    /* 3.12+: owner 3 is a C-stack shim (below each eval call's frames) */
	unsigned fr_entry;                   /* 3.11: is_entry (an eval call's outermost frame); 0: none */
	int lasti_scale;                     /* frame objects: bytes per f_lasti unit */
	unsigned co_size, co_first, co_file, co_name, co_table, co_code, co_adaptive, co_read;
	int table;                           /* PYLINE_* */
	unsigned str_state, str_len, str_ascii, str_compact; /* str_ascii, str_compact: where the data starts */
	unsigned bytes_size, bytes_data;
};

/* Offsets for x86_64, from each version's own headers (offsetof on the pyenv builds of this machine). */
static const struct pyoffs pylayout_fixed[] = {
	{ /* 3.9 */ .rt_interps = 32, .is_next = 0, .is_threads = 8, .ts_next = 8, .ts_tid = 176, .ts_frame = 24,
	  .ts_read = 184, .frames = PYF_OBJECT, .fr_back = 24, .fr_code = 32, .fr_instr = 104, .fr_read = 112,
	  .lasti_scale = 1, .co_size = 16, .co_first = 40, .co_file = 104, .co_name = 112, .co_table = 120,
	  .co_code = 48, .co_read = 128, .table = PYLINE_LNOTAB, .str_state = 32, .str_len = 16, .str_ascii = 48,
	  .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.10 */ .rt_interps = 32, .is_next = 0, .is_threads = 8, .ts_next = 8, .ts_tid = 176, .ts_frame = 24,
	  .ts_read = 184, .frames = PYF_OBJECT, .fr_back = 24, .fr_code = 32, .fr_instr = 96, .fr_read = 104,
	  .lasti_scale = 2, .co_size = 16, .co_first = 40, .co_file = 104, .co_name = 112, .co_table = 120,
	  .co_code = 48, .co_read = 128, .table = PYLINE_310, .str_state = 32, .str_len = 16, .str_ascii = 48,
	  .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.11 */ .rt_interps = 40, .is_next = 0, .is_threads = 16, .ts_next = 8, .ts_tid = 160, .ts_frame = 56,
	  .ts_read = 168, .ts_native = true, .cframe = true, .cf_frame = 8, .frames = PYF_IFRAME, .fr_back = 48,
	  .fr_code = 32, .fr_instr = 56, .fr_owner = 69, .fr_entry = 68, .fr_read = 72, .co_size = 16, .co_first = 72,
	  .co_file = 112, .co_name = 120, .co_table = 136, .co_adaptive = 184, .co_read = 144, .table = PYLINE_311,
	  .str_state = 32, .str_len = 16, .str_ascii = 48, .str_compact = 72, .bytes_size = 16, .bytes_data = 32 },
	{ /* 3.12 */ .rt_interps = 40, .is_next = 0, .is_threads = 72, .ts_next = 8, .ts_tid = 144, .ts_frame = 56,
	  .ts_read = 152, .ts_native = true, .cframe = true, .cf_frame = 0, .frames = PYF_IFRAME, .fr_back = 8,
	  .fr_code = 0, .fr_instr = 56, .fr_owner = 70, .fr_read = 72, .skip_cstack = true, .co_size = 16,
	  .co_first = 68, .co_file = 112, .co_name = 120, .co_table = 136, .co_adaptive = 192, .co_read = 144,
	  .table = PYLINE_311, .str_state = 32, .str_len = 16, .str_ascii = 40, .str_compact = 56,
	  .bytes_size = 16, .bytes_data = 32 },
};


/* 3.13: the layout from the _Py_DebugOffsets at the start of _PyRuntime (its own layout is fixed within
   3.13.x), PYLAYOUT_DEBUG_BYTES of it in d. NULL when o is set, else why not. */
#define PYLAYOUT_DEBUG_BYTES 584
static inline uint64_t pylayout_u64(const unsigned char *b, unsigned off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

static inline const char *pylayout_debug(const unsigned char *d, unsigned version, struct pyoffs *o)
{
	static const unsigned at[21] = { 40, 64, 72, 168, 184, 200, 232, 240, 248, 264, 280, 288, 304, 312,
					 344, 360, 520, 528, 544, 552, 560 };
	uint64_t v[21];
	unsigned i;

	if (memcmp(d, "xdebugpy", 8) != 0 || (pylayout_u64(d, 8) >> 16) != (version >> 16))
		return "CPython 3.13: _Py_DebugOffsets not found at _PyRuntime";
	if (pylayout_u64(d, 16))
		return "CPython 3.13 free-threaded: layout not known";
	for (i = 0; i < 21; i++)
		v[i] = pylayout_u64(d, at[i]);
	if (v[3] + 8 > PY_TS_READ || v[4] + 8 > PY_TS_READ || v[5] + 8 > PY_TS_READ || v[6] + 8 > PY_FRAME_READ ||
	    v[7] + 8 > PY_FRAME_READ || v[8] + 8 > PY_FRAME_READ || v[9] + 1 > PY_FRAME_READ || v[10] + 8 > PY_CODE_READ ||
	    v[11] + 8 > PY_CODE_READ || v[12] + 8 > PY_CODE_READ || v[13] + 4 > PY_CODE_READ || v[14] > 4096 ||
	    v[15] != 8 || v[17] > 64 || v[18] + 4 > 64 || v[19] + 8 > 64 || v[20] + 16 > 192 || v[0] > 0xffff ||
	    v[1] > 0xffff || v[2] > 0xffff)
		return "CPython 3.13: _Py_DebugOffsets out of range";
	*o = (struct pyoffs){
		.rt_interps = (unsigned)v[0], .is_next = (unsigned)v[1], .is_threads = (unsigned)v[2],
		.ts_next = (unsigned)v[3], .ts_frame = (unsigned)v[4], .ts_tid = (unsigned)v[5], .ts_native = true,
		.frames = PYF_EXEC, .fr_back = (unsigned)v[6], .fr_code = (unsigned)v[7], .fr_instr = (unsigned)v[8],
		.fr_owner = (unsigned)v[9], .skip_cstack = true, .co_file = (unsigned)v[10], .co_name = (unsigned)v[11],
		.co_table = (unsigned)v[12], .co_first = (unsigned)v[13], .co_adaptive = (unsigned)v[14],
		.co_size = 16, .table = PYLINE_311, .bytes_size = (unsigned)v[16], .bytes_data = (unsigned)v[17],
		.str_state = (unsigned)v[18], .str_len = (unsigned)v[19], .str_ascii = (unsigned)v[20],
		.str_compact = (unsigned)v[20] + 16,
	};
	o->ts_read = (unsigned)(v[3] > v[4] ? v[3] : v[4]);
	o->ts_read = (o->ts_read > v[5] ? o->ts_read : (unsigned)v[5]) + 8;
	o->fr_read = 80;
	o->co_read = 0;
	for (i = 10; i < 14; i++)
		if (v[i] + 8 > o->co_read)
			o->co_read = (unsigned)v[i] + 8;
	if (o->co_read < 24)
		o->co_read = 24;
	return NULL;
}

/* The len characters of kind (1, 2 or 4 bytes each) at data, a compact str's, as UTF-8 at d (room for
   4 * len + 1), NUL-terminated: returns its length. A NUL becomes U+FFFD, as do surrogates, which UTF-8
   cannot carry. */
static inline size_t pylayout_utf8(char *d, unsigned kind, const unsigned char *data, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		uint32_t cp;
		if (kind == 1) {
			cp = data[i];
		} else if (kind == 2) {
			uint16_t u;
			memcpy(&u, data + 2 * i, 2);
			cp = u;
		} else {
			memcpy(&cp, data + 4 * i, 4);
		}
		if (cp == 0 || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
			cp = 0xfffd;
		if (cp < 0x80) {
			d[n++] = (char)cp;
		} else if (cp < 0x800) {
			d[n++] = (char)(0xc0 | cp >> 6);
			d[n++] = (char)(0x80 | (cp & 63));
		} else if (cp < 0x10000) {
			d[n++] = (char)(0xe0 | cp >> 12);
			d[n++] = (char)(0x80 | ((cp >> 6) & 63));
			d[n++] = (char)(0x80 | (cp & 63));
		} else {
			d[n++] = (char)(0xf0 | cp >> 18);
			d[n++] = (char)(0x80 | ((cp >> 12) & 63));
			d[n++] = (char)(0x80 | ((cp >> 6) & 63));
			d[n++] = (char)(0x80 | (cp & 63));
		}
	}
	d[n] = '\0';
	return n;
}

/* probe/pyread-line.c (also built into the sampler): the line of bytecode byte offset addr in a line table
   of format fmt (PYLINE_*), first being co_firstlineno; 0 when the offset has no line. */
int pyline_find(int fmt, const unsigned char *t, size_t n, int first, long addr);

#endif
