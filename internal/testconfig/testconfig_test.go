package testconfig

import (
	"errors"
	"testing"
)

func TestLoadFlagWinsOverVariableWinsOverDefault(t *testing.T) {
	env := map[string]string{"INTERLEAVE_SEARCH": "dfs", "INTERLEAVE_DEPTH": "5", "INTERLEAVE_REPLAY": "a.schedule"}
	c, err := Load(Config{Schedules: 100, Search: "pct", Depth: 3, Preemptions: 2, Mode: "controlled"},
		[]string{"seed", "schedules", "search", "depth", "preemptions", "mode", "save", "replay"},
		map[string]string{"search": "random", "seed": "9"}, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Seed: 9, SeedSet: true, Schedules: 100, Search: "random", Depth: 5, Preemptions: 2, Mode: "controlled", Replay: "a.schedule"}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestLoadErrorsNameTheSource(t *testing.T) {
	for _, bad := range []struct {
		flags map[string]string
		env   map[string]string
		want  string
	}{
		{map[string]string{"schedules": "-1"}, nil, `-interleave.schedules="-1": want a whole number from 1 to 10000000`},
		{nil, map[string]string{"INTERLEAVE_PREEMPTIONS": "two"}, `INTERLEAVE_PREEMPTIONS="two": want a whole number up to 100 (negative: unbounded)`},
		{map[string]string{"depth": "101"}, nil, `-interleave.depth="101": want a whole number from 1 to 100`},
		{map[string]string{"search": "bfs"}, nil, `-interleave.search: unknown search "bfs" (known: random, pct, dfs)`},
		{map[string]string{"color": "red"}, nil, `-interleave.color: unknown setting`},
	} {
		_, err := Load(Config{}, []string{"schedules", "preemptions", "search", "depth", "color"}, bad.flags, func(k string) string { return bad.env[k] }, nil)
		if err == nil || err.Error() != bad.want {
			t.Errorf("got %v, want %s", err, bad.want)
		}
	}
	_, err := Load(Config{}, []string{"strategy"}, map[string]string{"strategy": "x"}, nil, func(key, src, v string) error {
		return errors.New(src + " handled by the caller")
	})
	if err == nil || err.Error() != "-interleave.strategy handled by the caller" {
		t.Errorf("extra keys go to the caller: %v", err)
	}
}

func TestCheckSeedRange(t *testing.T) {
	if err := CheckSeedRange(9223372036854775807, 5); err == nil || err.Error() != "seeds 9223372036854775807.. (5 of them) pass 9223372036854775807, the largest seed" {
		t.Fatalf("got %v", err)
	}
	if err := CheckSeedRange(3, 5); err != nil {
		t.Fatal(err)
	}
}
