/* bench/stats.c: the statistics of one metric over many runs: moments, quantiles, intervals, outliers. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptime.h"

/* The p-quantile of n sorted values by linear interpolation between order statistics (R's type 7,
   numpy's default): h = (n-1)p, then x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). */
double stats_quantile(const double *sorted, size_t n, double p)
{
	double h, f;
	size_t lo;

	if (n == 0 || isnan(p))
		return NAN;
	if (p <= 0)
		return sorted[0];
	if (p >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * p;
	f = floor(h);
	lo = (size_t)f;
	if (lo + 1 >= n)
		return sorted[n - 1];
	if (h == f)
		return sorted[lo];
	return sorted[lo] + (h - f) * (sorted[lo + 1] - sorted[lo]);
}

/* P(X <= k) for X binomial(n, 1/2): the sign test's distribution, which places a sample's median
   among its order statistics whatever the distribution of the values. Summed downwards from k,
   where the terms fall geometrically, with the first one from lgamma so that no 2^-n underflows; the rounding of lgamma leaves some
   1e-11 of relative error at n = 10,000. */
double stats_binom_half_cdf(size_t n, size_t k)
{
	double t, sum;
	size_t i;

	if (k >= n)
		return 1;
	if (2 * k + 1 > n) {
		/* the upper half by symmetry, P(X <= k) = 1 - P(X <= n-k-1): its terms start too small */
		return 1 - stats_binom_half_cdf(n, n - k - 1);
	}
	t = exp(lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) - (double)n * M_LN2);
	sum = t;
	for (i = k; i > 0 && t > sum * 1e-17; i--) {
		t *= (double)i / (double)(n - i + 1);
		sum += t;
	}
	return sum > 1 ? 1 : sum;
}

/* The 95% distribution-free interval of the median: [x_(j), x_(n-j+1)] covers it with probability
   1 - 2 P(X <= j-1), X binomial(n, 1/2) (the sign test inverted: Conover, Practical Nonparametric
   Statistics; R asbio's ci.median). The narrowest such pair is the largest j with
   P(X <= j-1) <= 0.025, i.e. j = qbinom(0.025, n, 1/2). Even j = 1 covers only 1 - 2^(1-n), under
   95% for n < 6: there the interval does not exist, and ci is NAN. */
bool stats_median_ci(const double *sorted, size_t n, double ci[2])
{
	double est;
	size_t t;

	ci[0] = ci[1] = NAN;
	if (n < 6)
		return false;
	/* t = j - 1: start at the normal approximation, then step to the exact boundary. */
	est = (double)n / 2 - 0.98 * sqrt((double)n) - 1;
	t = est > 0 ? (size_t)est : 0;
	while (t > 0 && stats_binom_half_cdf(n, t) > 0.025)
		t--;
	while (t + 1 < n / 2 && stats_binom_half_cdf(n, t + 1) <= 0.025)
		t++;
	if (stats_binom_half_cdf(n, t) > 0.025)
		return false;
	ci[0] = sorted[t];
	ci[1] = sorted[n - 1 - t];
	return true;
}

/* The standard normal quantile: Acklam's rational approximation (relative error 1.15e-9), then
   Halley steps on the normal CDF from erf or erfc, which leave the error of a double. Computed in
   the lower half, where erfc's argument is positive, and with erf near 1/2: nothing cancels. */
double stats_z_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
		1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
		6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
		-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
		3.754408661907416e+00 };
	double x, q, r;
	int i;

	if (isnan(p))
		return NAN;
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p > 0.5)
		return -stats_z_quantile(1 - p);
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	for (i = 0; i < 2; i++) {
		/* Phi(x) - p; near the centre as erf(x/sqrt 2)/2 - (p - 1/2), where p - 1/2 is exact */
		double e = p > 0.25 ? 0.5 * erf(x / M_SQRT2) - (p - 0.5) : 0.5 * erfc(-x / M_SQRT2) - p;
		double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
		x -= u / (1 + x * u / 2);
	}
	return x;
}

