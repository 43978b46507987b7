package dlv

import (
	"os"
	"path/filepath"
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

func TestFindRepoInstall(t *testing.T) {
	root := repoRoot(t)
	p := dlvPath(t)
	if filepath.Dir(p) != filepath.Join(root, "bin") {
		t.Logf("using dlv from PATH: %s (not %s/bin/dlv)", p, root)
	}
}
