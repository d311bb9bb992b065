/* probe/pyread-code.c: code objects of another CPython process (name, file, first line, line table),
   read once each and kept, with a check of their header at every use against a new object at the address. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

/* Code point cp as UTF-8 at d (room for 4); a surrogate, which UTF-8 cannot carry, becomes U+FFFD. */
static size_t pyc_utf8(char *d, uint32_t cp)
{
	if ((cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | ((cp >> 6) & 63));
		d[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | ((cp >> 12) & 63));
	d[2] = (char)(0x80 | ((cp >> 6) & 63));
	d[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/* The str object at addr as an interned UTF-8 string (cut at PY_MAX_STRING characters), or NULL: only the
   compact forms, which every name and file name of a code object has. */
static const char *pyc_string(struct pyproc *pp, uint64_t addr)
{
	const struct pyoffs *o = &pp->o;
	unsigned char head[PY_CODE_READ + 256], *data;
	char *s, *d;
	const char *ret = NULL;
	uint32_t state, kind;
	uint64_t len;
	size_t start, bytes, i;
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
	d = xmalloc((size_t)len * 4 + 1);
	for (i = 0, bytes = 0; i < len; i++) {
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
		if (cp == 0)
			cp = 0xfffd; /* a NUL would cut the interned copy */
		bytes += pyc_utf8(d + bytes, cp);
	}
	d[bytes] = '\0';
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

/* The cached code object at code, read (again) when hdr, its header as just read (or NULL: read it here),
   differs from the cached one. NULL when it cannot be read; *notcode, when given, says it is no code object. */
const struct pycode_ent *pycode_get(struct pyproc *pp, uint64_t code, const unsigned char *hdr, bool *notcode)
{
	const struct pyoffs *o = &pp->o;
	unsigned char buf[PY_CODE_READ];
	struct pycode_ent *c, fresh;
	uint64_t codelen;
	size_t i;

	if (notcode)
		*notcode = false;
	if (!code)
		return NULL;
	if (!hdr) {
		if (!pyread_mem(pp, code, buf, o->co_read))
			return NULL;
		hdr = buf;
	}
	if (pyc_u64(hdr, 8) != pp->code_type) {
		if (notcode)
			*notcode = true;
		return NULL;
	}
	memset(&fresh, 0, sizeof fresh);
	fresh.addr = code;
	fresh.file = pyc_u64(hdr, o->co_file);
	fresh.name = pyc_u64(hdr, o->co_name);
	fresh.tablep = pyc_u64(hdr, o->co_table);
	fresh.pub.firstline = pyc_i32(hdr, o->co_first);
	if (pp->capcodes) {
		c = pp->codes[pyc_slot(pp, code)];
		if (c && c->file == fresh.file && c->name == fresh.name && c->tablep == fresh.tablep &&
		    c->pub.firstline == fresh.pub.firstline &&
		    (o->frames == PYF_OBJECT || c->codelen == pyc_u64(hdr, o->co_size) * 2))
			return c;
	}
	/* a new object: its strings, its line table, the length of its bytecode */
	if (o->frames == PYF_OBJECT) {
		unsigned char bh[64];
		uint64_t b = pyc_u64(hdr, o->co_code);
		if (!b || !pyread_mem(pp, b, bh, o->bytes_data))
			return NULL;
		codelen = pyc_u64(bh, o->bytes_size);
	} else {
		codelen = pyc_u64(hdr, o->co_size) * 2;
	}
	if (codelen > ((uint64_t)1 << 31) || fresh.pub.firstline < 0)
		return NULL;
	fresh.codelen = (uint32_t)codelen;
	fresh.id = ++pp->next_id;
	if (!(fresh.pub.name = pyc_string(pp, fresh.name)) || !(fresh.pub.file = pyc_string(pp, fresh.file)))
		return NULL;
	/* a table unreadable or longer than the cap leaves the object with no lines, rather than wrong ones */
	fresh.table = pyc_bytes(pp, fresh.tablep, PY_MAX_TABLE, &fresh.tablelen);
	if (!fresh.table)
		fresh.tablelen = 0;
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
	return pp->codes[i];
}

/* Free every cached code object. */
void pycode_free(struct pyproc *pp)
{
	pyc_reset(pp);
}
