/* util/sort.c: sorting doubles fast: benchmark mode sorts every metric of up to thousands of runs. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* Partitions smaller than this are finished by insertion sort. */
#define SORT_SMALL 16

static void sort_insertion(double *x, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		double v = x[i];
		for (j = i; j > 0 && x[j - 1] > v; j--)
			x[j] = x[j - 1];
		x[j] = v;
	}
}

static void sort_sift(double *x, size_t i, size_t n)
{
	double v = x[i];
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && x[c + 1] > x[c])
			c++;
		if (!(x[c] > v))
			break;
		x[i] = x[c];
		i = c;
	}
	x[i] = v;
}

static void sort_heap(double *x, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sort_sift(x, i, n);
	for (i = n; i-- > 1;) {
		double t = x[0];
		x[0] = x[i];
		x[i] = t;
		sort_sift(x, 0, i);
	}
}

static void sort_swap(double *x, size_t i, size_t j)
{
	double t = x[i];
	x[i] = x[j];
	x[j] = t;
}

/* Introsort: quicksort with the comparison inlined (qsort's call per comparison costs twice the
   time on 10,000 values), Hoare partitioning so that a metric whose runs all measure the same
   count still sorts in n log n, and heapsort past a depth bound so that no input is quadratic. */
static void sort_intro(double *x, size_t n, unsigned depth)
{
	while (n > SORT_SMALL) {
		size_t m = n / 2, i, j;
		double p;

		if (depth-- == 0) {
			sort_heap(x, n);
			return;
		}
		/* Median of three, left in order: x[0] <= p <= x[n-1] bound both scans. */
		if (x[m] < x[0])
			sort_swap(x, m, 0);
		if (x[n - 1] < x[m]) {
			sort_swap(x, n - 1, m);
			if (x[m] < x[0])
				sort_swap(x, m, 0);
		}
		p = x[m];
		i = 0;
		j = n - 1;
		for (;;) {
			while (x[i] < p)
				i++;
			while (x[j] > p)
				j--;
			if (i >= j)
				break;
			sort_swap(x, i, j);
			i++;
			j--;
		}
		/* Now x[0..j] <= p <= x[j+1..n-1], both parts non-empty: recurse into the smaller. */
		if (j + 1 < n - j - 1) {
			sort_intro(x, j + 1, depth);
			x += j + 1;
			n -= j + 1;
		} else {
			sort_intro(x + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	sort_insertion(x, n);
}

/* From this many values on, the radix sort is faster than the introsort (0.1 against 0.5 ms for
   10,000 values on this VM; qsort takes 1.2). */
#define SORT_RADIX_MIN 512
#define RADIX_BITS 11
#define RADIX_PASSES 6   /* 6 * 11 bits cover the 64 of a double */

/* LSD radix sort of the doubles' bits, mapped so that unsigned order is numeric order (negatives
   inverted, positives with the sign bit set). The passes go between x itself (the keys' bits, by
   memcpy) and one buffer of n keys: under glibc's 128 KB mmap threshold for 10,000 values, where
   a second buffer would cost fresh pages on every call. A pass whose digit all the values share
   (the exponent bits of timings in one range) is skipped. */
static void sort_radix(double *x, size_t n)
{
	size_t nb = (size_t)1 << RADIX_BITS, i, d;
	uint64_t *tmp = xmalloc(n * sizeof *tmp), u;
	uint32_t count[RADIX_PASSES << RADIX_BITS];  /* 48 KB: on the stack, no page to fault in */
	bool in_tmp = false;  /* where the keys are now */

	memset(count, 0, sizeof count);
	for (i = 0; i < n; i++) {
		memcpy(&u, &x[i], sizeof u);
		u = u >> 63 ? ~u : u | (uint64_t)1 << 63;
		memcpy(&x[i], &u, sizeof u);
		for (d = 0; d < RADIX_PASSES; d++)
			count[d * nb + ((u >> (d * RADIX_BITS)) & (nb - 1))]++;
	}
	for (d = 0; d < RADIX_PASSES; d++) {
		uint32_t *c = count + d * nb, sum = 0, k;
		unsigned shift = (unsigned)(d * RADIX_BITS);

		if (in_tmp)
			u = tmp[0];
		else
			memcpy(&u, &x[0], sizeof u);
		if (c[(u >> shift) & (nb - 1)] == n)
			continue;
		for (k = 0; k < nb; k++) {
			uint32_t v = c[k];
			c[k] = sum;
			sum += v;
		}
		if (in_tmp) {
			for (i = 0; i < n; i++)
				memcpy(&x[c[(tmp[i] >> shift) & (nb - 1)]++], &tmp[i], sizeof u);
		} else {
			for (i = 0; i < n; i++) {
				memcpy(&u, &x[i], sizeof u);
				tmp[c[(u >> shift) & (nb - 1)]++] = u;
			}
		}
		in_tmp = !in_tmp;
	}
	for (i = 0; i < n; i++) {
		if (in_tmp)
			u = tmp[i];
		else
			memcpy(&u, &x[i], sizeof u);
		u = u >> 63 ? u & ~((uint64_t)1 << 63) : ~u;
		memcpy(&x[i], &u, sizeof u);
	}
	free(tmp);
}

/* Sort n doubles (no NaN) in ascending order, in place. */
void sort_doubles(double *x, size_t n)
{
	unsigned depth = 0;
	size_t k;

	if (n >= SORT_RADIX_MIN && n <= UINT32_MAX) {
		sort_radix(x, n);
		return;
	}
	for (k = n; k > 1; k >>= 1)
		depth += 2;
	sort_intro(x, n, depth);
}
