package scenarios_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
)

// scriptBody is a small valid scenario without a name line.
const scriptBody = "rows 1\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\ncommit a\npublish replica1 2\n"

// TestScenarioNames: a name is a plain token; anything else in a name line
// is a parse error naming the file and line, never a panic, and a file
// name that makes no plain token needs a name line.
func TestScenarioNames(t *testing.T) {
	for _, name := range []string{"a", "out-of-order", "v1.2_x-y", "9lives", strings.Repeat("n", scenarios.MaxNameLen)} {
		require.NoError(t, scenarios.CheckName(name), name)
		sc, err := scenarios.ParseScript(strings.NewReader("interleave-scenario v1\nname "+name+"\n"+scriptBody), "x.scenario")
		require.NoError(t, err, name)
		require.Equal(t, name, sc.Name)
	}
	for _, c := range []struct{ line, want string }{
		{`name "a b"`, `x.scenario:2: name: "a b" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name "a\nb"`, `x.scenario:2: name: "a\nb" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name "it's"`, `x.scenario:2: name: "it's" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name $(touch)`, `x.scenario:2: name: "$(touch)" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{"name `id`", "x.scenario:2: name: \"`id`\" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit"},
		{`name ../../../x`, `x.scenario:2: name: "../../../x" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name ..`, `x.scenario:2: name: ".." is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name -rf`, `x.scenario:2: name: "-rf" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{`name ""`, `x.scenario:2: name: "" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{"name " + strings.Repeat("n", scenarios.MaxNameLen+1), `x.scenario:2: name: scenario name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn..." is longer than 64 bytes`},
		{`name a b`, `x.scenario:2: name: want "name NAME"`},
	} {
		_, err := scenarios.ParseScript(strings.NewReader("interleave-scenario v1\n"+c.line+"\n"+scriptBody), "x.scenario")
		require.EqualError(t, err, c.want, c.line)
	}
	// The default name is the file's: it must make a plain token.
	_, err := scenarios.ParseScript(strings.NewReader("interleave-scenario v1\n"+scriptBody), "/tmp/it's here.scenario")
	require.EqualError(t, err, `/tmp/it's here.scenario: the file name does not make a scenario name ("it's here" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit): add a 'name' line`)
	sc, err := scenarios.ParseScript(strings.NewReader("interleave-scenario v1\nname ok\n"+scriptBody), "/tmp/it's here.scenario")
	require.NoError(t, err)
	require.Equal(t, "ok", sc.Name)

	_, err = scenarios.Lookup("/tmp/a\nb.scenario")
	require.EqualError(t, err, `scenario file "/tmp/a\nb.scenario": the path holds a control character`)
}

// TestSaveScheduleStaysInDir: the directory a schedule is saved in is made
// from the scenario's name, which can never leave the directory given.
func TestSaveScheduleStaysInDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "save")
	for _, name := range []string{"../../../x", "..", "/etc", "a/b", ""} {
		sc := &scenarios.Scenario{Name: name, Build: func(scenarios.Gen) harness.Workload { return harness.Workload{} }}
		r := &scenarios.RunResult{Spec: scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive")}}
		_, err := scenarios.SaveSchedule(dir, r)
		require.EqualError(t, err, `save schedule: "`+name+`" cannot name a directory under `+dir, name)
	}
	var files []string
	require.NoError(t, filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
		}
		return err
	}))
	require.Empty(t, files)
}

// TestPrintedLinesQuoted: a scenario file whose path holds quotes, $(...),
// backticks and spaces gets lines that a shell reads back as exactly the
// intended arguments: pasting them runs nothing else.
func TestPrintedLinesQuoted(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "pwned")
	dir := filepath.Join(t.TempDir(), "it's $(touch "+canary+") `touch "+canary+"` ; touch "+canary)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	src, err := os.ReadFile(filepath.Join("testdata", "scenarios", "out-of-order.scenario"))
	require.NoError(t, err)
	file := filepath.Join(dir, "ooo.scenario")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	sc, err := scenarios.Lookup(file)
	require.NoError(t, err)
	search, _ := scenarios.ParseSearch("pct", 3, 2)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, "naive"), Search: search, Seed: 1, Trace: true})
	require.Equal(t, scenarios.Fail, r.Verdict)
	small := scenarios.ShrinkResult(r)
	save := filepath.Join(dir, "save")
	path, err := scenarios.SaveSchedule(save, small)
	require.NoError(t, err)

	argv := func(line string) []string {
		out, err := exec.Command("bash", "-c", `printf '%s\0' `+line).Output()
		require.NoError(t, err, line)
		return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	}
	for _, c := range []struct {
		line string
		want []string
	}{
		{r.Repro(), []string{"go", "test", "./scenarios", "-run", "^TestScenarios$/^out-of-order-durable$/^naive$/^seed=1$", "-interleave.scenario=" + file,
			"-interleave.strategy=naive", "-interleave.seed=1", "-interleave.search=pct", "-interleave.depth=3", "-interleave.preemptions=2"}},
		{r.CLI(), []string{"go", "run", "./cmd/interleave", "run", "--scenario", file, "--strategy", "naive", "--search", "pct", "--depth", "3", "--preemptions", "2", "--seed", "1", "--trace"}},
		{r.DebugLine(), []string{"go", "run", "./cmd/interleave", "debug", "--scenario", file, "--strategy", "naive", "--search", "pct", "--depth", "3", "--preemptions", "2", "--seed", "1"}},
		{small.Repro(), []string{"go", "test", "./scenarios", "-run", "^TestReplay$", "-interleave.replay=" + path}},
		{small.CLI(), []string{"go", "run", "./cmd/interleave", "replay", path, "--trace"}},
		{small.DebugLine(), []string{"go", "run", "./cmd/interleave", "debug", "--schedule", path}},
		{scenarios.ReplayLine(path), []string{"go", "run", "./cmd/interleave", "replay", path, "--trace"}},
	} {
		require.Equal(t, c.want, argv(c.line), c.line)
	}
	require.NoFileExists(t, canary, "a printed line ran a command")
	again, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{Trace: true})
	require.NoError(t, err)
	require.Equal(t, small.TraceHash(), again.TraceHash())
}
