/* fuzz/replay.c: every fuzz target without libFuzzer: `replay TARGET FILE...` runs each file through
   the target once, so that make check replays the seeds and every input that once crashed ptime. */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"

static struct { const char *name; fuzz_fn *fn; } targets[32];
static size_t ntargets;

/* Called by each FUZZ_TARGET before main. */
void fuzz_register(const char *name, fuzz_fn *fn)
{
	if (ntargets == sizeof targets / sizeof targets[0])
		abort();
	targets[ntargets].name = name;
	targets[ntargets++].fn = fn;
}

static uint8_t *replay_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (!(buf = realloc(buf, cap)))
				abort();
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	fuzz_fn *fn = NULL;
	size_t i, len;
	int a;

	for (i = 0; argc > 1 && i < ntargets; i++)
		if (strcmp(targets[i].name, argv[1]) == 0)
			fn = targets[i].fn;
	if (!fn) {
		fprintf(stderr, "usage: replay TARGET FILE...; targets:");
		for (i = 0; i < ntargets; i++)
			fprintf(stderr, " %s", targets[i].name);
		fputc('\n', stderr);
		return 2;
	}
	for (a = 2; a < argc; a++) {
		uint8_t *buf = replay_slurp(argv[a], &len);
		if (!buf) {
			perror(argv[a]);
			return 2;
		}
		fn(buf, len);
		free(buf);
	}
	return 0;
}
