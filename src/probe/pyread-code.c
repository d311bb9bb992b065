/* probe/pyread-code.c: code objects of another CPython process (name, file, first line, line table),
   read once each and kept, with a check at every use of their header and of their file and name strings'
   bytes against a new object at the address. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ptime.h"

#define PY_MAX_CODES (1u << 16) /* cached code objects; past it the cache starts again */

static uint64_t pyc_u64(const unsigned char *b, unsigned off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

static int32_t pyc_i32(const unsigned char *b, unsigned off)
{
	int32_t v;
	memcpy(&v, b + off, sizeof v);
	return v;
}

/* FNV-1a of n bytes at p, on from h (0xcbf29ce484222325 to start). */
static uint64_t pyc_fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* The hash of a str's bytes read from its length field on, as sig describes them. */
static uint64_t pyc_sig_hash(const struct pystr_sig *sig, const unsigned char *b)
{
	return pyc_fnv(pyc_fnv(0xcbf29ce484222325ULL, b, 8), b + sig->data, sig->len - sig->data);
}

/* The str object at addr as an interned UTF-8 string (cut at PY_MAX_STRING characters), or NULL: only the
   compact forms, which every name and file name of a code object has. *sig gets what tells it later. */
static const char *pyc_string(struct pyproc *pp, uint64_t addr, struct pystr_sig *sig)
{
	const struct pyoffs *o = &pp->o;
	unsigned char head[PY_CODE_READ + 256], *data;
	char *s, *d;
	const char *ret = NULL;
	uint32_t state, kind;
	uint64_t len;
	size_t start, bytes;
	ssize_t got;

	if (!addr || (got = pyread_some(pp, addr, head, o->str_compact + 256)) < (ssize_t)o->str_ascii)
		return NULL;
	if (pyc_u64(head, 8) == 0)
		return NULL; /* no type: not an object */
	memcpy(&state, head + o->str_state, sizeof state);
	len = pyc_u64(head, o->str_len);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || (kind != 1 && kind != 2 && kind != 4) || len > ((uint64_t)1 << 40))
		return NULL;
	if (len > PY_MAX_STRING)
		len = PY_MAX_STRING;
	start = ((state >> 6) & 1) ? o->str_ascii : o->str_compact;
	bytes = (size_t)len * kind;
	if (start + bytes <= (size_t)got) {
		data = head + start;
		s = NULL;
	} else {
		s = xmalloc(bytes + 1);
		if (!pyread_mem(pp, addr + start, s, bytes)) {
			free(s);
			return NULL;
		}
		data = (unsigned char *)s;
	}
	sig->data = (uint32_t)(start - o->str_len);
	sig->len = (uint32_t)(start - o->str_len + bytes);
	sig->hash = pyc_fnv(pyc_fnv(0xcbf29ce484222325ULL, head + o->str_len, 8), data, bytes);
	d = xmalloc((size_t)len * 4 + 1);
	bytes = pylayout_utf8(d, kind, data, (size_t)len);
	ret = strtab_intern(pp->strs, d);
	free(d);
	free(s);
	return ret;
}

