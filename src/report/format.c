/* report/format.c: the GNU time format language (%e %U ... and \n \t \\), its status lines, and %{name}. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ptime.h"

/* GNU time's status line before the report, for a command that did not exit 0. */
void format_status_line(FILE *fp, const struct result *r)
{
	int st = r->wait_status;
	if (WIFSTOPPED(st))
		fprintf(fp, "Command stopped by signal %d\n", WSTOPSIG(st));
	else if (WIFSIGNALED(st))
		fprintf(fp, "Command terminated by signal %d\n", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(fp, "Command exited with non-zero status %d\n", WEXITSTATUS(st));
}

static void format_argv(FILE *fp, char *const *argv)
{
	for (; *argv; argv++) {
		fputs(*argv, fp);
		if (argv[1])
			putc(' ', fp);
	}
}

/* Print one %{name}: its value, or '?' when it was not measured. */
static void format_metric(FILE *fp, const struct result *r, const char *name)
{
	struct mval v = metrics_by_name(r, name);
	if (v.kind == MVAL_INT)
		fprintf(fp, "%lld", (long long)v.i);
	else if (v.kind == MVAL_REAL)
		fprintf(fp, "%.6g", v.d);
	else
		putc('?', fp);
}

static void format_T(FILE *fp, int st, char c)
{
	const char *name;
	switch (c) {
	case 't':
		fputs(WIFSTOPPED(st) ? "stopped" : WIFSIGNALED(st) ? "signalled" : "normal", fp);
		break;
	case 'n':
		if (WIFSIGNALED(st))
			fprintf(fp, "%d", WTERMSIG(st));
		break;
	case 's':
		if (WIFSIGNALED(st)) {
			name = sigabbrev_np(WTERMSIG(st));
			if (name)
				fputs(name, fp);
			else
				fprintf(fp, "(%d)", WTERMSIG(st));
		}
		break;
	case 'x':
		if (WIFEXITED(st))
			fprintf(fp, "%d", WEXITSTATUS(st));
		break;
	case 'o':
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			fputs("ok", fp);
		break;
	default:
		fputs("T?=unknown", fp);
	}
}

/* Print r through the GNU time format fmt, with its escapes, then a newline, as GNU time 1.9 does. */
void format_print(FILE *fp, const char *fmt, const struct result *r)
{
	const struct rusage *ru = &r->ru;
	long long esec = r->real_ns / NS_PER_SEC;
	long long eusec = (r->real_ns % NS_PER_SEC) / 1000;
	/* GNU time's arithmetic, truncation included: milliseconds of real and of CPU time. */
	unsigned long rms = (unsigned long)(esec * 1000 + eusec / 1000);
	unsigned long vms = (unsigned long)(ru->ru_utime.tv_sec * 1000 + ru->ru_utime.tv_usec / 1000 +
					    ru->ru_stime.tv_sec * 1000 + ru->ru_stime.tv_usec / 1000);
	unsigned long us_r = (unsigned long)eusec;
	unsigned long us_v = (unsigned long)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec);
	int st = r->wait_status;

	while (*fmt) {
		if (*fmt == '%') {
			switch (*++fmt) {
			case '%': putc('%', fp); break;
			case 'C': format_argv(fp, r->argv); break;
			case 'D': case 'K': case 'X': case 'p': case 't':
				/* Linux keeps no integral sizes: GNU time prints 0. */
				putc('0', fp);
				break;
			case 'E':
				if (esec >= 3600)
					fprintf(fp, "%lld:%02lld:%02lld", esec / 3600, (esec % 3600) / 60, esec % 60);
				else
					fprintf(fp, "%lld:%02lld.%02lld", esec / 60, esec % 60, eusec / 10000);
				break;
			case 'F': fprintf(fp, "%ld", ru->ru_majflt); break;
			case 'I': fprintf(fp, "%ld", ru->ru_inblock); break;
			case 'M': fprintf(fp, "%ld", ru->ru_maxrss); break;
			case 'O': fprintf(fp, "%ld", ru->ru_oublock); break;
			case 'P':
				if (rms > 0)
					fprintf(fp, "%lu%%", vms * 100 / rms);
				else if (us_r > 0)
					fprintf(fp, "%lu%%", us_v * 100 / us_r);
				else
					fputs("?%", fp);
				break;
			case 'R': fprintf(fp, "%ld", ru->ru_minflt); break;
			case 'S':
				fprintf(fp, "%ld.%02ld", (long)ru->ru_stime.tv_sec, (long)ru->ru_stime.tv_usec / 10000);
				break;
			case 'T':
				if (fmt[1] == '\0') {
					fputs("T=missing letter", fp);
					goto end;
				}
				format_T(fp, st, *++fmt);
				break;
			case 'U':
				fprintf(fp, "%ld.%02ld", (long)ru->ru_utime.tv_sec, (long)ru->ru_utime.tv_usec / 10000);
				break;
			case 'W': fprintf(fp, "%ld", ru->ru_nswap); break;
			case 'Z': fprintf(fp, "%ld", r->page_size); break;
			case 'c': fprintf(fp, "%ld", ru->ru_nivcsw); break;
			case 'e': fprintf(fp, "%lld.%02lld", esec, eusec / 10000); break;
			case 'k': fprintf(fp, "%ld", ru->ru_nsignals); break;
			case 'r': fprintf(fp, "%ld", ru->ru_msgrcv); break;
			case 's': fprintf(fp, "%ld", ru->ru_msgsnd); break;
			case 'w': fprintf(fp, "%ld", ru->ru_nvcsw); break;
			case 'x': fprintf(fp, "%d", WIFEXITED(st) ? WEXITSTATUS(st) : 0); break;
			case '{': {
				const char *close = strchr(fmt, '}');
				char name[128];
				if (!close || (size_t)(close - fmt - 1) >= sizeof name) {
					fputs("?{", fp);
					break;
				}
				memcpy(name, fmt + 1, (size_t)(close - fmt - 1));
				name[close - fmt - 1] = '\0';
				format_metric(fp, r, name);
				fmt = close;
				break;
			}
			case '\0':
				/* A trailing '%': GNU time prints '?' and no newline. */
				putc('?', fp);
				return;
			default:
				putc('?', fp);
				putc(*fmt, fp);
			}
			fmt++;
		} else if (*fmt == '\\') {
			switch (*++fmt) {
			case 't': putc('\t', fp); break;
			case 'n': putc('\n', fp); break;
			case '\\': putc('\\', fp); break;
			case '\0':
				/* GNU time 1.9 reads past the end here; later GNU time prints "?\". */
				fputs("?\\", fp);
				goto end;
			default:
				putc('?', fp);
				putc('\\', fp);
				putc(*fmt, fp);
			}
			fmt++;
		} else {
			putc(*fmt++, fp);
		}
	}
end:
	putc('\n', fp);
}

