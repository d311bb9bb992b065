/* util/outfile.c: report files that are complete or absent: checked before the run, written in one go after it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptime.h"

/* How a target is written at commit time. */
enum {
	OUTFILE_REPLACE, /* a regular file or none yet: a temporary file beside it, renamed over it */
	OUTFILE_INPLACE, /* a regular file that rename would change (symlink, hard links, owner, dir) */
	OUTFILE_APPEND,  /* -a: one write loop, cut back to the old length on failure */
	OUTFILE_FD,      /* a regular file behind a descriptor we were given: append-like */
	OUTFILE_DIRECT,  /* a pipe, tty, socket or device: written as it is */
};

/* outfile_temp's answer when a replacement could not look like the old file. */
#define OUTFILE_NO_RENAME (-100000)

static int outfile_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int outfile_pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The directory a path's last component lives in, as a new string ("." for a bare name). */
static char *outfile_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	d = xmalloc((size_t)(slash - path) + 1);
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

/* Rename needs write and search permission on the directory; access(2) also says EROFS. */
static int outfile_dir_writable(const char *dir)
{
	return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0 ? -errno : 0;
}

/* /dev/stderr, /dev/fd/2 or /proc/self/fd/1 onto a regular file (2>log, 2>>log): write through
   ptime's own descriptor, after what the command wrote there, not over it from offset 0. */
static bool outfile_std_alias(struct outfile *f, const char *path, const struct stat *st)
{
	struct stat sst;
	int sfd, dup;

	if (strncmp(path, "/dev/", 5) != 0 && strncmp(path, "/proc/", 6) != 0)
		return false;
	for (sfd = 1; sfd <= 2; sfd++) {
		if (fstat(sfd, &sst) < 0 || sst.st_dev != st->st_dev || sst.st_ino != st->st_ino)
			continue;
		dup = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
		if (dup < 0)
			return false;
		close(f->fd);
		f->fd = dup;
		f->mode = OUTFILE_FD;
		return true;
	}
	return false;
}

/* Check that path can be written, without changing it: the report itself is written by outfile_commit.
   Returns 0 or -errno (ENOENT, EACCES, EROFS, EISDIR, ...). */
int outfile_open(struct outfile *f, const char *path, bool append)
{
	struct stat st, lst;
	char *dir;
	int fd, rc;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->path = path;
	/* No O_TRUNC: the old file stays as it is while the command runs, and after any failure. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND | O_CREAT : 0), 0666);
	if (fd < 0 && (errno != ENOENT || append))
		return -errno;
	if (fd < 0) {
		/* A new file: rename puts it in place, so its directory must take new entries. */
		dir = outfile_dir(path);
		rc = outfile_dir_writable(dir);
		free(dir);
		if (rc < 0)
			return rc;
		f->mode = OUTFILE_REPLACE;
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	f->fd = fd;
	if (!S_ISREG(st.st_mode)) {
		f->mode = OUTFILE_DIRECT;
		return 0;
	}
	if (outfile_std_alias(f, path, &st))
		return 0;
	if (append) {
		f->mode = OUTFILE_APPEND;
		return 0;
	}
	/* Renaming a new file over this one must not change what the path means: a symlink would
	   become a file, a hard link would split off, the owner would change (root can keep it). */
	f->mode = OUTFILE_INPLACE;
	if (lstat(path, &lst) < 0 || S_ISLNK(lst.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != geteuid() && geteuid() != 0))
		return 0;
	dir = outfile_dir(path);
	rc = outfile_dir_writable(dir);
	free(dir);
	if (rc < 0)
		return 0;
	f->mode = OUTFILE_REPLACE;
	f->existed = true;
	f->st_mode = st.st_mode & 07777;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	/* Kept open: if the replacement cannot have the old owner, the file is written in place. */
	return 0;
}

/* Write to a descriptor ptime was given (commit does not close it). Returns 0, -EBADF when it is
   closed, or -EINVAL when it is not open for writing. */
int outfile_open_fd(struct outfile *f, int fd)
{
	struct stat st;
	int fl;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_RDONLY || (fl & O_PATH))
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	f->fd = fd;
	f->borrowed = true;
	f->mode = S_ISREG(st.st_mode) ? OUTFILE_FD : OUTFILE_DIRECT;
	return 0;
}