/* The data of the bytes object at addr, at most cap bytes long: a new buffer and its length, or NULL. */
static unsigned char *pyc_bytes(struct pyproc *pp, uint64_t addr, size_t cap, size_t *len)
{
	unsigned char head[64], *buf;
	uint64_t n;

	if (!addr || !pyread_mem(pp, addr, head, pp->o.bytes_data))
		return NULL;
	n = pyc_u64(head, pp->o.bytes_size);
	if (n > cap)
		return NULL;
	buf = xmalloc(n ? n : 1);
	if (n && !pyread_mem(pp, addr + pp->o.bytes_data, buf, n)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static size_t pyc_slot(const struct pyproc *pp, uint64_t addr)
{
	size_t i = (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ULL) & (pp->capcodes - 1);
	while (pp->codes[i] && pp->codes[i]->addr != addr)
		i = (i + 1) & (pp->capcodes - 1);
	return i;
}

/* Start the cache again, empty: what pyproc_code returned before is gone, the interned strings stay. */
static void pyc_reset(struct pyproc *pp)
{
	size_t i;

	for (i = 0; i < pp->capcodes; i++)
		if (pp->codes[i]) {
			free(pp->codes[i]->table);
			free(pp->codes[i]);
		}
	free(pp->codes);
	pp->codes = NULL;
	pp->ncodes = pp->capcodes = 0;
}

/* Make room for one more entry, growing the table at half full. */
static void pyc_grow(struct pyproc *pp)
{
	struct pycode_ent **old = pp->codes;
	size_t oldcap = pp->capcodes, i;

	if (pp->ncodes >= PY_MAX_CODES)
		pyc_reset(pp), old = NULL, oldcap = 0;
	if ((pp->ncodes + 1) * 2 <= pp->capcodes)
		return;
	pp->capcodes = pp->capcodes ? pp->capcodes * 2 : 256;
	pp->codes = xcalloc(pp->capcodes, sizeof *pp->codes);
	for (i = 0; i < oldcap; i++)
		if (old[i])
			pp->codes[pyc_slot(pp, old[i]->addr)] = old[i];
	free(old);
}

/* The entry cached at address code, or NULL; it holds until the next pycode_get. */
const struct pycode_ent *pycode_cached(const struct pyproc *pp, uint64_t code)
{
	return pp->capcodes ? pp->codes[pyc_slot(pp, code)] : NULL;
}

/* Whether buf, the fsig.len bytes read at c's file name (from its length field on) then the nsig.len at
   its name, are still those of c's strings. */
bool pycode_same_strings(const struct pycode_ent *c, const unsigned char *buf)
{
	return pyc_sig_hash(&c->fsig, buf) == c->fsig.hash && pyc_sig_hash(&c->nsig, buf + c->fsig.len) == c->nsig.hash;
}

/* The fields of a code object's header that tell it (the rest, its reference count among them, change):
   into e's file, name, tablep, firstline and size. */
static void pyc_key(const struct pyproc *pp, const unsigned char *hdr, struct pycode_ent *e)
{
	const struct pyoffs *o = &pp->o;

	e->file = pyc_u64(hdr, o->co_file);
	e->name = pyc_u64(hdr, o->co_name);
	e->tablep = pyc_u64(hdr, o->co_table);
	e->pub.firstline = pyc_i32(hdr, o->co_first);
	e->size = pyc_u64(hdr, o->frames == PYF_OBJECT ? o->co_code : o->co_size);
}

static bool pyc_same_key(const struct pycode_ent *a, const struct pycode_ent *b)
{
	return a->file == b->file && a->name == b->name && a->tablep == b->tablep &&
	       a->pub.firstline == b->pub.firstline && a->size == b->size;
}

/* Read the header of code into buf with, when c is cached there, its strings (into pp->sigs): true when the
   header was read; *checked is c's id when its strings were read and are still the same, else 0. */
static bool pyc_read(struct pyproc *pp, uint64_t code, unsigned char *buf, const struct pycode_ent *c, uint64_t *checked)
{
	const struct pyoffs *o = &pp->o;
	struct iovec lv[3], rv[3];
	size_t n = 1;
	ssize_t got;

	*checked = 0;
	lv[0] = (struct iovec){ buf, o->co_read };
	rv[0] = (struct iovec){ (void *)(uintptr_t)code, o->co_read };
	if (c) {
		if (c->fsig.len + c->nsig.len > pp->capsigs) {
			free(pp->sigs);
			pp->sigs = xmalloc(pp->capsigs = 2 * (c->fsig.len + c->nsig.len));
		}
		lv[1] = (struct iovec){ pp->sigs, c->fsig.len };
		rv[1] = (struct iovec){ (void *)(uintptr_t)(c->file + o->str_len), c->fsig.len };
		lv[2] = (struct iovec){ pp->sigs + c->fsig.len, c->nsig.len };
		rv[2] = (struct iovec){ (void *)(uintptr_t)(c->name + o->str_len), c->nsig.len };
		n = 3;
	}
	got = pyread_vec(pp, lv, rv, n);
	if (got < (ssize_t)o->co_read)
		return false;
	if (c && got == (ssize_t)(o->co_read + c->fsig.len + c->nsig.len) && pycode_same_strings(c, pp->sigs))
		*checked = c->id;
	return true;
}

/* The cached code object at code, read (again) when it is not the object there now. hdr is its header as
   just read, and checked the id of the entry whose strings were read with it and found the same (0: none);
   or hdr is NULL: both are read here, in one call. NULL when it cannot be read, *why (when given) says why:
   PYC_NOTCODE no code object, PYC_CHANGED it changed while its parts were read, else PYC_UNREADABLE. */
const struct pycode_ent *pycode_get(struct pyproc *pp, uint64_t code, const unsigned char *hdr, uint64_t checked, int *why)
{
	const struct pyoffs *o = &pp->o;
	unsigned char buf[PY_CODE_READ];
	struct pycode_ent *c, fresh, again;
	uint64_t codelen;
	size_t i;
	int dummy;

	if (!why)
		why = &dummy;
	*why = PYC_UNREADABLE;
	if (!code)
		return NULL;
	c = (struct pycode_ent *)pycode_cached(pp, code);
	if (!hdr) {
		if (!pyc_read(pp, code, buf, c, &checked))
			return NULL;
		hdr = buf;
	}
	if (pyc_u64(hdr, 8) != pp->code_type) {
		*why = PYC_NOTCODE;
		return NULL;
	}
	memset(&fresh, 0, sizeof fresh);
	fresh.addr = code;
	pyc_key(pp, hdr, &fresh);
	if (c && checked && c->id == checked && pyc_same_key(c, &fresh))
		return c;
	/* a new object: its strings, its line table, the length of its bytecode */
	if (o->frames == PYF_OBJECT) {
		unsigned char bh[64];
		if (!fresh.size || !pyread_mem(pp, fresh.size, bh, o->bytes_data))
			return NULL;
		codelen = pyc_u64(bh, o->bytes_size);
	} else {
		codelen = fresh.size * 2;
	}
	if (codelen > ((uint64_t)1 << 31) || fresh.pub.firstline < 0)
		return NULL;
	fresh.codelen = (uint32_t)codelen;
	if (!(fresh.pub.name = pyc_string(pp, fresh.name, &fresh.nsig)) ||
	    !(fresh.pub.file = pyc_string(pp, fresh.file, &fresh.fsig)))
		return NULL;
	/* a table unreadable or longer than the cap leaves the object with no lines, rather than wrong ones */
	fresh.table = pyc_bytes(pp, fresh.tablep, PY_MAX_TABLE, &fresh.tablelen);
	if (!fresh.table)
		fresh.tablelen = 0;
	/* the object may have been freed, and its memory taken, while its parts were read: its header again */
	memset(&again, 0, sizeof again);
	if (!pyread_mem(pp, code, buf, o->co_read)) {
		free(fresh.table);
		return NULL;
	}
	pyc_key(pp, buf, &again);
	if (pyc_u64(buf, 8) != pp->code_type || !pyc_same_key(&again, &fresh)) {
		free(fresh.table);
		*why = PYC_CHANGED;
		return NULL;
	}
	fresh.id = ++pp->next_id;
	pyc_grow(pp);
	i = pyc_slot(pp, code);
	if (pp->codes[i]) {
		free(pp->codes[i]->table);
		*pp->codes[i] = fresh;
	} else {
		pp->codes[i] = xmalloc(sizeof fresh);
		*pp->codes[i] = fresh;
		pp->ncodes++;
	}
	*why = 0;
	return pp->codes[i];
}

/* Free every cached code object. */
void pycode_free(struct pyproc *pp)
{
	pyc_reset(pp);
}
