/* util/dlib.c: load an optional library when a run first needs it, not at start-up: json-c for --json,
   libcap under file capabilities, libdw for --sample. Each costs start-up time on every run it
   would otherwise be linked into (0.35 to 0.7 ms together on a 6 ms run of /bin/true). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "ptime.h"

/* Open soname and fill slots[i] with names[i]; false with why set (and nothing half-loaded used). */
bool dlib_load(const char *soname, const char *const *names, void **slots, size_t n, char *why, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		snprintf(why, len, "cannot load %s: %s", soname, dlerror());
		return false;
	}
	for (i = 0; i < n; i++) {
		slots[i] = dlsym(h, names[i]);
		if (!slots[i]) {
			snprintf(why, len, "%s has no %s: too old a version", soname, names[i]);
			return false;
		}
	}
	return true;
}
