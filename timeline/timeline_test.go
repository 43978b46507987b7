package timeline_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/timeline"
)

func write(t testing.TB, runs ...timeline.Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := timeline.Write(&b, runs...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var dataRE = regexp.MustCompile(`(?s)<script id="timeline-data" type="application/json">(.*?)</script>`)

// pageData returns the JSON embedded in a page, decoded.
func pageData(t *testing.T, page []byte) (version int, runs []timeline.Run) {
	t.Helper()
	m := dataRE.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no timeline-data script in the page")
	}
	var d struct {
		Version int            `json:"version"`
		Runs    []timeline.Run `json:"runs"`
	}
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("the page's data is not JSON: %v", err)
	}
	return d.Version, d.Runs
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteEmbedsTheRunsVersioned(t *testing.T) {
	in := []timeline.Run{lostUpdate(true), lostUpdate(false)}
	v, out := pageData(t, write(t, in...))
	if v != timeline.Version {
		t.Errorf("version %d, want %d", v, timeline.Version)
	}
	if got, want := jsonOf(t, out), jsonOf(t, in); got != want {
		t.Errorf("the page's data differs from the runs written:\n got %s\nwant %s", got, want)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := write(t, lostUpdate(true)), write(t, lostUpdate(true))
	if !bytes.Equal(a, b) {
		t.Fatal("two pages of the same run differ")
	}
}

// hostile are strings that would break out of the data's script element or
// inject markup if the page put them in unescaped.
var hostile = []string{
	`</script><script>alert(1)</script>`,
	`<img src=x onerror=alert(2)>`,
	`<!-- <script>`,
	"\u2028\u2029'\"`${alert(3)}",
	`]]></style><style>body{display:none}</style>`,
}

func hostileRun() timeline.Run {
	r := lostUpdate(true)
	h := strings.Join(hostile, " ")
	r.Title = h
	r.Lanes[1].Name = hostile[0]
	r.Lanes[2].Name = hostile[1]
	r.Steps[3].Label = hostile[0]
	r.Steps[3].Notes = hostile
	r.Events[0].Text = h
	r.Events[0].Kind = hostile[0]
	r.Kinds = append(r.Kinds, timeline.Kind{Name: hostile[0], Label: hostile[1], Color: "#123456"})
	r.State[0].Group = hostile[0]
	r.State[0].Name = hostile[1]
	r.State[0].Changes[0].Value = timeline.Scalar(h)
	r.State[1].Changes[2].Value.Items[1].Text = hostile[0]
	r.Verdict.Summary = h
	r.Verdict.Violations[0].Text = h
	r.Verdict.Violations[0].Items = []string{"deposit-a", hostile[0]}
	r.Threads[0].Title = h
	r.Threads[0].Steps[0].Text = hostile[0]
	r.Schedule = h
	r.Repro[0].Command = hostile[0]
	return r
}

func TestWriteKeepsHostileStringsInTheData(t *testing.T) {
	in := hostileRun()
	page := write(t, in)
	if n := bytes.Count(page, []byte("<script")); n != 2 {
		t.Errorf("the page has %d <script elements, want 2 (data and code)", n)
	}
	if n := bytes.Count(page, []byte("</script")); n != 2 {
		t.Errorf("the page has %d </script tags, want 2", n)
	}
	for _, bad := range []string{"alert(1)</script>", "<img src=x", "<!-- <script>", "</style><style>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	_, out := pageData(t, page)
	if got, want := jsonOf(t, out), jsonOf(t, []timeline.Run{in}); got != want {
		t.Errorf("hostile strings did not survive the round trip:\n got %s\nwant %s", got, want)
	}
}

// The page's Content-Security-Policy allows its own style and script, by
// hash, and nothing else: no network, no injected script.
func TestWritePolicyAllowsOnlyThePagesOwnCode(t *testing.T) {
	page := string(write(t, lostUpdate(true)))
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := html.UnescapeString(csp[1])
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(page)
	if style == nil || script == nil {
		t.Fatal("no inline style or script")
	}
	want := "default-src 'none'; script-src " + hash(script[1]) + "; style-src " + hash(style[1]) + "; img-src data:"
	if policy != want {
		t.Errorf("policy\n %s\nwant\n %s", policy, want)
	}
	// The one address in the page is the SVG namespace's, which is a name.
	page = strings.ReplaceAll(page, `"http://www.w3.org/2000/svg"`, "")
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page names a network address")
	}
}

func TestWriteRejectsARunOutsideTheModel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(r *timeline.Run)
		want   string
	}{
		{"no runs", nil, "timeline: no run to show"},
		{"no lanes", func(r *timeline.Run) { r.Lanes = nil }, "no lanes"},
		{"no steps", func(r *timeline.Run) { r.Steps = nil }, "no steps"},
		{"lane", func(r *timeline.Run) { r.Steps[2].Lane = 3 }, "step 3: lane 3 does not exist (3 lanes)"},
		{"event past the end", func(r *timeline.Run) { r.Events[3].Step = 11 }, "event 4 (write): step 11 is outside the run (1..10)"},
		{"event at 0", func(r *timeline.Run) { r.Events[0].Step = 0 }, "event 1 (read): step 0 is outside the run (1..10)"},
		{"events unsorted", func(r *timeline.Run) { r.Events[1].Step = 2 }, "event 2 (read): step 2 comes after step 4: events must be sorted by step"},
		{"event kind", func(r *timeline.Run) { r.Events[1].Kind = "" }, "event 2: no kind"},
		{"change unsorted", func(r *timeline.Run) { r.State[1].Changes[1].Step = 9 }, "state field 2 (account.deposits) change 3: step 8 comes after step 9: changes must be sorted by step"},
		{"change past the end", func(r *timeline.Run) { r.State[0].Changes[2].Step = 11 }, "state field 1 (account.balance) change 3: step 11 is outside the run (0..10)"},
		{"field name", func(r *timeline.Run) { r.State[1].Name = "" }, "state field 2 (account.): a field needs a group and a name"},
		{"field twice", func(r *timeline.Run) { r.State[1].Name = "balance" }, "state field 2 (account.balance): listed twice"},
		{"scalar with items", func(r *timeline.Run) { r.State[1].Changes[2].Value.List = false }, "state field 2 (account.deposits) change 3: a scalar value with items (set List)"},
		{"edit of a scalar", func(r *timeline.Run) { r.State[0].Changes[1].Add = []timeline.Item{{Text: "x"}} }, "state field 1 (account.balance) change 2: edits a value that is not a list (set it to a List first)"},
		{"colour", func(r *timeline.Run) { r.Kinds[0].Color = "red;background:url(x)" }, `kind "read": colour "red;background:url(x)": want #rrggbb`},
		{"kind twice", func(r *timeline.Run) { r.Kinds[1].Name = "read" }, `kind "read": listed twice`},
		{"mark colour", func(r *timeline.Run) { r.Marks[0].Color = "#12345" }, `mark "lost": colour "#12345": want #rrggbb`},
		{"violation", func(r *timeline.Run) { r.Verdict.Violations[0].Step = 12 }, "violation 1: step 12 is outside the run (0..10)"},
		{"thread order", func(r *timeline.Run) { r.Threads[0].Steps[2].Step = 5 }, "thread 1 (deposit-a) step 3: step 5 comes after step 7: a thread must be in step order"},
		{"thread item", func(r *timeline.Run) { r.Threads[0].Item = "" }, "thread 1: no item"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var runs []timeline.Run
			if tc.break_ != nil {
				r := lostUpdate(true)
				tc.break_(&r)
				runs = append(runs, lostUpdate(false), r)
			}
			var b bytes.Buffer
			err := timeline.Write(&b, runs...)
			if err == nil {
				t.Fatal("no error")
			}
			want := tc.want
			if tc.break_ != nil {
				want = "timeline: run 2 (lost update / naive): " + tc.want
			}
			if err.Error() != want {
				t.Errorf("error\n %s\nwant\n %s", err, want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsTheWritersError(t *testing.T) {
	err := timeline.Write(failingWriter{}, lostUpdate(true))
	if err == nil || err.Error() != "timeline: disk full" {
		t.Errorf("error %v, want timeline: disk full", err)
	}
}

// maxPageBytes is the size a page of a 10,000-step run must stay under.
const maxPageBytes = 2 << 20

func TestPageOf10000StepsIsUnder2MB(t *testing.T) {
	page := write(t, bigRun(10_000))
	t.Logf("a page of a 10,000-step run: %d bytes (%.2f MB; the limit is 2 MB)", len(page), float64(len(page))/(1<<20))
	if len(page) >= maxPageBytes {
		t.Errorf("%d bytes, want under %d", len(page), maxPageBytes)
	}
}

func BenchmarkWrite10000Steps(b *testing.B) {
	r := bigRun(10_000)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := timeline.Write(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}

func TestFromTrace(t *testing.T) {
	body := func(rt *sched.Runtime) {
		a := rt.Go("a", func() {
			rt.Yield("a one")
			rt.Notef("a noted")
			rt.Yield("a two")
		})
		b := rt.Go("b", func() { rt.Yield("b one") })
		a.Join()
		b.Join()
	}
	preempted := 0
	for seed := int64(1); seed <= 20; seed++ {
		res := sched.Run(body, sched.Options{Strategy: sched.Random(seed), Trace: true, Runnable: true})
		if res.Failure != nil {
			t.Fatal(res.Failure)
		}
		r := timeline.FromTrace(res.Trace)
		if got := len(r.Lanes); got != 3 || r.Lanes[0].Name != "main" || r.Lanes[1].Name != "a" || r.Lanes[2].Name != "b" {
			t.Fatalf("lanes %+v, want main, a, b", r.Lanes)
		}
		if len(r.Steps) != res.Steps {
			t.Fatalf("seed %d: %d steps, want %d", seed, len(r.Steps), res.Steps)
		}
		pre, noted := 0, 0
		for i, s := range r.Steps {
			if s.Preempted {
				pre++
			}
			if r.Lanes[s.Lane].Name != res.Trace.TaskName(sched.TaskID(s.Lane)) {
				t.Fatalf("step %d on lane %d", i+1, s.Lane)
			}
			for _, n := range s.Notes {
				if n == "a noted" {
					noted++
					if s.Label != "a two" && s.Label != "a one" {
						// The note is made in the step that runs "a one".
						t.Errorf("seed %d: the note is on step %d (%s)", seed, i+1, s.Label)
					}
				}
			}
		}
		preempted += pre
		if pre != res.Preemptions {
			t.Errorf("seed %d: %d steps marked preempted, the run counted %d preemptions", seed, pre, res.Preemptions)
		}
		if noted != 1 {
			t.Errorf("seed %d: the note is on %d steps, want 1", seed, noted)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
	if preempted == 0 {
		t.Error("no seed preempted: the preemption marks went untested")
	}
	if r := timeline.FromTrace(nil); len(r.Steps) != 0 {
		t.Error("a nil trace gave steps")
	}
}

func TestReadPageGivesBackTheRuns(t *testing.T) {
	a, b := lostUpdate(true), lostUpdate(false)
	runs, err := timeline.ReadPage(write(t, a, b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, runs), jsonOf(t, []timeline.Run{a, b}); got != want {
		t.Errorf("read back:\n%s\nwant\n%s", got, want)
	}
	page := write(t, a)
	for _, tc := range []struct {
		name string
		page []byte
		want string
	}{
		{"not a page", []byte("hello"), "timeline: not a timeline page (no <!DOCTYPE html> at its start)"},
		{"no data", []byte("<!DOCTYPE html><p>x</p>"), "timeline: the page has no timeline-data script"},
		{"not JSON", bytes.Replace(page, []byte(`{"version":`), []byte(`{"version"`), 1), "timeline: the page's data: invalid character"},
		{"other version", bytes.Replace(page, []byte(`{"version":1,`), []byte(`{"version":2,`), 1), "timeline: the page's data is version 2; this package reads version 1"},
	} {
		_, err := timeline.ReadPage(tc.page)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
