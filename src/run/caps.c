/* run/caps.c: what ptime holds that the command must not: capabilities (with libcap: note them, use CAP_PERFMON
   only to open events, drop them before exec) and the open-file limit ptime raises for itself. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptime.h"

#define CAP_FUNCS(X) X(cap_get_proc) X(cap_get_flag) X(cap_clear_flag) X(cap_set_flag) X(cap_set_proc) \
	X(cap_free) X(cap_init) X(cap_get_bound)
/* libcap is loaded only when file capabilities elevated ptime: most runs never need it. */
DLIB_TABLE(libcap, CAP_FUNCS)

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

static struct caps_state {
	bool elevated;      /* file capabilities raised ptime above its user */
	bool perfmon, sys_admin; /* in the permitted set at start */
	bool used;          /* raised into the effective set to open an event */
} caps;

static bool caps_has(cap_t c, cap_value_t v)
{
	cap_flag_value_t f = CAP_CLEAR;
	if (libcap.cap_get_bound(v) < 0) /* not known to this kernel */
		return false;
	return libcap.cap_get_flag(c, v, CAP_PERMITTED, &f) == 0 && f == CAP_SET;
}

static void caps_set_effective(const cap_value_t *v, int n)
{
	cap_t c = libcap.cap_get_proc();
	if (!c)
		return;
	libcap.cap_clear_flag(c, CAP_EFFECTIVE);
	if (n)
		libcap.cap_set_flag(c, CAP_EFFECTIVE, n, v, CAP_SET);
	libcap.cap_set_proc(c);
	libcap.cap_free(c);
}

static struct rlimit caps_nofile; /* the user's, for the command */
static bool caps_nofile_raised;

/* Note which capabilities ptime was given, and keep them out of the effective set until needed; raise the
   soft open-file limit to the hard one (libdw holds a descriptor per symbolized file). */
void caps_init(void)
{
	cap_t c;
	struct rlimit raised;

	if (getrlimit(RLIMIT_NOFILE, &caps_nofile) == 0 && caps_nofile.rlim_cur < caps_nofile.rlim_max) {
		raised = caps_nofile;
		raised.rlim_cur = raised.rlim_max;
		caps_nofile_raised = setrlimit(RLIMIT_NOFILE, &raised) == 0;
	}

	caps.elevated = getauxval(AT_SECURE) != 0 && getuid() != 0;
	if (!caps.elevated)
		return; /* nothing was given that the command must not inherit */
	if (!libcap_load("libcap.so.2")) {
		/* Never run a command with capabilities ptime cannot drop. */
		fprintf(stderr, "ptime: cannot drop file capabilities: %s\n", libcap_why);
		exit(EXIT_CANCELED);
	}
	c = libcap.cap_get_proc();
	if (!c)
		return;
	caps.perfmon = caps_has(c, CAP_PERFMON);
	caps.sys_admin = caps_has(c, CAP_SYS_ADMIN);
	libcap.cap_free(c);
	caps_set_effective(NULL, 0);
}

/* Raise CAP_PERFMON (or CAP_SYS_ADMIN before Linux 5.8) for perf_event_open; false if not held. */
bool caps_raise_perfmon(void)
{
	cap_value_t v;
	if (!caps.elevated)
		return false;
	v = caps.perfmon ? CAP_PERFMON : CAP_SYS_ADMIN;
	if (!caps.perfmon && !caps.sys_admin)
		return false;
	caps_set_effective(&v, 1);
	caps.used = true;
	return true;
}

/* Lower the effective set again after opening events. */
void caps_lower(void)
{
	if (caps.elevated)
		caps_set_effective(NULL, 0);
}

/* What the command must get back before exec, worked out in the parent: the child shares ptime's memory
   and must not allocate (libcap's cap_get_proc does), so it only replays this with raw syscalls. */
void caps_exec_prepare(struct caps_exec *ce)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int i;

	memset(ce, 0, sizeof *ce);
	ce->nofile = caps_nofile_raised;
	ce->nofile_limit = caps_nofile;
	if (!caps.elevated)
		return;
	/* The kernel already cleared the ambient set at ptime's own exec (it has file capabilities), so the
	   user's ambient capabilities cannot be passed on; the inheritable set is still the user's, and is
	   kept: only what the file capabilities gave (permitted, effective) goes. */
	ce->drop = true;
	memset(data, 0, sizeof data);
	if (syscall(SYS_capget, &hdr, data) < 0) {
		ce->unknown = true; /* never run the command with more than the user had */
		return;
	}
	ce->hdr[0] = hdr.version;
	ce->hdr[1] = 0;
	for (i = 0; i < 2; i++) {
		ce->data[3 * i] = 0;                      /* effective */
		ce->data[3 * i + 1] = 0;                  /* permitted */
		ce->data[3 * i + 2] = data[i].inheritable;
	}
}

/* What ptime held and used, for the report: names in a static string, or NULL if nothing. */
const char *caps_held(void)
{
	if (!caps.elevated)
		return NULL;
	if (caps.perfmon)
		return "cap_perfmon";
	return caps.sys_admin ? "cap_sys_admin" : NULL;
}

/* Whether a held capability was raised to open an event. */
bool caps_used(void)
{
	return caps.used;
}

/* The file execvp would run for cmd, into path; false if none. */
static bool caps_which(const char *cmd, char *path, size_t len)
{
	const char *dirs = getenv("PATH"), *p, *colon;
	if (strchr(cmd, '/')) {
		snprintf(path, len, "%s", cmd);
		return true;
	}
	/* As for execvp: PATH unset is glibc's default, an empty PATH the current directory. */
	for (p = dirs ? dirs : "/bin:/usr/bin"; ; p = colon + 1) {
		struct stat st;
		colon = strchr(p, ':');
		snprintf(path, len, "%.*s%s%s", colon ? (int)(colon - p) : (int)strlen(p), p,
			 (colon ? colon == p : !*p) ? "" : "/", cmd);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return true;
		if (!colon)
			return false;
	}
}

/* Whether the kernel will stop counting and sampling at the command's exec, and why: it does so when the
   exec makes the process non-dumpable, i.e. it gains a user, a group or capabilities (set-user-ID,
   set-group-ID, file capabilities), or its file is not readable. Checked before the run, on the file
   execvp will find; a privileged exec deeper in the command's tree is not seen here. */
bool caps_secure_exec(const char *cmd, char *why, size_t len)
{
	char path[PATH_MAX], head[2] = "";
	struct stat st;
	struct statvfs vfs;
	bool nosuid, script = false;
	int fd;

	why[0] = '\0';
	if (!caps_which(cmd, path, sizeof path) || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (euidaccess(path, R_OK) < 0) {
		snprintf(why, len, "%s is not readable by ptime's user", path);
		return true;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		script = read(fd, head, 2) == 2 && head[0] == '#' && head[1] == '!'; /* Linux ignores set-ID scripts */
		close(fd);
	}
	nosuid = (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)) || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	if (script || nosuid)
		return false;
	if ((st.st_mode & S_ISUID) && st.st_uid != geteuid())
		snprintf(why, len, "%s is set-user-ID (uid %u)", path, (unsigned)st.st_uid);
	else if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid())
		snprintf(why, len, "%s is set-group-ID (gid %u)", path, (unsigned)st.st_gid);
	else if (geteuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		snprintf(why, len, "%s has file capabilities", path);
	return why[0] != '\0';
}
