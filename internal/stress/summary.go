package stress

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// SummaryMarker prefixes the line a scenario child prints at its end to say
// what it ran: "INTERLEAVE-SUMMARY {json}", where the JSON object has the
// number fields "first_seed", "seeds" (per scenario and strategy) and
// "schedules" (in all).
const SummaryMarker = "INTERLEAVE-SUMMARY"

// Summary is what a child reports on its INTERLEAVE-SUMMARY line.
type Summary struct {
	FirstSeed int64 `json:"first_seed"`
	Seeds     int   `json:"seeds"`
	Schedules int   `json:"schedules"`
}

var summaryLineRE = regexp.MustCompile(`(?m)^` + SummaryMarker + ` (.*)$`)

// ParseSummary finds the last INTERLEAVE-SUMMARY line of output (a line
// that starts with the marker) and decodes it.
func ParseSummary(output []byte) (Summary, error) {
	all := summaryLineRE.FindAllSubmatch(output, -1)
	if all == nil {
		return Summary{}, fmt.Errorf("no %s line", SummaryMarker)
	}
	var s Summary
	if err := json.Unmarshal(all[len(all)-1][1], &s); err != nil {
		return Summary{}, fmt.Errorf("malformed %s line: %v", SummaryMarker, err)
	}
	return s, nil
}

// CheckSummary is a Config.Check for children that print a summary: a
// child that exited successfully must report that it ran seeds seeds from
// the run's seed on, and at least one schedule.
func CheckSummary(seeds int) func(Run, []byte) error {
	return func(run Run, output []byte) error {
		s, err := ParseSummary(output)
		switch {
		case err != nil:
			return fmt.Errorf("exited 0 without its end-of-run summary (%v)", err)
		case s.FirstSeed != run.Seed || s.Seeds != seeds:
			return fmt.Errorf("exited 0 having run seeds %d.. (%d of them), not %d.. (%d)", s.FirstSeed, s.Seeds, run.Seed, seeds)
		case s.Schedules < 1:
			return fmt.Errorf("exited 0 having run no schedule")
		}
		return nil
	}
}
