package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// printedLine matches the lines the commands print for a person to paste.
var printedLine = regexp.MustCompile(`(?m)^\s*(To reproduce|Rerun|Debug|repro|debug|first child|schedule saved to .+? \(replay): +(.+?)\)?$`)

// TestHostilePaths: a scenario file whose path holds a quote, $(...),
// backticks and a ; gets printed lines (run, explore, matrix, replay,
// stress) that a shell reads back as exactly the intended arguments: the
// command, its flags and the path. Nothing pasted runs anything else, and
// pasted, they rerun the failure.
func TestHostilePaths(t *testing.T) {
	t.Parallel()
	canary := filepath.Join(t.TempDir(), "pwned")
	dir := filepath.Join(t.TempDir(), "it's $(touch "+canary+") `touch "+canary+"`; touch "+canary+" #")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	src, err := os.ReadFile(filepath.Join(repoDir, "scenarios", "testdata", "scenarios", "out-of-order.scenario"))
	require.NoError(t, err)
	file := filepath.Join(dir, "ooo.scenario")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	save := filepath.Join(dir, "save")

	var out strings.Builder
	for _, args := range [][]string{
		{"run", "--scenario", file, "--strategy", "naive", "--save", save},
		{"explore", "--scenario", file, "--strategy", "naive", "--stop"},
		{"matrix", "--scenario", file, "--strategy", "naive", "--budget", "20", "--save", save},
	} {
		r := interleave(t, args...)
		want := 1 // a failure found
		if args[0] == "matrix" {
			want = 0 // as the file expects
		}
		require.Equal(t, want, r.code, "%v\n%s%s", args, r.stdout, r.stderr)
		out.WriteString(r.stdout)
	}
	shrunk, err := filepath.Glob(filepath.Join(save, "out-of-order-durable", "naive-shrunk-*.schedule"))
	require.NoError(t, err)
	require.Len(t, shrunk, 1)
	r := interleave(t, "replay", shrunk[0])
	require.Equal(t, 1, r.code, r.stderr)
	out.WriteString(r.stdout)
	r = invocation{env: prebuilt()}.run(t, "stress", "-strategy", "naive", "-count", "1", "-p", "1", "-schedules", "2", "-o", t.TempDir(), file)
	require.Equal(t, 1, r.code, r.stderr)
	out.WriteString(r.stdout)

	lines := printedLine.FindAllStringSubmatch(out.String(), -1)
	require.GreaterOrEqual(t, len(lines), 12, out.String())
	kinds := map[string]bool{}
	for _, m := range lines {
		kind, line := m[1], m[2]
		kinds[strings.SplitN(kind, " ", 2)[0]] = true
		var argv []string
		switch {
		case strings.HasPrefix(line, "go test "):
			argv = argvOf(t, line, "go", "test")
			require.Equal(t, "./scenarios", argv[0], line)
		case strings.HasPrefix(line, "go run "):
			argv = argvOf(t, line, "go", "run")
			require.Equal(t, "./cmd/interleave", argv[0], line)
		default: // stress's first child: the test binary
			argv = argvOf(t, line, scenariosBin)
		}
		// The path is one argument, or the value of one.
		found := false
		for _, a := range argv {
			if a == file || strings.HasSuffix(a, "="+file) || strings.HasPrefix(a, save+"/") || strings.HasPrefix(a, "-interleave.replay="+save+"/") {
				found = true
			}
		}
		require.True(t, found, "%s: %q", line, argv)
	}
	for _, k := range []string{"To", "Rerun", "Debug", "repro", "debug", "first", "schedule"} {
		require.True(t, kinds[k], "no %s line in:\n%s", k, out.String())
	}
	require.NoFileExists(t, canary, "a printed line ran a command")

	// Pasted, the rerun and go test lines rerun the failure.
	for _, m := range lines {
		if m[1] != "Rerun" && m[1] != "To reproduce" {
			continue
		}
		p := paste(t, m[2])
		require.Equal(t, 1, p.code, "%s\n%s", m[2], p.out)
		require.Contains(t, p.out, "never delivered", m[2])
	}
	require.NoFileExists(t, canary, "a pasted line ran a command")

	// A scenario whose name line is hostile is bad input, before anything
	// runs or is written.
	bad := filepath.Join(dir, "bad.scenario")
	require.NoError(t, os.WriteFile(bad, []byte("interleave-scenario v1\nname \"$(id)\"\n"+string(src[strings.Index(string(src), "doc "):])), 0o644))
	r = interleave(t, "run", "--scenario", bad, "--strategy", "naive")
	require.Equal(t, 2, r.code)
	require.Equal(t, "interleave: "+bad+`:2: name: "$(id)" is not a scenario name: want letters, digits, '.', '_' or '-', starting with a letter or digit`+"\n", r.stderr)
	require.NoFileExists(t, canary)
}
