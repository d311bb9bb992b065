/* caps.c: capabilities with libcap: note what ptime holds, use CAP_PERFMON only to open events, drop all before exec. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ptime.h"

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
	if (!CAP_IS_SUPPORTED(v))
		return false;
	return cap_get_flag(c, v, CAP_PERMITTED, &f) == 0 && f == CAP_SET;
}

static void caps_set_effective(const cap_value_t *v, int n)
{
	cap_t c = cap_get_proc();
	if (!c)
		return;
	cap_clear_flag(c, CAP_EFFECTIVE);
	if (n)
		cap_set_flag(c, CAP_EFFECTIVE, n, v, CAP_SET);
	cap_set_proc(c);
	cap_free(c);
}

/* Note which capabilities ptime was given, and keep them out of the effective set until needed. */
void caps_init(void)
{
	cap_t c;

	caps.elevated = getauxval(AT_SECURE) != 0 && getuid() != 0;
	if (!caps.elevated)
		return; /* nothing was given that the command must not inherit */
	c = cap_get_proc();
	if (!c)
		return;
	caps.perfmon = caps_has(c, CAP_PERFMON);
	caps.sys_admin = caps_has(c, CAP_SYS_ADMIN);
	cap_free(c);
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

/* In the child: give up every capability ptime's file capabilities gave, ambient and inheritable included. */
void caps_drop_for_exec(void)
{
	cap_t c;
	if (!caps.elevated)
		return;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	c = cap_init(); /* all three sets empty */
	if (c) {
		if (cap_set_proc(c) < 0)
			_exit(EXIT_CANNOT_INVOKE); /* never run the command with more than the user had */
		cap_free(c);
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
