/* bench/compare.c: one metric of a command against its reference: ratio of medians, its CI, a verdict. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* The exact distribution of U is used up to this many values in each sample, when none tie: its
   lower tail costs at most MW_EXACT_MAX^3 / 2 additions (62,500: well under a millisecond). */
#define MW_EXACT_MAX 50

/* Price and Bonett's interval needs the order statistic of rank c = round(n/2 - sqrt(n)) >= 1. */
#define PB_MIN_N 6

/* P(U <= k) * 2 for U the Mann-Whitney statistic of samples of m and n values without ties. The
   counts of U are the coefficients of the Gaussian binomial [m+n choose m]_q, built as the product
   over i = 1..m of (1 - q^(n+i)) / (1 - q^i) (Harding, Applied Statistics 33, 1984); only the
   coefficients up to degree k are needed. All of them stay non-negative below the mode, so the
   doubles lose no digits to cancellation. */
static double mw_exact(size_t m, size_t n, size_t k)
{
	double d[MW_EXACT_MAX * MW_EXACT_MAX / 2 + 1], sum = 0, total = 1;
	size_t i, u;

	memset(d, 0, (k + 1) * sizeof d[0]);
	d[0] = 1;
	for (i = 1; i <= m; i++) {
		for (u = k; u >= n + i; u--)
			d[u] -= d[u - n - i];
		for (u = i; u <= k; u++)
			d[u] += d[u - i];
		total = total * (double)(n + i) / (double)i;
	}
	for (u = 0; u <= k; u++)
		sum += d[u];
	return 2 * sum / total;
}

/* The Mann-Whitney test on two sorted samples: ranks by one merge (midranks for ties), then the
   exact p-value for small samples without ties, else the normal approximation with the tie
   correction of the variance and a continuity correction of 1/2 (scipy.stats.mannwhitneyu with
   method 'exact' and 'asymptotic', use_continuity=True; Hollander and Wolfe, 4.1). */
static double mw_sorted(const double *a, size_t na, const double *b, size_t nb)
{
	double r1 = 0, ties = 0, pos = 0, u1, u2, mu, s, z, p, nn;
	size_t i = 0, j = 0;

	if (na == 0 || nb == 0)
		return NAN;
	while (i < na || j < nb) {
		double v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j], t;
		size_t ca = 0, cb = 0;

		for (; i < na && a[i] == v; i++)
			ca++;
		for (; j < nb && b[j] == v; j++)
			cb++;
		t = (double)(ca + cb);
		r1 += (double)ca * (pos + (t + 1) / 2);
		ties += t * t * t - t;
		pos += t;
	}
	u1 = r1 - (double)na * ((double)na + 1) / 2;
	u2 = (double)na * (double)nb - u1;
	if (ties == 0 && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
		p = mw_exact(na < nb ? na : nb, na < nb ? nb : na, (size_t)(u1 < u2 ? u1 : u2));
		return p > 1 ? 1 : p;
	}
	nn = (double)(na + nb);
	mu = (double)na * (double)nb / 2;
	s = sqrt((double)na * (double)nb / 12 * (nn + 1 - ties / (nn * (nn - 1))));
	if (!(s > 0))
		return 1;  /* every value ties: nothing tells the samples apart */
	z = ((u1 > u2 ? u1 : u2) - mu - 0.5) / s;
	p = erfc(z / M_SQRT2);
	return p > 1 ? 1 : p < 0 ? 0 : p;
}

static double *compare_sorted(const double *x, size_t n)
{
	double *s = xmalloc((n ? n : 1) * sizeof *s);

	memcpy(s, x, n * sizeof *s);
	sort_doubles(s, n);
	return s;
}

/* Two-sided p-value of the Mann-Whitney U test that a and b come from the same distribution. */
double compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb)
{
	double *sa, *sb, p;

	if (na == 0 || nb == 0)
		return NAN;
	sa = compare_sorted(a, na);
	sb = compare_sorted(b, nb);
	p = mw_sorted(sa, na, sb, nb);
	free(sa);
	free(sb);
	return p;
}

