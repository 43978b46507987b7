package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reference values in this file were computed independently of this package
// with Python 3's standard library:
//
//   - normal quantiles: statistics.NormalDist().inv_cdf(p);
//   - Wilson intervals: the closed form
//     (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with that z;
//   - Fisher p-values: exact rational arithmetic (fractions.Fraction and
//     math.comb), summing the hypergeometric probabilities P(x) <= P(a).
//
// Where the literature has the same numbers they are cited as well.

func TestNormalQuantile(t *testing.T) {
	cases := []struct{ p, want float64 }{
		{1e-10, -6.361340902404056},
		{1e-5, -4.2648907939228256},
		{0.001, -3.090232306167813},
		{0.02, -2.0537489106318225},
		{0.02425, -1.9729610513118845}, // region boundary
		{0.1, -1.2815515655446008},
		{0.3, -0.5244005127080407},
		{0.5, 0},
		{0.7, 0.5244005127080407},
		{0.975, 1.9599639845400536},
		{0.99999, 4.26489079392384},
		{1 - 1e-10, 6.361340889697421},
	}
	for _, c := range cases {
		got := NormalQuantile(c.p)
		assert.InDelta(t, c.want, got, 1e-12*math.Max(1, math.Abs(c.want)), "p=%v", c.p)
		// The raw Acklam approximation must be within its published relative
		// error of 1.15e-9; this guards the transcribed coefficients.
		if c.want != 0 {
			assert.InEpsilon(t, c.want, acklam(c.p), 1.2e-9, "acklam p=%v", c.p)
		}
	}
	assert.True(t, math.IsInf(NormalQuantile(0), -1))
	assert.True(t, math.IsInf(NormalQuantile(1), 1))
	assert.True(t, math.IsNaN(NormalQuantile(-0.1)))
	assert.True(t, math.IsNaN(NormalQuantile(1.1)))
	assert.True(t, math.IsNaN(NormalQuantile(math.NaN())))
}

func TestNormalQuantileSymmetricAndMonotonic(t *testing.T) {
	prev := math.Inf(-1)
	for i := 1; i < 2000; i++ {
		p := float64(i) / 2000
		x := NormalQuantile(p)
		require.Greater(t, x, prev, "p=%v", p)
		prev = x
		assert.InDelta(t, -x, NormalQuantile(1-p), 1e-9, "p=%v", p)
		// Round trip through the CDF.
		assert.InDelta(t, p, 0.5*math.Erfc(-x/math.Sqrt2), 1e-14, "p=%v", p)
	}
}

func TestZ(t *testing.T) {
	// The usual table values.
	assert.InDelta(t, 1.959963984540054, Z(0.95), 1e-14)
	assert.InDelta(t, 1.2815515655446008, Z(0.80), 1e-14)
	assert.InDelta(t, 1.6448536269514715, Z(0.90), 1e-14)
	assert.InDelta(t, 2.5758293035489, Z(0.99), 1e-13)
	assert.InDelta(t, 3.2905267314919255, Z(0.999), 1e-13)
	for _, bad := range []float64{0, 1, -0.5, 1.5, math.NaN()} {
		assert.Panics(t, func() { Z(bad) }, "confidence %v", bad)
	}
}

