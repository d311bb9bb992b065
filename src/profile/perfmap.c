/* profile/perfmap.c: /tmp/perf-PID.map, where a JIT names its code: a parser over a buffer, and a reader
   that trusts the file no more than anyone else who can write to /tmp (bounded, never blocking). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

/* A hexadecimal number with an optional 0x: at most 16 digits. */
static const char *perfmap_hex(const char *p, const char *end, uint64_t *v)
{
	const char *start;
	*v = 0;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (start = p; p < end; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (p - start >= 16)
			return NULL;
		*v = *v << 4 | (uint64_t)d;
	}
	return p > start ? p : NULL;
}

/* One line "START SIZE name" without its newline; false if it is not one. */
static bool perfmap_line(const char *p, const char *end, uint64_t *start, uint64_t *size, const char **name,
			 size_t *nlen)
{
	const char *q;
	if (!(q = perfmap_hex(p, end, start)) || q == end || (*q != ' ' && *q != '\t'))
		return false;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (!(q = perfmap_hex(q, end, size)) || q == end || (*q != ' ' && *q != '\t'))
		return false;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	while (end > q && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (q == end || *start + *size < *start || memchr(q, '\0', (size_t)(end - q)))
		return false;
	*name = q;
	*nlen = (size_t)(end - q);
	return true;
}

/* Parse the lines of buf[0..len): each good one goes to add (which returns false to stop); a line longer
   than PERFMAP_MAX_LINE, or malformed, is skipped whole. Without eof, a last line with no newline is
   left for the next call. Returns the bytes consumed. */
size_t perfmap_parse(const char *buf, size_t len, bool eof, perfmap_add_fn *add, void *ctx)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *lend = nl ? nl : end;
		uint64_t start, size;
		const char *name;
		size_t nlen;
		if (!nl && !eof)
			break;
		if ((size_t)(lend - p) <= PERFMAP_MAX_LINE && perfmap_line(p, lend, &start, &size, &name, &nlen) &&
		    !add(ctx, start, size, name, nlen))
			return (size_t)(end - buf);
		p = nl ? nl + 1 : end;
	}
	return (size_t)(p - buf);
}

struct perfmap_count {
	perfmap_add_fn *add;
	void *ctx;
	size_t n;
	bool full;
};

static bool perfmap_counted(void *ctx, uint64_t start, uint64_t size, const char *name, size_t nlen)
{
	struct perfmap_count *c = ctx;
	if (c->n >= PERFMAP_MAX_ENTRIES) {
		c->full = true;
		return false;
	}
	c->n++;
	return c->add(c->ctx, start, size, name, nlen);
}

/* Read the map at path: only a regular file owned by uid or root, never through a symbolic link, at most
   PERFMAP_MAX_BYTES and PERFMAP_MAX_ENTRIES. Returns the entries read, or -1 when the map is refused or
   unreadable; why then says why, and also says so when a limit cut the reading short (return >= 0). */
long perfmap_read(const char *path, uid_t uid, perfmap_add_fn *add, void *ctx, char *why, size_t len)
{
	enum { CHUNK = 65536 };
	struct perfmap_count c = { add, ctx, 0, false };
	struct stat st;
	char *buf;
	size_t have = 0, total = 0;
	bool skipping = false, eof = false, capped = false;
	int fd = safefile_open(path, SAFEFILE_NOFOLLOW, &st, why, len);

	if (fd < 0)
		return -1;
	why[0] = '\0';
	if (st.st_uid != uid && st.st_uid != 0) {
		snprintf(why, len, "owned by uid %u, neither the command's user nor root", (unsigned)st.st_uid);
		close(fd);
		errno = EPERM;
		return -1;
	}
	buf = xmalloc(CHUNK);
	while (!eof && !c.full) {
		size_t used, room = CHUNK - have;
		ssize_t got;
		if (total + room > PERFMAP_MAX_BYTES)
			room = PERFMAP_MAX_BYTES - total;
		if (!room) {
			capped = true; /* a line cut by the cap is left unparsed */
			break;
		}
		got = read(fd, buf + have, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, len, "%s", strerror(errno));
			break;
		}
		eof = got == 0;
		total += (size_t)got;
		have += (size_t)got;
		used = 0;
		if (skipping) {
			/* the rest of an overlong line */
			char *nl = memchr(buf, '\n', have);
			used = nl ? (size_t)(nl - buf) + 1 : have;
			skipping = !nl;
		}
		used += perfmap_parse(buf + used, have - used, eof, perfmap_counted, &c);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have > PERFMAP_MAX_LINE) {
			have = 0; /* no newline in reach: an overlong line, skipped whole */
			skipping = true;
		}
	}
	free(buf);
	close(fd);
	if (capped)
		snprintf(why, len, "read only its first %u MiB", PERFMAP_MAX_BYTES >> 20);
	else if (c.full)
		snprintf(why, len, "read only its first %u entries", PERFMAP_MAX_ENTRIES);
	return (long)c.n;
}
