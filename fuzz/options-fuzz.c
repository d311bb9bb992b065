/* fuzz/options-fuzz.c: the command line: the input split into argv at newlines (or NUL bytes, which
   the fuzzer may write), then options_parse; the seeds are text, one argument a line. */
#include "config.h"

#include "ptime.h"
#include "fuzz.h"

FUZZ_TARGET(options)
{
	char *copy = malloc(size + 1), **argv, err[4096];
	struct opts o;
	size_t i, argc = 1;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (size && copy[size - 1] == '\n')
		size--; /* a text seed's last line ends with a newline, not an empty argument */
	copy[size] = '\0';
	for (i = 0; i < size; i++) {
		if (copy[i] == '\n')
			copy[i] = '\0';
		argc += copy[i] == '\0';
	}
	argv = calloc(argc + 2, sizeof *argv);
	if (!argv)
		abort();
	/* argv[0] is ptime; then one argument per piece, the last one too */
	argv[0] = "ptime";
	argc = 1;
	for (i = 0; i <= size; i += strlen(copy + i) + 1)
		argv[argc++] = copy + i;
	argv[argc] = NULL;
	if (options_parse(&o, (int)argc, argv, err, sizeof err) < 0 && !err[0])
		abort(); /* every error has a message */
	options_free(&o);
	free(argv);
	free(copy);
	return 0;
}
