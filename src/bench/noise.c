/* bench/noise.c: the state of the machine that makes benchmark numbers noisy, read before the first run. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptime.h"

static bool noise_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static void noise_warn(struct bench_noise *n, size_t *k, char *w)
{
	n->warnings = xrealloc(n->warnings, (*k + 2) * sizeof *n->warnings);
	n->warnings[(*k)++] = w;
	n->warnings[*k] = NULL;
}

/* Whether cycles can be counted here: a hardware PMU that perf_event_open reaches. */
static bool noise_pmu(char *why, size_t len)
{
	char *err = NULL;
	struct counters *cs = counters_create("cycles", &err);
	bool ok;

	if (!cs) {
		snprintf(why, len, "%s", err ? err : "cycles cannot be counted");
		free(err);
		return false;
	}
	counters_open(cs, 0);
	ok = cs->c[0].fd >= 0;
	if (!ok)
		snprintf(why, len, "cycles: %.100s%s", cs->c[0].why,
			 strcmp(cs->c[0].why, "not supported") == 0 ? " (no hardware PMU, as in most VMs)" : "");
	counters_free(cs);
	return ok;
}

/* Fill n: the cpufreq governor, turbo, the load, ASLR, whether a PMU exists; and a warning for each
   that makes run-to-run variation larger than it need be. */
void noise_read_state(struct bench_noise *n)
{
	char buf[64];
	size_t k = 0;
	FILE *f;

	memset(n, 0, sizeof *n);
	n->turbo = -1;
	n->aslr = -1;
	n->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	noise_read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", n->governor, sizeof n->governor);
	/* intel_pstate says "no_turbo"; acpi-cpufreq and amd-pstate say "boost". */
	if (noise_read("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf))
		n->turbo = atoi(buf) == 0;
	else if (noise_read("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf))
		n->turbo = atoi(buf) != 0;
	if (noise_read("/proc/sys/kernel/randomize_va_space", buf, sizeof buf))
		n->aslr = atoi(buf);
	f = fopen("/proc/loadavg", "re");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &n->loadavg[0], &n->loadavg[1], &n->loadavg[2]) != 3)
			n->loadavg[0] = n->loadavg[1] = n->loadavg[2] = -1;
		fclose(f);
	} else {
		n->loadavg[0] = n->loadavg[1] = n->loadavg[2] = -1;
	}
	n->pmu = noise_pmu(n->pmu_why, sizeof n->pmu_why);

	if (n->governor[0] && strcmp(n->governor, "performance") != 0)
		noise_warn(n, &k, xasprintf("the CPU frequency governor is '%s': the clock changes with load "
					    "(cpupower frequency-set -g performance)", n->governor));
	if (n->turbo == 1)
		noise_warn(n, &k, xstrdup("turbo boost is on: the clock depends on temperature and on the other cores"));
	if (n->loadavg[0] >= 0.5 * (double)(n->cpus_online > 0 ? n->cpus_online : 1))
		noise_warn(n, &k, xasprintf("the load average is %.2f on %ld CPUs: other programs share the machine",
					    n->loadavg[0], n->cpus_online));
}

/* Free what noise_read_state allocated. */
void noise_free(struct bench_noise *n)
{
	size_t i;
	for (i = 0; n->warnings && n->warnings[i]; i++)
		free(n->warnings[i]);
	free(n->warnings);
	n->warnings = NULL;
}
