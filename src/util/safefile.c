/* util/safefile.c: open and read files that the command or another user may have planted (sources, debug
   files, perf maps): never block, never read a FIFO, device or ptime's own standard streams, never past a cap. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

/* What kind of file a mode is, for a reason that names it. */
static const char *safefile_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

/* Open path for reading only if it is a regular file: O_NONBLOCK so that a FIFO or a device planted
   at the path cannot block the open, SAFEFILE_NOFOLLOW to refuse a symbolic link, and never one of
   ptime's own standard streams (/dev/stdin as a source file names ptime's stdin, not the compiler's).
   Returns the descriptor, with *st filled, or -1 with errno and a reason in why. */
int safefile_open(const char *path, int flags, struct stat *st, char *why, size_t len)
{
	int fd, e, i;
	struct stat own;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | ((flags & SAFEFILE_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0) {
		e = errno;
		if (e == ELOOP && (flags & SAFEFILE_NOFOLLOW))
			snprintf(why, len, "a symbolic link, not followed");
		else
			snprintf(why, len, "%s", strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, st) < 0) {
		e = errno;
		snprintf(why, len, "%s", strerror(e));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		e = EINVAL;
		snprintf(why, len, "%s, not a regular file", safefile_kind(st->st_mode));
		goto fail;
	}
	for (i = 0; i < 3; i++)
		if (fstat(i, &own) == 0 && own.st_dev == st->st_dev && own.st_ino == st->st_ino) {
			e = EINVAL;
			snprintf(why, len, "ptime's own standard %s", i == 0 ? "input" : i == 1 ? "output" : "error");
			goto fail;
		}
	return fd;
fail:
	close(fd);
	errno = e;
	return -1;
}

/* Read at most cap bytes of fd into a NUL-terminated buffer. Returns 0 when the whole file was read,
   1 when it goes on past cap (the buffer then holds the first cap bytes), or -errno. */
int safefile_read(int fd, size_t cap, char **buf, size_t *len)
{
	size_t n = 0, size = 0;
	char *p = NULL, probe;
	ssize_t got;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (n == size) {
			if (size >= cap)
				break;
			size = size ? size * 2 : 65536;
			if (size > cap)
				size = cap;
			p = xrealloc(p, size + 1);
		}
		got = read(fd, p + n, size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(p);
			return -e;
		}
		if (got == 0) {
			p = p ? p : xmalloc(1);
			p[n] = '\0';
			*buf = p;
			*len = n;
			return 0;
		}
		n += (size_t)got;
	}
	/* At the cap: is there more? */
	while ((got = read(fd, &probe, 1)) < 0 && errno == EINTR)
		;
	p[n] = '\0';
	*buf = p;
	*len = n;
	return got > 0 ? 1 : 0;
}
