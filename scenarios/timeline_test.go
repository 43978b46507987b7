package scenarios_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/interleave/interleave/internal/browsertest"
	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/timeline"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the README's timeline screenshots (docs/timeline-*.png)")

// seedRun runs promote-while-requires-action-by-id, pct d=3 seed 8, with a
// trace: naive loses #4 and #5 there, fixed delivers them late.
func seedRun(t testing.TB, strategy string) *scenarios.RunResult {
	t.Helper()
	sc, err := scenarios.Lookup("promote-while-requires-action-by-id")
	if err != nil {
		t.Fatal(err)
	}
	st, err := scenarios.LookupStrategy(strategy)
	if err != nil {
		t.Fatal(err)
	}
	search, err := scenarios.ParseSearch("pct", 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 8, Trace: true})
}

func seedTimeline(t testing.TB, strategy string) timeline.Run {
	t.Helper()
	tl, err := seedRun(t, strategy).Timeline()
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// valueAt is the text of a state field at step n, list items as "text" or
// "text(mark)" joined by spaces.
func valueAt(t *testing.T, tl timeline.Run, group, field string, n int) string {
	t.Helper()
	for _, f := range tl.State {
		if f.Group != group || f.Name != field {
			continue
		}
		var v timeline.Value
		for _, c := range f.Changes {
			if c.Step > n {
				break
			}
			if len(c.Add) == 0 && len(c.Remove) == 0 {
				v = c.Value
				continue
			}
			v.Items = slices.DeleteFunc(slices.Clone(v.Items), func(it timeline.Item) bool {
				k := it.Key
				if k == "" {
					k = it.Text
				}
				return slices.Contains(c.Remove, k)
			})
			v.Items = append(v.Items, c.Add...)
		}
		if !v.List {
			return v.Text
		}
		var parts []string
		for _, it := range v.Items {
			if it.Mark != "" {
				parts = append(parts, it.Text+"("+it.Mark+")")
			} else {
				parts = append(parts, it.Text)
			}
		}
		return strings.Join(parts, " ")
	}
	t.Fatalf("no field %s.%s", group, field)
	return ""
}

func threadSteps(tl timeline.Run, item string) []int {
	for _, th := range tl.Threads {
		if th.Item == item {
			var out []int
			for _, s := range th.Steps {
				out = append(out, s.Step)
			}
			return out
		}
	}
	return nil
}

func TestTimelineOfNaive(t *testing.T) {
	r := seedRun(t, "naive")
	tl, err := r.Timeline()
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.Validate(); err != nil {
		t.Fatal(err)
	}
	if tl.Title != "promote-while-requires-action-by-id / naive / pct(d=3) seed 8" {
		t.Errorf("title %q", tl.Title)
	}
	if len(tl.Steps) != r.Steps || len(tl.Lanes) != len(r.Trace.Tasks) {
		t.Errorf("%d steps on %d lanes, the run has %d steps of %d tasks", len(tl.Steps), len(tl.Lanes), r.Steps, len(r.Trace.Tasks))
	}
	pre := 0
	for _, s := range tl.Steps {
		if s.Preempted {
			pre++
		}
	}
	if pre != r.Preemptions {
		t.Errorf("%d steps marked preempted, the run counted %d preemptions", pre, r.Preemptions)
	}
	// The verdict: #4 and #5 lost at step 34, where the cursor passed them.
	if !tl.Verdict.Failed || len(tl.Verdict.Violations) != 2 {
		t.Fatalf("verdict %+v", tl.Verdict)
	}
	for i, want := range []string{"#4", "#5"} {
		v := tl.Verdict.Violations[i]
		if v.Step != 34 || !slices.Equal(v.Items, []string{want}) || !strings.Contains(v.Text, "never delivered") {
			t.Errorf("violation %d: %+v", i+1, v)
		}
	}
	// The state when the cursor passes them, and at the end.
	for _, c := range []struct {
		group, field string
		step         int
		want         string
	}{
		{"db", "committed", 11, "#1 #2"},
		{"db", "uncommitted", 11, "#3 #4 #5"},
		{"db", "committed", 12, "#1 #2 #3 #4 #5"},
		{"replica1 cache", "cache", 34, "#3 #6"},
		{"replica1 cache", "cache", 81, "#3 #6 #4(late) #5(late)"},
		{"replica1 cache", "evictedBefore", 81, "0"},
		{"sub", "lastMessageID", 33, "2"},
		{"sub", "lastMessageID", 34, "6"},
		{"sub", "delivered", 34, "#3 #6"},
		{"sub", "behind the cursor, undelivered", 34, "#4(lost) #5(lost)"},
		{"sub", "afterMessageID", 81, "2"},
		{"pubsub", "sub listener in flight", 30, "notify{After=5}"},
		{"pubsub", "sub listener in flight", 31, ""},
	} {
		if got := valueAt(t, tl, c.group, c.field, c.step); got != c.want {
			t.Errorf("%s.%s at step %d: %q, want %q", c.group, c.field, c.step, got, c.want)
		}
	}
	// The lost message, from its insert and commit to the cursor passing it
	// and its late append to the cache.
	if got := threadSteps(tl, "#4"); !slices.Equal(got, []int{10, 12, 34, 51, 52, 53}) {
		t.Errorf("thread of #4: steps %v", got)
	}
	kinds := map[string]int{}
	for _, e := range tl.Events {
		kinds[e.Kind]++
	}
	for _, k := range []string{"insert", "commit", "cache-append", "notify", "notify-recv", "merge", "lookup", "snapshot", "deliver", "cursor-move"} {
		if kinds[k] == 0 {
			t.Errorf("no %s event", k)
		}
	}
	if tl.Schedule != r.Schedule.String() || len(tl.Repro) != 3 ||
		tl.Repro[0] != (timeline.Repro{Label: "To reproduce", Command: r.Repro()}) ||
		tl.Repro[1] != (timeline.Repro{Label: "Rerun", Command: r.CLI()}) ||
		tl.Repro[2] != (timeline.Repro{Label: "Debug", Command: r.DebugLine()}) {
		t.Errorf("reproduction: %q %+v", tl.Schedule, tl.Repro)
	}
}

func TestTimelineOfFixed(t *testing.T) {
	tl := seedTimeline(t, "fixed")
	if tl.Verdict.Failed || len(tl.Verdict.Violations) != 0 {
		t.Fatalf("verdict %+v", tl.Verdict)
	}
	if got := valueAt(t, tl, "sub", "behind the cursor, undelivered", 34); got != "#4(late) #5(late)" {
		t.Errorf("behind the cursor at step 34: %q", got)
	}
	if got := valueAt(t, tl, "sub", "delivered", 35); got != "#3 #6 #4(late) #5(late)" {
		t.Errorf("delivered at step 35: %q", got)
	}
	if got := valueAt(t, tl, "sub", "behind the cursor, undelivered", 35); got != "" {
		t.Errorf("behind the cursor at step 35: %q", got)
	}
	if got := threadSteps(tl, "#4"); len(got) == 0 || !slices.Contains(got, 35) {
		t.Errorf("thread of #4 (delivered late at step 35): %v", got)
	}
}

// A run recorded without a trace still gets its timeline (the replay
// records one), and a schedule that does not fit the run is refused.
func TestTimelineReplaysTheSchedule(t *testing.T) {
	r := seedRun(t, "naive")
	r.Trace = nil
	tl, err := r.Timeline()
	if err != nil || len(tl.Steps) != r.Steps {
		t.Fatalf("untraced run: %d steps, %v", len(tl.Steps), err)
	}
	bad := seedRun(t, "naive")
	bad.Schedule = seedRun(t, "fixed").Schedule
	if _, err := bad.Timeline(); err == nil || !strings.HasPrefix(err.Error(), "timeline: ") {
		t.Errorf("a schedule of another run: %v", err)
	}
	none := seedRun(t, "naive")
	none.Schedule = nil
	if _, err := none.Timeline(); err == nil || err.Error() != "timeline: the run has no schedule to replay" {
		t.Errorf("no schedule: %v", err)
	}
}

// longScript is a scenario of k rounds, each two transactions that commit
// out of ID order and publish on two replicas to two subscribers: a real
// run of the chat model some ten thousand steps long.
func longScript(k int) string {
	var b strings.Builder
	b.WriteString("interleave-scenario v1\nname long-run\nreplicas 2\nrows 2\nsubscribe sub replica1 after=2\nsubscribe sub2 replica2 after=2\n")
	id := 3
	for i := range k {
		fmt.Fprintf(&b, "begin a%d\ninsert a%d assistant \"m\"\nbegin b%d\ninsert b%d user \"n\"\ncommit b%d\npublish replica1 %d\ncommit a%d\npublish replica2 %d\n", i, i, i, i, i, id+1, i, id)
		id += 2
	}
	return b.String()
}

func longRun(t testing.TB) *scenarios.RunResult {
	t.Helper()
	sc, err := scenarios.ParseScript(strings.NewReader(longScript(190)), "long-run.scenario")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := scenarios.LookupStrategy("naive")
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: scenarios.Search{Kind: "random"}, Seed: 1, Trace: true, MaxSteps: 50_000})
	if r.Steps < 10_000 || r.Steps > 12_000 {
		t.Fatalf("the long run took %d steps, want 10,000 to 12,000", r.Steps)
	}
	return r
}

