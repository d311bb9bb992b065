/* unit-stats.c: benchmark mode's statistics (bench/stats.c, compare.c) against values from numpy, scipy and mpmath. */
/* Expected values: every number below was computed independently of this code, by the Python
   script that follows (Debian 12's python3-numpy 1.24 and python3-scipy 1.10, and mpmath 1.2 at
   40 digits for the t quantiles, since scipy 1.10's t.ppf is good to only about 1e-9: it gives
   12.706204736432095 for df 1, where tan(0.475 pi) is 12.706204736174693), and pasted here.
   Python's round() is half-even and C's half-away, but n/2 - sqrt(n) is x.5 only for n an odd
   square, where both give the same even number.

   --- expect.py ---
   import math, statistics, numpy as np, mpmath
   from scipy import stats
   mpmath.mp.dps = 40
   def tq(p, df):  # Student t quantile, 40 digits: root of the incomplete-beta tail
       if p < 0.5: return -tq(1 - p, df)
       q = 1 - mpmath.mpf(p); df = mpmath.mpf(df)
       f = lambda t: mpmath.betainc(df/2, 0.5, 0, df/(df+t*t), regularized=True)/2 - q
       return mpmath.findroot(f, stats.t.ppf(p, float(df)))
   def describe(x):
       a = np.array(x, float); n = len(a); med = statistics.median(x)
       mad = statistics.median([abs(v - med) for v in x])
       sd = a.std(ddof=1) if n > 1 else math.nan
       h = float(tq(0.975, n-1)) * sd / math.sqrt(n) if n > 1 else math.nan
       if n >= 6:
           j = int(stats.binom.ppf(0.025, n, 0.5)); assert stats.binom.cdf(j-1, n, .5) <= 0.025 < stats.binom.cdf(j, n, .5)
           s = sorted(x); mci = (s[j-1], s[n-j])
       else: mci = (math.nan, math.nan)
       out = sum(1 for v in x if mad > 0 and 0.6745*abs(v-med)/mad > 3.5)
       return [n, a.mean(), sd, med, a.min(), a.max(), np.percentile(a, 25), np.percentile(a, 75), mad,
               a.mean()-h, a.mean()+h, mci[0], mci[1], out]
   def pb(y1, y2):  # statpsych ci.ratio.median2 (Bonett and Price), without its clamp of c to 1
       def se(y):
           n = len(y); y = sorted(y); c = round(n/2 - math.sqrt(n))
           p = stats.binom.cdf(c-1, n, .5)
           return (math.log(y[n-c]) - math.log(y[c-1])) / (2*stats.norm.ppf(1-p))
       r = np.median(y1)/np.median(y2); h = stats.norm.ppf(.975)*math.sqrt(se(y1)**2 + se(y2)**2)
       return r, r*math.exp(-h), r*math.exp(h)
   --- gen.py (prints the values) ---
   exec(open('expect.py').read())
   def lcg_vals(n, seed, base, spread):  # same as lcg() in unit-stats.c
       s = seed; out = []
       for i in range(n):
           s = (s * 6364136223846793005 + 1442695040888963407) % 2**64
           out.append(base * (1 + spread * ((s >> 11) / 9007199254740992.0)))
       return out
   sets = {
    'x10': [10234567, 10198765, 10312345, 10256789, 10187654, 10223456, 10401234, 10245678, 10211111, 10267890],
    'x1': [5e6], 'x2': [100, 300], 'x5': [3, 1, 4, 1, 5],
    'ties': [2, 2, 2, 3, 3, 4, 4, 4, 4, 5, 9, 2],
    'outl': [1000, 1002, 998, 1001, 999, 1003, 997, 1000, 5000, 1001, 20],
    'same': [7.25]*8, 'mad0': [120]*9 + [121], 'mad0big': [120]*9 + [100000],
    'x31': [0.512, 0.498, 0.505, 0.530, 0.489, 0.501, 0.499, 0.515, 0.507, 0.493, 0.521, 0.502, 0.496, 0.509, 0.511,
            0.488, 0.503, 0.527, 0.495, 0.500, 0.506, 0.514, 0.491, 0.504, 0.510, 0.497, 0.508, 0.519, 0.494, 0.502, 0.640],
   }
   for k, v in sets.items():
       print(k, ', '.join(repr(float(t)) for t in describe(v)))
   for n in [6, 7, 10, 20, 50, 100, 1000, 10000]:
       print('rank', n, int(stats.binom.ppf(0.025, n, 0.5)))
   for df, p in [(1,.975),(2,.975),(5,.975),(30,.975),(1000,.975),(3,.995),(30,.6),(1e6,.975),(9,.025)]:
       print('t', df, p, mpmath.nstr(tq(p, df), 20), repr(stats.t.ppf(p, df)))
   for p in [.975, 1e-10, 0.6]:
       print('z', p, repr(stats.norm.ppf(p)))
   from math import comb
   for n, k in [(10,1),(6,0),(10000,4900),(31,9)]:
       print('binom', n, k, repr(sum(comb(n,i) for i in range(k+1)) / 2**n), repr(stats.binom.cdf(k, n, .5)))
   mw = {
    'e1': ([1.1, 2.3, 3.5, 0.7, 5.2], [4.4, 6.1, 7.3, 2.9, 8.8, 9.0]),
    'e2': (sets['x10'], [v*1.003 + 1 for v in sets['x10'][::-1]] + [10300000.5, 10190000.5]),
    'a1': ([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 7, 7]),
    'a2': ([(i*7919 % 101) + 0.5 for i in range(60)], [(i*104729 % 103) + 0.25 for i in range(60)]),
   }
   for k, (a, b) in mw.items():
       print('mw', k, repr(stats.mannwhitneyu(a, b, method='exact').pvalue) if k[0]=='e' else '', repr(stats.mannwhitneyu(a, b, method='asymptotic', use_continuity=True).pvalue))
   print('mw same', stats.mannwhitneyu([3.0]*5, [3.0]*7, method='asymptotic').pvalue)
   y1 = [36, 44, 47, 42, 49, 39, 46, 31, 33, 48]; y2 = [32, 39, 26, 35, 43, 27, 40, 37, 34, 29, 49, 42, 40]
   print('pb statpsych', pb(y1, y2), stats.mannwhitneyu(y1, y2, method='asymptotic').pvalue)
   x10 = sets['x10']
   base = lcg_vals(20, 1, 1e7, 0.05)
   tight = lcg_vals(20, 5, 1e7, 0.0002)
   cases = {
    'slow': (lcg_vals(20, 2, 1.2e7, 0.05), base),
    'fast': (lcg_vals(20, 3, 0.8e7, 0.05), base),
    'band': ([v*1.005 for v in tight], tight),
    'over': (lcg_vals(20, 4, 1e7, 0.05), base),
   }
   for k, (a, b) in cases.items():
       r = pb(a, b); p = stats.mannwhitneyu(a, b, method='exact').pvalue
       print('pb', k, repr(r[0]), repr(r[1]), repr(r[2]), repr(p))
   print('lcg check', repr(base[0]), repr(base[19]))
   z16 = [0, 5, 3, 4, 6, 7, 5, 8, 6, 5, 4, 7, 6, 5, 9, 6]; o16 = [6, 7, 5, 8, 6, 7, 9, 6, 7, 8, 6, 7, 5, 7, 8, 10]
   print('pb zero16', pb(z16, o16), np.median(z16)/np.median([4, 5, 5, 6, 6, 7, 8, 9]))
*/
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ptime.h"
#include "tap.h"