func TestWilson(t *testing.T) {
	cases := []struct {
		f, n   int
		c      float64
		lo, hi float64
	}{
		// Newcombe, "Two-sided confidence intervals for the single
		// proportion: comparison of seven methods", Stat. Med. 17 (1998),
		// Table I, method 3 (score): 81/263 -> 0.2553-0.3662,
		// 15/148 -> 0.0624-0.1605, 0/20 -> 0-0.1611, 1/29 -> 0.0061-0.1718.
		{81, 263, 0.95, 0.2552885198782743, 0.3662095769828001},
		{15, 148, 0.95, 0.0623863995307363, 0.160487241723308},
		{0, 20, 0.95, 0, 0.1611251580528193},
		{1, 29, 0.95, 0.006113214292762653, 0.17175521879320282},
		// The stress runner's typical numbers.
		{14, 1920, 0.95, 0.004348469414272866, 0.012202509188825116},
		{0, 1920, 0.95, 0, 0.0019967647557865395},
		{5, 10, 0.95, 0.23659309051256405, 0.763406909487436},
		{10, 10, 0.95, 0.7224672001371109, 1},
		{1, 1, 0.95, 0.20654931437723745, 1},
		{3, 100, 0.99, 0.007612169301778604, 0.11087527715109498},
		{120, 1000, 0.90, 0.10411421795828388, 0.13793644690393408},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.f, c.n, c.c)
		assert.InDelta(t, c.lo, lo, 1e-12, "%d/%d lo", c.f, c.n)
		assert.InDelta(t, c.hi, hi, 1e-12, "%d/%d hi", c.f, c.n)
	}
}

func TestWilsonEdges(t *testing.T) {
	lo, hi := Wilson(0, 0, 0.95)
	assert.Equal(t, 0.0, lo)
	assert.Equal(t, 1.0, hi)

	// Zero failures: lower bound exactly 0, upper bound z²/(n+z²). The
	// reference values are not computed the way the code computes them:
	// they were evaluated to 40 digits in Python's decimal module, with
	// z = 1.959963984540054235524594430520551527955 (the 0.975 quantile of
	// the standard normal, from published tables):
	//	z*z/(50+z*z) = 0.0713475991333587297799771906...
	//	50/(50+z*z)  = 0.9286524008666412702200228093...
	lo, hi = Wilson(0, 50, 0.95)
	assert.Equal(t, 0.0, lo)
	assert.InDelta(t, 0.07134759913335873, hi, 1e-15)

	// All failures mirrors zero failures.
	lo, hi = Wilson(50, 50, 0.95)
	assert.Equal(t, 1.0, hi)
	assert.InDelta(t, 0.9286524008666413, lo, 1e-15)

	// The interval always contains the observed proportion and stays in
	// [0, 1]; it mirrors under failures -> n-failures.
	for n := 1; n <= 60; n++ {
		for f := 0; f <= n; f++ {
			lo, hi := Wilson(f, n, 0.95)
			p := float64(f) / float64(n)
			require.True(t, 0 <= lo && lo <= p && p <= hi && hi <= 1, "%d/%d: %v %v", f, n, lo, hi)
			mlo, mhi := Wilson(n-f, n, 0.95)
			require.InDelta(t, 1-hi, mlo, 1e-12)
			require.InDelta(t, 1-lo, mhi, 1e-12)
		}
	}

	// Higher confidence, wider interval.
	lo95, hi95 := Wilson(3, 100, 0.95)
	lo99, hi99 := Wilson(3, 100, 0.99)
	assert.Less(t, lo99, lo95)
	assert.Greater(t, hi99, hi95)

	assert.Panics(t, func() { Wilson(-1, 10, 0.95) })
	assert.Panics(t, func() { Wilson(11, 10, 0.95) })
	assert.Panics(t, func() { Wilson(0, -1, 0.95) })
	assert.Panics(t, func() { Wilson(1, 10, 0) })
}

func TestFisherExact(t *testing.T) {
	cases := []struct {
		a, n1, b, n2 int
		want         float64
	}{
		// 1/10 vs 9/10: the classic p = 0.001094.
		{1, 10, 9, 10, 0.001093333910671372},
		// Fisher's lady tasting tea, table [[3,1],[1,3]]: p = 34/70.
		{3, 4, 1, 4, 0.4857142857142857},
		{14, 1920, 0, 1920, 0.00011920153573584632},
		{14, 1920, 3, 1920, 0.012537301559081096},
		{30, 1000, 18, 1000, 0.1071064912196699},
		{7, 12, 2, 15, 0.03691838291380625},
		{1, 2, 0, 3, 0.4},
		{10, 10, 0, 10, 1.082508822446903e-05},
		{2, 50, 3, 40, 0.6521443770121496},
		{5, 100, 5, 100, 1},
		{0, 10, 0, 10, 1},
		{0, 5, 0, 7, 1},
	}
	for _, c := range cases {
		got := FisherExact(c.a, c.n1, c.b, c.n2)
		assert.InEpsilon(t, c.want, got, 1e-9, "%d/%d vs %d/%d", c.a, c.n1, c.b, c.n2)
		// Symmetric in the two groups, and in failures <-> passes.
		assert.InEpsilon(t, got, FisherExact(c.b, c.n2, c.a, c.n1), 1e-9)
		assert.InEpsilon(t, got, FisherExact(c.n1-c.a, c.n1, c.n2-c.b, c.n2), 1e-9)
	}
}

