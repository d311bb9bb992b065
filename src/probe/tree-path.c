/* probe/tree-path.c: what the finished tree says: processes by executable, the critical path, short names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

static const struct tree *tree_sorting;

static int tree_by_end(const void *a, const void *b)
{
	int64_t x = tree_sorting->procs[*(const size_t *)a].end_ns, y = tree_sorting->procs[*(const size_t *)b].end_ns;
	return x < y ? -1 : x > y;
}

static int tree_exe_cmp(const void *a, const void *b)
{
	const struct tree_exe *x = a, *y = b;
	return x->cpu_ns > y->cpu_ns ? -1 : x->cpu_ns < y->cpu_ns;
}

static void tree_exes(struct tree *t)
{
	size_t i, j;
	for (i = 0; i < t->nprocs; i++) {
		const struct tree_proc *p = &t->procs[i];
		struct tree_exe *e = NULL;
		for (j = 0; j < t->nexes; j++)
			if (strcmp(t->exes[j].comm, p->comm) == 0)
				e = &t->exes[j];
		if (!e) {
			t->exes = xrealloc(t->exes, (t->nexes + 1) * sizeof *t->exes);
			e = &t->exes[t->nexes++];
			memset(e, 0, sizeof *e);
			memcpy(e->comm, p->comm, sizeof e->comm);
			e->max_cpu = e->max_wall = i;
		}
		e->count++;
		if (p->cpu_ns > 0)
			e->cpu_ns += p->cpu_ns;
		if (p->end_ns >= 0)
			e->wall_ns += p->end_ns - p->start_ns;
		if (p->cpu_ns > t->procs[e->max_cpu].cpu_ns)
			e->max_cpu = i;
		if (p->end_ns >= 0 && (t->procs[e->max_wall].end_ns < 0 ||
				       p->end_ns - p->start_ns > t->procs[e->max_wall].end_ns - t->procs[e->max_wall].start_ns))
			e->max_wall = i;
	}
	qsort(t->exes, t->nexes, sizeof *t->exes, tree_exe_cmp);
}

static void tree_step(struct tree *t, size_t proc, int64_t a, int64_t b)
{
	if (b <= a)
		return;
	if (t->npath && t->path[t->npath - 1].proc == proc && t->path[t->npath - 1].start_ns == b) {
		t->path[t->npath - 1].start_ns = a; /* the same process's stretches, joined */
		return;
	}
	t->path[t->npath].proc = proc;
	t->path[t->npath].start_ns = a;
	t->path[t->npath].end_ns = b;
	t->npath++;
}

/* The critical path: the chain of processes that set the wall time, through fork and wait edges.
   Walk back from the end of the command. At a process P and a time t (first: the command, at its
   end), P's time up to t is explained by the child of P that ended last at or before t: the parent
   waited for it (a parent that waits for its children ends after the last of them). So the stretch
   from that child's end to t is P's own step, the path goes into the child at its end, and once the
   child's life has been explained back to its start (its fork edge), the walk returns to P at the
   child's start and looks for the child that ended last before that. A process with no such child
   accounts for the rest of its life back to its start itself. Children that were still running at t
   (never waited for at t) and those whose end is unknown are not on the path. The steps, written
   back to front and then reversed, cover the command's life exactly once: their durations add up to
   the wall time. Iterative, with an explicit stack of the parents to return to. */
static void tree_critical_path(struct tree *t, size_t root)
{
	size_t *stack = xmalloc(t->nprocs * sizeof *stack), nstack = 0, *next = xcalloc(t->nprocs, sizeof *next);
	size_t cur = root, i;
	int64_t at = t->procs[root].end_ns;

	/* each process is entered at most once, and each entry and each process adds at most one step */
	t->path = xmalloc((2 * t->nprocs + 1) * sizeof *t->path);

	for (i = 0; i < t->nprocs; i++)
		next[i] = t->procs[i].nchildren; /* children ordered by end: scan down from the last */
	for (;;) {
		struct tree_proc *p = &t->procs[cur];
		size_t child = SIZE_MAX;
		while (next[cur] > 0) {
			struct tree_proc *c = &t->procs[p->children[--next[cur]]];
			/* one still running at the time never held P up then, nor later: at only decreases */
			if (c->end_ns >= 0 && c->end_ns <= at && c->start_ns >= p->start_ns) {
				child = p->children[next[cur]];
				break;
			}
		}
		if (child != SIZE_MAX) {
			tree_step(t, cur, t->procs[child].end_ns, at);
			stack[nstack++] = cur;
			cur = child;
			at = t->procs[child].end_ns;
			continue;
		}
		tree_step(t, cur, p->start_ns, at);
		if (!nstack)
			break;
		at = p->start_ns;
		cur = stack[--nstack];
	}
	for (i = 0; i < t->npath / 2; i++) {
		struct tree_step s = t->path[i];
		t->path[i] = t->path[t->npath - 1 - i];
		t->path[t->npath - 1 - i] = s;
	}
	free(stack);
	free(next);
}

/* Order each process's children by end, then find the executables and the critical path from root
   (SIZE_MAX: the command was never seen, so there is no path). */
void tree_analyze(struct tree *t, size_t root)
{
	size_t i;

	tree_sorting = t;
	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].nchildren)
			qsort(t->procs[i].children, t->procs[i].nchildren, sizeof *t->procs[i].children, tree_by_end);
	tree_exes(t);
	if (root != SIZE_MAX)
		tree_critical_path(t, root);
}

/* A short name for p for a line of text: the executable, then the first argument that names a source
   file (else an object or library, else the last argument), "..." between them when arguments were left out. */
size_t tree_brief(const struct tree_proc *p, char *buf, size_t len)
{
	static const char *const exts[] = { ".c", ".cc", ".cpp", ".cxx", ".C", ".c++", ".s", ".S", ".f", ".f90", ".m",
					    ".mm", ".rs", ".go", ".java", ".py", NULL, ".o", ".a", ".so", NULL };
	const char *found[2] = { NULL, NULL }, *last = NULL, *a, *base, *end;
	size_t k;

	if (!p->cmdline || !p->cmdline_len)
		return (size_t)snprintf(buf, len, "[%s]", p->comm);
	end = p->cmdline + p->cmdline_len;
	base = strrchr(p->cmdline, '/');
	base = base ? base + 1 : p->cmdline;
	if ((size_t)(end - base) <= 60) { /* short enough to show whole */
		size_t n = (size_t)(end - base), i;
		for (i = 0; i < n && i + 1 < len; i++)
			buf[i] = base[i] ? base[i] : ' ';
		if (len)
			buf[i] = '\0';
		return n;
	}
	for (a = p->cmdline + strlen(p->cmdline) + 1; a < end; a += strlen(a) + 1) {
		const char *dot = strrchr(a, '.');
		int kind = 0;
		last = a;
		if (a[0] == '-' || !dot)
			continue;
		for (k = 0; k < sizeof exts / sizeof exts[0]; k++) {
			if (!exts[k])
				kind++;
			else if (!found[kind] && strcmp(dot, exts[k]) == 0)
				found[kind] = a;
		}
	}
	a = found[0] ? found[0] : found[1] ? found[1] : last;
	if (strlen(a) > 48) /* a script, not a file name: its start */
		return (size_t)snprintf(buf, len, "%s ... %.45s...", base, a);
	return (size_t)snprintf(buf, len, "%s ... %s", base, a);
}
