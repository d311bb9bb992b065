/* run/procfs.c: /proc/PID/io of the zombie child, and the host facts a report carries. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ptime.h"

/* Read a small file into buf, NUL-terminated; returns its length or -errno. */
static ssize_t procfs_slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Parse the text of /proc/PID/io; returns 0, or -EINVAL if a field is missing. */
int procfs_parse_io(const char *text, struct proc_io *io)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "rchar:", offsetof(struct proc_io, rchar) },
		{ "wchar:", offsetof(struct proc_io, wchar) },
		{ "syscr:", offsetof(struct proc_io, syscr) },
		{ "syscw:", offsetof(struct proc_io, syscw) },
		{ "read_bytes:", offsetof(struct proc_io, read_bytes) },
		{ "write_bytes:", offsetof(struct proc_io, write_bytes) },
		{ "cancelled_write_bytes:", offsetof(struct proc_io, cancelled_write_bytes) },
	};
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *p = text;
		size_t klen = strlen(keys[i].key);
		while (p && strncmp(p, keys[i].key, klen) != 0) {
			p = strchr(p, '\n');
			if (p)
				p++;
		}
		if (!p)
			return -EINVAL;
		*(uint64_t *)((char *)io + keys[i].off) = strtoull(p + klen, NULL, 10);
	}
	return 0;
}

/* Open /proc/PID/io of the corked child; returns an fd or -errno.
   A zombie's /proc files belong to root, so an unprivileged user must open it while the child lives;
   reading it later only needs ptrace read access, which one's own zombie grants. */
int procfs_open_io(pid_t pid)
{
	char path[64];
	int fd;
	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read an opened /proc/PID/io and close it; of a zombie it covers all its threads and waited-for children. */
int procfs_read_io(int fd, struct proc_io *io)
{
	char buf[512];
	ssize_t n;

	do
		n = pread(fd, buf, sizeof buf - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return procfs_parse_io(buf, io);
}

/* Parse a /proc/sys or /sys file that holds one integer ("2\n"); returns 0, -EINVAL or -ERANGE. */
int procfs_parse_int(const char *text, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (end == text)
		return -EINVAL;
	if (errno == ERANGE || n < INT_MIN || n > INT_MAX)
		return -ERANGE;
	end += strspn(end, " \t\n");
	if (*end)
		return -EINVAL;
	*v = (int)n;
	return 0;
}

/* The integer a /proc/sys or /sys file holds, or fallback when it cannot be read or parsed. */
int procfs_read_int(const char *path, int fallback)
{
	char buf[32];
	int v;
	if (procfs_slurp(path, buf, sizeof buf) <= 0 || procfs_parse_int(buf, &v) < 0)
		return fallback;
	return v;
}

/* kernel.perf_event_paranoid, or INT_MIN when it cannot be read. */
int procfs_paranoid(void)
{
	/* read once: benchmark mode asks at every run, and a sysctl changed during a run of ptime would
	   only make one run's reasons differ from another's */
	static int paranoid;
	static bool read;

	if (!read)
		paranoid = procfs_read_int("/proc/sys/kernel/perf_event_paranoid", INT_MIN);
	read = true;
	return paranoid;
}

/* The CPU's model name in the text of /proc/cpuinfo, as the first line of x86's "model name", ARM's
   "Model" or MIPS' "cpu model" gives it; "" when none does. */
void procfs_parse_cpu_model(const char *text, char *out, size_t len)
{
	const char *line, *colon, *v;

	out[0] = '\0';
	for (line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		size_t eol = strcspn(line, "\n");
		if (strncmp(line, "model name", 10) != 0 && strncmp(line, "Model", 5) != 0 &&
		    strncmp(line, "cpu model", 9) != 0)
			continue;
		colon = memchr(line, ':', eol);
		if (!colon)
			continue;
		v = colon + 1;
		v += strspn(v, " \t");
		if (v > line + eol)
			v = line + eol;
		snprintf(out, len, "%.*s", (int)(line + eol - v), v);
		return;
	}
}

static void procfs_cpu_model(char *out, size_t len)
{
	/* The first CPU's block comes first; ARM's "Model" line comes after every CPU's. */
	size_t cap = 64 * 1024, got = 0;
	char *buf = xmalloc(cap);
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = '\0';
	if (fd >= 0) {
		while (got < cap - 1 && ((n = read(fd, buf + got, cap - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
			if (n > 0)
				got += (size_t)n;
		close(fd);
		buf[got] = '\0';
		procfs_parse_cpu_model(buf, out, len);
	}
	free(buf);
}

/* Fill in the facts about this machine that a JSON report carries. */
void procfs_read_host(struct host *h)
{
	struct utsname u;

	memset(h, 0, sizeof *h);
	if (uname(&u) == 0) {
		snprintf(h->hostname, sizeof h->hostname, "%s", u.nodename);
		snprintf(h->kernel, sizeof h->kernel, "%s", u.release);
		snprintf(h->machine, sizeof h->machine, "%s", u.machine);
	}
	procfs_cpu_model(h->cpu_model, sizeof h->cpu_model);
	h->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	h->perf_event_paranoid = procfs_paranoid();
}

/* The CPU a process last ran on (field 39 of /proc/PID/stat: for a zombie, where it exited), or -1. */
int procfs_last_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field, cpu = -1;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (procfs_slurp(path, buf, sizeof buf) <= 0 || !(p = strrchr(buf, ')')))
		return -1;
	/* After the comm, which may hold spaces and parentheses, field 3 is the state. */
	for (field = 2; *p && field < 39; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	if (field == 39 && sscanf(p + 1, "%d", &cpu) != 1)
		return -1;
	return cpu;
}

static int procfs_clear_refs_fd = -2; /* /proc/self/clear_refs, opened once; -1: ptime may not write it */

/* Reset ptime's peak resident size to what it holds now (clear_refs 5, Linux 4.0). The command's
   ru_maxrss starts at that peak, since its exec leaves ptime's memory (spawn.c); without the reset it
   would keep whatever ptime held at any time before, in benchmark mode the work of earlier runs. */
void procfs_reset_peak(void)
{
	if (procfs_clear_refs_fd == -2)
		procfs_clear_refs_fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (procfs_clear_refs_fd >= 0)
		(void)!write(procfs_clear_refs_fd, "5", 1);
}