static bool near(double got, double want, double tol)
{
	if (isnan(want))
		return isnan(got);
	return fabs(got - want) <= tol * (fabs(want) > 1e-300 ? fabs(want) : 1);
}

#define is_near(got, want, tol, ...) do { \
	double g_ = (got), w_ = (want); \
	ok(near(g_, w_, tol), __VA_ARGS__); \
	if (!near(g_, w_, tol)) printf("#   got:  %.17g\n#   want: %.17g\n", g_, w_); \
} while (0)

/* gen.py's lcg_vals: a 64-bit LCG, its top 53 bits as a uniform [0, 1). */
static void lcg(double *x, size_t n, uint64_t seed, double base, double spread)
{
	uint64_t s = seed;
	size_t i;

	for (i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = base * (1 + spread * ((double)(s >> 11) / 9007199254740992.0));
	}
}

/* want: describe()'s n, mean, sd, median, min, max, q1, q3, mad, mean CI, median CI, outliers. */
static void check_stats(const char *name, const double *x, size_t n, const double *want)
{
	static const char *const fields[] = { "mean", "stddev", "median", "min", "max", "q1", "q3", "mad",
		"mean_ci[0]", "mean_ci[1]", "median_ci[0]", "median_ci[1]" };
	double *copy = xmalloc(n * sizeof *copy), got[12];
	struct bench_stats s;
	size_t i;
	bool same = true;

	memcpy(copy, x, n * sizeof *copy);
	stats_compute(copy, n, &s);
	for (i = 0; i < n; i++)
		same = same && copy[i] == x[i];
	ok(same, "%s: the values are left as they were", name);
	is_int(s.n, (size_t)want[0], "%s: n", name);
	got[0] = s.mean, got[1] = s.stddev, got[2] = s.median, got[3] = s.min, got[4] = s.max;
	got[5] = s.q1, got[6] = s.q3, got[7] = s.mad, got[8] = s.mean_ci[0], got[9] = s.mean_ci[1];
	got[10] = s.median_ci[0], got[11] = s.median_ci[1];
	for (i = 0; i < 12; i++)
		is_near(got[i], want[i + 1], 1e-12, "%s: %s", name, fields[i]);
	is_int(s.outliers, (size_t)want[13], "%s: outliers", name);
	ok(s.why == NULL, "%s: no why", name);
	free(copy);
}

