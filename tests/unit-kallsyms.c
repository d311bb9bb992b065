/* unit-kallsyms.c: the kernel's symbol table: a synthetic /proc/kallsyms (aliases, modules, data
   symbols, hidden addresses, junk), then, where this process sees real addresses, known functions
   of the running kernel found by their own addresses in /proc/kallsyms. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"
#include "tap.h"

static const char synthetic[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81001000 t __pfx_do_one\n"
	"ffffffff81001010 t do_one\n"
	"ffffffff81002000 D some_data\n"
	"ffffffff81003000 W weak_fn\n"
	"ffffffff81003000 T strong_fn\n"
	"ffffffff81004000 T sys_read\n"
	"ffffffff81004000 T SyS_read\n"
	"not a line at all\n"
	"ffffffff81005000 T ksys_read\n"
	"ffffffff82000000 A __per_cpu_end\n"
	"ffffffffc0100000 t ext4_fill_super\t[ext4]\n"
	"ffffffffc0100400 T ext4_read_inode\t[ext4]\n"
	"ffffffffc0200000 t kvm_init\t[kvm]\n";

static char *write_file(const char *text)
{
	char *path = xstrdup("/tmp/ptime-kallsyms-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

static void test_synthetic(void)
{
	char why[256] = "", *path = write_file(synthetic);
	struct kallsyms *k = kallsyms_load_file(path, why, sizeof why);
	uint64_t off = 99;

	ok(k != NULL, "a synthetic kallsyms loads (%s)", why);
	is_str(kallsyms_name(k, 0xffffffff81000000ull, &off), "startup_64",
	       "aliases at one address: fewer underscores, then the longer name, as perf chooses");
	is_int(off, 0, "... at offset 0");
	is_str(kallsyms_name(k, 0xffffffff81001012ull, &off), "do_one", "an address inside a local function");
	is_int(off, 2, "... at offset 2");
	is_str(kallsyms_name(k, 0xffffffff81001004ull, &off), "__pfx_do_one", "the padding before it");
	is_str(kallsyms_name(k, 0xffffffff81002010ull, NULL), "do_one", "data symbols are not functions");
	is_str(kallsyms_name(k, 0xffffffff81003000ull, NULL), "strong_fn", "a weak alias loses to a global one");
	is_str(kallsyms_name(k, 0xffffffff81004001ull, NULL), "sys_read", "a SyS alias loses (underscores counted first, as perf does)");
	is_str(kallsyms_dso(k, 0xffffffff81005001ull), "[kernel.kallsyms]", "the kernel's own functions");
	is_str(kallsyms_name(k, 0xffffffffc0100410ull, &off), "ext4_read_inode", "a module's function");
	is_int(off, 0x10, "... at offset 0x10");
	is_str(kallsyms_dso(k, 0xffffffffc0100410ull), "[ext4]", "... in [ext4]");
	is_str(kallsyms_dso(k, 0xffffffffc0200010ull), "[kvm]", "another module");
	ok(kallsyms_name(k, 0xffffffff80000000ull, NULL) == NULL, "below the first symbol: no name");
	ok(kallsyms_name(k, 0xffffffffc0200000ull + (2u << 20), NULL) == NULL, "far past the last symbol: no name");
	kallsyms_free(k);
	unlink(path);
	free(path);

	path = write_file("0000000000000000 T _stext\n0000000000000000 t do_one\n0000000000000000 t x\t[ext4]\n");
	k = kallsyms_load_file(path, why, sizeof why);
	ok(k == NULL && strstr(why, "hidden"), "all addresses 0 (kptr_restrict): no table, and why: %s", why);
	unlink(path);
	free(path);

	path = write_file("");
	k = kallsyms_load_file(path, why, sizeof why);
	ok(k == NULL && why[0], "an empty file: no table, and why: %s", why);
	unlink(path);
	free(path);

	k = kallsyms_load_file("/nonexistent/kallsyms", why, sizeof why);
	ok(k == NULL && strstr(why, "No such file"), "a missing file: %s", why);
}

/* The address /proc/kallsyms gives a global function, read with sscanf rather than the parser. */
static uint64_t kallsyms_addr_of(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long long addr;
	uint64_t found = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 && (type == 'T' || type == 't') &&
		    strcmp(sym, name) == 0 && !strchr(line, '\t')) {
			found = addr;
			break;
		}
	if (f)
		fclose(f);
	return found;
}

static void test_running_kernel(void)
{
	const char *names[] = { "ksys_read", "do_sys_openat2", "schedule", "vfs_read" };
	char why[256] = "", may_why[256] = "";
	struct kallsyms *k = kallsyms_load(why, sizeof why);
	size_t i;
	bool may = kallsyms_may_sample(may_why, sizeof may_why);

	printf("# kernel sampling: %s: %s\n", may ? "allowed" : "not allowed", may_why);
	if (!k) {
		printf("ok %d - # SKIP real kernel addresses are hidden from this process: %s\n", ++tap_n, why);
		ok(geteuid() != 0 || access("/proc/kallsyms", R_OK) != 0, "as root, /proc/kallsyms loads");
		return;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint64_t addr = kallsyms_addr_of(names[i]), off = 99;
		const char *got;
		if (!addr) {
			printf("ok %d - # SKIP %s is not in this kernel\n", ++tap_n, names[i]);
			continue;
		}
		got = kallsyms_name(k, addr + 4, &off);
		is_str(got, names[i], "the running kernel's %s at %#llx+4", names[i], (unsigned long long)addr);
		is_int(off, 4, "... at offset 4");
	}
	kallsyms_free(k);
}

int main(void)
{
	char buf[256];
	struct rusage ru;

	test_synthetic();
	test_running_kernel();
	memset(&ru, 0, sizeof ru);
	ru.ru_utime.tv_usec = 270000;
	ru.ru_stime.tv_usec = 470000;
	kallsyms_unsampled(buf, sizeof buf, &ru, "perf_event_paranoid is 2");
	is_str(buf, "0.47 s of the 0.74 s of CPU time (64%) were in the kernel and not sampled: perf_event_paranoid is 2",
	       "the sentence for unsampled kernel time");
	return done();
}
