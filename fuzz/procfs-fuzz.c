/* fuzz/procfs-fuzz.c: the readers of /proc and /sys text: /proc/PID/io, /proc/cpuinfo, one-integer files. */
#include "config.h"

#include "ptime.h"
#include "fuzz.h"

FUZZ_TARGET(procfs)
{
	char *text = fuzz_string(data, size), model[128];
	struct proc_io io;
	int v;

	procfs_parse_io(text, &io);
	procfs_parse_int(text, &v);
	procfs_parse_cpu_model(text, model, sizeof model);
	if (strlen(model) >= sizeof model || strchr(model, '\n'))
		abort(); /* one line, and it fits */
	free(text);
	return 0;
}
