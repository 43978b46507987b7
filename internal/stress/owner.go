package stress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/interleave/interleave/internal/fsutil"
)

// maxGroupRuns is how many runs (and log paths) a Group lists.
const maxGroupRuns = 5

// groupState is a Group as the owner builds it. Runs end in whatever order
// the scheduler of the machine lets them, so it keeps the failures with the
// lowest run indexes, not the first to end: the report is the same however
// the runs interleaved.
type groupState struct {
	signature string
	count     int
	lowest    []failedRun // at most maxGroupRuns, by run index
}

// failedRun is one failure of a group.
type failedRun struct {
	run          Run
	log          string // "" if it could not be written
	repro, debug string // from its INTERLEAVE-FAILURE line
	html         string // likewise
}

// add counts f and keeps it if it is among the lowest-indexed failures.
func (g *groupState) add(f failedRun) {
	g.count++
	i, _ := slices.BinarySearchFunc(g.lowest, f.run.Index, func(x failedRun, index int) int { return x.run.Index - index })
	if i < maxGroupRuns {
		g.lowest = slices.Insert(g.lowest, i, f)
		g.lowest = g.lowest[:min(len(g.lowest), maxGroupRuns)]
	}
}

// firstPage is the page of the group's lowest-indexed failure, or "".
func (g *groupState) firstPage() string {
	if len(g.lowest) == 0 {
		return ""
	}
	return g.lowest[0].html
}

// inDir reports whether path names a file inside dir (dir not empty).
func inDir(dir, path string) bool {
	if dir == "" || path == "" {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsLocal(rel)
}

// group renders g: its runs and logs by index, the repro and debug lines
// of its lowest-indexed failure.
func (g *groupState) group() Group {
	out := Group{Signature: g.signature, Count: g.count, Runs: []Run{}, Logs: []string{}}
	for _, f := range g.lowest {
		out.Runs = append(out.Runs, f.run)
		if f.log != "" {
			out.Logs = append(out.Logs, f.log)
		}
	}
	if len(g.lowest) > 0 {
		out.Repro, out.Debug, out.HTML = g.lowest[0].repro, g.lowest[0].debug, g.lowest[0].html
	}
	return out
}

// owner is the single goroutine's state: counters, groups, logs and status.
// Nothing in it is touched by the workers.
type owner struct {
	cfg          *Config
	start        time.Time
	report       *Report
	groups       map[string]*groupState
	active       int  // runs handed to workers and not reported yet
	stopping     bool // hand out no more runs
	interrupted  bool // ctx was done with work left
	stopChildren context.CancelFunc
	startErr     error
	logErr       error
	liveLen      int // width of the live line currently drawn
}

// stop hands out no more runs and kills the running children.
func (o *owner) stop() {
	o.stopping = true
	o.stopChildren()
}

func (o *owner) record(res outcome) {
	r := o.report
	if res.startErr != nil {
		if o.startErr == nil {
			o.startErr = fmt.Errorf("stress: starting run %d (seed %d): %w", res.run.Index, res.run.Seed, res.startErr)
		}
		o.stop()
		return
	}
	if res.aborted {
		r.Aborted++
		return
	}
	r.Runs++
	checkErr := error(nil)
	if !res.timedOut && res.err == nil {
		if o.cfg.Check == nil {
			return
		}
		if checkErr = o.cfg.Check(res.run, res.output); checkErr == nil {
			return
		}
	}
	if o.cfg.Ignore != nil && o.cfg.Ignore.Match(res.output) {
		r.Ignored++
		return
	}
	if !res.timedOut && checkErr == nil && o.cfg.Failure != nil && !o.cfg.Failure.Match(res.output) {
		return // not the failure we are looking for: a pass
	}
	r.Failures++
	if res.timedOut {
		r.Timeouts++
	}

	sig := ""
	if checkErr != nil {
		sig = checkErr.Error()
	} else {
		sig = o.cfg.Signature(res.output)
	}
	if strings.TrimSpace(sig) == "" {
		if res.timedOut {
			sig = "timeout"
		} else {
			sig = exitText(res.err)
		}
	}
	sig = NormalizeSignature(sig)

	logPath, err := o.writeLog(res, sig)
	if err != nil && o.logErr == nil {
		o.logErr = fmt.Errorf("stress: writing log of run %d: %w", res.run.Index, err)
	}

	g := o.groups[sig]
	if g == nil {
		g = &groupState{signature: sig}
		o.groups[sig] = g
		msg := fmt.Sprintf("failure in run %d (seed %d): %s", res.run.Index, res.run.Seed, sig)
		if logPath != "" {
			msg += "\n  log: " + logPath
		}
		o.note(msg)
	}
	f, _ := ParseFailure(res.output)
	if !inDir(o.cfg.Pages, f.HTML) {
		f.HTML = ""
	}
	prev := g.firstPage()
	g.add(failedRun{run: res.run, log: logPath, repro: f.Repro, debug: f.Debug, html: f.HTML})
	// Only the first failure's page is kept (see Config.Pages).
	if kept := g.firstPage(); f.HTML != "" && f.HTML != kept {
		os.Remove(f.HTML)
	} else if prev != "" && prev != kept {
		os.Remove(prev)
	}
	if o.cfg.FailFast {
		o.stop()
	}
}

// exitText describes how a child ended: "exit status 1", "signal: killed".
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	return err.Error()
}

