package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/interleave/interleave/timeline"
)

// HTMLFileName is the file name of a run's timeline page: its schedule
// file's name (CorpusFileName) with .html for .schedule.
func HTMLFileName(r *RunResult) string {
	return strings.TrimSuffix(CorpusFileName(r), ".schedule") + ".html"
}

// CheckHTMLFile checks, before anything runs, that a page can be written to
// path: the name is not empty and not a directory, and its directory
// exists. The error says what is wrong with path, without naming a flag.
func CheckHTMLFile(path string) error {
	if path == "" {
		return fmt.Errorf("no file name")
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory: want a file name", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// WriteHTML writes the timeline page of runs (RunResult.Timeline; two runs
// side by side share the step cursor) to path, atomically: a reader sees the
// old file or the whole page, and a failure leaves no partial file.
func WriteHTML(path string, runs ...*RunResult) error {
	if len(runs) == 0 {
		return fmt.Errorf("timeline page %s: no run", path)
	}
	tls := make([]timeline.Run, len(runs))
	for i, r := range runs {
		tl, err := r.Timeline()
		if err != nil {
			return fmt.Errorf("timeline page %s: %w", path, err)
		}
		tls[i] = tl
	}
	var b bytes.Buffer
	if err := timeline.Write(&b, tls...); err != nil {
		return fmt.Errorf("timeline page %s: %w", path, err)
	}
	return WriteFileAtomic(path, b.Bytes())
}

// SaveHTML writes a run's timeline page under dir/<scenario>/, named
// HTMLFileName, atomically, and returns its path: the counterpart of
// SaveSchedule, with the same check that the scenario's name stays inside
// dir. dir is made if missing.
func SaveHTML(dir string, r *RunResult) (string, error) {
	name := r.Spec.Scenario.Name
	if err := CheckName(name); err != nil || !filepath.IsLocal(name) {
		return "", fmt.Errorf("timeline page: %q cannot name a directory under %s", name, dir)
	}
	sub := filepath.Join(dir, name)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", fmt.Errorf("timeline page: %w", err)
	}
	path := filepath.Join(sub, HTMLFileName(r))
	return path, WriteHTML(path, r)
}