/* The continued fraction of the incomplete beta function, by the modified Lentz method
   (Numerical Recipes, 2nd ed., 6.4): converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	int m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/* ln Gamma(a + 1/2) - ln Gamma(a). For large a, the difference of two lgamma values of some
   1e5 loses ten digits: there, Stirling's series with a log1p, whose terms are all small. */
static double lgamma_half_ratio(double a)
{
	double z0 = a, z1 = a + 0.5, s0, s1, r0 = 1 / (z0 * z0), r1 = 1 / (z1 * z1);

	if (a < 20)
		return lgamma(a + 0.5) - lgamma(a);
	s0 = (1.0 / 12 - r0 * (1.0 / 360 - r0 * (1.0 / 1260 - r0 * (1.0 / 1680 - r0 / 1188)))) / z0;
	s1 = (1.0 / 12 - r1 * (1.0 / 360 - r1 * (1.0 / 1260 - r1 * (1.0 / 1680 - r1 / 1188)))) / z1;
	return (a * log1p(0.5 / a) - 0.5) + 0.5 * log(a) + (s1 - s0);
}

/* The regularized incomplete beta I_x(a, b), given ln B(a, b), x, y = 1 - x, and their logs as
   the caller can compute them without cancellation (x near 1, or y near 0, lose nothing). */
static double beta_inc(double a, double b, double lbeta, double x, double y, double lx, double ly)
{
	double front;

	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	front = exp(a * lx + b * ly - lbeta);
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, y) / b;
}

/* ln Gamma(1/2) = ln sqrt(pi). */
#define LGAMMA_HALF 0.57236494292470008707

/* For t > 0, T Student's t with df degrees of freedom: P(T > t) = I_x(df/2, 1/2) / 2 when tail,
   else P(|T| < t) = I_y(1/2, df/2), with x = df/(df+t^2) and y = 1 - x. Each form is accurate
   where it is used: the tail far out, the central probability near 0. */
static double t_prob(double t, double df, bool tail)
{
	double s = t * t / df, l1 = log1p(s), x = 1 / (1 + s), y = s / (1 + s);
	double lbeta = LGAMMA_HALF - lgamma_half_ratio(df / 2);

	if (tail)
		return 0.5 * beta_inc(df / 2, 0.5, lbeta, x, y, -l1, log(s) - l1);
	return beta_inc(0.5, df / 2, lbeta, y, x, log(s) - l1, -l1);
}

/* The density of Student's t. */
static double t_pdf(double t, double df)
{
	return exp(lgamma_half_ratio(df / 2) - (df + 1) / 2 * log1p(t * t / df)) / sqrt(df * M_PI);
}

/* The p-quantile of Student's t with df degrees of freedom, to about 1e-12 relative (checked
   against 40-digit mpmath; scipy 1.10's t.ppf is good to only 1e-9 or so). Closed forms for df 1
   and 2. Otherwise the Cornish-Fisher expansion about the normal quantile (Abramowitz and Stegun
   26.7.5), which alone is exact to a double's precision for df > 1e5, starts Newton's method on
   the CDF (from the incomplete beta function), kept inside a bracket that every step narrows.
   NAN for df <= 0. */
double stats_t_quantile(double p, double df)
{
	double q, z, z2, t, target, lo = 0, hi = INFINITY;
	bool tail;
	int i;

	if (isnan(p) || isnan(df) || df <= 0)
		return NAN;
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -stats_t_quantile(1 - p, df);
	q = 1 - p;  /* exact for p in [0.5, 1] */
	if (df == 1)  /* tan of an exact argument, away from its pole */
		return q > 0.25 ? tan(M_PI * (p - 0.5)) : 1 / tan(M_PI * q);
	if (df == 2)
		return (2 * p - 1) / sqrt(2 * p * q);
	z = stats_z_quantile(p);
	z2 = z * z;
	t = z + z * (z2 + 1) / (4 * df) +
	    z * ((5 * z2 + 16) * z2 + 3) / (96 * df * df) +
	    z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * df * df * df) +
	    z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / (92160 * df * df * df * df);
	if (df > 1e5)
		return t;
	if (!(t > 0))
		t = z;
	tail = q < 0.25;
	target = tail ? q : 2 * p - 1;
	for (i = 0; i < 200; i++) {
		/* g > 0: t is too small (the tail still too heavy, or the centre too light). */
		double g = tail ? t_prob(t, df, true) - target : target - t_prob(t, df, false), next;

		if (g == 0)
			break;
		if (g > 0)
			lo = t;
		else
			hi = t;
		next = t + g / ((tail ? 1 : 2) * t_pdf(t, df));
		if (!(next > lo && next < hi))
			next = isinf(hi) ? 2 * t : (lo + hi) / 2;
		if (fabs(next - t) <= 1e-15 * t) {
			t = next;
			break;
		}
		t = next;
	}
	return t;
}

