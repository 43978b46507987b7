package scenarios_test

import (
	"strings"
	"testing"

	"github.com/interleave/interleave/scenarios"
)

// The parsers' fuzz targets: whatever the input, a parser returns a
// result or one line of error naming where the problem is, and never
// panics. make test runs each for a few seconds (make fuzz-short):
//
//	go test ./scenarios -run '^$' -fuzz '^FuzzParseScript$' -fuzztime 30s

func FuzzParseScript(f *testing.F) {
	for _, s := range []string{
		"interleave-scenario v1\nrows 4\nsubscribe sub replica1 after=2\nbegin a\ninsert a assistant \"five\"\ncommit a\nappend replica1 5\nnotify after=4\nexpect naive fail\n",
		"interleave-scenario v1\nreplicas 2\ncapacity 3\nsubscribe s replica2 after=0\nedit replica1 1 \"x\"\nnotify full-refresh\nsettle\n",
		"interleave-scenario v1\nrows 0\nrows 3\n",
		"interleave-scenario v1\nsubscribe s replica01 after=0 # x\n",
		"interleave-scenario v1\nname a\"b\ndoc \\\"q\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := scenarios.ParseScript(strings.NewReader(in), "f.scenario")
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "f.scenario") {
				t.Fatalf("error %q: want one line that starts with the file name", msg)
			}
			return
		}
		if sc.Source != "f.scenario" || sc.Build == nil {
			t.Fatalf("parsed %q into %+v", in, sc)
		}
	})
}

func FuzzLoadConfig(f *testing.F) {
	f.Add("seed", "7", "INTERLEAVE_SCHEDULES", "5")
	f.Add("schedules", "99999999999", "INTERLEAVE_DEPTH", "0")
	f.Add("strategy", "naive,fixed", "INTERLEAVE_SEED", "9223372036854775807")
	f.Add("preemptions", "-1", "INTERLEAVE_SEARCH", "dfs")
	f.Fuzz(func(t *testing.T, key, value, envKey, envValue string) {
		c, err := scenarios.LoadConfig(map[string]string{key: value}, func(k string) string {
			if k == envKey {
				return envValue
			}
			return ""
		})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line", err)
			}
			return
		}
		if c.Schedules < 1 || c.Schedules > scenarios.MaxSchedules || c.Depth < 1 || c.Depth > scenarios.MaxDepth {
			t.Fatalf("accepted %+v", c)
		}
		if c.SeedSet && scenarios.CheckSeedRange(c.Seed, int64(c.Schedules)) != nil {
			t.Fatalf("accepted seeds %d.. (%d)", c.Seed, c.Schedules)
		}
	})
}