func TestTimelineOf10000StepsIsUnder2MB(t *testing.T) {
	r := longRun(t)
	tl, err := r.Timeline()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := timeline.Write(&b, tl); err != nil {
		t.Fatal(err)
	}
	t.Logf("a page of the chat model's %d-step run (%d events, %d fields): %d bytes (%.2f MB; the limit is 2 MB)",
		len(tl.Steps), len(tl.Events), len(tl.State), b.Len(), float64(b.Len())/(1<<20))
	if b.Len() >= 2<<20 {
		t.Errorf("%d bytes, want under 2 MB", b.Len())
	}
}

func writePage(t testing.TB, dir, name string, runs ...timeline.Run) string {
	t.Helper()
	path := filepath.Join(dir, name)
	var b bytes.Buffer
	if err := timeline.Write(&b, runs...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}

func load(t testing.TB, tab *browsertest.Tab, url string) {
	t.Helper()
	tab.Do(t, chromedp.Navigate(url), chromedp.Poll[chromedp.Void](`document.body && document.body.dataset.ready === "1"`, chromedp.WithPollingTimeout(20*time.Second)))
}

// TestTimelineInBrowser shows the seed scenario under naive and fixed in
// headless Chromium, alone and side by side, and a 10,000-step run of the
// model; with -update-screenshots it writes the README's screenshots.
func TestTimelineInBrowser(t *testing.T) {
	naive, fixed := seedTimeline(t, "naive"), seedTimeline(t, "fixed")
	b := browsertest.Start(t, 1280, 860)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		run  timeline.Run
		// step is where the screenshot is taken: the loss, the late delivery.
		step int
	}{{"naive", naive, 34}, {"fixed", fixed, 35}} {
		t.Run(c.name, func(t *testing.T) {
			tab := b.Tab(t)
			url := writePage(t, dir, c.name+".html", c.run)
			load(t, tab, url+fmt.Sprintf("#step=%d", c.step))
			lanes := browsertest.Eval[string](t, tab, `[...document.querySelectorAll(".axisname, .lname")].map(d => d.textContent).join(",")`)
			if lanes != "step,main,sub subscribe,promote,replica1 worker,sub listener,sub merge" {
				t.Errorf("lanes %s", lanes)
			}
			vio := browsertest.Eval[string](t, tab, `[...document.querySelectorAll(".violations li")].map(l => l.textContent).join("\n")`)
			state := browsertest.Eval[string](t, tab, `document.querySelector(".state").textContent`)
			if c.name == "naive" {
				if !strings.Contains(vio, "step 34 sub: exactly once: message #4 never delivered") {
					t.Errorf("violations %q", vio)
				}
				if !strings.Contains(state, "behind the cursor, undelivered#4lost#5lost") {
					t.Errorf("state at step 34: %q", state)
				}
			} else {
				if vio != "" {
					t.Errorf("violations of a passing run: %q", vio)
				}
				if !strings.Contains(state, "delivered#3#6#4late#5late") {
					t.Errorf("state at step 35: %q", state)
				}
			}
			shot := tab.Screenshot(t)
			colours, ink, err := browsertest.Ink(shot)
			if err != nil {
				t.Fatal(err)
			}
			if colours < 50 || ink < 0.05 {
				t.Errorf("the screenshot looks blank: %d colours, %.1f%% ink", colours, 100*ink)
			}
			if p := tab.Problems(); len(p) > 0 {
				t.Errorf("the page reported: %s", strings.Join(p, "; "))
			}
			if *updateScreenshots {
				out := filepath.Join("..", "docs", "timeline-"+c.name+".png")
				if err := os.WriteFile(out, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d bytes)", out, len(shot))
			}
		})
	}
	t.Run("side by side", func(t *testing.T) {
		tab := b.Tab(t)
		load(t, tab, writePage(t, dir, "both.html", naive, fixed))
		got := browsertest.Eval[string](t, tab, `[...document.querySelectorAll(".run .verdict")].map(v => v.textContent).join(" | ")`)
		if got != "FAILpromote-while-requires-action-by-id / naive / pct(d=3) seed 8 | PASSpromote-while-requires-action-by-id / fixed / pct(d=3) seed 8" {
			t.Errorf("runs shown: %q", got)
		}
		tab.Do(t, chromedp.Evaluate[chromedp.Void](`window.timeline.select(35)`))
		if got := browsertest.Eval[string](t, tab, `[...document.querySelectorAll(".run .info h3")].map(h => h.textContent).join(",")`); got != "step 35,step 35" {
			t.Errorf("steps shown: %s", got)
		}
		if p := tab.Problems(); len(p) > 0 {
			t.Errorf("the page reported: %s", strings.Join(p, "; "))
		}
	})
	t.Run("10000 steps", func(t *testing.T) {
		tl, err := longRun(t).Timeline()
		if err != nil {
			t.Fatal(err)
		}
		tab := b.Tab(t)
		load(t, tab, writePage(t, dir, "long.html", tl))
		ms := browsertest.Eval[float64](t, tab, `window.timelineReadyMs`)
		script := browsertest.Eval[float64](t, tab, `window.timelineRenderMs`)
		t.Logf("the page of a %d-step run of the chat model: its script runs %.0f ms, and it is drawn %.0f ms after navigation began (the goal is under 1000 ms)", len(tl.Steps), script, ms)
		if p := tab.Problems(); len(p) > 0 {
			t.Errorf("the page reported: %s", strings.Join(p, "; "))
		}
	})
}

