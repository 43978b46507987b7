package fsutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWriteFileAtomic: the file appears with its whole content, replaces an
// older one, and no temporary file is left behind, also when the write
// fails.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	require.NoError(t, WriteFileAtomic(path, []byte("one\n")))
	require.NoError(t, WriteFileAtomic(path, []byte("two\n")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two\n", string(data))

	// A directory in the way: the rename fails, and names the path.
	blocked := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(blocked, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(blocked, "x"), nil, 0o644))
	err = WriteFileAtomic(blocked, []byte("three\n"))
	require.ErrorContains(t, err, "write "+blocked+": ")

	err = WriteFileAtomic(filepath.Join(dir, "missing", "f.log"), nil)
	require.ErrorIs(t, err, os.ErrNotExist)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"f.log", "sub"}, names, "no temporary file is left")
}
