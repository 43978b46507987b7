package sched_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/interleave/interleave/sched"
)

func genSchedule() *rapid.Generator[*sched.Schedule] {
	return rapid.Custom(func(t *rapid.T) *sched.Schedule {
		s := &sched.Schedule{}
		keys := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z][a-z0-9._-]{0,12}`), 0, 5, rapid.ID[string]).Draw(t, "keys")
		for _, k := range keys {
			v := rapid.StringMatching(`([!-~]([ -~]{0,30}[!-~])?)?`).Draw(t, "value")
			s.Set(k, v)
		}
		n := rapid.IntRange(0, 200).Draw(t, "n")
		for i := 0; i < n; i++ {
			kind := sched.ChoiceKind(rapid.IntRange(0, 1).Draw(t, "kind"))
			s.Choices = append(s.Choices, sched.Choice{Kind: kind, Value: rapid.IntRange(0, 1<<20).Draw(t, "value")})
		}
		return s
	})
}

func TestScheduleTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSchedule().Draw(t, "schedule")
		text := s.String()
		back, err := sched.ParseSchedule(strings.NewReader(text))
		require.NoError(t, err, "text:\n%s", text)
		require.Equal(t, s.Meta, back.Meta)
		require.Equal(t, len(s.Choices), len(back.Choices))
		for i := range s.Choices {
			require.Equal(t, s.Choices[i], back.Choices[i])
		}
		require.Equal(t, text, back.String())
	})
}

func TestScheduleTextForm(t *testing.T) {
	s := &sched.Schedule{}
	s.Set("scenario", "out-of-order")
	s.Set("strategy", "naive")
	s.Choices = []sched.Choice{{Kind: sched.TaskChoice, Value: 1}, {Kind: sched.ValueChoice, Value: 0}, {Kind: sched.TaskChoice, Value: 12}}
	require.Equal(t, "interleave-schedule v2\n@scenario out-of-order\n@strategy naive\nt1 v0 t12\n", s.String())
	require.Equal(t, "naive", s.Get("strategy"))
	require.Equal(t, "", s.Get("missing"))

	// Comments, blank lines and indentation are ignored; choices may span lines.
	back, err := sched.ParseSchedule(strings.NewReader("# saved by a test\n\ninterleave-schedule v1\n  @seed 42\nt1 t2\n# step 3\n  v1\n"))
	require.NoError(t, err)
	require.Equal(t, "42", back.Get("seed"))
	require.Len(t, back.Choices, 3)
	require.Equal(t, 1, back.Version, "the version it was read as")
	require.Equal(t, "interleave-schedule v2\n@seed 42\nt1 t2 v1\n", back.String(), "written in the current version")
	back, err = sched.ParseSchedule(strings.NewReader(back.String()))
	require.NoError(t, err)
	require.Equal(t, 2, back.Version)
}

func TestScheduleParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `empty schedule: want the header "interleave-schedule v2"`},
		{"t1 t2\n", `line 1: want the header "interleave-schedule v2", got "t1 t2"`},
		{"interleave-schedule v3\n", `line 1: unsupported schedule version "v3" (this build reads v1 to v2)`},
		{"interleave-schedule v0\n", `line 1: unsupported schedule version "v0" (this build reads v1 to v2)`},
		{"interleave-schedule v02\n", `line 1: unsupported schedule version "v02" (this build reads v1 to v2)`},
		{"interleave-schedule vx\n", `line 1: unsupported schedule version "vx" (this build reads v1 to v2)`},
		{"interleave-schedule v1\nt1 x2\n", `line 2: bad choice "x2": want t<task id> or v<value>`},
		{"interleave-schedule v1\nt1\nt-1\n", `line 3: bad choice "t-1": want t<task id> or v<value> with a non-negative decimal number`},
		{"interleave-schedule v1\nt\n", `line 2: bad choice "t": want t<task id> or v<value> with a non-negative decimal number`},
		{"interleave-schedule v1\nv+3\n", `line 2: bad choice "v+3": want t<task id> or v<value> with a non-negative decimal number`},
		{"interleave-schedule v1\n@bad:key x\n", `line 2: bad metadata key "bad:key": want letters, digits, '.', '_' or '-'`},
		{"interleave-schedule v1\nt99999999999999999999999\n", `line 2: bad choice "t99999999999999999999999": want t<task id> or v<value> with a non-negative decimal number`},
	} {
		_, err := sched.ParseSchedule(strings.NewReader(c.in))
		require.Error(t, err, "input %q", c.in)
		require.Equal(t, c.want, err.Error(), "input %q", c.in)
	}
}

func TestScheduleSetRejectsWhatTheTextCannotCarry(t *testing.T) {
	s := &sched.Schedule{}
	require.PanicsWithValue(t, `sched: schedule metadata key "a b": want letters, digits, '.', '_' or '-'`, func() { s.Set("a b", "x") })
	require.PanicsWithValue(t, `sched: schedule metadata k="x\ny": the value must be one line without surrounding spaces`, func() { s.Set("k", "x\ny") })
}

func FuzzParseSchedule(f *testing.F) {
	f.Add("interleave-schedule v1\n@k v\nt1 v2\n")
	f.Add("interleave-schedule v1\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := sched.ParseSchedule(strings.NewReader(in))
		if err != nil {
			return
		}
		back, err := sched.ParseSchedule(strings.NewReader(s.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", s.String(), err)
		}
		if back.String() != s.String() {
			t.Fatalf("round trip changed %q to %q", s.String(), back.String())
		}
	})
}
