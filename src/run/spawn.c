/* run/spawn.c: fork the command behind a cork pipe, exec it, pass on signals, wait, and time it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

static void spawn_forward(int sig)
{
	if (spawn_child_pid > 0)
		kill((pid_t)spawn_child_pid, sig);
}

/* In the child: say it is ready, wait for the cork, then become the command. Never returns. */
static void spawn_child(int ready, int cork, char *const argv[])
{
	char go;
	ssize_t n;
	int e;

	/* Once the parent hears this, the child's post-fork work is done and not charged to the command. */
	close(ready);
	do
		n = read(cork, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(EXIT_CANCELED); /* ptime gave up before releasing us */
	caps_drop_for_exec();
	sigaction(SIGXFSZ, &spawn_xfsz, NULL);
	execvp(argv[0], argv);
	e = errno;
	dprintf(STDERR_FILENO, "ptime: cannot run '%s': %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? EXIT_ENOENT : EXIT_CANNOT_INVOKE);
}

/* Fork the command; it waits on the cork until spawn_release. Returns 0 or -errno, and sp->failed
   names the step that failed. */
int spawn_fork(struct spawn *sp, char *const argv[])
{
	int fds[2], rdy[2];
	pid_t pid;
	char c;

	sp->failed = "create the cork pipe";
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	sp->failed = "create the ready pipe";
	if (pipe2(rdy, O_CLOEXEC) < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	fflush(NULL);
	sp->failed = "fork";
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		close(rdy[0]);
		close(rdy[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[1]);
		close(rdy[0]);
		spawn_child(rdy[1], fds[0], argv);
	}
	close(fds[0]);
	close(rdy[1]);
	/* The child closes its end when it is about to wait on the cork: EOF here. */
	while (read(rdy[0], &c, 1) < 0 && errno == EINTR)
		;
	close(rdy[0]);
	sp->failed = NULL;
	sp->pid = pid;
	sp->cork = fds[1];
	spawn_child_pid = pid;
	return 0;
}

/* Set up signals for the wait, take the start time, and let the child exec. */
void spawn_release(struct spawn *sp, struct result *r)
{
	struct sigaction sa;
	static const char go = 'g';

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = spawn_forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	clock_gettime(CLOCK_REALTIME, &r->start_wall);
	clock_gettime(CLOCK_MONOTONIC, &sp->start_mono);
	(void)!write(sp->cork, &go, 1);
	close(sp->cork);
	sp->cork = -1;
}

/* Give up on a child that was never released: it exits without running the command. */
void spawn_abort(struct spawn *sp)
{
	int st;
	close(sp->cork);
	sp->cork = -1;
	while (waitpid(sp->pid, &st, 0) < 0 && errno == EINTR)
		;
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

/* Reap the zombie with its rusage, and restore the signals ptime changed. */
void spawn_reap(struct spawn *sp, struct result *r)
{
	struct sigaction sa;
	pid_t p;

	do
		p = wait4(sp->pid, &r->wait_status, 0, &r->ru);
	while (p < 0 && errno == EINTR);
	r->ran = p == sp->pid;
	spawn_child_pid = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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