/* Check every %{name} in fmt; returns 0, or -1 with *bad set to the first unknown name. */
int format_check(const char *fmt, char **bad)
{
	static char name[128];
	const char *p;

	for (p = fmt; *p; p++) {
		const char *close;
		if (*p != '%')
			continue;
		if (p[1] != '{') {
			if (p[1])
				p++;
			continue;
		}
		close = strchr(p + 2, '}');
		if (!close)
			continue; /* printed as "?{", as GNU time prints any unknown specifier */
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 2), p + 2);
		if (!metrics_known(name)) {
			*bad = name;
			return -1;
		}
		p = close;
	}
	return 0;
}

/* Whether fmt asks for any metric of the JSON section sec, so that its probe must run. */
bool format_needs(const char *fmt, const char *sec)
{
	const char *p = fmt;
	while ((p = strstr(p, "%{")) != NULL) {
		const char *close = strchr(p + 2, '}');
		char name[128];
		const struct metric *m;
		if (!close)
			break;
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 2), p + 2);
		m = metrics_find(name);
		if (m && strcmp(m->section, sec) == 0)
			return true;
		p = close;
	}
	return false;
}

/* The GNU-format report: the status line unless -q or -p, then the format. */
void format_report(FILE *fp, const struct opts *o, const struct result *r)
{
	if (!o->quiet && !o->posix)
		format_status_line(fp, r);
	format_print(fp, o->format, r);
}

/* Bytes in binary units for people: "0 B", "512 B", "1.5 KiB", "12.3 MiB". */
void format_human_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* An integer with thousands grouped by commas, the same in every locale. */
void format_group_digits(char *buf, size_t len, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, o = 0;
	for (i = 0; i < n && (size_t)o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && (size_t)o + 2 < len)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
}

/* The shortest text that reads back as exactly v, with a '.' whatever the locale: "0.0168", "1e-07",
   and a whole number below 2^53 in plain digits ("1000000", not "1e+06"). */
void format_real(char *buf, size_t len, double v)
{
	int prec;

	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, len, "%.17g", v);
}
