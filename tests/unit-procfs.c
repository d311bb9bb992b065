/* unit-procfs.c: the parsers of /proc and /sys text, on fixed text and against the machine's own. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "ptime.h"
#include "tap.h"

static int int_of(const char *text)
{
	int v = 12345, rc = procfs_parse_int(text, &v);
	return rc < 0 ? rc : v;
}

static const char *model_of(const char *text)
{
	static char out[128];
	procfs_parse_cpu_model(text, out, sizeof out);
	return out;
}

/* What another reader of /proc/cpuinfo calls the model: lscpu's "Model name". */
static void against_lscpu(void)
{
	char want[256] = "", got[128];
	struct host h;
	FILE *p = popen("lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1", "r");

	if (!p || !fgets(want, sizeof want, p) || !want[0]) {
		printf("ok %d - the host's CPU model is lscpu's # SKIP no lscpu model name\n", ++tap_n);
		if (p)
			pclose(p);
		return;
	}
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	procfs_read_host(&h);
	snprintf(got, sizeof got, "%s", h.cpu_model);
	is_str(got, want, "the host's CPU model is lscpu's");
}

int main(void)
{
	struct proc_io io;
	FILE *f;
	char buf[32];
	int want;

	is_int(int_of("2\n"), 2, "an integer and a newline");
	is_int(int_of("-1\n"), -1, "a negative one");
	is_int(int_of("  7 \n"), 7, "blanks around it");
	is_int(int_of(""), -EINVAL, "empty text is not 0");
	is_int(int_of("abc\n"), -EINVAL, "letters are not 0");
	is_int(int_of("2x\n"), -EINVAL, "trailing garbage");
	is_int(int_of("99999999999\n"), -ERANGE, "past INT_MAX");
	is_int(int_of("-2147483648"), INT_MIN, "INT_MIN itself");

	is_str(model_of("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\n"
			"model name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\nstepping\t: 4\n"),
	       "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", "x86: model name, not model");
	is_str(model_of("processor\t: 0\nBogoMIPS\t: 38.40\n\nHardware\t: BCM2835\n"
			"Model\t\t: Raspberry Pi 4 Model B Rev 1.4\n"),
	       "Raspberry Pi 4 Model B Rev 1.4", "ARM: Model, after every CPU");
	is_str(model_of("system type\t\t: MediaTek MT7621\ncpu model\t\t: MIPS 1004Kc V2.15\n"),
	       "MIPS 1004Kc V2.15", "MIPS: cpu model");
	is_str(model_of("model name\n: x\nmodel name\t: second\n"), "second", "a line without a colon is skipped");
	is_str(model_of("model name\t:\nmodel name\t: B\n"), "", "an empty value is the first one's");
	is_str(model_of("model name\t: no newline at the end"), "no newline at the end", "the last line");
	is_str(model_of(""), "", "no text, no model");

	is_int(procfs_parse_io("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n", &io),
	       -EINVAL, "/proc/PID/io without cancelled_write_bytes is refused");

	/* The kernel's own value, as cat reads it. */
	f = popen("cat /proc/sys/kernel/perf_event_paranoid", "r");
	if (f && fgets(buf, sizeof buf, f)) {
		want = atoi(buf);
		is_int(procfs_paranoid(), want, "procfs_paranoid is what cat reads");
	} else {
		printf("ok %d - procfs_paranoid is what cat reads # SKIP no perf_event_paranoid\n", ++tap_n);
	}
	if (f)
		pclose(f);
	against_lscpu();
	return done();
}
