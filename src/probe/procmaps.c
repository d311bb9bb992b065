/* probe/procmaps.c: the executable mappings of each process the sampler sees, replayed from the
   side-band records: an interval treap per process (O(log n) map and look-up, whatever a JIT
   does), shared between a parent and its forked child until either changes, freed at exit. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ptime.h"

struct pm_node {
	struct pm_map m;
	uint32_t prio;
	struct pm_node *l, *r;
};

/* One table of mappings; several processes may share it (refs) until one of them changes it. */
struct pm_table {
	struct pm_node *root;
	size_t n, refs;
	uint64_t version;          /* new at every change: the unwinder's key for this set */
	struct unwind_map *snap;   /* the mappings as an array, for the unwinder, at snap_version */
	size_t nsnap;
	uint64_t snap_version;
};

struct pm_proc {
	int pid;              /* 0: free slot; -1: deleted */
	char comm[16];
	struct pm_table *t;
};

struct procmaps {
	struct pm_proc *tab;
	size_t cap, used, live;
	uint32_t seed;
	size_t nodes;         /* across all tables, for the bound on ptime's memory */
	uint64_t versions;
};

static uint32_t pm_rand(struct procmaps *pm)
{
	/* xorshift: the treap needs priorities, not good randomness */
	uint32_t x = pm->seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return pm->seed = x;
}

/* Split t into keys < k and keys >= k. */
static void pm_split(struct pm_node *t, uint64_t k, struct pm_node **l, struct pm_node **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (t->m.start < k) {
		pm_split(t->r, k, &t->r, r);
		*l = t;
	} else {
		pm_split(t->l, k, l, &t->l);
		*r = t;
	}
}

static struct pm_node *pm_merge(struct pm_node *l, struct pm_node *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->r = pm_merge(l->r, r);
		return l;
	}
	r->l = pm_merge(l, r->l);
	return r;
}

static void pm_free_nodes(struct procmaps *pm, struct pm_node *t, size_t *n)
{
	/* iterative on the right spine, recursive on the left: depth is O(log n) in a treap */
	while (t) {
		struct pm_node *r = t->r;
		pm_free_nodes(pm, t->l, n);
		free(t);
		pm->nodes--;
		if (n)
			(*n)--;
		t = r;
	}
}

static struct pm_node *pm_clone(struct procmaps *pm, const struct pm_node *t)
{
	struct pm_node *c;
	if (!t)
		return NULL;
	c = xmalloc(sizeof *c);
	*c = *t;
	pm->nodes++;
	c->l = pm_clone(pm, t->l);
	c->r = pm_clone(pm, t->r);
	return c;
}

static struct pm_node *pm_last(struct pm_node *t)
{
	while (t && t->r)
		t = t->r;
	return t;
}

/* A new node for what of mapping from lies at or past end, when the mapping is cut at end. */
static struct pm_node *pm_tail(struct procmaps *pm, struct pm_table *t, const struct pm_node *from, uint64_t end)
{
	struct pm_node *tail = xmalloc(sizeof *tail);
	pm->nodes++;
	t->n++;
	*tail = *from;
	tail->l = tail->r = NULL;
	tail->prio = pm_rand(pm);
	tail->m.pgoff += end - from->m.start;
	tail->m.start = end;
	return tail;
}

static void pm_unref(struct procmaps *pm, struct pm_table *t)
{
	if (t && --t->refs == 0) {
		pm_free_nodes(pm, t->root, NULL);
		free(t->snap);
		free(t);
	}
}

/* A new, empty set of processes. */
struct procmaps *procmaps_new(void)
{
	struct procmaps *pm = xcalloc(1, sizeof *pm);
	pm->seed = 2463534242u;
	return pm;
}

static struct pm_proc *pm_slot(struct procmaps *pm, int pid, bool create)
{
	size_t i, del = (size_t)-1;

	if (pid <= 0)
		return NULL; /* 0 and -1 mark free and deleted slots; no task of the command has them */
	if (create && (pm->used + 1) * 2 > pm->cap) {
		struct pm_proc *old = pm->tab;
		size_t oldcap = pm->cap;
		pm->cap = pm->live * 4 > 64 ? pm->live * 4 : 64;
		pm->tab = xcalloc(pm->cap, sizeof *pm->tab);
		pm->used = pm->live = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].pid > 0) {
				struct pm_proc *d = pm_slot(pm, old[i].pid, true);
				*d = old[i];
			}
		free(old);
	}
	if (!pm->cap)
		return NULL;
	for (i = (size_t)(unsigned)pid * 2654435761u % pm->cap;; i = (i + 1) % pm->cap) {
		if (pm->tab[i].pid == pid)
			return &pm->tab[i];
		if (pm->tab[i].pid == -1 && del == (size_t)-1)
			del = i;
		if (pm->tab[i].pid == 0) {
			if (!create)
				return NULL;
			if (del != (size_t)-1)
				i = del;
			else
				pm->used++;
			memset(&pm->tab[i], 0, sizeof pm->tab[i]);
			pm->tab[i].pid = pid;
			pm->live++;
			return &pm->tab[i];
		}
	}
}

/* The comm of process pid, or NULL when it is not known. */
const char *procmaps_comm(struct procmaps *pm, int pid)
{
	struct pm_proc *p = pm_slot(pm, pid, false);
	return p ? p->comm : NULL;
}

