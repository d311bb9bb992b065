/* util/xmalloc.c: allocation that cannot return NULL: out of memory is fatal with exit 125. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

static void xmalloc_fail(void)
{
	static const char msg[] = "ptime: out of memory\n";
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(EXIT_CANCELED);
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
