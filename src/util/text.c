/* util/text.c: strings made safe for the format they go into: UTF-8 checks and repair, base64, escapes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* Decode the character at s (n > 0 bytes left): its length, with *cp set, or minus the length of the
   ill-formed part that one U+FFFD replaces (Unicode 15, section 3.9, "maximal subparts", as in
   Python's, ICU's and the WHATWG decoders). The well-formed sequences are those of Table 3-7, so
   overlong forms, surrogates (U+D800..DFFF) and code points above U+10FFFF are all ill-formed. */
int text_utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return -1; /* a continuation byte, an overlong two-byte lead, or a lead beyond U+10FFFF */
	if (c < 0xe0) {
		len = 2;
		c &= 0x1f;
	} else if (c < 0xf0) {
		len = 3;
		c &= 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0; /* below is overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* above is a surrogate */
	} else {
		len = 4;
		c &= 0x07;
		if (s[0] == 0xf0)
			lo = 0x90; /* below is overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* above is beyond U+10FFFF */
	}
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return -(int)i;
		c = c << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return (int)len;
}

/* Whether the n bytes at s are well-formed UTF-8. */
bool text_utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		int k = text_utf8_next(s + i, n - i, &c);
		if (k < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

/* Where a result goes: up to cap - 1 bytes and a NUL, but whole characters and escapes only, and
   len counts the whole result, as snprintf's return does. */
struct text_out {
	char *dst;
	size_t cap, len, written;
	bool cut;
};

static void text_put(struct text_out *o, const char *b, size_t k)
{
	if (!o->cut && o->written + k < o->cap) {
		memcpy(o->dst + o->written, b, k);
		o->written += k;
	} else {
		o->cut = true;
	}
	o->len += k;
}

static size_t text_end(struct text_out *o)
{
	if (o->cap)
		o->dst[o->written] = '\0';
	return o->len;
}

/* The n bytes at s as well-formed UTF-8, each ill-formed part replaced by U+FFFD, into dst
   (cap bytes, NUL-terminated when cap > 0); returns the length of the whole result, as snprintf. */
size_t text_utf8_fix(char *dst, size_t cap, const char *s, size_t n)
{
	struct text_out o = { dst, cap, 0, 0, false };
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		int k = text_utf8_next(s + i, n - i, &c);
		if (k < 0) {
			text_put(&o, "\xef\xbf\xbd", 3);
			i += (size_t)-k;
		} else {
			text_put(&o, s + i, (size_t)k);
			i += (size_t)k;
		}
	}
	return text_end(&o);
}

/* The n bytes at src in base64 (RFC 4648, section 4: padded, no line breaks, as `base64 -w0`)
   into dst (cap bytes, NUL-terminated when cap > 0); returns the length of the whole result. */
size_t text_base64(char *dst, size_t cap, const void *src, size_t n)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct text_out o = { dst, cap, 0, 0, false };
	const unsigned char *s = src;
	size_t i;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { digits[v >> 18 & 63], digits[v >> 12 & 63], i + 1 < n ? digits[v >> 6 & 63] : '=',
			      i + 2 < n ? digits[v & 63] : '=' };
		text_put(&o, q, 4);
	}
	return text_end(&o);
}

static void text_put_hex(struct text_out *o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[b >> 4], hex[b & 15] };
	text_put(o, e, 4);
}

/* Whether character c is written as an escape: the C0 controls, DEL and the C1 controls, which a
   terminal may obey, and what flags add. Byte ranges, not <ctype.h>: the result must not depend
   on the locale. */
static bool text_unsafe(uint32_t c, unsigned flags)
{
	if (c == '\t')
		return !(flags & TEXT_KEEP_TAB);
	if (c == ';')
		return flags & TEXT_SEMICOLON;
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

/* The string s for a text report, into dst (cap bytes, NUL-terminated when cap > 0): each control
   character as \n, \t, \r or \xHH (a C1 control as the \xHH of its two bytes), each byte that is not
   part of well-formed UTF-8 as \xHH, and with TEXT_SEMICOLON ';' as \x3b. The backslash itself stays
   as it is: text reports are for reading, and the JSON report is the lossless one. Returns the length
   of the whole result; it equals strlen(s) exactly when nothing was escaped. */
size_t text_escape(char *dst, size_t cap, const char *s, unsigned flags)
{
	struct text_out o = { dst, cap, 0, 0, false };
	size_t n = strlen(s), i = 0, j;
	uint32_t c;

	while (i < n) {
		int k = text_utf8_next(s + i, n - i, &c);
		if (k < 0) {
			for (j = 0; j < (size_t)-k; j++)
				text_put_hex(&o, (unsigned char)s[i + j]);
			i += (size_t)-k;
			continue;
		}
		if (!text_unsafe(c, flags)) {
			text_put(&o, s + i, (size_t)k);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			char e[2] = { '\\', c == '\n' ? 'n' : c == '\t' ? 't' : 'r' };
			text_put(&o, e, 2);
		} else {
			for (j = 0; j < (size_t)k; j++)
				text_put_hex(&o, (unsigned char)s[i + j]);
		}
		i += (size_t)k;
	}
	return text_end(&o);
}

/* s itself when it needs no escape (the usual case, at no cost), else its escaped copy in one of
   TEXT_RING buffers reused in turn: valid until TEXT_RING more strings have been escaped, which is
   plenty for the arguments of one printf. */
#define TEXT_RING 8
static const char *text_ring(const char *s, unsigned flags)
{
	static char *ring[TEXT_RING];
	static unsigned next;
	char **slot;
	size_t need;

	if (!s)
		return NULL;
	need = text_escape(NULL, 0, s, flags);
	if (need == strlen(s))
		return s;
	slot = &ring[next++ % TEXT_RING];
	free(*slot);
	*slot = xmalloc(need + 1);
	text_escape(*slot, need + 1, s, flags);
	return *slot;
}

/* A name or path for the terminal: no control character or ill-formed UTF-8 reaches it raw. */
const char *text_escape_terminal(const char *s)
{
	return text_ring(s, 0);
}

/* A line of a source file for the terminal: as text_escape_terminal, but a tab stays a tab. */
const char *text_escape_source(const char *s)
{
	return text_ring(s, TEXT_KEEP_TAB);
}

/* One frame of a folded stack: neither ';' (the frame separator) nor a line break nor any control. */
const char *text_folded_frame(const char *s)
{
	return text_ring(s, TEXT_SEMICOLON);
}

/* A whole folded stack, frames already joined by ';': one line, without controls, so that the count
   after its last space is the only count on it. */
const char *text_folded_stack(const char *s)
{
	return text_ring(s, 0);
}

/* A name, a file or the command line in the callgrind format, whose "fn=(id) name" lines end at the
   line break: no line break nor other control, and ASCII wherever the bytes are not UTF-8. */
const char *text_callgrind_name(const char *s)
{
	return text_ring(s, 0);
}