// describe is the "result" line of a log header.
func (o *owner) describe(res outcome) string {
	switch {
	case res.timedOut && res.killed:
		return fmt.Sprintf("timed out after %v: sent %s, still running %v later: killed its process group",
			o.cfg.Timeout, quitName, o.cfg.Grace)
	case res.timedOut:
		return fmt.Sprintf("timed out after %v: sent %s, then %s", o.cfg.Timeout, quitName, exitText(res.err))
	}
	s := exitText(res.err)
	if res.pipeHeld {
		s += " (its output stayed open after it exited: leftover processes were killed)"
	}
	return s
}

// outDir returns the log directory, creating a temporary one on first use.
func (o *owner) outDir() (string, error) {
	if o.report.OutDir != "" {
		return o.report.OutDir, nil
	}
	dir, err := os.MkdirTemp("", "interleave-stress-*")
	if err != nil {
		return "", err
	}
	o.report.OutDir = dir
	return dir, nil
}

// writeLog writes a failed run's output to OutDir/fail-<index>-seed<seed>.log,
// atomically: the file appears complete or not at all.
func (o *owner) writeLog(res outcome, sig string) (string, error) {
	dir, err := o.outDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("fail-%d-seed%d.log", res.run.Index, res.run.Seed))
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# interleave stress: run %d, seed %d\n", res.run.Index, res.run.Seed)
	fmt.Fprintf(&buf, "# command: %s\n", res.cmdline)
	fmt.Fprintf(&buf, "# result: %s after %v\n", o.describe(res), res.elapsed.Round(time.Millisecond))
	fmt.Fprintf(&buf, "# signature: %s\n\n", sig)
	buf.Write(res.output)
	if err := fsutil.WriteFileAtomic(path, buf.Bytes()); err != nil {
		return "", err
	}
	return path, nil
}

// snapshot returns the report so far, groups sorted by count then signature.
func (o *owner) snapshot() *Report {
	rep := *o.report
	rep.Elapsed = time.Since(o.start)
	rep.Groups = make([]Group, 0, len(o.groups))
	for _, g := range o.groups {
		rep.Groups = append(rep.Groups, g.group())
	}
	sort.Slice(rep.Groups, func(i, j int) bool {
		gi, gj := rep.Groups[i], rep.Groups[j]
		if gi.Count != gj.Count {
			return gi.Count > gj.Count
		}
		return gi.Signature < gj.Signature
	})
	return &rep
}

// Status output. Only the owner goroutine writes to cfg.Status.

func (o *owner) elapsed() time.Duration {
	el := time.Since(o.start)
	if o.cfg.StatusEvery >= time.Second {
		return el.Round(time.Second)
	}
	return el.Round(time.Millisecond)
}

func percent2(failures, runs int) string {
	if runs == 0 {
		return "0.00%"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(failures)/float64(runs))
}

func (o *owner) statusLine() string {
	r := o.report
	return fmt.Sprintf("%v: %d runs so far, %d failures (%s), %d ignored, %d active",
		o.elapsed(), r.Runs, r.Failures, percent2(r.Failures, r.Runs), r.Ignored, o.active)
}

func (o *owner) liveLine() string {
	r := o.report
	var b strings.Builder
	if o.cfg.Count > 0 {
		const width = 24
		done := r.Runs + r.Aborted
		fill := min(width, done*width/o.cfg.Count)
		fmt.Fprintf(&b, "[%s%s] %d/%d runs", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, o.cfg.Count)
	} else {
		fmt.Fprintf(&b, "%d runs", r.Runs)
	}
	fmt.Fprintf(&b, ", %d failures (%s), %d ignored, %d active, %v",
		r.Failures, percent2(r.Failures, r.Runs), r.Ignored, o.active, o.elapsed())
	return b.String()
}

func (o *owner) status() {
	if o.cfg.Status == nil {
		return
	}
	if o.cfg.Live {
		o.drawLive()
		return
	}
	fmt.Fprintln(o.cfg.Status, o.statusLine())
}

func (o *owner) drawLive() {
	line := o.liveLine()
	pad := max(0, o.liveLen-len(line))
	fmt.Fprint(o.cfg.Status, "\r"+line+strings.Repeat(" ", pad))
	o.liveLen = len(line)
}

func (o *owner) clearLive() {
	if o.liveLen > 0 {
		fmt.Fprint(o.cfg.Status, "\r"+strings.Repeat(" ", o.liveLen)+"\r")
		o.liveLen = 0
	}
}

// note prints a message on lines of its own.
func (o *owner) note(msg string) {
	if o.cfg.Status == nil {
		return
	}
	if o.cfg.Live {
		o.clearLive()
		fmt.Fprintln(o.cfg.Status, msg)
		o.drawLive()
		return
	}
	fmt.Fprintln(o.cfg.Status, msg)
}

// finish leaves the terminal on a fresh line after the live display.
func (o *owner) finish() {
	if o.cfg.Status != nil && o.cfg.Live {
		o.drawLive()
		fmt.Fprintln(o.cfg.Status)
	}
}
