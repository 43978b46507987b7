package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// TestBadInput checks that every kind of bad input ends the command with
// exit status 2 and exactly one line on stderr, naming what is wrong, and
// that nothing is written: not on stdout, not under --save or -o, and (for
// stress) no test binary is built or run.
func TestBadInput(t *testing.T) {
	t.Parallel()
	files := t.TempDir()
	badSchedule := filepath.Join(files, "bad.schedule")
	require.NoError(t, os.WriteFile(badSchedule, []byte("interleave-schedule v1\n@scenario out-of-order\nt1 x2\n"), 0o644))
	badScenario := filepath.Join(files, "bad.scenario")
	require.NoError(t, os.WriteFile(badScenario, []byte("# a scenario\n\ninterleave-scenario v9\nrows 2\n"), 0o644))
	noScenario := filepath.Join(files, "schedule-without-scenario.schedule")
	require.NoError(t, os.WriteFile(noScenario, []byte("interleave-schedule v1\n@strategy naive\nt1\n"), 0o644))
	missing := filepath.Join(files, "missing.schedule")
	missingScenario := filepath.Join(files, "missing.scenario")
	known := strings.Join(scenarios.Names(), ", ")

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"run", "--scenario", "nope"},
			`interleave: unknown scenario "nope" (known: ` + known + `; or give a path to a scenario file)`},
		{"missing scenario", []string{"run", "--strategy", "naive"},
			`interleave: --scenario is required (see interleave list)`},
		{"unknown strategy", []string{"run", "--scenario", "out-of-order", "--strategy", "nope"},
			`interleave: unknown strategy "nope" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{"unknown search", []string{"explore", "--scenario", "out-of-order", "--search", "bfs"},
			`interleave: unknown search "bfs" (known: random, pct, dfs, dpor)`},
		{"malformed seed", []string{"run", "--scenario", "out-of-order", "--seed", "x"},
			`interleave: malformed seed "x": want a non-negative whole number`},
		{"negative seed", []string{"explore", "--scenario", "out-of-order", "--seed", "-3"},
			`interleave: malformed seed "-3": want a non-negative whole number`},
		{"malformed scenario file", []string{"run", "--scenario", badScenario},
			`interleave: ` + badScenario + `:3: want the header "interleave-scenario v2" (or "interleave-scenario v1"), got "interleave-scenario v9"`},
		{"missing scenario file", []string{"explore", "--scenario", missingScenario},
			`interleave: scenario file: open ` + missingScenario + `: no such file or directory`},
		{"malformed schedule file", []string{"replay", badSchedule},
			`interleave: ` + badSchedule + `: line 3: bad choice "x2": want t<task id> or v<value>`},
		{"missing schedule file", []string{"replay", missing},
			`interleave: schedule file: open ` + missing + `: no such file or directory`},
		{"schedule without scenario", []string{"replay", noScenario},
			`interleave: ` + noScenario + `: the schedule names no scenario (@scenario)`},
		{"replay unknown strategy", []string{"replay", badSchedule, "--strategy", "nope"},
			`interleave: unknown strategy "nope" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{"explore budget", []string{"explore", "--scenario", "out-of-order", "--budget", "0"},
			`interleave: --budget 0: want a number of schedules from 1 to 1000000000 (0 only with --search dfs or dpor)`},
		{"matrix unknown strategy", []string{"matrix", "--strategy", "naive,nope"},
			`interleave: unknown strategy "nope" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{"matrix unknown scenario", []string{"matrix", "--scenario", "nope"},
			`interleave: unknown scenario "nope" (known: ` + known + `; or give a path to a scenario file)`},
		{"stress unknown scenario", []string{"stress", "-count", "1", "nope"},
			`interleave: unknown scenario "nope" (known: ` + known + `; or give a path to a scenario file)`},
		{"stress mode", []string{"stress", "-mode", "tame"},
			`interleave: unknown mode "tame" (known: controlled, wild)`},
		{"stress strategy", []string{"stress", "-strategy", "nope"},
			`interleave: unknown strategy "nope" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`},
		{"stress compare", []string{"stress", "-compare", "naive", "-count", "4"},
			`interleave: -compare "naive": want two different strategies, X,Y`},
		{"stress compare without count", []string{"stress", "-compare", "naive,fixed"},
			`interleave: -compare needs a -count: each strategy's run must end`},
		{"stress shard", []string{"stress", "-shard", "4/4"},
			`interleave: malformed -shard "4/4": want I/N with 0 <= I < N, such as 0/4`},
		{"stress empty shard", []string{"stress", "-shard", "3/4", "-count", "2"},
			`interleave: -shard 3/4: -count 2 leaves this shard no children`},
		{"stress failure regexp", []string{"stress", "-failure", "("},
			"interleave: -failure: error parsing regexp: missing closing ): `(`"},
		{"stress search", []string{"stress", "-search", "dfs"},
			`interleave: -search dfs: a stress child runs seeds; use random or pct (or interleave explore --search dfs)`},
		{"stress pg flags without pg", []string{"stress", "-jitter", "0.5", "-dsn", "postgres://x@127.0.0.1:1/x"},
			`interleave: -backend mem does not take -dsn, -jitter (flags of -backend pg)`},
		{"unknown command", []string{"frobnicate"},
			`interleave: unknown command "frobnicate" (run 'interleave help')`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			save := t.TempDir()
			args := append([]string{}, tc.args...)
			switch args[0] {
			case "run", "explore":
				args = append(args, "--save", save)
			case "stress":
				args = append(args, "-o", save)
			}
			// A stress run that got past validation would find this
			// "binary" and fail differently.
			r := invocation{env: []string{testBinaryEnv + "=" + filepath.Join(save, "not-a-binary")}}.run(t, args...)
			require.Equal(t, 2, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			require.Equal(t, tc.want+"\n", r.stderr)
			require.Empty(t, r.stdout)
			requireEmptyDir(t, save)
		})
	}
}

