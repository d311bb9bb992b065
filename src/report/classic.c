/* report/classic.c: the default report: the shell's real/user/sys, then what else was measured. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ptime.h"

static void classic_time(FILE *fp, const char *label, int64_t ns)
{
	long long ms = ns / 1000000;
	fprintf(fp, "%s\t%lldm%lld.%03llds\n", label, ms / 60000, (ms / 1000) % 60, ms % 1000);
}

static void classic_row(FILE *fp, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void classic_row(FILE *fp, const char *label, const char *fmt, ...)
{
	va_list ap;
	fprintf(fp, "%-18s", label);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	putc('\n', fp);
}

static void classic_io(FILE *fp, const struct result *r, const char *label, const char *name,
		       const char *calls_name, const char *storage_name, const char *to)
{
	struct mval b = metrics_by_name(r, name), c = metrics_by_name(r, calls_name),
		    s = metrics_by_name(r, storage_name);
	char hb[32], hs[32], gc[32];

	if (b.kind != MVAL_INT) {
		classic_row(fp, label, "unavailable: %s", b.why);
		return;
	}
	format_human_bytes(hb, sizeof hb, (uint64_t)b.i);
	format_human_bytes(hs, sizeof hs, (uint64_t)s.i);
	format_group_digits(gc, sizeof gc, (uint64_t)c.i);
	classic_row(fp, label, "%s in %s call%s, %s %s storage", hb, gc, c.i == 1 ? "" : "s", hs, to);
}

/* The classic report: what the shell's time prints, then a block of the other measured figures. */
void report_classic(FILE *fp, const struct opts *o, const struct result *r)
{
	struct mval cpu = metrics_by_name(r, "cpu_percent");
	char a[32], b[32];

	if (!o->quiet)
		format_status_line(fp, r);
	putc('\n', fp);
	classic_time(fp, "real", metrics_by_name(r, "real_ns").i);
	classic_time(fp, "user", metrics_by_name(r, "user_ns").i);
	classic_time(fp, "sys", metrics_by_name(r, "sys_ns").i);
	putc('\n', fp);

	if (cpu.kind == MVAL_REAL)
		classic_row(fp, "cpu", "%.1f%% of one CPU", cpu.d);
	else
		classic_row(fp, "cpu", "unavailable: %s", cpu.why);
	format_human_bytes(a, sizeof a, (uint64_t)metrics_by_name(r, "max_rss_bytes").i);
	classic_row(fp, "max rss", "%s", a);
	format_group_digits(a, sizeof a, (uint64_t)metrics_by_name(r, "major_page_faults").i);
	format_group_digits(b, sizeof b, (uint64_t)metrics_by_name(r, "minor_page_faults").i);
	classic_row(fp, "page faults", "%s major, %s minor", a, b);
	format_group_digits(a, sizeof a, (uint64_t)metrics_by_name(r, "voluntary_context_switches").i);
	format_group_digits(b, sizeof b, (uint64_t)metrics_by_name(r, "involuntary_context_switches").i);
	classic_row(fp, "context switches", "%s voluntary, %s involuntary", a, b);
	classic_io(fp, r, "read", "read_bytes", "read_syscalls", "storage_read_bytes", "from");
	classic_io(fp, r, "written", "write_bytes", "write_syscalls", "storage_write_bytes", "to");
	report_counters(fp, r);
	report_profile(fp, r);
	report_tree(fp, r);
	report_memory(fp, r);
}
