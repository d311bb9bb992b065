/* run/cgroup.c: whole-tree memory and CPU from a cgroup of its own that the corked command is moved into. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ptime.h"

/* The cgroups made for one run: memory's, and CPU's where that is another hierarchy (cgroup v1). */
struct cgroup_probe {
	char mem[PATH_MAX];
	char cpu[PATH_MAX];      /* "" when mem's cpu.stat serves, or there is none */
	bool v2;
	struct tree_memory *out;
};

/* A reason into buf, cut to its size: paths may be long, and a reason is for reading. */
static void __attribute__((format(printf, 3, 4))) cgroup_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static ssize_t cgroup_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while ((size_t)got + 1 < len && (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

static int cgroup_write(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX + 64];
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* The value of KEY in a "key value" file (memory.stat, cpu.stat), -1 when absent. */
static int64_t cgroup_key(const char *dir, const char *file, const char *key)
{
	char buf[8192], *p;
	size_t k = strlen(key);

	if (cgroup_read(dir, file, buf, sizeof buf) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 10);
	return -1;
}

static int64_t cgroup_value(const char *dir, const char *file)
{
	char buf[64];
	return cgroup_read(dir, file, buf, sizeof buf) > 0 ? strtoll(buf, NULL, 10) : -1;
}

/* Whether the word w is in the space- or comma-separated list s. */
static bool cgroup_has(const char *s, const char *w)
{
	const char *p;
	size_t n = strlen(w);
	for (p = s; (p = strstr(p, w)) != NULL; p += n)
		if ((p == s || strchr(" ,\n", p[-1])) && (p[n] == '\0' || strchr(" ,\n", p[n])))
			return true;
	return false;
}

/* Where the hierarchy of fstype (with option opt for cgroup v1) is mounted, from /proc/self/mountinfo. */
static bool cgroup_mount(const char *fstype, const char *opt, char *dir, size_t len)
{
	char buf[65536], *line, *save;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return false;
	while ((size_t)got + 1 < sizeof buf && (n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[10], *dash = strstr(line, " - "), *p = line, *tok;
		int i;
		if (!dash)
			continue;
		for (i = 0; i < 5 && (tok = strsep(&p, " ")) != NULL; i++)
			f[i] = tok;
		if (i < 5)
			continue;
		p = dash + 3;
		for (i = 5; i < 8 && (tok = strsep(&p, " ")) != NULL; i++)
			f[i] = tok;
		if (i < 8 || strcmp(f[5], fstype) != 0 || strcmp(f[3], "/") != 0)
			continue;
		if (opt && !cgroup_has(f[7], opt))
			continue;
		snprintf(dir, len, "%s", f[4]);
		return true;
	}
	return false;
}

/* ptime's own cgroup in the hierarchy whose /proc/self/cgroup controllers field is ctl ("" for cgroup v2). */
static bool cgroup_self(const char *ctl, char *path, size_t len)
{
	char buf[4096], *line, *save;

	if (cgroup_read("/proc/self", "cgroup", buf, sizeof buf) <= 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = '\0';
		if (*ctl ? cgroup_has(a + 1, ctl) : a[1] == '\0') {
			snprintf(path, len, "%s", strcmp(b + 1, "/") ? b + 1 : "");
			return true;
		}
	}
	return false;
}

/* Make DIR/ptime-PID; on failure, why. */
static bool cgroup_make(const char *dir, pid_t pid, char *out, size_t len, char *why, size_t wlen)
{
	if ((size_t)snprintf(out, len, "%s/ptime-%d", dir, (int)pid) >= len) {
		snprintf(why, wlen, "%s: path too long", dir);
		return false;
	}
	if (mkdir(out, 0755) == 0)
		return true;
	cgroup_say(why, wlen, "mkdir %s: %s", out, strerror(errno));
	out[0] = '\0';
	return false;
}

/* cgroup v2: a child of ptime's own cgroup if that enables memory for its children, else a sibling,
   if the parent enables it and is ptime's to write (a delegated subtree). */
static bool cgroup_v2(struct cgroup_probe *cp, pid_t pid, char *why, size_t len)
{
	char mnt[PATH_MAX], self[PATH_MAX], dir[PATH_MAX], ctl[512], w[2][PATH_MAX + 128];
	int i;

	if (!cgroup_mount("cgroup2", NULL, mnt, sizeof mnt) || !cgroup_self("", self, sizeof self)) {
		snprintf(why, len, "no cgroup v2 hierarchy is mounted");
		return false;
	}
	cgroup_say(dir, sizeof dir, "%s%s", mnt, self);
	for (i = 0; i < 2; i++) {
		w[i][0] = '\0';
		if (i == 1) {
			char *slash = strrchr(dir, '/');
			if (!slash || (size_t)(slash - dir) < strlen(mnt))
				break;
			*slash = '\0';
		}
		if (cgroup_read(dir, "cgroup.subtree_control", ctl, sizeof ctl) < 0 || !cgroup_has(ctl, "memory"))
			cgroup_say(w[i], sizeof w[i], "%s/cgroup.subtree_control does not enable memory", dir);
		else if (access(dir, W_OK) < 0)
			cgroup_say(w[i], sizeof w[i], "%s is not ptime's to write", dir);
		else if (cgroup_make(dir, pid, cp->mem, sizeof cp->mem, w[i], sizeof w[i])) {
			cp->v2 = true;
			return true;
		}
	}
	cgroup_say(why, len, "%s%s%s (a delegated cgroup would do: systemd-run --user --scope ptime ...)", w[0],
		 i > 1 ? ", nor for a sibling: " : "", i > 1 ? w[1] : "");
	return false;
}

/* cgroup v1: a child of ptime's own memory cgroup, and of its cpuacct cgroup for the CPU time. */
static bool cgroup_v1(struct cgroup_probe *cp, pid_t pid, char *why, size_t len)
{
	char mnt[PATH_MAX], self[PATH_MAX], dir[PATH_MAX * 2];

	if (!cgroup_mount("cgroup", "memory", mnt, sizeof mnt) || !cgroup_self("memory", self, sizeof self))
		return false; /* no v1 memory hierarchy: v2's reason is the one */
	cgroup_say(dir, sizeof dir, "%s%s", mnt, self);
	if (!cgroup_make(dir, pid, cp->mem, sizeof cp->mem, why, len))
		return false;
	if (cgroup_mount("cgroup", "cpuacct", mnt, sizeof mnt) && cgroup_self("cpuacct", self, sizeof self)) {
		char w[64];
		cgroup_say(dir, sizeof dir, "%s%s", mnt, self);
		if (strcmp(mnt, cp->mem) && !cgroup_make(dir, pid, cp->cpu, sizeof cp->cpu, w, sizeof w))
			cp->cpu[0] = '\0';
	}
	return true;
}

/* Make the cgroups for the corked child pid and move it into them, before it execs; NULL with
   out->why when there is none ptime may make. */
void *cgroup_open(pid_t pid, struct tree_memory *out)
{
	struct cgroup_probe *cp = xcalloc(1, sizeof *cp);
	char why2[sizeof out->why], num[24];
	int rc;

	cp->out = out;
	out->peak_bytes = out->anon_bytes = out->file_bytes = -1;
	out->cpu_ns = out->user_ns = out->sys_ns = -1;
	why2[0] = '\0';
	if (!cgroup_v2(cp, pid, why2, sizeof why2) && !cgroup_v1(cp, pid, out->why, sizeof out->why)) {
		char w[sizeof out->why];
		cgroup_say(w, sizeof w, "no cgroup ptime may create: %s%s%s", why2, why2[0] && out->why[0] ? "; " : "",
			 out->why);
		cgroup_say(out->why, sizeof out->why, "%s", w);
		free(cp);
		return NULL;
	}
	out->why[0] = '\0';
	snprintf(num, sizeof num, "%d", (int)pid);
	if ((rc = cgroup_write(cp->mem, "cgroup.procs", num)) < 0) {
		cgroup_say(out->why, sizeof out->why, "cannot move the command into %s: %s", cp->mem, strerror(-rc));
		rmdir(cp->mem);
		free(cp);
		return NULL;
	}
	if (cp->cpu[0] && cgroup_write(cp->cpu, "cgroup.procs", num) < 0) {
		rmdir(cp->cpu);
		cp->cpu[0] = '\0';
	}
	cgroup_say(out->path, sizeof out->path, "%s", cp->mem);
	out->hierarchy = cp->v2 ? "cgroup2" : "cgroup v1";
	return cp;
}

/* Whether dir still holds a process (one the command left running). */
static bool cgroup_populated(const char *dir, bool v2)
{
	char buf[256];
	if (v2)
		return cgroup_key(dir, "cgroup.events", "populated") != 0;
	return cgroup_read(dir, "cgroup.procs", buf, sizeof buf) != 0;
}

/* Remove dir once the tree is gone; a process exiting just now may hold it for a moment. */
static bool cgroup_remove(const char *dir, bool v2)
{
	struct timespec ts = { 0, 10000000 };
	int i;
	for (i = 0; i < 20; i++) {
		if (!cgroup_populated(dir, v2) && rmdir(dir) == 0)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* After the reap: the tree's peak, what it holds at the end, its CPU time; then the cgroups go. */
void cgroup_collect(void *st)
{
	struct cgroup_probe *cp = st;
	struct tree_memory *m = cp->out;
	char buf[64];

	m->measured = true;
	if (cp->v2) {
		m->peak_bytes = cgroup_value(cp->mem, "memory.peak");
		if (m->peak_bytes < 0)
			snprintf(m->peak_why, sizeof m->peak_why, "%s",
				 cgroup_read(cp->mem, "memory.current", buf, sizeof buf) > 0
					 ? "this kernel has no memory.peak (it came with Linux 5.19)"
					 : "the cgroup has no memory controller");
		m->anon_bytes = cgroup_key(cp->mem, "memory.stat", "anon");
		m->file_bytes = cgroup_key(cp->mem, "memory.stat", "file");
		m->cpu_ns = cgroup_key(cp->mem, "cpu.stat", "usage_usec");
		m->user_ns = cgroup_key(cp->mem, "cpu.stat", "user_usec");
		m->sys_ns = cgroup_key(cp->mem, "cpu.stat", "system_usec");
		m->cpu_ns = m->cpu_ns < 0 ? -1 : m->cpu_ns * 1000;
		m->user_ns = m->user_ns < 0 ? -1 : m->user_ns * 1000;
		m->sys_ns = m->sys_ns < 0 ? -1 : m->sys_ns * 1000;
	} else {
		m->peak_bytes = cgroup_value(cp->mem, "memory.max_usage_in_bytes");
		if (m->peak_bytes < 0)
			snprintf(m->peak_why, sizeof m->peak_why, "memory.max_usage_in_bytes cannot be read");
		m->anon_bytes = cgroup_key(cp->mem, "memory.stat", "total_rss");
		m->file_bytes = cgroup_key(cp->mem, "memory.stat", "total_cache");
		if (cp->cpu[0]) {
			m->cpu_ns = cgroup_value(cp->cpu, "cpuacct.usage");
			m->user_ns = cgroup_value(cp->cpu, "cpuacct.usage_user");
			m->sys_ns = cgroup_value(cp->cpu, "cpuacct.usage_sys");
		}
	}
	m->removed = cgroup_remove(cp->mem, cp->v2);
	if (cp->cpu[0] && !cgroup_remove(cp->cpu, false))
		m->removed = false;
	if (!m->removed)
		cgroup_say(m->left, sizeof m->left, "a process the command started still runs in %s%s%s: the cgroup is left for it",
			   cp->mem, cp->cpu[0] ? " and " : "", cp->cpu);
}

/* Free the probe (the numbers belong to the result). */
void cgroup_close(void *st)
{
	free(st);
}