static const char *verdict_name(int v)
{
	return v == BENCH_NO_DIFFERENCE ? "no difference" : v == BENCH_FASTER ? "faster" :
	       v == BENCH_SLOWER ? "slower" : "undecided";
}

static void check_ratio(const char *name, const double *a, size_t na, const double *b, size_t nb,
			const double want[4], int verdict)
{
	struct bench_ratio r;

	compare_ratio(a, na, b, nb, 1, &r);
	is_near(r.ratio, want[0], 1e-12, "%s: ratio of medians", name);
	is_near(r.ci[0], want[1], 1e-12, "%s: CI low", name);
	is_near(r.ci[1], want[2], 1e-12, "%s: CI high", name);
	is_near(r.p_value, want[3], 1e-12, "%s: Mann-Whitney p", name);
	is_str(verdict_name(r.verdict), verdict_name(verdict), "%s: verdict", name);
}

/* Milliseconds of this thread's CPU time since *t0: wall time on a loaded 2-core VM says little. */
static double cpu_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

int main(void)
{
	static const double x10[] = { 10234567.0, 10198765.0, 10312345.0, 10256789.0, 10187654.0, 10223456.0, 10401234.0, 10245678.0, 10211111.0, 10267890.0 };
	static const double x10_want[] = { 10.0, 10253948.9, 63205.72289568933, 10240122.5, 10187654.0, 10401234.0, 10214197.25, 10265114.75, 28389.5, 10208734.2496297, 10299163.5503703, 10198765.0, 10312345.0, 1.0 };
	static const double x1[] = { 5000000.0 };
	static const double x1_want[] = { 1.0, 5000000.0, NAN, 5000000.0, 5000000.0, 5000000.0, 5000000.0, 5000000.0, 0.0, NAN, NAN, NAN, NAN, 0.0 };
	static const double x2[] = { 100.0, 300.0 };
	static const double x2_want[] = { 2.0, 200.0, 141.4213562373095, 200.0, 100.0, 300.0, 150.0, 250.0, 100.0, -1070.6204736174693, 1470.6204736174693, NAN, NAN, 0.0 };
	static const double x5[] = { 3.0, 1.0, 4.0, 1.0, 5.0 };
	static const double x5_want[] = { 5.0, 2.8, 1.7888543819998317, 3.0, 1.0, 5.0, 1.0, 4.0, 2.0, 0.5788439158417655, 5.021156084158234, NAN, NAN, 0.0 };
	static const double ties[] = { 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 5.0, 9.0, 2.0 };
	static const double ties_want[] = { 12.0, 3.6666666666666665, 1.9694638556693238, 3.5, 2.0, 9.0, 2.0, 4.0, 1.0, 2.415329032481052, 4.918004300852282, 2.0, 4.0, 1.0 };
	static const double outl[] = { 1000.0, 1002.0, 998.0, 1001.0, 999.0, 1003.0, 997.0, 1000.0, 5000.0, 1001.0, 20.0 };
	static const double outl_want[] = { 11.0, 1274.6363636363637, 1270.0689959783501, 1000.0, 20.0, 5000.0, 998.5, 1001.5, 2.0, 421.3924022236173, 2127.88032504911, 997.0, 1003.0, 2.0 };
	static const double same[] = { 7.25, 7.25, 7.25, 7.25, 7.25, 7.25, 7.25, 7.25 };
	static const double same_want[] = { 8.0, 7.25, 0.0, 7.25, 7.25, 7.25, 7.25, 7.25, 0.0, 7.25, 7.25, 7.25, 7.25, 0.0 };
	static const double mad0[] = { 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 121.0 };
	static const double mad0_want[] = { 10.0, 120.1, 0.31622776601683794, 120.0, 120.0, 121.0, 120.0, 120.0, 0.0, 119.87378428372017, 120.32621571627982, 120.0, 120.0, 0.0 };
	static const double mad0big[] = { 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 100000.0 };
	static const double mad0big_want[] = { 10.0, 10108.0, 31584.829269761773, 120.0, 120.0, 100000.0, 120.0, 120.0, 0.0, -12486.42574202847, 32702.42574202847, 120.0, 120.0, 0.0 };
	static const double x31[] = { 0.512, 0.498, 0.505, 0.53, 0.489, 0.501, 0.499, 0.515, 0.507, 0.493, 0.521, 0.502, 0.496, 0.509, 0.511, 0.488, 0.503, 0.527, 0.495, 0.5, 0.506, 0.514, 0.491, 0.504, 0.51, 0.497, 0.508, 0.519, 0.494, 0.502, 0.64 };
	static const double x31_want[] = { 31.0, 0.509225806451613, 0.026428153772595567, 0.504, 0.488, 0.64, 0.4975, 0.5115000000000001, 0.007000000000000006, 0.49953188138520954, 0.5189197315180164, 0.499, 0.51, 1.0 };
	struct bench_stats s;
	struct bench_ratio r;
	double ci[2], *big, *big2, t;
	struct timespec t0;
	size_t i;

	check_stats("n=10 timings", x10, 10, x10_want);
	check_stats("n=1", x1, 1, x1_want);
	check_stats("n=2", x2, 2, x2_want);
	check_stats("n=5", x5, 5, x5_want);
	check_stats("ties", ties, 12, ties_want);
	check_stats("outliers", outl, 11, outl_want);
	check_stats("identical", same, 8, same_want);
	check_stats("MAD 0, one off by 1", mad0, 10, mad0_want);
	check_stats("MAD 0, one far off", mad0big, 10, mad0big_want);
	check_stats("n=31", x31, 31, x31_want);

	stats_compute(NULL, 0, &s);
	ok(s.n == 0 && isnan(s.mean) && isnan(s.stddev) && isnan(s.median) && isnan(s.min) && isnan(s.max) &&
	   isnan(s.q1) && isnan(s.q3) && isnan(s.mad) && isnan(s.mean_ci[0]) && isnan(s.mean_ci[1]) &&
	   isnan(s.median_ci[0]) && isnan(s.median_ci[1]) && s.outliers == 0 && s.why == NULL,
	   "n=0: every statistic NAN");

	/* The median CI's ranks: on the values 1..n, the interval is [j, n-j+1], j = binom.ppf(0.025, n, 1/2). */
	{
		static const size_t ns[] = { 6, 7, 10, 20, 50, 100, 1000, 10000 };
		static const size_t js[] = { 1, 1, 2, 6, 18, 40, 469, 4902 };
		double *ranks = xmalloc(10000 * sizeof *ranks);

		for (i = 0; i < 10000; i++)
			ranks[i] = (double)(i + 1);
		for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
			ok(stats_median_ci(ranks, ns[i], ci) && ci[0] == (double)js[i] &&
			   ci[1] == (double)(ns[i] - js[i] + 1), "median CI of n=%zu: ranks %zu and %zu",
			   ns[i], js[i], ns[i] - js[i] + 1);
		}
		ok(!stats_median_ci(ranks, 5, ci) && isnan(ci[0]) && isnan(ci[1]), "no median CI for n=5");
		free(ranks);
	}

	is_near(stats_quantile(x5_want, 0, 0.5), NAN, 0, "quantile of nothing");
	is_near(stats_quantile((const double[]){ 1, 2, 4, 8 }, 4, 0.9), 6.8, 1e-15, "type 7 quantile 0.9 of 1 2 4 8");
	is_near(stats_quantile((const double[]){ 1, 2, 4, 8 }, 4, 1), 8, 0, "quantile 1 is the maximum");

	/* t quantiles: mpmath's 40 digits, rounded */
	is_near(stats_t_quantile(0.975, 1), 12.706204736174693314, 1e-13, "t(0.975, df 1)");
	is_near(stats_t_quantile(0.975, 2), 4.3026527297494617894, 1e-13, "t(0.975, df 2)");
	is_near(stats_t_quantile(0.975, 5), 2.5705818356363147828, 1e-12, "t(0.975, df 5)");
	is_near(stats_t_quantile(0.975, 30), 2.0422724563012378878, 1e-12, "t(0.975, df 30)");
	is_near(stats_t_quantile(0.975, 1000), 1.9623390808264081039, 1e-12, "t(0.975, df 1000)");
	is_near(stats_t_quantile(0.995, 3), 5.8409093097333554113, 1e-12, "t(0.995, df 3)");
	is_near(stats_t_quantile(0.6, 30), 0.25560536495191271444, 1e-12, "t(0.6, df 30), near the centre");
	is_near(stats_t_quantile(0.975, 1e6), 1.9599663568141066553, 1e-13, "t(0.975, df 1e6)");
	is_near(stats_t_quantile(0.025, 9), -2.2621571627982049992, 1e-12, "t(0.025, df 9), the lower tail");
	is_near(stats_t_quantile(0.5, 7), 0, 0, "t(0.5) is 0");
	ok(isnan(stats_t_quantile(0.975, 0)) && isnan(stats_t_quantile(NAN, 3)), "t of df 0 or p NAN is NAN");
	is_near(stats_z_quantile(0.975), 1.959963984540054, 1e-15, "z(0.975)");
	is_near(stats_z_quantile(1e-10), -6.361340902404056, 1e-15, "z(1e-10)");
	is_near(stats_z_quantile(0.6), 0.2533471031357997, 1e-15, "z(0.6)");
	is_near(stats_binom_half_cdf(10, 1), 0.0107421875, 1e-14, "P(Bin(10, 1/2) <= 1)");
	is_near(stats_binom_half_cdf(6, 0), 0.015625, 1e-14, "P(Bin(6, 1/2) <= 0)");
	is_near(stats_binom_half_cdf(31, 9), 0.014724686741828918, 1e-13, "P(Bin(31, 1/2) <= 9)");
	is_near(stats_binom_half_cdf(10000, 4900), 0.023292763852473693, 1e-10, "P(Bin(10000, 1/2) <= 4900)");
	is_near(stats_binom_half_cdf(10000, 5099), 1 - 0.023292763852473693, 1e-12, "P(Bin(10000, 1/2) <= 5099)");

	ok(!stats_outlier(1000, 1000, 0), "MAD 0: no outlier");
	ok(stats_outlier(1036, 1000, 6.74), "modified Z 3.6: an outlier");
	ok(!stats_outlier(1034, 1000, 6.74), "modified Z 3.4: none");

	/* Mann-Whitney */
	{
		static const double e1a[] = { 1.1, 2.3, 3.5, 0.7, 5.2 }, e1b[] = { 4.4, 6.1, 7.3, 2.9, 8.8, 9.0 };
		static const double a1a[] = { 1, 2, 2, 3, 3, 3, 4 }, a1b[] = { 3, 4, 4, 5, 5, 6, 7, 7 };
		static const double three[] = { 3, 3, 3, 3, 3, 3, 3 };
		double e2b[12], a2a[60], a2b[60];

		for (i = 0; i < 10; i++)
			e2b[i] = x10[9 - i] * 1.003 + 1;
		e2b[10] = 10300000.5;
		e2b[11] = 10190000.5;
		for (i = 0; i < 60; i++) {
			a2a[i] = (double)(i * 7919 % 101) + 0.5;
			a2b[i] = (double)(i * 104729 % 103) + 0.25;
		}
		is_near(compare_mann_whitney(e1a, 5, e1b, 6), 0.030303030303030304, 1e-13, "Mann-Whitney exact, 5 and 6");
		is_near(compare_mann_whitney(e1b, 6, e1a, 5), 0.030303030303030304, 1e-13, "the same, samples swapped");
		is_near(compare_mann_whitney(x10, 10, e2b, 12), 0.28293378448177214, 1e-13, "Mann-Whitney exact, 10 and 12");
		is_near(compare_mann_whitney(a1a, 7, a1b, 8), 0.004793348746185457, 1e-12, "Mann-Whitney with ties: asymptotic");
		is_near(compare_mann_whitney(a2a, 60, a2b, 60), 0.9226471253948555, 1e-12, "Mann-Whitney 60 and 60: asymptotic");
		is_near(compare_mann_whitney(three, 5, three, 7), 1, 0, "Mann-Whitney of all ties: p 1");
		ok(isnan(compare_mann_whitney(three, 0, three, 7)), "Mann-Whitney of no values: NAN");
	}

	/* Price-Bonett ratio of medians */
	{
		static const double y1[] = { 36, 44, 47, 42, 49, 39, 46, 31, 33, 48 };
		static const double y2[] = { 32, 39, 26, 35, 43, 27, 40, 37, 34, 29, 49, 42, 40 };
		static const double z16[] = { 0, 5, 3, 4, 6, 7, 5, 8, 6, 5, 4, 7, 6, 5, 9, 6 };
		static const double o16[] = { 6, 7, 5, 8, 6, 7, 9, 6, 7, 8, 6, 7, 5, 7, 8, 10 };
		static const double z8[] = { 0, 3, 4, 5, 5, 6, 7, 8 }, o8[] = { 4, 5, 5, 6, 6, 7, 8, 9 };
		static const double zeros[] = { 0, 0, 0, 0 }, neg[] = { -1, 2, 3, 4, 5, 6, 7 };
		double base[20], tight[20], a[20];

		/* statpsych's own example prints 1.162162 0.927667 1.455933 */
		check_ratio("statpsych's example", y1, 10, y2, 13,
			    (const double[]){ 1.162162162162162, 0.9276669571989875, 1.4559329516699806, 0.10651717854774964 },
			    BENCH_NO_DIFFERENCE);
		lcg(base, 20, 1, 1e7, 0.05);
		ok(base[0] == 10211604.585436355 && base[19] == 10101614.13007644, "the LCG gives gen.py's values");
		lcg(tight, 20, 5, 1e7, 0.0002);
		lcg(a, 20, 2, 1.2e7, 0.05);
		check_ratio("20% slower", a, 20, base, 20,
			    (const double[]){ 1.2003027244320044, 1.1853288365663233, 1.215465772732239, 1.4508889103849684e-11 },
			    BENCH_SLOWER);
		lcg(a, 20, 3, 0.8e7, 0.05);
		check_ratio("20% faster", a, 20, base, 20,
			    (const double[]){ 0.8024854138213118, 0.7937265285979961, 0.8113409545898198, 1.4508889103849684e-11 },
			    BENCH_FASTER);
		for (i = 0; i < 20; i++)
			a[i] = tight[i] * 1.005;
		check_ratio("0.5% slower, inside the 1% band", a, 20, tight, 20,
			    (const double[]){ 1.005, 1.004930921635692, 1.005069083112714, 1.4508889103849684e-11 },
			    BENCH_NO_DIFFERENCE);
		lcg(a, 20, 4, 1e7, 0.05);
		check_ratio("overlapping samples", a, 20, base, 20,
			    (const double[]){ 0.9955034641343727, 0.9815202465535301, 1.0096858934733015, 0.7583509563197138 },
			    BENCH_NO_DIFFERENCE);
		compare_ratio(z16, 16, o16, 16, 1, &r);
		is_near(r.ratio, 0.7857142857142857, 1e-12, "a 0 among 16 values: ratio");
		ok(near(r.ci[0], 0.6011576885840602, 1e-12) && near(r.ci[1], 1.0269301224934535, 1e-12),
		   "a 0 among 16 values: x_(4) is positive, so there is a CI");
		compare_ratio(z8, 8, o8, 8, 1, &r);
		ok(near(r.ratio, 5.0 / 6, 1e-15) && isnan(r.ci[0]) && isnan(r.ci[1]) && r.verdict == BENCH_UNDECIDED,
		   "a 0 as x_(1) of 8 values: a ratio, no CI, undecided");
		compare_ratio(y1, 10, y2, 5, 1, &r);
		ok(near(r.ratio, 43.0 / 35, 1e-15) && isnan(r.ci[0]) && r.verdict == BENCH_UNDECIDED,
		   "5 values in the reference: no CI, undecided");
		compare_ratio(y1, 1, y2, 1, 1, &r);
		ok(near(r.ratio, 36.0 / 32, 1e-15) && isnan(r.ci[1]) && r.verdict == BENCH_UNDECIDED && isnan(r.p_value) == 0,
		   "one value each: a ratio, undecided");
		compare_ratio(zeros, 4, zeros, 3, 1, &r);
		ok(r.ratio == 1 && r.ci[0] == 1 && r.ci[1] == 1 && r.verdict == BENCH_NO_DIFFERENCE && r.p_value == 1,
		   "all values 0 in both: ratio 1, CI [1, 1], no difference");
		compare_ratio(same, 8, same, 6, 1, &r);
		ok(r.ratio == 1 && r.ci[0] == 1 && r.ci[1] == 1 && r.verdict == BENCH_NO_DIFFERENCE,
		   "identical values in both: ratio 1, CI [1, 1], no difference");
		compare_ratio(same, 8, x10, 10, 1, &r);
		ok(r.ci[0] < r.ratio && r.ratio < r.ci[1] && r.ci[1] < 1 && r.verdict == BENCH_FASTER,
		   "identical values against larger varying ones: faster");
		compare_ratio(zeros, 4, y1, 10, 1, &r);
		ok(isnan(r.ratio) && r.verdict == BENCH_UNDECIDED, "a median of 0: no ratio");
		compare_ratio(y1, 10, zeros, 4, 1, &r);
		ok(isnan(r.ratio) && r.verdict == BENCH_UNDECIDED, "a reference median of 0: no ratio");
		compare_ratio(neg, 7, y1, 10, 1, &r);
		ok(isnan(r.ratio) && isnan(r.ci[0]) && r.verdict == BENCH_UNDECIDED, "a negative value: no ratio");
		compare_ratio(y1, 0, y2, 13, 1, &r);
		ok(isnan(r.ratio) && isnan(r.p_value) && r.verdict == BENCH_UNDECIDED, "no values: nothing");
	}

	/* How long 40 metrics of 10,000 runs take: printed, never a threshold on a loaded machine. */
	big = xmalloc(10000 * sizeof *big);
	big2 = xmalloc(10000 * sizeof *big2);
	lcg(big, 10000, 42, 1e7, 0.1);
	lcg(big2, 10000, 43, 1.01e7, 0.1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (i = 0; i < 40; i++)
		stats_compute(big, 10000, &s);
	t = cpu_ms_since(&t0);
	printf("# stats_compute: 40 metrics of 10000 values in %.1f ms of CPU (%.3f ms each)\n", t, t / 40);
	ok(s.n == 10000 && s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max &&
	   s.median_ci[0] <= s.median && s.median <= s.median_ci[1], "10000 values: statistics in order");
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (i = 0; i < 10; i++)
		compare_ratio(big2, 10000, big, 10000, 1, &r);
	t = cpu_ms_since(&t0);
	printf("# compare_ratio: 10000 against 10000 values in %.2f ms of CPU\n", t / 10);
	ok(r.ci[0] <= r.ratio && r.ratio <= r.ci[1] && r.p_value < 1e-3, "10000 against 10000 values: a ratio");
	free(big);
	free(big2);
	return done();
}
