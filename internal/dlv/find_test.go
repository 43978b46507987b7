package dlv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", "")
	root := t.TempDir()
	p, err := Find(root)
	require.Empty(t, p)
	require.ErrorIs(t, err, ErrNotFound)
	require.EqualError(t, err, "dlv not found in "+root+"/bin or on PATH: run 'make tools' to install it (github.com/go-delve/delve v1.27.2)")
}

func writeFakeDlv(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, "dlv")
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	return p
}

func TestFindPrefersRepoBin(t *testing.T) {
	root := t.TempDir()
	onPath := writeFakeDlv(t, filepath.Join(t.TempDir(), "path"))
	t.Setenv("PATH", filepath.Dir(onPath))

	// Only on PATH.
	p, err := Find(root)
	require.NoError(t, err)
	require.Equal(t, onPath, p)

	// bin/dlv wins over PATH; a non-executable one does not count.
	local := filepath.Join(root, "bin", "dlv")
	require.NoError(t, os.MkdirAll(filepath.Dir(local), 0o755))
	require.NoError(t, os.WriteFile(local, []byte("not executable"), 0o644))
	p, err = Find(root)
	require.NoError(t, err)
	require.Equal(t, onPath, p)

	require.NoError(t, os.Remove(local))
	writeFakeDlv(t, filepath.Join(root, "bin"))
	p, err = Find(root)
	require.NoError(t, err)
	require.Equal(t, local, p)
}

// TestFindRepoInstall: the dlv these tests use is the one `make tools`
// installed into <repo>/bin, even with another dlv earlier on PATH, and it
// is the release this package is written against.
func TestFindRepoInstall(t *testing.T) {
	root := repoRoot(t)
	local := filepath.Join(root, "bin", "dlv")
	require.FileExists(t, local, "run 'make tools' to install %s@%s into bin/", DelveModule, DelveVersion)
	onPath := writeFakeDlv(t, filepath.Join(t.TempDir(), "path"))
	t.Setenv("PATH", filepath.Dir(onPath)+string(os.PathListSeparator)+os.Getenv("PATH"))

	p, err := Find(root)
	require.NoError(t, err)
	require.Equal(t, local, p, "bin/dlv, not the dlv first on PATH")

	out, err := exec.Command(p, "version").CombinedOutput()
	require.NoError(t, err, "%s version: %s", p, out)
	require.Regexp(t, `(?m)^Version: `+regexp.QuoteMeta(strings.TrimPrefix(DelveVersion, "v"))+`$`, string(out),
		"bin/dlv is not %s %s: rerun 'make tools' after deleting it", DelveModule, DelveVersion)
}

// TestMakefilePinsThisDelve: make tools installs the Delve this package
// names (DelveVersion, in its error messages), so the two cannot drift.
func TestMakefilePinsThisDelve(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot(t), "Makefile"))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^DLV_VERSION\s*:=\s*`+regexp.QuoteMeta(DelveVersion)+`\s*$`, string(mk))
}
