// Package stress runs a test binary many times in parallel to hunt flaky
// concurrency failures, in the spirit of golang.org/x/tools/cmd/stress.
//
// The Engine starts Config.Count children (each built by Config.NewCmd and
// given its own Run index and seed), Config.Parallel at a time. Each child's
// combined output is captured; a child that exits with a failure is
// classified (Failure / Ignore regexps), given a signature (Config.Signature)
// and its output is written atomically to OutDir/fail-<index>-seed<seed>.log.
// A child that outlives Config.Timeout is sent SIGQUIT, so that a Go program
// prints all goroutine stacks, and its process group is killed after
// Config.Grace. The Report groups failures by signature and states the
// failure rate with a Wilson confidence interval; Compare tells whether two
// reports' failure rates differ significantly (Fisher's exact test).
//
// Workers start and wait for children; a single owner goroutine receives
// their results and alone updates counters, writes logs and prints status.
package stress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sync"
	"time"
)

// Defaults applied by New.
const (
	DefaultTimeout         = 10 * time.Minute
	DefaultGrace           = 5 * time.Second
	DefaultStatusEvery     = 5 * time.Second
	DefaultLiveStatusEvery = 500 * time.Millisecond
)

// Run identifies one child: its index in 0..Count-1 and the seed it must
// use. The seed makes the run reproducible.
type Run struct {
	Index int   `json:"index"`
	Seed  int64 `json:"seed"`
}

// Config configures an Engine. Only NewCmd is required.
type Config struct {
	// Name labels the report (e.g. "naive" or "fixed"); see Compare.
	Name string

	// Parallel is the number of children run at once; default
	// runtime.NumCPU().
	Parallel int
	// Count is the total number of runs. Count <= 0 means no limit: run
	// until the context is done (or FailFast stops the engine).
	Count int
	// Timeout is the per-child time limit; default 10m. A child still
	// running then is sent SIGQUIT (Go programs print every goroutine's
	// stack), and its process group is killed Grace later.
	Timeout time.Duration
	// Grace is how long a timed-out child may take to exit after SIGQUIT;
	// default 5s. It also bounds how long the engine waits for the output
	// pipe after a child exited (a leftover grandchild may hold it).
	Grace time.Duration

	// Failure, when set, restricts which failing runs count as failures:
	// a run that exits unsuccessfully but whose output does not match is
	// counted as a pass. Timed-out runs always count as failures.
	Failure *regexp.Regexp
	// Ignore, when set, makes failing or timed-out runs whose output
	// matches be ignored: they count in Report.Ignored, not as failures.
	// Ignore takes precedence over Failure.
	Ignore *regexp.Regexp

	// OutDir receives the failure logs. It is created if needed. When
	// empty, a new directory interleave-stress-* under os.TempDir() is
	// created at the first failure (so passing runs leave nothing behind).
	OutDir string
	// Pages is the directory the children write their failures' timeline
	// pages in (they name each on their INTERLEAVE-FAILURE line), or "".
	// The engine keeps the page of each group's lowest-indexed failure and
	// removes the others as the failures come in, so the directory holds
	// about one page per group; a page named outside Pages is ignored.
	// Report.PlacePages then copies the pages kept beside the logs.
	Pages string
	// FailFast stops the engine at the first failure: no new children are
	// started and running ones are killed (they count as aborted).
	FailFast bool

	// Status, when set, receives progress: a line every StatusEvery such
	// as "5s: 120 runs so far, 3 failures (2.50%), 2 ignored, 8 active",
	// and a note with the log path the first time each signature is seen.
	Status io.Writer
	// StatusEvery is the status period; default 5s, or 500ms when Live.
	StatusEvery time.Duration
	// Live redraws a single progress line with carriage returns instead of
	// printing lines; set it when Status is a terminal.
	Live bool

	// NewCmd builds the command for one run. It must return a fresh,
	// unstarted command, and be safe to call from several goroutines. The engine sets its Stdout and Stderr (to capture
	// the combined output), puts it in its own process group, and, if it
	// was made with exec.CommandContext, replaces its Cancel with a kill of
	// the whole process group. ctx is done when the engine aborts the run
	// (context cancelled or fail-fast); the engine enforces Timeout itself.
	NewCmd func(ctx context.Context, run Run) *exec.Cmd
	// SeedOf gives the seed of run index; default index+1. It is only
	// called from one goroutine.
	SeedOf func(index int) int64
	// Signature names the failure shown by a failing run's output; default
	// DefaultSignature. An empty result makes the engine fall back to
	// "timeout" or the exit status ("exit status 1"). Results are passed
	// through NormalizeSignature.
	Signature func(output []byte) string

	// Check, when set, judges a child that exited successfully (and in
	// time) from its output: an error makes the run a failure, with the
	// error's text as its signature. A child that exits 0 without doing
	// its work must not count as a pass (see CheckSummary).
	Check func(run Run, output []byte) error

	// MaxOutput caps the output kept per child, in bytes (the start and the
	// end are kept); default DefaultMaxOutput.
	MaxOutput int
}

