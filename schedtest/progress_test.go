package schedtest

import (
	"strings"
	"testing"
	"time"
)

func TestProgressReportsALongSearch(t *testing.T) {
	var b strings.Builder
	p := progress{name: "TestLong", search: "dfs(unbounded)", last: time.Now().Add(-time.Hour), w: &b, every: time.Minute}
	p.tick(41) // an hour since the last report: a line
	p.tick(42) // just reported: none
	got := b.String()
	if strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "interleave: TestLong: dfs(unbounded): 41 schedules in ") || !strings.HasSuffix(got, ", no failure yet\n") {
		t.Fatalf("got %q", got)
	}
}