/* Whether x is an outlier by the modified Z-score, 0.6745 |x - median| / MAD > 3.5 (Iglewicz and
   Hoaglin, How to Detect and Handle Outliers, 1993). A MAD of 0 means more than half the runs
   measured exactly the median: a count that mostly does not change, or a clock's granularity.
   Nothing is an outlier then. The fallback some use, the mean absolute deviation (|x - median| /
   (1.2533 meanAD)), would call one run of 121 faults among nine of 120 an outlier, which is the
   ordinary scatter of a discrete metric, and it would need more than median and MAD to decide. */
bool stats_outlier(double x, double median, double mad)
{
	return mad > 0 && 0.6745 * fabs(x - median) / mad > 3.5;
}

/* The median of |x - m| over sorted x, where m is their median. The deviations of the values
   below m grow leftwards and those above it rightwards: merging the two runs outwards from m
   reaches the middle ranks in n/2 steps, with no second sort and no copy. */
static double stats_mad(const double *s, size_t n, double m)
{
	size_t l = n / 2, r, k, k1 = (n - 1) / 2, k2 = n / 2;
	double v = 0, v1 = 0;

	/* l: how many values lie below m. */
	while (l > 0 && s[l - 1] >= m)
		l--;
	while (l < n && s[l] < m)
		l++;
	r = l;
	for (k = 0; k <= k2; k++) {
		if (r >= n || (l > 0 && m - s[l - 1] <= s[r] - m))
			v = m - s[--l];
		else
			v = s[r++] - m;
		if (k == k1)
			v1 = v;
	}
	return v1 == v ? v : v1 + 0.5 * (v - v1);
}

/* Fill out with the statistics of the n values x (none NaN; x is not changed). */
void stats_compute(const double *x, size_t n, struct bench_stats *out)
{
	double *s, sum = 0, ss = 0, t;
	size_t i;

	memset(out, 0, sizeof *out);
	out->n = n;
	if (n == 0) {
		out->mean = out->stddev = out->median = out->min = out->max = NAN;
		out->q1 = out->q3 = out->mad = NAN;
		out->mean_ci[0] = out->mean_ci[1] = out->median_ci[0] = out->median_ci[1] = NAN;
		return;
	}
	s = xmalloc(n * sizeof *s);
	memcpy(s, x, n * sizeof *s);
	sort_doubles(s, n);
	out->min = s[0];
	out->max = s[n - 1];
	out->median = stats_quantile(s, n, 0.5);
	out->q1 = stats_quantile(s, n, 0.25);
	out->q3 = stats_quantile(s, n, 0.75);
	/* Sums of deviations from the median, not of the values: runs that all measured the same
	   value then have exactly that mean and a standard deviation of exactly 0. */
	for (i = 0; i < n; i++)
		sum += s[i] - out->median;
	out->mean = out->median + sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (s[i] - out->mean) * (s[i] - out->mean);
	out->mad = stats_mad(s, n, out->median);
	if (n >= 2) {
		out->stddev = sqrt(ss / (double)(n - 1));
		t = stats_t_quantile(0.975, (double)(n - 1)) * out->stddev / sqrt((double)n);
		out->mean_ci[0] = out->mean - t;
		out->mean_ci[1] = out->mean + t;
	} else {
		out->stddev = out->mean_ci[0] = out->mean_ci[1] = NAN;
	}
	stats_median_ci(s, n, out->median_ci);
	for (i = 0; i < n; i++)
		out->outliers += stats_outlier(s[i], out->median, out->mad);
	free(s);
}
