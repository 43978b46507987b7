package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

var pageDataRE = regexp.MustCompile(`(?s)<script id="timeline-data" type="application/json">(.*?)</script>`)

// ReadPage returns the runs a page that Write wrote shows, read back from
// its embedded data: for tools and tests that check what a page holds. It
// fails on a page without the data, with data that is not JSON, or with a
// version other than Version.
func ReadPage(page []byte) ([]Run, error) {
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) {
		return nil, fmt.Errorf("timeline: not a timeline page (no <!DOCTYPE html> at its start)")
	}
	m := pageDataRE.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("timeline: the page has no timeline-data script")
	}
	var d pageData
	if err := json.Unmarshal(m[1], &d); err != nil {
		return nil, fmt.Errorf("timeline: the page's data: %w", err)
	}
	if d.Version != Version {
		return nil, fmt.Errorf("timeline: the page's data is version %d; this package reads version %d", d.Version, Version)
	}
	return d.Runs, nil
}
