package stats

import (
	"fmt"
	"math"
	"strconv"
)

// DefaultConfidence is the confidence level used by a Rate whose Confidence
// is zero.
const DefaultConfidence = 0.95

// Rate is an observed failure rate: Failures out of Runs trials. Its String
// method renders it with a Wilson confidence interval, e.g.
//
//	14/1920 = 0.73% (95% CI 0.43%–1.22%)
//	0/1920 = 0% (95% upper bound 0.20%)
type Rate struct {
	Failures int `json:"failures"`
	Runs     int `json:"runs"`
	// Confidence is the two-sided confidence level of the interval, in
	// (0, 1); zero means DefaultConfidence.
	Confidence float64 `json:"confidence,omitempty"`
}

func (r Rate) confidence() float64 {
	if r.Confidence == 0 {
		return DefaultConfidence
	}
	return r.Confidence
}

// Proportion returns Failures/Runs, or 0 when there were no runs.
func (r Rate) Proportion() float64 {
	if r.Runs == 0 {
		return 0
	}
	return float64(r.Failures) / float64(r.Runs)
}

// Interval returns the Wilson score interval of the rate (see Wilson).
func (r Rate) Interval() (lo, hi float64) {
	return Wilson(r.Failures, r.Runs, r.confidence())
}

// String renders the rate with its interval. Percentages have two decimals
// (two significant digits below 0.01%); exactly 0 and 100 are printed as
// "0%" and "100%". With zero failures only the upper bound is shown, and with
// no runs at all there is nothing to estimate.
func (r Rate) String() string {
	if r.Runs == 0 {
		return "0/0 (no runs)"
	}
	lo, hi := r.Interval()
	conf := ConfidenceLabel(r.confidence())
	head := fmt.Sprintf("%d/%d = %s", r.Failures, r.Runs, Percent(r.Proportion()))
	if r.Failures == 0 {
		return fmt.Sprintf("%s (%s upper bound %s)", head, conf, Percent(hi))
	}
	return fmt.Sprintf("%s (%s CI %s–%s)", head, conf, Percent(lo), Percent(hi))
}

// Percent formats a proportion in [0, 1] as a percentage with two decimals,
// e.g. "0.73%" or "50.00%". Exactly 0 and 1 are printed as "0%" and "100%",
// and values below 0.01% get two significant digits ("0.0012%") rather than
// collapsing to "0.00%".
func Percent(p float64) string {
	pct := p * 100
	switch {
	case pct == 0 || pct == 100:
		return strconv.FormatFloat(pct, 'f', 0, 64) + "%"
	case math.IsNaN(pct) || math.IsInf(pct, 0):
		return fmt.Sprint(pct) + "%"
	}
	s := strconv.FormatFloat(pct, 'f', 2, 64)
	if s == "0.00" || s == "-0.00" {
		prec := int(-math.Floor(math.Log10(math.Abs(pct)))) + 1
		s = strconv.FormatFloat(pct, 'f', prec, 64)
	}
	return s + "%"
}

// ConfidenceLabel formats a confidence level such as 0.95 as "95%".
func ConfidenceLabel(confidence float64) string {
	return strconv.FormatFloat(confidence*100, 'g', 6, 64) + "%"
}

// FormatP formats a p-value for humans: "p=0.42", "p=0.0011", "p=1.00",
// and "p<0.0001" below that (an exact tiny p-value carries no extra meaning
// and invites over-interpretation).
func FormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "p=NaN"
	case p < 0.0001:
		return "p<0.0001"
	case p >= 0.1:
		return "p=" + strconv.FormatFloat(p, 'f', 2, 64)
	}
	// Two significant digits.
	prec := int(-math.Floor(math.Log10(p))) + 1
	return "p=" + strconv.FormatFloat(p, 'f', prec, 64)
}
