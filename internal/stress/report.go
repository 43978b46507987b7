package stress

import (
	"fmt"
	"strings"
	"time"

	"github.com/interleave/interleave/internal/stats"
)

// Report is the result of Engine.Run.
type Report struct {
	// Name is Config.Name.
	Name string `json:"name,omitempty"`
	// Runs counts the children that ran to completion (passed, failed,
	// timed out or ignored); it is the denominator of the failure rate.
	Runs int `json:"runs"`
	// Failures counts failed runs, timeouts included.
	Failures int `json:"failures"`
	// Ignored counts failing runs whose output matched Config.Ignore.
	Ignored int `json:"ignored"`
	// Timeouts counts the failures that were timeouts.
	Timeouts int `json:"timeouts"`
	// Aborted counts children stopped before they finished: killed by the
	// engine (context cancelled, fail-fast), or ended by a SIGINT or
	// SIGTERM from outside (the user's Ctrl-C); they are not in Runs.
	Aborted int `json:"aborted"`
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Groups are the failures grouped by signature, most frequent first
	// (then by signature).
	Groups []Group `json:"groups"`
	// OutDir is the log directory; empty if none was configured and no
	// failure needed one.
	OutDir string `json:"out_dir,omitempty"`
}

// Group is the set of failures that share a signature.
type Group struct {
	Signature string `json:"signature"`
	Count     int    `json:"count"`
	// Runs are the group's runs with the lowest indexes (at most five), by
	// index: the same whatever order the runs ended in.
	Runs []Run `json:"runs"`
	// Logs are their log files, in the same order (missing if a log could
	// not be written).
	Logs []string `json:"logs"`
	// Repro and Debug come from the INTERLEAVE-FAILURE line of the group's
	// lowest-indexed failure, Runs[0], if it printed one.
	Repro string `json:"repro,omitempty"`
	Debug string `json:"debug,omitempty"`
	// HTML is the timeline page of Runs[0], from the same line; once
	// Report.PlacePages has run, the copy beside its log.
	HTML string `json:"html,omitempty"`
}

// Rate returns the failure rate, Failures out of Runs.
func (r *Report) Rate() stats.Rate {
	return stats.Rate{Failures: r.Failures, Runs: r.Runs}
}

// plural renders a count of things: "1 run", "3 runs", "2 strategies".
func plural(n int, word string) string {
	switch {
	case n == 1:
		return fmt.Sprintf("1 %s", word)
	case strings.HasSuffix(word, "y") && !strings.ContainsAny(word[len(word)-2:len(word)-1], "aeiou"):
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Text renders the summary: counts, the failure rate with its 95% Wilson
// interval (an upper bound when nothing failed), the log directory, then each
// failure group with its count, runs, first log, repro and debug commands.
func (r *Report) Text() string {
	var b strings.Builder
	if r.Name != "" {
		b.WriteString(r.Name + ": ")
	}
	fmt.Fprintf(&b, "%s in %v: %s", plural(r.Runs, "run"), r.Elapsed.Round(time.Millisecond), plural(r.Failures, "failure"))
	if r.Timeouts > 0 {
		fmt.Fprintf(&b, " (%s)", plural(r.Timeouts, "timeout"))
	}
	if r.Ignored > 0 {
		fmt.Fprintf(&b, ", %d ignored", r.Ignored)
	}
	if r.Aborted > 0 {
		fmt.Fprintf(&b, ", %d aborted", r.Aborted)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "failure rate: %s\n", r.Rate())
	if r.OutDir != "" && r.Failures > 0 {
		fmt.Fprintf(&b, "logs: %s\n", r.OutDir)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(&b, "\n%d× %s\n", g.Count, g.Signature)
		if len(g.Runs) > 0 {
			runs := make([]string, len(g.Runs))
			for i, run := range g.Runs {
				runs[i] = fmt.Sprintf("%d (seed %d)", run.Index, run.Seed)
			}
			more := ""
			if g.Count > len(g.Runs) {
				more = ", …"
			}
			fmt.Fprintf(&b, "    runs:  %s%s\n", strings.Join(runs, ", "), more)
		}
		if len(g.Logs) > 0 {
			fmt.Fprintf(&b, "    log:   %s\n", g.Logs[0])
		}
		if g.Repro != "" {
			fmt.Fprintf(&b, "    repro: %s\n", g.Repro)
		}
		if g.Debug != "" {
			fmt.Fprintf(&b, "    debug: %s\n", g.Debug)
		}
		if g.HTML != "" {
			fmt.Fprintf(&b, "    page:  %s\n", g.HTML)
		}
	}
	return b.String()
}

// Alpha is the significance level Compare uses.
const Alpha = 0.05

// Compare puts two reports' failure rates side by side, with their 95%
// Wilson intervals and the two-sided p-value of Fisher's exact test, and ends
// with a one-line verdict such as "naive fails more often than fixed
// (p=0.00012)" or "no significant difference (p=0.42)" (significance level
// Alpha). Reports are named by their Name, or "a" and "b".
func Compare(a, b *Report) string {
	if a == nil {
		a = &Report{}
	}
	if b == nil {
		b = &Report{}
	}
	na, nb := a.Name, b.Name
	if na == "" {
		na = "a"
	}
	if nb == "" {
		nb = "b"
	}
	if na == nb {
		na, nb = na+" #1", nb+" #2"
	}
	w := max(len(na), len(nb)) + 1
	var s strings.Builder
	fmt.Fprintf(&s, "%-*s %s\n", w, na+":", a.Rate())
	fmt.Fprintf(&s, "%-*s %s\n", w, nb+":", b.Rate())
	switch {
	case a.Runs == 0 || b.Runs == 0:
		s.WriteString("cannot compare: a report has no runs\n")
		return s.String()
	}
	p := stats.FisherExact(a.Failures, a.Runs, b.Failures, b.Runs)
	fmt.Fprintf(&s, "Fisher's exact test: %s\n", stats.FormatP(p))
	pa, pb := a.Rate().Proportion(), b.Rate().Proportion()
	switch {
	case p >= Alpha || pa == pb:
		fmt.Fprintf(&s, "no significant difference (%s)\n", stats.FormatP(p))
	case pa > pb:
		fmt.Fprintf(&s, "%s fails more often than %s (%s)\n", na, nb, stats.FormatP(p))
	default:
		fmt.Fprintf(&s, "%s fails more often than %s (%s)\n", nb, na, stats.FormatP(p))
	}
	return s.String()
}