/* The standard error of the log of a sample's median, by Price and Bonett: with c = round(n/2 -
   sqrt(n)), [x_(c), x_(n-c+1)] covers the median with probability 1 - 2P, P = P(X <= c-1) for X
   binomial(n, 1/2), so (ln x_(n-c+1) - ln x_(c)) / (2 z) with z = the normal quantile of 1 - P is
   the standard error that a normal interval of that coverage would have. Their published code
   (statpsych's ci.ratio.median2) raises c to 1 below n = 6; here those n have no interval (false),
   as stats_median_ci has none, rather than one from the two extreme values. False too when
   x_(c) is not positive (its log is undefined). */
static bool compare_log_se(const double *s, size_t n, double *se)
{
	double c, lo, hi, z;
	size_t k;

	if (n < PB_MIN_N)
		return false;
	c = round((double)n / 2 - sqrt((double)n));
	k = (size_t)c;
	lo = s[k - 1];
	hi = s[n - k];
	if (!(lo > 0))
		return false;
	z = stats_z_quantile(1 - stats_binom_half_cdf(n, k - 1));
	*se = (log(hi) - log(lo)) / (2 * z);
	return true;
}

/* The ratio of the medians of a (the command's values) and b (the reference's), its 95% CI and a
   verdict with a noise band of noise_pct percent.

   The interval is Price and Bonett's distribution-free one (R. M. Price and D. G. Bonett,
   Distribution-free confidence intervals for difference and ratio of medians, J. Stat. Comput.
   Simul. 72(2), 2002, 119-124; in code as statpsych's ci.ratio.median2, Bonett and Price 2020):
   exp(ln(m_a / m_b) +- z_0.975 sqrt(se_a^2 + se_b^2)), each se from compare_log_se. It needs at
   least PB_MIN_N values in each sample; with fewer, or a median that is not positive, or negative
   values (the ratio of medians assumes a ratio scale), ratio or CI stay NAN and the verdict is
   BENCH_UNDECIDED. A zero among the values is allowed when neither the median nor the order
   statistic x_(c) is zero (a run with 0 sys time among others with some). When every value of
   both samples is one and the same (0 major faults in every run of both), the ratio is 1 with
   the CI [1, 1] and no difference, at any n. Nothing here is random: an export reproduces. */
void compare_ratio(const double *a, size_t na, const double *b, size_t nb, double noise_pct, struct bench_ratio *out)
{
	double *sa, *sb, ma, mb, sea, seb, h, noise = noise_pct / 100;

	out->ratio = out->ci[0] = out->ci[1] = out->p_value = NAN;
	out->verdict = BENCH_UNDECIDED;
	if (na == 0 || nb == 0)
		return;
	sa = compare_sorted(a, na);
	sb = compare_sorted(b, nb);
	out->p_value = mw_sorted(sa, na, sb, nb);
	if (sa[0] == sa[na - 1] && sb[0] == sb[nb - 1] && sa[0] == sb[0]) {
		out->ratio = out->ci[0] = out->ci[1] = 1;
		out->verdict = BENCH_NO_DIFFERENCE;
		goto done;
	}
	if (sa[0] < 0 || sb[0] < 0)
		goto done;
	ma = stats_quantile(sa, na, 0.5);
	mb = stats_quantile(sb, nb, 0.5);
	if (!(ma > 0 && mb > 0))
		goto done;
	out->ratio = ma / mb;
	if (!compare_log_se(sa, na, &sea) || !compare_log_se(sb, nb, &seb))
		goto done;
	h = stats_z_quantile(0.975) * sqrt(sea * sea + seb * seb);
	/* ratio * exp(+-h) rather than exp(ln ratio +- h): the interval then always holds the ratio. */
	out->ci[0] = out->ratio * exp(-h);
	out->ci[1] = out->ratio * exp(h);
	if (out->ci[0] > 1 + noise)
		out->verdict = BENCH_SLOWER;
	else if (out->ci[1] < 1 - noise)
		out->verdict = BENCH_FASTER;
	else
		out->verdict = BENCH_NO_DIFFERENCE;
done:
	free(sa);
	free(sb);
}