/* A temporary file beside the target, created as open(2) would create the target. */
static int outfile_temp(struct outfile *f, char **tmp)
{
	const char *base = strrchr(f->path, '/');
	char *dir = outfile_dir(f->path);
	unsigned i;
	int fd = -1;

	base = base ? base + 1 : f->path;
	for (i = 0; i < 100; i++) {
		*tmp = xasprintf("%s/.%s.ptime-%ld-%u", dir, base, (long)getpid(), i);
		/* O_EXCL: never write through someone else's file or link of that name. */
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
		free(*tmp);
		*tmp = NULL;
	}
	free(dir);
	if (fd < 0) {
		int e = errno;
		free(*tmp);
		*tmp = NULL;
		return -e;
	}
	if (f->existed) {
		struct stat st;
		/* The replacement keeps the old file's mode and owner (a setgid directory or a second
		   group of ours may have given the old one another group); where it cannot, the
		   rename would change the file, so it is not done. */
		if (fstat(fd, &st) < 0 || ((st.st_uid != f->uid || st.st_gid != f->gid) &&
					   fchown(fd, f->uid, f->gid) < 0) || fchmod(fd, f->st_mode) < 0) {
			close(fd);
			unlink(*tmp);
			free(*tmp);
			*tmp = NULL;
			return OUTFILE_NO_RENAME;
		}
	}
	return fd;
}

static int outfile_replace(struct outfile *f, const char *buf, size_t len)
{
	char *tmp = NULL;
	int fd, rc;

	fd = outfile_temp(f, &tmp);
	if (fd < 0 || fd == OUTFILE_NO_RENAME)
		return fd;
	rc = outfile_write_all(fd, buf, len);
	/* close can be the first to hear of a full disk (NFS). */
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, f->path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Grow the file first with the part past its old end, the only part that needs new blocks: if
   that fails, cutting back leaves the old content; then overwrite the rest and cut to length. */
static int outfile_inplace(struct outfile *f, const char *buf, size_t len, bool *kept)
{
	struct stat st;
	size_t old;
	int rc;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	old = (size_t)st.st_size;
	if (len > old) {
		rc = outfile_pwrite_all(f->fd, buf + old, len - old, (off_t)old);
		if (rc < 0) {
			*kept = ftruncate(f->fd, (off_t)old) == 0;
			return rc;
		}
	}
	rc = outfile_pwrite_all(f->fd, buf, len < old ? len : old, 0);
	if (rc == 0 && ftruncate(f->fd, (off_t)len) < 0)
		rc = -errno;
	return rc;
}

/* One write loop at the end of the file; on failure the file is cut back to where it ended. */
static int outfile_append(int fd, const char *buf, size_t len, bool append, bool *kept)
{
	struct stat st;
	off_t start;
	int rc;

	if (fstat(fd, &st) < 0)
		return -errno;
	start = append ? st.st_size : lseek(fd, 0, SEEK_CUR);
	rc = outfile_write_all(fd, buf, len);
	/* Only what this write added is cut: never data the descriptor's offset was inside of. */
	if (rc < 0 && start >= st.st_size) {
		*kept = ftruncate(fd, st.st_size) == 0;
		if (!append)
			lseek(fd, start, SEEK_SET);
	}
	return rc;
}

/* Write the whole report buf[0..len) to the target and release it. Returns 0 or -errno; *kept says
   whether the target was left as it was before. */
int outfile_commit(struct outfile *f, const char *buf, size_t len, bool *kept)
{
	int rc = 0, fl;

	*kept = false;
	switch (f->mode) {
	case OUTFILE_REPLACE:
		rc = outfile_replace(f, buf, len);
		*kept = rc < 0;
		if (rc == OUTFILE_NO_RENAME)
			rc = outfile_inplace(f, buf, len, kept);
		break;
	case OUTFILE_INPLACE:
		rc = outfile_inplace(f, buf, len, kept);
		break;
	case OUTFILE_APPEND:
		rc = outfile_append(f->fd, buf, len, true, kept);
		break;
	case OUTFILE_FD:
		fl = fcntl(f->fd, F_GETFL);
		rc = outfile_append(f->fd, buf, len, fl >= 0 && (fl & O_APPEND), kept);
		break;
	case OUTFILE_DIRECT:
		rc = outfile_write_all(f->fd, buf, len);
		break;
	}
	if (f->fd >= 0 && !f->borrowed && close(f->fd) < 0 && rc == 0)
		rc = -errno;
	f->fd = -1;
	return rc;
}

/* Give up on a target without writing: it stays as it was. */
void outfile_abort(struct outfile *f)
{
	if (f->fd >= 0 && !f->borrowed)
		close(f->fd);
	f->fd = -1;
}

/* Whether two paths name one regular file: the same inode, or, where one does not exist yet, the same
   name in the same directory. */
bool outfile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	const char *ba, *bb;
	char *da, *db;
	bool same;
	int ea, eb;

	ea = stat(a, &sa) < 0 ? errno : 0;
	eb = stat(b, &sb) < 0 ? errno : 0;
	/* Two reports into one pipe, tty or /dev/null are each still whole: only files are refused. */
	if (!ea && !eb)
		return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea != ENOENT || eb != ENOENT)
		return false;
	ba = strrchr(a, '/');
	bb = strrchr(b, '/');
	ba = ba ? ba + 1 : a;
	bb = bb ? bb + 1 : b;
	if (strcmp(ba, bb) != 0)
		return false;
	da = outfile_dir(a);
	db = outfile_dir(b);
	same = stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	free(da);
	free(db);
	return same;
}