// Engine runs children as configured. It holds no state between runs:
// Run may be called several times, also concurrently.
type Engine struct {
	cfg Config
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.NewCmd == nil:
		return nil, errors.New("stress: Config.NewCmd is required")
	case cfg.Parallel < 0:
		return nil, fmt.Errorf("stress: negative Parallel %d", cfg.Parallel)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("stress: negative Timeout %v", cfg.Timeout)
	case cfg.Grace < 0:
		return nil, fmt.Errorf("stress: negative Grace %v", cfg.Grace)
	case cfg.StatusEvery < 0:
		return nil, fmt.Errorf("stress: negative StatusEvery %v", cfg.StatusEvery)
	case cfg.MaxOutput < 0:
		return nil, fmt.Errorf("stress: negative MaxOutput %d", cfg.MaxOutput)
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = runtime.NumCPU()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.StatusEvery == 0 {
		cfg.StatusEvery = DefaultStatusEvery
		if cfg.Live {
			cfg.StatusEvery = DefaultLiveStatusEvery
		}
	}
	if cfg.MaxOutput == 0 {
		cfg.MaxOutput = DefaultMaxOutput
	}
	if cfg.SeedOf == nil {
		cfg.SeedOf = func(index int) int64 { return int64(index) + 1 }
	}
	if cfg.Signature == nil {
		cfg.Signature = DefaultSignature
	}
	return &Engine{cfg: cfg}, nil
}

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Run runs the children and returns the report.
//
// When ctx is done, Run kills every running child's process group, waits for
// them, and returns the partial report (killed runs count as Aborted) with an
// error wrapping ctx.Err(). Logs are only ever written by renaming complete
// temporary files, so an interrupted Run leaves no partial log behind. An
// error starting a child, or writing a log, is returned with the report too;
// a child that cannot be started also stops the engine. The report is nil
// only when the configured OutDir cannot be created.
func (e *Engine) Run(ctx context.Context) (*Report, error) {
	cfg := &e.cfg
	o := &owner{
		cfg:    cfg,
		start:  time.Now(),
		groups: map[string]*groupState{},
		report: &Report{Name: cfg.Name},
	}
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("stress: creating log directory: %w", err)
		}
		o.report.OutDir = cfg.OutDir
	}

	runCtx, cancelRuns := context.WithCancel(ctx)
	defer cancelRuns()
	o.stopChildren = cancelRuns

	workers := cfg.Parallel
	if cfg.Count > 0 {
		workers = min(workers, cfg.Count)
	}
	runs := make(chan Run)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for run := range runs {
				results <- e.runChild(runCtx, run)
			}
		})
	}

	var tick <-chan time.Time
	if cfg.Status != nil {
		t := time.NewTicker(cfg.StatusEvery)
		defer t.Stop()
		tick = t.C
	}

	send := runs
	next := Run{Index: 0, Seed: cfg.SeedOf(0)}
	done := ctx.Done()
	for {
		if send != nil && cfg.Count > 0 && next.Index >= cfg.Count {
			close(send) // every run has been handed out
			send = nil
		}
		if send == nil && o.active == 0 {
			break
		}
		if ctx.Err() != nil && !o.interrupted {
			o.interrupted = true // with work left undone
			o.stopping = true
		}
		if send != nil && o.stopping {
			close(send)
			send = nil
			continue
		}
		select {
		case send <- next:
			o.active++
			i := next.Index + 1
			if cfg.Count <= 0 || i < cfg.Count {
				next = Run{Index: i, Seed: cfg.SeedOf(i)}
			} else {
				next = Run{Index: i}
			}
		case res := <-results:
			o.active--
			o.record(res)
		case <-tick:
			o.status()
		case <-done:
			done = nil // handled at the top of the loop
		}
	}
	wg.Wait()
	o.finish()

	rep := o.snapshot()
	var errs []error
	if o.interrupted {
		errs = append(errs, fmt.Errorf("stress: interrupted after %d runs: %w", rep.Runs, ctx.Err()))
	}
	if o.startErr != nil {
		errs = append(errs, o.startErr)
	}
	if o.logErr != nil {
		errs = append(errs, o.logErr)
	}
	return rep, errors.Join(errs...)
}
