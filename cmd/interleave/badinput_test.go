package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// badCase is one file of testdata/badinput (its README has the format).
type badCase struct {
	run, test []string // the arguments of interleave, or of the scenarios test binary
	env       []string
	stdout    string // "" (a pipe) or a file such as /dev/full
	want      string
	files     map[string][]byte
}

// parseBadCase reads a case; $WORK in its lines is work.
func parseBadCase(data []byte, work string) (*badCase, error) {
	c := &badCase{files: map[string][]byte{}}
	lines := bytes.SplitAfter(data, []byte("\n"))
	i := 0
	for ; i < len(lines); i++ {
		line := strings.TrimSuffix(string(lines[i]), "\n")
		if strings.HasPrefix(line, "-- ") {
			break
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY: VALUE, got %q", i+1, line)
		}
		value = strings.ReplaceAll(value, "$WORK", work)
		switch key {
		case "run":
			c.run = strings.Fields(value)
		case "test":
			c.test = strings.Fields(value)
		case "env":
			c.env = append(c.env, value)
		case "stdout":
			c.stdout = value
		case "want":
			c.want = value
		default:
			return nil, fmt.Errorf("line %d: unknown key %q", i+1, key)
		}
	}
	var name string
	for ; i < len(lines); i++ {
		line := strings.TrimSuffix(string(lines[i]), "\n")
		if n, ok := strings.CutPrefix(line, "-- "); ok && strings.HasSuffix(n, " --") {
			name = strings.TrimSuffix(n, " --")
			c.files[name] = []byte{}
			continue
		}
		c.files[name] = append(c.files[name], lines[i]...)
	}
	switch {
	case (c.run == nil) == (c.test == nil):
		return nil, errors.New("want one of run: and test:")
	case c.want == "":
		return nil, errors.New("no want: line")
	}
	return c, nil
}

// listTree lists the files and directories under dir, relative to it.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	}))
	sort.Strings(out)
	return out
}

// TestBadInputCorpus runs every bad input of testdata/badinput: exit
// status 2, exactly the case's line on stderr, nothing on stdout, and
// nothing written anywhere (the working directory holds only the case's
// files; $TMPDIR stays empty; no --save or -o directory appears).
func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "badinput", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			work := t.TempDir()
			c, err := parseBadCase(data, work)
			require.NoError(t, err, path)
			for name, content := range c.files {
				path := filepath.Join(work, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, content, 0o644))
			}
			given := listTree(t, work)
			tmp := t.TempDir()

			ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
			defer cancel()
			var cmd *exec.Cmd
			if c.run != nil {
				cmd = exec.CommandContext(ctx, interleaveBin, c.run...)
				cmd.Dir = work
			} else {
				cmd = exec.CommandContext(ctx, scenariosBin, c.test...)
				cmd.Dir = filepath.Join(repoDir, "scenarios")
			}
			// A stress run that got past its checks would find this
			// "binary" and fail otherwise.
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, testBinaryEnv+"="+filepath.Join(work, "not-a-binary"))
			cmd.Env = append(cmd.Env, c.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if c.stdout != "" {
				f, err := os.OpenFile(c.stdout, os.O_WRONLY, 0)
				require.NoError(t, err)
				defer f.Close()
				cmd.Stdout = f
			}
			err = cmd.Run()
			require.NoError(t, ctx.Err(), "hung")
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "%v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
			require.Equal(t, 2, ee.ExitCode(), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
			require.Equal(t, c.want+"\n", stderr.String())
			require.Empty(t, stdout.String())
			require.Equal(t, given, listTree(t, work), "written under the working directory")
			require.Empty(t, listTree(t, tmp), "written under $TMPDIR")
		})
	}
}
