/* run/spawn.c: start the command behind a cork pipe, exec it, pass on signals, wait, and time it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptime.h"

static volatile sig_atomic_t spawn_child_pid;
static struct sigaction spawn_xfsz; /* SIGXFSZ as ptime was started with, for the command */

/* Signals ptime needs before anything else: run first in main. */
void spawn_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	/* A parent that ignores SIGCHLD makes the kernel reap the command at once, and wait4 then finds
	   no child ("lost the command"). GNU time 1.9 fails the same way ("error waiting for child
	   process", exit 1) and passes the ignored SIGCHLD on to the command; ptime restores the
	   default, so the command inherits the default too. */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* With ulimit -f, a report bigger than the limit must fail its write with EFBIG, not kill
	   ptime and lose the command's status; the child gets the old disposition back before exec. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, &spawn_xfsz);
}

static volatile sig_atomic_t spawn_signalled; /* benchmark mode: the signal that asked ptime to stop */
static bool spawn_many;                         /* benchmark mode: the handlers stay for every run */

static void spawn_forward(int sig)
{
	if (spawn_many)
		spawn_signalled = sig;
	if (spawn_child_pid > 0)
		kill((pid_t)spawn_child_pid, sig);
}

/* Benchmark mode, for all its runs: SIGINT, SIGQUIT, SIGTERM and SIGHUP, to ptime alone or to the whole
   group from a terminal, go on to the running command and stop the benchmark after it (spawn_stopped
   says which); between runs they only stop it. A single run ignores SIGINT and SIGQUIT, as time(1). */
void spawn_many_runs(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = spawn_forward;
	spawn_many = true;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The signal that asked a benchmark to stop, or 0. */
int spawn_stopped(void)
{
	return spawn_signalled;
}

/* The child is cloned with CLONE_VM (as posix_spawn does, but without CLONE_VFORK: ptime attaches its
   probes while the child waits on the cork), so it has no copy of ptime's address space for exec to tear
   down: that copy was most of the gap between the real time reported for /bin/true and a bare
   posix_spawn. The price is that the child shares ptime's memory and its thread's TLS, errno included,
   while ptime goes on: from the clone to the exec the child touches no errno, malloc, stdio or lock,
   only what spawn_fork prepared, through raw syscalls that return -errno. (glibc's clone() touches no
   TLS in the child; the child's functions are not instrumented, and ASan then copes: the suite passes
   under it.) Where the raw syscalls are not written here, the child is forked, and libc's syscall()
   serves: its errno is then the child's own. */
#if defined(__x86_64__) || defined(__aarch64__)
#define SPAWN_CLONE 1
static inline long spawn_sys(long n, long a, long b, long c, long d, long e)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
#else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory", "cc");
	return x0;
#endif
}
#else
#define SPAWN_CLONE 0
static long spawn_sys(long n, long a, long b, long c, long d, long e)
{
	long r = syscall(n, a, b, c, d, e);
	return r < 0 ? -errno : r;
}
#endif

/* execve's share of the child's stack is nil (the kernel copies argv and envp from where they are); the
   child's own frames take a few hundred bytes: 64 KiB leaves room for any libc or compiler change. */
#define SPAWN_STACK (64u << 10)
#define SPAWN_NSIG 65 /* signals 1..64 */

/* The kernel's struct sigaction: the handler comes first on every architecture, and zeroes mean SIG_DFL. */
struct spawn_ksa {
	unsigned long handler, flags, restorer, mask;
};

/* Everything the child reads between the clone and the exec: ptime neither changes nor frees any of it
   until the child has exec'ed or exited. */
struct spawn_args {
	char *const *argv;
	char *const *envp;
	char **cand;             /* the files to try, in execvp's order, NULL-terminated */
	char **shargv;           /* /bin/sh, the file, argv[1]...: for a file execve calls ENOEXEC */
	bool search;             /* cand came from PATH: execvp's rules for going on to the next */
	int first_err;           /* reported when cand is empty */
	int ready, cork;         /* the child's ends of the pipes */
	int ready_r, cork_w;     /* ptime's ends, closed in the child */
	int execd, execd_r;      /* held by the child until its exec closes it: EOF tells ptime the exec is done */
	sigset_t oldmask;        /* ptime's mask before it blocked every signal for the clone */
	unsigned long xfsz;      /* SIGXFSZ as ptime was started with: SIG_DFL or SIG_IGN */
	struct caps_exec caps;
	volatile int err;        /* set by the child: the errno of the exec that failed */
};

/* The child's stack (a guard page below it) with its spawn_args on top, mapped once and reused by
   every run, and the buffer of candidate paths: ptime's memory does not grow with the runs. */
static struct spawn_area {
	char *map;
	size_t map_len;
	struct spawn_args *args;
	char *buf;
	size_t cap;
	bool busy;               /* a child may still be on the stack or read buf: never reuse them */
} spawn_area;