/* Process pid took a new name (a thread's COMM is not the process's; exec clears the mappings). */
void procmaps_comm_set(struct procmaps *pm, int pid, const char *comm, bool exec)
{
	struct pm_proc *p = pm_slot(pm, pid, true);
	if (!p)
		return;
	if (exec) {
		pm_unref(pm, p->t);
		p->t = NULL;
	}
	snprintf(p->comm, sizeof p->comm, "%s", comm);
}

/* Process pid forked from ppid: it shares the parent's mappings until either changes them. */
void procmaps_fork(struct procmaps *pm, int pid, int ppid)
{
	struct pm_proc *parent, *p;
	struct pm_table *t;
	char comm[16];

	parent = pm_slot(pm, ppid, false);
	if (!parent)
		return;
	t = parent->t;
	memcpy(comm, parent->comm, sizeof comm);
	p = pm_slot(pm, pid, true); /* may move the table: parent is not used after this */
	if (!p)
		return;
	pm_unref(pm, p->t);
	p->t = t;
	if (t)
		t->refs++;
	memcpy(p->comm, comm, sizeof p->comm);
}

/* Process pid exited: its state goes. */
void procmaps_exit(struct procmaps *pm, int pid)
{
	struct pm_proc *p = pm_slot(pm, pid, false);
	if (!p)
		return;
	pm_unref(pm, p->t);
	p->t = NULL;
	p->pid = -1;
	pm->live--;
}

/* Process pid mapped [start, start+len) of a file at pgoff: it replaces what it overlaps, as mmap does. */
void procmaps_map(struct procmaps *pm, int pid, const struct pm_map *m)
{
	struct pm_proc *p = pm_slot(pm, pid, true);
	struct pm_table *t;
	struct pm_node *l, *mid, *r, *prev, *n, *tail = NULL;
	uint64_t end = m->end;

	if (!p || m->end <= m->start)
		return;
	t = p->t;
	if (!t) {
		t = p->t = xcalloc(1, sizeof *t);
		t->refs = 1;
	} else if (t->refs > 1) {
		/* copy on write: the other processes keep the old table */
		struct pm_table *c = xcalloc(1, sizeof *c);
		c->root = pm_clone(pm, t->root);
		c->version = ++pm->versions;
		c->n = t->n;
		c->refs = 1;
		t->refs--;
		t = p->t = c;
	}
	pm_split(t->root, m->start, &l, &r);
	/* the mapping before start may reach into the new one: cut it, keeping what lies past end */
	prev = pm_last(l);
	if (prev && prev->m.end > m->start) {
		if (prev->m.end > end)
			tail = pm_tail(pm, t, prev, end);
		prev->m.end = m->start;
	}
	pm_split(r, end, &mid, &r);
	/* mappings starting inside the new one are gone, but the last may run past its end */
	if (mid) {
		struct pm_node *last = pm_last(mid);
		if (last->m.end > end && !tail)
			tail = pm_tail(pm, t, last, end);
		pm_free_nodes(pm, mid, &t->n);
	}
	t->version = ++pm->versions;
	n = xmalloc(sizeof *n);
	pm->nodes++;
	t->n++;
	n->m = *m;
	n->l = n->r = NULL;
	n->prio = pm_rand(pm);
	t->root = pm_merge(pm_merge(l, n), pm_merge(tail, r));
}

/* The mapping of process pid that holds addr, or NULL. */
const struct pm_map *procmaps_find(struct procmaps *pm, int pid, uint64_t addr)
{
	struct pm_proc *p = pm_slot(pm, pid, false);
	const struct pm_node *t, *best = NULL;

	if (!p || !p->t)
		return NULL;
	for (t = p->t->root; t;) {
		if (t->m.start <= addr) {
			best = t;
			t = t->r;
		} else {
			t = t->l;
		}
	}
	return best && addr < best->m.end ? &best->m : NULL;
}

static void pm_walk(const struct pm_node *t, struct unwind_map *out, size_t *n)
{
	while (t) {
		pm_walk(t->l, out, n);
		out[(*n)++] = (struct unwind_map){ t->m.start, t->m.end, t->m.pgoff, t->m.path, t->m.dev, t->m.ino };
		t = t->r;
	}
}

/* The mappings of process pid as a sorted array for the unwinder, rebuilt only when they changed;
   *key names exactly this set. Returns how many, 0 when the process is not known. */
size_t procmaps_snapshot(struct procmaps *pm, int pid, const struct unwind_map **out, uint64_t *key)
{
	struct pm_proc *p = pm_slot(pm, pid, false);
	struct pm_table *t;

	if (!p || !p->t)
		return 0;
	t = p->t;
	if (!t->snap || t->snap_version != t->version) {
		t->snap = xrealloc(t->snap, (t->n + 1) * sizeof *t->snap);
		t->nsnap = 0;
		pm_walk(t->root, t->snap, &t->nsnap);
		t->snap_version = t->version;
	}
	*out = t->snap;
	*key = t->version;
	return t->nsnap;
}

/* How many mapping nodes are held across all processes (for tests of the bound). */
size_t procmaps_nodes(const struct procmaps *pm)
{
	return pm->nodes;
}

/* Free every process and table. */
void procmaps_free(struct procmaps *pm)
{
	size_t i;
	if (!pm)
		return;
	for (i = 0; i < pm->cap; i++)
		if (pm->tab[i].pid > 0)
			pm_unref(pm, pm->tab[i].t);
	free(pm->tab);
	free(pm);
}
