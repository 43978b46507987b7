// Package testconfig loads the settings that the -interleave.* test flags
// and their INTERLEAVE_* environment variables give, for every package
// whose tests take them (the scenarios' tests and schedtest): one parser,
// one set of messages, one rule (a flag given on the command line wins
// over its variable, which wins over the default).
package testconfig

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Searches are the values of -interleave.search.
var Searches = []string{"random", "pct", "dfs"}

// Limits of the numbers (scenarios.MaxSchedules and the others are these):
// a value past its limit is bad input, before any work starts.
const (
	// MaxSchedules bounds -interleave.schedules.
	MaxSchedules = 10_000_000
	// MaxDepth bounds PCT's bug depth.
	MaxDepth = 100
	// MaxPreemptions bounds DFS's bound (negative: unbounded).
	MaxPreemptions = 100
)

// CheckSeedRange checks that the n seeds first, first+1, ..., first+n-1
// are all non-negative int64s (n >= 1); what names them (a flag) prefixes
// the error.
func CheckSeedRange(first int64, n int64) error {
	switch {
	case first < 0:
		return fmt.Errorf("seed %d: want a non-negative whole number", first)
	case n > 0 && first > math.MaxInt64-(n-1):
		return fmt.Errorf("seeds %d.. (%d of them) pass %d, the largest seed", first, n, int64(math.MaxInt64))
	}
	return nil
}

// Config holds the settings every test that explores schedules shares.
type Config struct {
	// Seed selects one schedule (SeedSet): a random or PCT seed, or the
	// index of a DFS schedule.
	Seed    int64
	SeedSet bool
	// Schedules is the number of schedules to explore (SchedulesSet when
	// given rather than defaulted).
	Schedules    int
	SchedulesSet bool
	// Search is random, pct or dfs; Depth is PCT's bug depth; Preemptions
	// is DFS's bound (< 0: none).
	Search      string
	Depth       int
	Preemptions int
	// Mode is controlled or wild.
	Mode string
	// Save is a directory for failing schedules.
	Save string
	// Replay is a schedule file to rerun, alone.
	Replay string
}

// Docs gives a line of documentation for each common key.
var Docs = map[string]string{
	"seed":        "run only schedule N: a random or pct seed, or a dfs index",
	"schedules":   "the number of schedules to explore",
	"search":      "random, pct or dfs",
	"depth":       "PCT's bug depth",
	"preemptions": "DFS's bound on preemptions (schedtest: on data choices too; negative: unbounded)",
	"mode":        "controlled or wild",
	"save":        "the directory for failing schedules",
	"replay":      "rerun the schedule in this file, alone",
}

// Env returns the environment variable of a key: INTERLEAVE_<KEY>.
func Env(key string) string { return "INTERLEAVE_" + strings.ToUpper(key) }

// Load reads keys, in order, from flags (the values of the -interleave.*
// flags given on the command line, by key) and else from the environment
// (getenv), over the defaults in c. A key Load does not know is passed to
// extra with the source of its value (the flag or the variable) for the
// caller to handle. It is a pure function of its arguments. Errors name the
// flag or variable and what was wanted.
func Load(c Config, keys []string, flags map[string]string, getenv func(string) string, extra func(key, src, value string) error) (Config, error) {
	for _, key := range keys {
		v, ok := flags[key]
		src := "-interleave." + key
		if !ok {
			src = Env(key)
			if v = getenv(src); v == "" {
				continue
			}
		}
		bad := func(want string) error { return fmt.Errorf("%s=%q: want %s", src, v, want) }
		switch key {
		case "seed":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return c, bad("a non-negative whole number")
			}
			c.Seed, c.SeedSet = n, true
		case "schedules":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxSchedules {
				return c, bad(fmt.Sprintf("a whole number from 1 to %d", MaxSchedules))
			}
			c.Schedules, c.SchedulesSet = n, true
		case "depth":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxDepth {
				return c, bad(fmt.Sprintf("a whole number from 1 to %d", MaxDepth))
			}
			c.Depth = n
		case "preemptions":
			n, err := strconv.Atoi(v)
			if err != nil || n > MaxPreemptions {
				return c, bad(fmt.Sprintf("a whole number up to %d (negative: unbounded)", MaxPreemptions))
			}
			c.Preemptions = n
		case "search":
			if !slices.Contains(Searches, v) {
				return c, fmt.Errorf("%s: unknown search %q (known: %s)", src, v, strings.Join(Searches, ", "))
			}
			c.Search = v
		case "mode":
			if v != "controlled" && v != "wild" {
				return c, bad("controlled or wild")
			}
			c.Mode = v
		case "save":
			c.Save = v
		case "replay":
			c.Replay = v
		default:
			if extra == nil {
				return c, fmt.Errorf("%s: unknown setting", src)
			}
			if err := extra(key, src, v); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// Register defines the flag -interleave.<key> of each key that is not
// defined yet, on the command line's flag set, documented by doc.
func Register(keys []string, doc func(key string) string) {
	for _, k := range keys {
		if flag.Lookup("interleave."+k) == nil {
			flag.String("interleave."+k, "", doc(k)+" (env "+Env(k)+")")
		}
	}
}

// CommandLine returns the -interleave.* flags set on the command line, by
// key (flag.Parse must have run).
func CommandLine() map[string]string {
	set := map[string]string{}
	flag.Visit(func(f *flag.Flag) {
		if k, ok := strings.CutPrefix(f.Name, "interleave."); ok {
			set[k] = f.Value.String()
		}
	})
	return set
}