/* The stack and buffer for the next child; a new pair if a child that was never reaped may still use
   the old one (it is left mapped). */
static int spawn_area_get(void)
{
	struct spawn_area *ar = &spawn_area;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	char *m;

	if (ar->map && !ar->busy)
		return 0;
	len = page + ((SPAWN_STACK + sizeof(struct spawn_args) + page - 1) & ~(page - 1));
	/* Shared, so that a forked child's errno reaches ptime too. */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	if (mprotect(m, page, PROT_NONE) < 0) { /* the guard: an overflow faults, never writes ptime's memory */
		int e = errno;
		munmap(m, len);
		return -e;
	}
	ar->map = m;
	ar->map_len = len;
	ar->args = (struct spawn_args *)(((uintptr_t)(m + len) - sizeof(struct spawn_args)) & ~(uintptr_t)63);
	ar->buf = NULL; /* the old one may still be read: leave it */
	ar->cap = 0;
	ar->busy = false;
	return 0;
}

/* What execvp would try for argv[0], worked out before the clone as glibc's execvp does it
   (posix/execvpe.c): a name with a slash is run as it is; else each PATH entry in turn, an empty one
   meaning the current directory, PATH unset meaning "/bin:/usr/bin" (glibc's _CS_PATH); a file that
   execve calls ENOEXEC is run by /bin/sh. */
static void spawn_plan(struct spawn_args *a, char *const argv[])
{
	const char *file = argv[0], *path = NULL, *p, *subp;
	size_t argc, flen = 0, plen = 0, n = 0, need, k = 0;
	char *dst, **v;

	for (argc = 0; argv[argc]; argc++)
		;
	a->search = !strchr(file, '/');
	a->first_err = ENOENT;
	if (!*file)
		a->search = false;
	else if (a->search) {
		path = getenv("PATH");
		if (!path)
			path = "/bin:/usr/bin";
		flen = strnlen(file, NAME_MAX) + 1;
		plen = strlen(path);
		plen = (plen < PATH_MAX - 1 ? plen : PATH_MAX - 1) + 1; /* glibc's strnlen(path, PATH_MAX - 1) + 1 */
		if (flen - 1 > NAME_MAX)
			a->first_err = ENAMETOOLONG;
		else
			for (n = 1, p = path; *p; p++)
				n += *p == ':';
	} else
		n = 1;
	need = (n + 1 + (argc > 1 ? argc + 2 : 3)) * sizeof(char *) + (path ? strlen(path) + n * (flen + 1) : 0);
	if (need > spawn_area.cap) {
		free(spawn_area.buf);
		spawn_area.buf = xmalloc(need);
		spawn_area.cap = need;
	}
	v = (char **)(void *)spawn_area.buf;
	a->cand = v;
	a->shargv = v + n + 1;
	dst = (char *)(a->shargv + (argc > 1 ? argc + 2 : 3));
	if (n && !a->search)
		v[k++] = argv[0];
	else if (n) {
		/* glibc's loop, quirks kept: an entry as long as PATH's first PATH_MAX bytes is skipped. */
		for (p = path;; p = subp) {
			subp = strchrnul(p, ':');
			if ((size_t)(subp - p) >= plen) {
				if (*subp == '\0')
					break;
				continue;
			}
			v[k++] = dst;
			memcpy(dst, p, (size_t)(subp - p));
			dst += subp - p;
			if (p < subp)
				*dst++ = '/';
			memcpy(dst, file, flen);
			dst += flen;
			if (*subp++ == '\0')
				break;
		}
	}
	v[k] = NULL;
	a->shargv[0] = (char *)_PATH_BSHELL;
	a->shargv[1] = NULL; /* the file, set by the child */
	if (argc > 1)
		memcpy(a->shargv + 2, argv + 1, argc * sizeof(char *));
	else
		a->shargv[2] = NULL;
}

#define SPAWN_CHILD_CODE __attribute__((noinline, no_sanitize("address", "undefined")))

static SPAWN_CHILD_CODE void spawn_child_exit(int status)
{
	for (;;)
		spawn_sys(SYS_exit_group, status, 0, 0, 0, 0);
}

/* In the child: default handlers, the mask back, say it is ready, wait for the cork, give back what
   ptime holds, then become the command as execvp would. Never returns. */