func TestFisherExactEdges(t *testing.T) {
	assert.Equal(t, 1.0, FisherExact(0, 0, 0, 0))
	assert.Equal(t, 1.0, FisherExact(0, 0, 3, 10))
	assert.Equal(t, 1.0, FisherExact(10, 10, 20, 20)) // everything failed
	// Identical proportions give p = 1 whatever the size.
	for _, n := range []int{1, 2, 10, 1000, 100000} {
		for _, f := range []int{0, 1, n / 3, n / 2, n} {
			assert.InDelta(t, 1.0, FisherExact(f, n, f, n), 1e-9, "%d/%d", f, n)
		}
	}
	// Large counts stay finite and tiny but not negative.
	p := FisherExact(5000, 100000, 0, 100000)
	assert.GreaterOrEqual(t, p, 0.0)
	assert.Less(t, p, 1e-300)
	p = FisherExact(1000, 100000, 1100, 100000)
	assert.Greater(t, p, 0.0)
	assert.Less(t, p, 0.05)

	assert.Panics(t, func() { FisherExact(-1, 10, 0, 10) })
	assert.Panics(t, func() { FisherExact(11, 10, 0, 10) })
	assert.Panics(t, func() { FisherExact(0, 10, 11, 10) })
}

func TestRateString(t *testing.T) {
	cases := []struct {
		r    Rate
		want string
	}{
		{Rate{Failures: 14, Runs: 1920}, "14/1920 = 0.73% (95% CI 0.43%–1.22%)"},
		{Rate{Failures: 0, Runs: 1920}, "0/1920 = 0% (95% upper bound 0.20%)"},
		{Rate{Failures: 5, Runs: 10}, "5/10 = 50.00% (95% CI 23.66%–76.34%)"},
		{Rate{Failures: 10, Runs: 10}, "10/10 = 100% (95% CI 72.25%–100%)"},
		{Rate{Failures: 3, Runs: 100, Confidence: 0.99}, "3/100 = 3.00% (99% CI 0.76%–11.09%)"},
		{Rate{Failures: 120, Runs: 1000, Confidence: 0.9}, "120/1000 = 12.00% (90% CI 10.41%–13.79%)"},
		{Rate{}, "0/0 (no runs)"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.r.String())
	}
}

func TestPercentAndP(t *testing.T) {
	assert.Equal(t, "0%", Percent(0))
	assert.Equal(t, "100%", Percent(1))
	assert.Equal(t, "0.73%", Percent(0.0072916))
	assert.Equal(t, "0.0012%", Percent(0.000012))
	assert.Equal(t, "0.01%", Percent(0.0000999))
	assert.Equal(t, "0.0049%", Percent(0.000049))
	assert.Equal(t, "95%", ConfidenceLabel(0.95))
	assert.Equal(t, "99.9%", ConfidenceLabel(0.999))

	assert.Equal(t, "p=0.42", FormatP(0.4213))
	assert.Equal(t, "p=1.00", FormatP(1))
	assert.Equal(t, "p=0.0011", FormatP(0.001093))
	assert.Equal(t, "p=0.050", FormatP(0.05))
	assert.Equal(t, "p=0.00012", FormatP(0.0001192))
	assert.Equal(t, "p<0.0001", FormatP(0.00001))
}
