package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/internal/testconfig"
	"github.com/interleave/interleave/sched"
)

// Verdict is the outcome of a run or an exploration: Pass when the oracle
// held on every schedule, Fail otherwise.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
)

// Scenario is a named workload with the verdict each merge strategy is
// expected to earn under exploration.
type Scenario struct {
	Name string
	// Doc says what the scenario exercises, in a line.
	Doc string
	// Small scenarios are explored exhaustively (dfs, preemption bound 2)
	// in TestMatrix.
	Small bool
	// Build returns the workload of one run; g draws whatever the
	// scenario generates (nothing, for fixed workloads).
	Build func(g Gen) harness.Workload
	// Expect gives each strategy's expected verdict; a strategy not
	// listed is expected to pass.
	Expect map[string]Verdict
	// Generated is true when Build draws from g, so the seed also picks
	// the workload.
	Generated bool
	// Source is the file a scripted scenario came from.
	Source string
}

// MaxNameLen bounds the length of a scenario name.
const MaxNameLen = 64

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// CheckName reports whether name can name a scenario: a plain token of
// letters, digits, '.', '_' and '-' that starts with a letter or a digit,
// at most MaxNameLen bytes. Such a name needs no quoting in a shell, fits
// on a schedule's @scenario line and, as a directory under a --save DIR,
// stays inside DIR.
func CheckName(name string) error {
	if len(name) > MaxNameLen {
		return fmt.Errorf("scenario name %q is longer than %d bytes", clipText(name), MaxNameLen)
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%q is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit", clipText(name))
	}
	return nil
}

// Expected returns the verdict the scenario expects of a strategy. A
// design judged by another oracle than its own ("fixed+convergence",
// harness.JudgedBy) expects what the scenario says of it, or else what it
// expects of the design.
func (s *Scenario) Expected(strategy string) Verdict {
	if v, ok := s.Expect[strategy]; ok {
		return v
	}
	if base, _, judged := strings.Cut(strategy, "+"); judged {
		return s.Expected(base)
	}
	return Pass
}

// All returns the built-in scenarios, in a fixed order.
func All() []*Scenario { return builtins() }

// Names returns the names of the built-in scenarios.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup finds a built-in scenario by name, or loads a scripted scenario
// when name is a path to a file (it contains a path separator or ends in
// .scenario).
func Lookup(name string) (*Scenario, error) {
	if strings.ContainsRune(name, '/') || strings.HasSuffix(name, ".scenario") {
		if strings.ContainsFunc(name, unicode.IsControl) {
			// Printed lines name the file: they must stay one line.
			return nil, fmt.Errorf("scenario file %q: the path holds a control character", name)
		}
		return LoadScript(name)
	}
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown scenario %q (known: %s; or give a path to a scenario file)", name, strings.Join(Names(), ", "))
}

// StrategyNames returns the names of the built-in designs: the merge
// strategies and the stream loop.
func StrategyNames() []string {
	var out []string
	for _, s := range harness.Strategies() {
		out = append(out, s.Name())
	}
	return out
}

// LookupStrategy finds a built-in design by name, or NAME+ORACLE: the
// design judged by another oracle than its own (harness.JudgedBy), as in
// fixed+convergence.
func LookupStrategy(name string) (harness.Design, error) {
	if s, ok := harness.StrategyByName(name); ok {
		return s, nil
	}
	if base, oracle, judged := strings.Cut(name, "+"); judged {
		if b, ok := harness.StrategyByName(base); ok {
			if harness.Oracle(oracle) == harness.OracleOf(b) {
				return nil, fmt.Errorf("strategy %q: %s is judged by the %s oracle already", name, base, oracle)
			}
			return nil, fmt.Errorf("strategy %q: unknown oracle %q (known: %s)", name, oracle, oracleNames())
		}
	}
	return nil, fmt.Errorf("unknown strategy %q (%s)", name, knownStrategies())
}

// knownStrategies says what names a strategy, for errors.
func knownStrategies() string {
	return "known: " + strings.Join(StrategyNames(), ", ") + "; a merge strategy under the stream loop's oracle: NAME+convergence"
}

func oracleNames() string {
	var out []string
	for _, o := range harness.Oracles {
		out = append(out, string(o))
	}
	return strings.Join(out, ", ")
}

// SearchNames lists the searches.
var SearchNames = testconfig.Searches

// Search is how schedules are chosen.
type Search struct {
	// Kind is random, pct, dfs or dpor.
	Kind string
	// Depth is PCT's bug depth d (default 3).
	Depth int
	// Preemptions bounds the preemptions of dfs and dpor (default 2; < 0:
	// unbounded).
	Preemptions int
}

// Exhaustive reports whether the search runs every schedule within its
// bound, in order (dfs, dpor): its seeds are indexes into that order, and
// it can end.
func (s Search) Exhaustive() bool { return s.Kind == "dfs" || s.Kind == "dpor" }

// exhaustive returns the strategy of an exhaustive search.
func (s Search) exhaustive() sched.Strategy {
	if s.Kind == "dpor" {
		return sched.DPOR(s.Preemptions)
	}
	return sched.DFS(s.Preemptions)
}

// ParseSearch validates a search name and its bounds and fills defaults:
// depth 0 means 3; a depth past 1..MaxDepth, or a preemption bound past
// MaxPreemptions (negative means unbounded), is an error.
func ParseSearch(kind string, depth, preemptions int) (Search, error) {
	if !slices.Contains(SearchNames, kind) {
		return Search{}, fmt.Errorf("unknown search %q (known: %s)", kind, strings.Join(SearchNames, ", "))
	}
	if depth < 0 || depth > MaxDepth {
		return Search{}, fmt.Errorf("depth %d: want a whole number from 1 to %d", depth, MaxDepth)
	}
	if preemptions > MaxPreemptions {
		return Search{}, fmt.Errorf("preemption bound %d: want at most %d (negative: unbounded)", preemptions, MaxPreemptions)
	}
	if depth == 0 {
		depth = 3
	}
	return Search{Kind: kind, Depth: depth, Preemptions: preemptions}, nil
}

func (s Search) String() string {
	switch s.Kind {
	case "pct":
		return fmt.Sprintf("pct(d=%d)", s.Depth)
	case "dfs", "dpor":
		if s.Preemptions < 0 {
			return s.Kind + "(unbounded)"
		}
		return fmt.Sprintf("%s(preemptions<=%d)", s.Kind, s.Preemptions)
	}
	return s.Kind
}