// TestOutsideTheRepository: stress builds the scenarios package, so it
// must run inside the repository.
func TestOutsideTheRepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A go.mod of another module does not count.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/other\n"), 0o644))
	r := invocation{dir: dir}.run(t, "stress", "-count", "1")
	require.Equal(t, 2, r.code)
	require.Equal(t, "interleave: not inside the interleave repository: no go.mod of module github.com/interleave/interleave in the working directory or above\n", r.stderr)
	require.Empty(t, r.stdout)
}

// TestBadFlags checks command lines that do not parse: exit status 2 and
// one line naming the command, the problem and where the usage is.
func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--bogus"}, "interleave run: flag provided but not defined: -bogus (see 'interleave help run')"},
		{[]string{"matrix", "--budget", "many"}, `interleave matrix: invalid value "many" for flag -budget: parse error (see 'interleave help matrix')`},
		{[]string{"stress", "-p"}, "interleave stress: flag needs an argument: -p (see 'interleave help stress')"},
		{[]string{"list", "extra"}, `interleave list: unexpected argument "extra" (see 'interleave help list')`},
		{[]string{"replay"}, "interleave replay: want one schedule FILE, got 0 arguments (see 'interleave help replay')"},
		{[]string{"debug", "--bogus"}, "interleave debug: flag provided but not defined: -bogus (see 'interleave help debug')"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := interleave(t, tc.args...)
			require.Equal(t, 2, r.code)
			require.Empty(t, r.stdout)
			require.Equal(t, tc.want+"\n", r.stderr)
		})
	}
}

// TestUsage checks that the package doc is the usage, and each command's
// section its help.
func TestUsage(t *testing.T) {
	t.Parallel()
	none := interleave(t)
	require.Equal(t, 2, none.code)
	require.Empty(t, none.stdout)
	require.True(t, strings.HasPrefix(none.stderr, "Interleave runs the chat-stream scenarios"), none.stderr)

	help := interleave(t, "help")
	require.Equal(t, 0, help.code)
	require.Equal(t, none.stderr, help.stdout)
	for _, c := range commands {
		require.Contains(t, help.stdout, "\n# "+c.name+"\n")
		require.Contains(t, help.stdout, "\n\t"+c.name+" ")

		r := interleave(t, "help", c.name)
		require.Equal(t, 0, r.code)
		require.True(t, strings.HasPrefix(r.stdout, "\tinterleave "+c.name), r.stdout)
		require.Contains(t, r.stdout, "\nFlags:\n")
		require.Contains(t, r.stdout, "-json")
		require.Equal(t, r, interleave(t, c.name, "-h"))

		// Every flag is documented in the command's section of the usage.
		f := newFlags(c)
		c.flags(f)
		sec := section(c.name)
		f.VisitAll(func(fl *flag.Flag) {
			require.Regexp(t, flagMention(fl.Name), sec, "interleave %s: -%s is not in its usage", c.name, fl.Name)
		})
	}
	newDbgFlags().VisitAll(func(fl *flag.Flag) {
		require.Regexp(t, flagMention(fl.Name), debugUsage, "interleave debug: -%s is not in its usage", fl.Name)
	})
	require.Contains(t, help.stdout, "\n\tdebug ")
	debug := interleave(t, "help", "debug")
	require.Equal(t, 0, debug.code)
	require.Equal(t, interleave(t, "debug", "-h"), debug)
}

// flagMention matches -name or --name as a flag in text, not as a part of
// another flag's name.
func flagMention(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s\[(|])--?` + regexp.QuoteMeta(name) + `([\s\]=,)|]|$)`)
}
