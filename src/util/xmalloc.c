/* util/xmalloc.c: allocation that cannot return NULL: out of memory exits 125 before the command
   ran, and the command's status after; where a caller can do without (the profile), it recovers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

static int xmalloc_status = EXIT_CANCELED;
static void (*xmalloc_recover)(void);

/* From now on, out of memory exits with status, or calls recover (which must not return) first. */
void xmalloc_on_failure(int status, void (*recover)(void))
{
	xmalloc_status = status;
	xmalloc_recover = recover;
}

/* Out of memory: recover where a caller said it can, else one line and exit. */
void xmalloc_oom(void)
{
	static const char msg[] = "ptime: out of memory\n";
	if (xmalloc_recover)
		xmalloc_recover();
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(xmalloc_status);
}

static void xmalloc_fail(void)
{
	xmalloc_oom();
}

/* glibc's error(3), for the libraries ptime loads: libdw reports running out of memory with
   error(EXIT_FAILURE, ENOMEM, ...), which would end ptime with status 1 after the command ran.
   The executable exports this one (-Wl,--export-dynamic-symbol=error), so their calls come here:
   the message as glibc prints it, then, for a fatal one, what ptime does when out of memory. */
void error(int status, int errnum, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("ptime: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	putc('\n', stderr);
	if (status)
		xmalloc_oom();
}

/* Allocate n bytes or exit. */
void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xmalloc_fail();
	return p;
}

/* Allocate a zeroed array or exit. */
void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		xmalloc_fail();
	return p;
}

/* Resize an allocation or exit. */
void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		xmalloc_fail();
	return p;
}

/* Grow an array of old elements of size bytes to n (n > old), the new ones zeroed, or exit. */
void *xrecalloc(void *p, size_t old, size_t n, size_t size)
{
	p = xrealloc(p, n * size);
	memset((char *)p + old * size, 0, (n - old) * size);
	return p;
}

/* Copy a string or exit. */
char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		xmalloc_fail();
	return p;
}

/* Format into a new string or exit. */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		xmalloc_fail();
	va_end(ap);
	return s;
}