static SPAWN_CHILD_CODE int spawn_child(void *arg)
{
	struct spawn_args *a = arg;
	struct spawn_ksa sa;
	char go, **c;
	long n, e;
	int sig;
	bool eacces = false;

	spawn_sys(SYS_close, a->cork_w, 0, 0, 0, 0);
	spawn_sys(SYS_close, a->ready_r, 0, 0, 0, 0);
	spawn_sys(SYS_close, a->execd_r, 0, 0, 0, 0);
	/* A handler of ptime's would run on this stack with ptime's memory: every one becomes SIG_DFL, as in
	   glibc's posix_spawn, while every signal is still blocked; ignored ones stay ignored. */
	for (sig = 1; sig < SPAWN_NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		sa.handler = sa.flags = sa.restorer = sa.mask = 0;
		if (sig == SIGXFSZ)
			sa.handler = a->xfsz;
		else if (spawn_sys(SYS_rt_sigaction, sig, 0, (long)&sa, 8, 0) < 0 ||
			 sa.handler == (unsigned long)SIG_DFL || sa.handler == (unsigned long)SIG_IGN)
			continue;
		else
			sa.handler = sa.flags = sa.restorer = sa.mask = 0;
		spawn_sys(SYS_rt_sigaction, sig, (long)&sa, 0, 8, 0);
	}
	spawn_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&a->oldmask, 0, 8, 0);

	/* Once ptime hears this, the child's post-clone work is done and not charged to the command. */
	spawn_sys(SYS_close, a->ready, 0, 0, 0, 0);
	do
		n = spawn_sys(SYS_read, a->cork, (long)&go, 1, 0, 0);
	while (n == -EINTR);
	if (n != 1)
		spawn_child_exit(EXIT_CANCELED); /* ptime gave up before releasing us */

	/* The user's own open-file limit, and none of the capabilities ptime's file capabilities gave: never
	   run the command with more than the user had. */
	if (a->caps.nofile && spawn_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&a->caps.nofile_limit, 0, 0) < 0)
		spawn_child_exit(EXIT_CANNOT_INVOKE);
	if (a->caps.drop) {
		if (a->caps.unknown)
			spawn_child_exit(EXIT_CANNOT_INVOKE);
		spawn_sys(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		if (spawn_sys(SYS_capset, (long)a->caps.hdr, (long)a->caps.data, 0, 0, 0) < 0)
			spawn_child_exit(EXIT_CANNOT_INVOKE);
	}

	/* execvp's order and error rules: in a PATH search, a file that is missing or denied (EACCES,
	   remembered) sends it on to the next entry; any other error is the answer. */
	e = a->first_err;
	for (c = a->cand; *c; c++) {
		e = -spawn_sys(SYS_execve, (long)*c, (long)a->argv, (long)a->envp, 0, 0);
		if (e == ENOEXEC) {
			a->shargv[1] = *c;
			e = -spawn_sys(SYS_execve, (long)a->shargv[0], (long)a->shargv, (long)a->envp, 0, 0);
			break;
		}
		if (!a->search)
			break;
		if (e == EACCES)
			eacces = true;
		else if (e != ENOENT && e != ESTALE && e != ENOTDIR && e != ENODEV && e != ETIMEDOUT)
			break;
	}
	if (a->search && !*c && eacces)
		e = EACCES;
	a->err = (int)e; /* ptime says so once the child is gone */
	spawn_child_exit(e == ENOENT ? EXIT_ENOENT : EXIT_CANNOT_INVOKE);
	return 0;
}

/* Start the command; it waits on the cork until spawn_release. Returns 0 or -errno, and sp->failed
   names the step that failed. */
int spawn_fork(struct spawn *sp, char *const argv[])
{
	int fds[2], rdy[2], ex[2], e;
	struct spawn_args *a;
	sigset_t all, old;
	pid_t pid;
	char c;

	sp->failed = "map the child's stack";
	if ((e = spawn_area_get()) < 0)
		return e;
	a = spawn_area.args;
	sp->failed = "create the cork pipe";
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	sp->failed = "create the ready pipe";
	if (pipe2(rdy, O_CLOEXEC) < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pipe2(ex, O_CLOEXEC) < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		close(rdy[0]);
		close(rdy[1]);
		return -e;
	}
	spawn_plan(a, argv);
	caps_exec_prepare(&a->caps);
	a->argv = argv;
	a->envp = environ;
	a->ready = rdy[1];
	a->cork = fds[0];
	a->ready_r = rdy[0];
	a->cork_w = fds[1];
	a->execd = ex[1];
	a->execd_r = ex[0];
	a->xfsz = spawn_xfsz.sa_handler == SIG_IGN ? (unsigned long)SIG_IGN : (unsigned long)SIG_DFL;
	a->err = 0;
	fflush(NULL);

	/* No handler may run in the child before it has reset them all. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	a->oldmask = old;
	spawn_area.busy = true;
	sp->failed = "fork";
#if SPAWN_CLONE
	pid = clone(spawn_child, a, CLONE_VM | SIGCHLD, a); /* the stack grows down from its args */
#else
	pid = fork();
	if (pid == 0)
		spawn_child(a);
#endif
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		spawn_area.busy = false;
		close(fds[0]);
		close(fds[1]);
		close(rdy[0]);
		close(rdy[1]);
		close(ex[0]);
		close(ex[1]);
		return -e;
	}
	close(fds[0]);
	close(rdy[1]);
	close(ex[1]);
	/* The child closes its end when it is about to wait on the cork: EOF here. */
	while (read(rdy[0], &c, 1) < 0 && errno == EINTR)
		;
	close(rdy[0]);
	sp->failed = NULL;
	sp->pid = pid;
	sp->cork = fds[1];
	sp->execd = ex[0];
	sp->args = a;
	sp->lower_floor = false;
	spawn_child_pid = pid;
	return 0;
}

