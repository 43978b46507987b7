package stats

import (
	"fmt"
	"math"
)

// Coefficients of Peter J. Acklam's rational approximation of the inverse of
// the standard normal CDF (relative error below 1.15e-9 over the whole open
// interval (0, 1)). The central region uses a rational function in
// r = (p-0.5)^2, the two tails one in q = sqrt(-2 ln p).
var (
	acklamA = [6]float64{
		-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
		1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
	}
	acklamB = [5]float64{
		-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
		6.680131188771972e+01, -1.328068155288572e+01,
	}
	acklamC = [6]float64{
		-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
		-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
	}
	acklamD = [4]float64{
		7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
		3.754408661907416e+00,
	}
)

// acklamLow is the boundary between the central and the tail regions.
const acklamLow = 0.02425

// acklam is the raw (unrefined) Acklam approximation of the standard normal
// quantile for p in (0, 1).
func acklam(p float64) float64 {
	a, b, c, d := &acklamA, &acklamB, &acklamC, &acklamD
	switch {
	case p < acklamLow:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) /
			((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p > 1-acklamLow:
		q := math.Sqrt(-2 * math.Log1p(-p))
		return -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) /
			((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	default:
		q := p - 0.5
		r := q * q
		return (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q /
			(((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
	}
}

// NormalQuantile returns the inverse of the standard normal cumulative
// distribution function: the x such that P(Z <= x) = p for Z ~ N(0, 1).
//
// It uses Acklam's rational approximation followed by one step of Halley's
// method against math.Erfc, which brings the result to (nearly) full float64
// precision. NormalQuantile(0) is -Inf, NormalQuantile(1) is +Inf and any p
// outside [0, 1] (or NaN) yields NaN.
func NormalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	}
	x := acklam(p)
	// One Halley step on f(x) = Phi(x) - p. Compute the error in the tail
	// that is closer to p so that it does not cancel catastrophically.
	var e float64
	if p < 0.5 {
		e = 0.5*math.Erfc(-x/math.Sqrt2) - p
	} else {
		e = (1 - p) - 0.5*math.Erfc(x/math.Sqrt2)
	}
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	return x - u/(1+x*u/2)
}

// Z returns the two-sided critical value of the standard normal distribution
// for the given confidence level: the z with P(-z <= Z <= z) = confidence.
// Z(0.95) is 1.959963984540054. It panics unless 0 < confidence < 1.
func Z(confidence float64) float64 {
	checkConfidence(confidence)
	return NormalQuantile(1 - (1-confidence)/2)
}

func checkConfidence(confidence float64) {
	if !(confidence > 0 && confidence < 1) {
		panic(fmt.Sprintf("stats: confidence %v out of range (0, 1)", confidence))
	}
}
