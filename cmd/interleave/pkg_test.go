//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The stress and debug of a package's tests that use schedtest, on
// examples/bank, whose TestApplyAll fails by design when INTERLEAVE_DEMO=1.

func TestStressPkgBadInput(t *testing.T) {
	bank := filepath.Join(repoDir, "examples", "bank")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-pkg", bank}, "interleave: -pkg needs -run: the tests to run, a go test -run regexp (such as '^TestTransfer$')"},
		{[]string{"-run", "X"}, "interleave: -run needs -pkg: the package whose tests to run"},
		{[]string{"-pkg", bank, "-run", "X", "-strategy", "naive"}, "interleave: -pkg does not take -strategy (flags of the scenarios' children)"},
		{[]string{"-pkg", bank, "-run", "X", "out-of-order"}, `interleave: -pkg runs a package's tests: unexpected scenario "out-of-order"`},
		{[]string{"-pkg", bank, "-run", "(", "-count", "1"}, "interleave: -run \"(\": error parsing regexp: missing closing ): `(`"},
		{[]string{"-pkg", filepath.Join(bank, "nope"), "-run", "X"}, `interleave: -pkg "` + filepath.Join(bank, "nope") + `": not a package directory`},
		{[]string{"-pkg", bank, "-run", "X", "-search", "dfs"}, "interleave: -search dfs: a stress child runs seeds; use random or pct (or interleave explore --search dfs)"},
		{[]string{"-pkg", bank, "-run", "X", "-schedules", "0"}, "interleave: -schedules 0: want a whole number from 1 to 10000000"},
	} {
		r := interleave(t, append([]string{"stress"}, tc.args...)...)
		require.Equal(t, 2, r.code, "%v: %s%s", tc.args, r.stdout, r.stderr)
		require.Empty(t, r.stdout)
		require.Equal(t, tc.want+"\n", r.stderr, "%v", tc.args)
	}
}

func TestStressPkg(t *testing.T) {
	logs := t.TempDir()
	r := invocation{dir: repoDir, env: []string{"INTERLEAVE_DEMO=1"}}.run(t, "stress", "-pkg", "./examples/bank", "-run", "^TestApplyAll$", "-p", "2", "-count", "4", "-schedules", "5", "-o", logs)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	out := r.stdout
	require.Contains(t, out, "stress ./examples/bank ^TestApplyAll$: 4 children, 2 at a time, 5 seeds each (child i: seeds i*5+1..i*5+5), controlled mode, pct(d=3)\n")
	// Each child runs its own seeds, and saves in a directory of its own.
	first := regexp.MustCompile(`(?m)^first child: (.+)$`).FindStringSubmatch(out)
	require.NotNil(t, first, out)
	require.Contains(t, first[1], " '-test.run=^TestApplyAll$' -test.count=1 -test.timeout=11m0s -interleave.seed=1 -interleave.schedules=5 -interleave.mode=controlled -interleave.search=pct -interleave.depth=3 -interleave.save="+filepath.Join(logs, "schedules", "seed1"))
	// The failures are grouped, with the lines that reproduce them.
	require.Regexp(t, `(?m)^\d× TestApplyAll: assertion: balances -N and N after N transfers$`, out)
	repro := regexp.MustCompile(`(?m)^    repro: (go test \./examples/bank .+)$`).FindStringSubmatch(out)
	require.NotNil(t, repro, out)
	require.Regexp(t, `(?m)^    debug: go run github\.com/interleave/interleave/cmd/interleave debug -pkg \./examples/bank -run '\^TestApplyAll\$' -schedule `+regexp.QuoteMeta(filepath.Join(logs, "schedules"))+`/seed\d+/TestApplyAll/pct-seed\d+\.schedule$`, out)

	// The repro line, pasted at the root, reruns the failure.
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", repro[1])
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), "INTERLEAVE_DEMO=1")
	got, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(got), "assertion at step 20: balances -60 and 160 after 2 transfers")
}

