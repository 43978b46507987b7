package stress

import (
	"fmt"
	"os"
	"strings"

	"github.com/interleave/interleave/internal/fsutil"
)

// PlacePages puts each group's timeline page beside the group's first log:
// the page its lowest-indexed failure's child wrote (Group.HTML, often in a
// temporary directory) is copied, atomically, to the log's path with .html
// for .log, and Group.HTML then names the copy. A group without a log, or
// whose page cannot be read, is left without a page (Group.HTML empty); the
// first such error is returned, after every group was tried.
func (r *Report) PlacePages() error {
	var errs []error
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.HTML == "" {
			continue
		}
		src := g.HTML
		g.HTML = ""
		if len(g.Logs) == 0 {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			errs = append(errs, fmt.Errorf("the timeline page of %q: %w", g.Signature, err))
			continue
		}
		dst := strings.TrimSuffix(g.Logs[0], ".log") + ".html"
		if err := fsutil.WriteFileAtomic(dst, data); err != nil {
			errs = append(errs, fmt.Errorf("the timeline page of %q: %w", g.Signature, err))
			continue
		}
		g.HTML = dst
	}
	if len(errs) > 0 {
		return errs[0] // the others are like it: one line is enough
	}
	return nil
}
