/* unit-format.c: the GNU format engine, the classic report's helpers and %{name}, on fixed results. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "ptime.h"
#include "tap.h"

static char *argv_cmd[] = { "sleep", "1", NULL };

static struct result fixed(int64_t real_ns, long usec_user, long usec_sys)
{
	struct result r;
	memset(&r, 0, sizeof r);
	r.argv = argv_cmd;
	r.ran = true;
	r.page_size = 4096;
	r.real_ns = real_ns;
	r.ru.ru_utime.tv_sec = usec_user / 1000000;
	r.ru.ru_utime.tv_usec = usec_user % 1000000;
	r.ru.ru_stime.tv_sec = usec_sys / 1000000;
	r.ru.ru_stime.tv_usec = usec_sys % 1000000;
	r.ru.ru_maxrss = 1908;
	r.ru.ru_minflt = 84;
	r.ru.ru_majflt = 2;
	r.ru.ru_nvcsw = 5;
	r.ru.ru_nivcsw = 7;
	r.ru.ru_inblock = 16;
	r.ru.ru_oublock = 8;
	r.io.rchar = 3000;
	r.io.read_bytes = 8192;
	r.wait_status = 0;
	return r;
}

static char *fmt(const char *f, const struct result *r)
{
	static char *buf;
	size_t len;
	FILE *fp;
	free(buf);
	fp = open_memstream(&buf, &len);
	format_print(fp, f, r);
	fclose(fp);
	return buf;
}

static char *report(const struct opts *o, const struct result *r)
{
	static char *buf;
	size_t len;
	FILE *fp;
	free(buf);
	fp = open_memstream(&buf, &len);
	format_report(fp, o, r);
	fclose(fp);
	return buf;
}

int main(void)
{
	struct result r = fixed(59990000000LL, 1500000, 20000);
	struct opts o;
	char buf[64], *bad = NULL;

	/* elapsed time: truncated centiseconds, m:ss.cc below an hour, h:mm:ss from one */
	is_str(fmt("%E", &r), "0:59.99\n", "%%E at 59.99 s");
	is_str(fmt("%e", &r), "59.99\n", "%%e at 59.99 s");
	r.real_ns = 59999999999LL;
	is_str(fmt("%e %E", &r), "59.99 0:59.99\n", "%%e and %%E truncate, never round up");
	r.real_ns = 3600LL * NS_PER_SEC;
	is_str(fmt("%E", &r), "1:00:00\n", "%%E at 3600 s");
	r.real_ns = 3599990000000LL;
	is_str(fmt("%E", &r), "59:59.99\n", "%%E just below an hour");
	r.real_ns = 90061990000000LL;
	is_str(fmt("%E %e", &r), "25:01:01 90061.99\n", "%%E at 90061.99 s");

	/* CPU percentage, GNU's integer arithmetic, and zero elapsed */
	r = fixed(2000000000LL, 1500000, 20000);
	is_str(fmt("%P", &r), "76%\n", "%%P is (user+sys)*100/real, truncated");
	r = fixed(0, 0, 0);
	is_str(fmt("%P", &r), "?%\n", "%%P on zero elapsed is ?%%");
	r = fixed(500000, 0, 300);
	is_str(fmt("%P", &r), "60%\n", "%%P below a millisecond uses microseconds");

	r = fixed(1234567890LL, 1500000, 20000);
	is_str(fmt("%U %S", &r), "1.50 0.02\n", "%%U and %%S");
	is_str(fmt("%M %F %R %w %c %I %O %Z", &r), "1908 2 84 5 7 16 8 4096\n", "rusage specifiers");
	is_str(fmt("%X %D %K %p %t %W %k %r %s", &r), "0 0 0 0 0 0 0 0 0\n", "fields Linux does not keep print 0");
	is_str(fmt("%C", &r), "sleep 1\n", "%%C is the command line");
	is_str(fmt("100%%", &r), "100%\n", "%%%% is a percent sign");
	is_str(fmt("a\\tb\\nc\\\\", &r), "a\tb\nc\\\n", "escapes \\t \\n \\\\");
	is_str(fmt("\\q", &r), "?\\q\n", "an unknown escape prints ?\\ and the character");
	is_str(fmt("x\\", &r), "x?\\\n", "a trailing backslash prints ?\\ and a newline");
	is_str(fmt("x%", &r), "x?", "a trailing %% prints ? and no newline");
	is_str(fmt("%Q%j", &r), "?Q?j\n", "an unknown specifier prints ?X");
	is_str(fmt("", &r), "\n", "an empty format prints a newline");

	/* exit status specifiers */
	r.wait_status = 3 << 8;
	is_str(fmt("%x|%Tt|%Tx|%Tn|%Ts|%To", &r), "3|normal|3|||\n", "exit 3");
	r.wait_status = 0;
	is_str(fmt("%x|%Tt|%To", &r), "0|normal|ok\n", "exit 0");
	r.wait_status = SIGKILL;
	is_str(fmt("%x|%Tt|%Tx|%Tn|%Ts|%To", &r), "0|signalled||9|KILL|\n", "killed: %%x is 0");
	is_str(fmt("%T", &r), "T=missing letter\n", "%%T at the end");
	is_str(fmt("%Tq", &r), "T?=unknown\n", "%%T with an unknown letter");

	/* %{name}: every metric by its JSON name */
	r = fixed(1500000000LL, 1000000, 500000);
	is_str(fmt("%{real_ns} %{user_ns} %{max_rss_bytes}", &r), "1500000000 1000000000 1953792\n", "%%{name}");
	is_str(fmt("%{read_bytes} %{storage_read_bytes}", &r), "3000 8192\n", "%%{name} of /proc/PID/io");
	is_str(fmt("%{cpu_percent}", &r), "100\n", "%%{cpu_percent}");
	is_str(fmt("%{swaps}", &r), "?\n", "an unmeasured metric prints ?");
	r.io_error = EACCES;
	is_str(fmt("%{read_bytes}", &r), "?\n", "an unreadable /proc/PID/io prints ?");
	is_str(fmt("%{real_ns", &r), "?{real_ns\n", "an unclosed %%{ prints ?{");
	ok(format_check("%e %{real_ns} %{max_rss_bytes}%%{x", &bad) == 0, "format_check accepts known names");
	ok(format_check("%{max_rss}", &bad) < 0 && strcmp(bad, "max_rss") == 0, "format_check names the bad one");
	is_str(metrics_suggest("max_rss"), "max_rss_bytes", "did you mean max_rss_bytes");
	ok(metrics_suggest("zzzzzzzzzzzzzzz") == NULL, "no suggestion for nonsense");

	/* the status line, and -q and -p */
	memset(&o, 0, sizeof o);
	r = fixed(10000000, 0, 0);
	r.wait_status = 2 << 8;
	o.format = "%e";
	is_str(report(&o, &r), "Command exited with non-zero status 2\n0.01\n", "status line for exit 2");
	r.wait_status = SIGTERM;
	is_str(report(&o, &r), "Command terminated by signal 15\n0.01\n", "status line for a signal");
	o.quiet = true;
	is_str(report(&o, &r), "0.01\n", "-q drops the status line");
	o.quiet = false;
	o.format = options_posix_format;
	o.posix = true;
	is_str(report(&o, &r), "real 0.01\nuser 0.00\nsys 0.00\n", "-p drops the status line");

	/* human units */
	format_human_bytes(buf, sizeof buf, 0);
	is_str(buf, "0 B", "0 B");
	format_human_bytes(buf, sizeof buf, 1023);
	is_str(buf, "1023 B", "1023 B");
	format_human_bytes(buf, sizeof buf, 1536);
	is_str(buf, "1.50 KiB", "1.50 KiB");
	format_human_bytes(buf, sizeof buf, 20ULL << 20);
	is_str(buf, "20.0 MiB", "20.0 MiB");
	format_group_digits(buf, sizeof buf, 1234567);
	is_str(buf, "1,234,567", "digit groups");
	format_group_digits(buf, sizeof buf, 999);
	is_str(buf, "999", "no group below 1000");

	/* /proc/PID/io parsing */
	{
		struct proc_io io;
		const char *text = "rchar: 10\nwchar: 20\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\n"
				   "write_bytes: 8192\ncancelled_write_bytes: 512\n";
		ok(procfs_parse_io(text, &io) == 0 && io.rchar == 10 && io.wchar == 20 && io.syscr == 3 &&
			   io.syscw == 4 && io.read_bytes == 4096 && io.write_bytes == 8192 &&
			   io.cancelled_write_bytes == 512,
		   "parse /proc/PID/io");
		ok(procfs_parse_io("rchar: 1\n", &io) < 0, "a truncated /proc/PID/io is an error");
	}
	return done();
}