func TestDebugPkgBadInput(t *testing.T) {
	dbgNoBuild(t)
	bank := filepath.Join(repoDir, "examples", "bank")
	bad := filepath.Join(t.TempDir(), "bad.schedule")
	require.NoError(t, os.WriteFile(bad, []byte("interleave-schedule v2\nt1 q\n"), 0o644))
	noTest := filepath.Join(t.TempDir(), "notest.schedule")
	require.NoError(t, os.WriteFile(noTest, []byte("interleave-schedule v2\nt1\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-pkg", bank}, "interleave: debug: -pkg needs -schedule FILE (the file a failure saved) or -run REGEXP -seed N"},
		{[]string{"-pkg", bank, "-seed", "3"}, "interleave: debug: -seed needs -run: the test whose schedule to debug"},
		{[]string{"-pkg", bank, "-seed", "x", "-run", "T"}, `interleave: debug: -seed="x": want a non-negative whole number`},
		{[]string{"-pkg", bank, "-seed", "1", "-run", "T", "-search", "bfs"}, `interleave: debug: -search: unknown search "bfs" (known: random, pct, dfs)`},
		{[]string{"-pkg", bank, "-schedule", bad, "-seed", "1"}, "interleave: debug: give -schedule FILE or -seed N, not both"},
		{[]string{"-pkg", bank, "-schedule", bad}, "interleave: debug: " + bad + `: line 2: bad choice "q": want t<task id> or v<value>`},
		{[]string{"-pkg", bank, "-schedule", noTest}, "interleave: debug: " + noTest + " names no test (@test): give -run"},
		{[]string{"-pkg", bank, "-schedule", noTest, "-run", "T", "-depth", "2"}, "interleave: debug: -schedule gives the choices: do not combine it with -depth"},
		{[]string{"-pkg", bank, "-seed", "1", "-run", "T", "--json"}, "interleave: debug: --json needs --trace"},
		{[]string{"-pkg", filepath.Join(bank, "nope"), "-seed", "1", "-run", "T"}, `interleave: debug: -pkg "` + filepath.Join(bank, "nope") + `": not a package directory`},
	} {
		code, stdout, stderr := dbgRun(t, tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Empty(t, stdout)
		require.Equal(t, tc.want+"\n", stderr, "%v", tc.args)
	}
	code, stdout, _ := dbgRun(t, "-pkg", bank, "-h")
	require.Equal(t, 0, code)
	require.Equal(t, debugPkgUsage, stdout)
}

// TestDebugPkgTrace debugs the schedule a failure of examples/bank saved:
// the breakpoints stop in that one run, at the transfers and at the
// failure, with its message.
func TestDebugPkgTrace(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	saved := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	gotest := exec.CommandContext(ctx, "go", "test", "./examples/bank", "-run", "^TestApplyAll$", "-count=1", "-interleave.save="+saved)
	gotest.Dir = root
	gotest.Env = append(os.Environ(), "INTERLEAVE_DEMO=1")
	out, err := gotest.CombinedOutput()
	require.Error(t, err, "the demo test fails by design")
	line := regexp.MustCompile(`To debug it: (.+)`).FindStringSubmatch(string(out))
	require.NotNil(t, line, string(out))
	files, _ := filepath.Glob(filepath.Join(saved, "TestApplyAll", "*.schedule"))
	require.Len(t, files, 1)
	require.Contains(t, line[1], "-schedule "+files[0])

	t.Setenv("INTERLEAVE_DEMO", "1")
	code, stdout, stderr := dbgRun(t, "-pkg", filepath.Join(root, "examples", "bank"), "-schedule", files[0], "--trace", "-break", "bank.Transfer")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "break failure github.com/interleave/interleave/sched.(*Runtime).fail  # print f.Msg; print rt.step; print rt.cur.name\n")
	require.Equal(t, 2, strings.Count(stdout, "  bank.Transfer\n"), stdout)
	require.Regexp(t, `#3  g\d+  sched\.\(\*Runtime\)\.fail  f\.Msg="balances -60 and 160 after 2 transfers" rt\.step=20 rt\.cur\.name="main"`, stdout)
	require.Contains(t, stdout, "\n3 hits\nresult: fail: interleave: replayed "+files[0]+": assertion at step 20: balances -60 and 160 after 2 transfers\n")
}
