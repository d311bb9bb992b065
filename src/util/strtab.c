/* util/strtab.c: interned strings, so that equal names are equal pointers and live as long as the table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct strtab {
	char **slot;
	size_t cap, n;
};

static uint64_t strtab_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* An empty table. */
struct strtab *strtab_new(void)
{
	return xcalloc(1, sizeof(struct strtab));
}

/* The one copy of s in t. */
const char *strtab_intern(struct strtab *t, const char *s)
{
	size_t i;
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024, j;
		char **slot = xcalloc(cap, sizeof *slot);
		for (j = 0; j < t->cap; j++)
			if (t->slot[j]) {
				for (i = strtab_hash(t->slot[j]) & (cap - 1); slot[i]; i = (i + 1) & (cap - 1))
					;
				slot[i] = t->slot[j];
			}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	for (i = strtab_hash(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slot[i], s) == 0)
			return t->slot[i];
	t->slot[i] = xstrdup(s);
	t->n++;
	return t->slot[i];
}

/* Free t and every string in it. */
void strtab_free(struct strtab *t)
{
	size_t i;
	if (!t)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	free(t);
}