static void spawn_write_cork(int fd, char go);

/* Set up signals for the wait, take the start time, and let the child exec. */
void spawn_release(struct spawn *sp, struct result *r)
{
	struct sigaction sa;
	static const char go = 'g';

	memset(&sa, 0, sizeof sa);
	if (!spawn_many) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
		sa.sa_handler = spawn_forward;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}

	/* ptime's own resident size becomes the floor of the command's ru_maxrss (the exec folds in the
	   peak of the memory it leaves): the peak is reset to what ptime holds now, so that it does not
	   keep what earlier runs or setup held. Dropping ptime's code pages too would lower the floor by
	   about 1 MB, but their faults afterwards cost each run 0.8 ms and raised the real time reported
	   for /bin/true by a tenth: a floor that is the same at every run is worth more. */
	if (SPAWN_CLONE && sp->lower_floor)
		procfs_reset_peak();
	clock_gettime(CLOCK_REALTIME, &r->start_wall);
	clock_gettime(CLOCK_MONOTONIC, &sp->start_mono);
	spawn_write_cork(sp->cork, go);
	close(sp->cork);
	sp->cork = -1;
	/* The floor is set when the exec leaves ptime's memory: wait for it, so that nothing ptime does
	   meanwhile (a page it touches, 64 KiB around each fault) can raise it, and the floor is the same
	   at every run. The exec is timed either way: the clock started above. */
	if (SPAWN_CLONE && sp->lower_floor) {
		char c;
		while (read(sp->execd, &c, 1) < 0 && errno == EINTR)
			;
	}
	close(sp->execd);
	sp->execd = -1;
}

/* Write the cork's byte; a child that died while corked must not kill ptime with SIGPIPE (the child has
   its own copy of the handlers, so the command never sees SIGPIPE ignored). */
static void spawn_write_cork(int fd, char go)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old);
	(void)!write(fd, &go, 1);
	sigaction(SIGPIPE, &old, NULL);
}

/* Give up on a child that was never released: it exits without running the command. */
void spawn_abort(struct spawn *sp)
{
	pid_t p;
	int st;
	close(sp->cork);
	sp->cork = -1;
	close(sp->execd);
	sp->execd = -1;
	while ((p = waitpid(sp->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (p == sp->pid)
		spawn_area.busy = false; /* it has exited: its stack is free */
}

/* Wait until the command has exited but leave it a zombie, so /proc/PID still holds it. */
int spawn_wait_exit(struct spawn *sp, struct result *r)
{
	siginfo_t si;
	struct timespec end;
	int rc;

	do {
		memset(&si, 0, sizeof si);
		rc = waitid(P_PID, (id_t)sp->pid, &si, WEXITED | WNOWAIT);
	} while (rc < 0 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &end);
	clock_gettime(CLOCK_REALTIME, &r->end_wall);
	r->real_ns = (end.tv_sec - sp->start_mono.tv_sec) * NS_PER_SEC +
		     (end.tv_nsec - sp->start_mono.tv_nsec);
	return rc < 0 ? -errno : 0;
}

/* Reap the zombie with its rusage, say why the command could not run if it could not, and restore the
   signals ptime changed. */
void spawn_reap(struct spawn *sp, struct result *r)
{
	struct sigaction sa;
	pid_t p;

	do
		p = wait4(sp->pid, &r->wait_status, 0, &r->ru);
	while (p < 0 && errno == EINTR);
	r->ran = p == sp->pid;
	spawn_child_pid = 0;
	if (r->ran) {
		int st = r->wait_status;
		spawn_area.busy = false; /* it has exec'ed or exited: its stack is free */
		if (sp->args->err && WIFEXITED(st) &&
		    (WEXITSTATUS(st) == EXIT_ENOENT || WEXITSTATUS(st) == EXIT_CANNOT_INVOKE))
			dprintf(STDERR_FILENO, "ptime: cannot run '%s': %s\n", sp->args->argv[0], strerror(sp->args->err));
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	if (!spawn_many) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	r->exit_status = spawn_exit_status(r->wait_status);
}

/* ptime's exit status for a wait status: the command's, or 128+N for signal N. */
int spawn_exit_status(int st)
{
	if (WIFSTOPPED(st))
		return 128 + WSTOPSIG(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 1;
}