// BenchmarkTimelinePage10000Steps reports, for the page of an
// 11,832-step run of the chat model, the time to build its timeline (a
// replay with the model observed) and write the page, the page's size, and
// how long headless Chromium takes from navigation to drawn.
func BenchmarkTimelinePage10000Steps(b *testing.B) {
	r := longRun(b)
	var page bytes.Buffer
	build := time.Duration(0)
	for b.Loop() {
		start := time.Now()
		tl, err := r.Timeline()
		if err != nil {
			b.Fatal(err)
		}
		page.Reset()
		if err := timeline.Write(&page, tl); err != nil {
			b.Fatal(err)
		}
		build += time.Since(start)
	}
	b.ReportMetric(float64(build.Milliseconds())/float64(b.N), "ms-to-build")
	b.ReportMetric(float64(page.Len()), "page-bytes")
	br := browsertest.Start(b, 1400, 1000)
	path := filepath.Join(b.TempDir(), "long.html")
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	tab := br.Tab(b)
	const loads = 3
	var drawn float64
	for range loads {
		load(b, tab, "file://"+path)
		drawn += browsertest.Eval[float64](b, tab, `window.timelineReadyMs`)
	}
	b.ReportMetric(drawn/loads, "ms-to-drawn")
}

// TestTimelineOfStreamLoop: the stream loop's page shows its state, the
// versions it has seen and the revision it knows of each message, as they
// change with each sync.
func TestTimelineOfStreamLoop(t *testing.T) {
	tl := seedTimeline(t, "stream-loop")
	if tl.Verdict.Failed {
		t.Fatalf("verdict %+v", tl.Verdict)
	}
	end := math.MaxInt
	known := valueAt(t, tl, "sub", "known revisions", end)
	for _, id := range []string{"#3@", "#4@", "#5@", "#6@"} {
		if !strings.Contains(known, id) {
			t.Errorf("known revisions at the end: %q, want %s…", known, id)
		}
	}
	if got := valueAt(t, tl, "sub", "versions seen", end); !strings.HasPrefix(got, "{snapshot ") {
		t.Errorf("versions seen at the end: %q", got)
	}
	syncs := 0
	for _, e := range tl.Events {
		if e.Kind == "sync" {
			syncs++
		}
	}
	if syncs == 0 {
		t.Errorf("no sync event in %d events", len(tl.Events))
	}
}
