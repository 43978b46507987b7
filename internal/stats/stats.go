// Package stats holds the small amount of statistics the stress runner needs
// to make honest statements about flaky failures: confidence intervals for a
// failure rate (Wilson score interval) and a test for whether two failure
// rates differ (Fisher's exact test).
package stats

import (
	"fmt"
	"math"
)

// Wilson returns the Wilson score interval for a binomial proportion
// failures/n at the given two-sided confidence level (e.g. 0.95).
//
// Unlike the textbook normal ("Wald") interval it behaves well for the small
// proportions and small counts that flaky tests produce, and it never leaves
// [0, 1].
//
// Special cases:
//   - n == 0: nothing is known, the interval is (0, 1).
//   - failures == 0: lo is exactly 0 and hi is the upper end of the two-sided
//     Wilson interval, z²/(n+z²). Callers report it as an upper bound
//     ("0/1920 = 0% (95% upper bound 0.20%)"); note that it is the upper end of
//     the two-sided interval, hence a one-sided bound at level
//     1-(1-confidence)/2 (97.5% for 0.95), slightly conservative.
//   - failures == n: hi is exactly 1.
//
// Wilson panics if n < 0, failures is outside [0, n], or confidence is not in
// (0, 1): those are programming errors.
func Wilson(failures, n int, confidence float64) (lo, hi float64) {
	checkConfidence(confidence)
	if n < 0 || failures < 0 || failures > n {
		panic(fmt.Sprintf("stats: Wilson(%d, %d): need 0 <= failures <= n", failures, n))
	}
	if n == 0 {
		return 0, 1
	}
	z := Z(confidence)
	z2 := z * z
	nf := float64(n)
	p := float64(failures) / nf
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	lo, hi = center-half, center+half
	if failures == 0 {
		// Exact closed form; avoids center-half rounding to ±1e-17.
		lo, hi = 0, z2/(nf+z2)
	}
	if failures == n {
		lo, hi = nf/(nf+z2), 1
	}
	return math.Max(0, lo), math.Min(1, hi)
}

// fisherRelTol is the relative tolerance used to decide that a table is "as
// likely" as the observed one, so that tables whose probabilities are equal
// mathematically but differ by floating-point noise are counted (the same
// 1e-7 R's fisher.test uses).
const fisherRelTol = 1e-7

// FisherExact returns the two-sided p-value of Fisher's exact test of the
// hypothesis that the failure rates a/n1 and b/n2 are equal, i.e. of the 2×2
// table
//
//	        failed  passed
//	first   a       n1-a
//	second  b       n2-b
//
// Conditioning on the margins, the number of failures of the first group is
// hypergeometric; the p-value is the total probability of all tables that are
// as likely as or less likely than the observed one (within a relative
// tolerance of 1e-7). Probabilities are computed from log-factorials
// (math.Lgamma) and normalised by their sum, so the result is stable for
// large counts. It is 1 when there is nothing to compare (no failures at all,
// no passes at all, or an empty group).
//
// FisherExact panics if a count is negative or a > n1 or b > n2.
func FisherExact(a, n1, b, n2 int) float64 {
	if a < 0 || b < 0 || a > n1 || b > n2 {
		panic(fmt.Sprintf("stats: FisherExact(%d, %d, %d, %d): need 0 <= a <= n1 and 0 <= b <= n2", a, n1, b, n2))
	}
	k := a + b   // total failures
	n := n1 + n2 // total runs
	lo := max(0, k-n2)
	hi := min(n1, k)
	if lo == hi {
		return 1 // only one table is possible
	}
	// log P(x) up to a constant: -log(x!(n1-x)!(k-x)!(n2-k+x)!).
	logp := func(x int) float64 {
		return -(lf(x) + lf(n1-x) + lf(k-x) + lf(n2-k+x))
	}
	obs := logp(a)
	// The hypergeometric pmf is unimodal; its mode gives the largest term,
	// which we use as the scale so that nothing overflows.
	mode := int(math.Floor(float64(k+1) * float64(n1+1) / float64(n+2)))
	mode = min(max(mode, lo), hi)
	top := logp(mode)
	limit := obs + math.Log1p(fisherRelTol)
	var total, tail float64
	for x := lo; x <= hi; x++ {
		lp := logp(x)
		w := math.Exp(lp - top)
		total += w
		if lp <= limit {
			tail += w
		}
	}
	return min(1, tail/total)
}

// lf returns log(x!).
func lf(x int) float64 {
	v, _ := math.Lgamma(float64(x) + 1)
	return v
}
