/* fuzz/fuzz.h: what every fuzz target shares: its entry point, FUZZ_TARGET(name), and input helpers. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int fuzz_fn(const uint8_t *data, size_t size);

/* FUZZ_TARGET(name) { ... } is the body that runs on one input. Built by `make fuzz`, it is libFuzzer's
   LLVMFuzzerTestOneInput; built into fuzz/replay for make check (FUZZ_REPLAY), it registers itself by
   name, so that a new target is a new file and one line in Makefile.am's fuzz_targets. */
#ifdef FUZZ_REPLAY
void fuzz_register(const char *name, fuzz_fn *fn);
#define FUZZ_TARGET(name)                                                                                 \
	static int fuzz_##name(const uint8_t *data, size_t size);                                          \
	__attribute__((constructor)) static void fuzz_register_##name(void)                                \
	{                                                                                                  \
		fuzz_register(#name, fuzz_##name);                                                         \
	}                                                                                                  \
	static int fuzz_##name(const uint8_t *data, size_t size)
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* The input as a C string: a copy with a NUL after it (an inner NUL ends it early). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
