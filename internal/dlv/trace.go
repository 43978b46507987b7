package dlv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// Defaults for TraceConfig.
const (
	DefaultMaxHits = 10000
	DefaultTimeout = 2 * time.Minute
)

// ErrTooManyHits is returned (wrapped) by Trace when the breakpoints were
// hit more than TraceConfig.MaxHits times.
var ErrTooManyHits = errors.New("too many breakpoint hits")

// TraceConfig describes one scripted run of a binary under dlv.
type TraceConfig struct {
	// Dlv is the dlv executable (see Find); empty means dlv from PATH.
	Dlv string `json:"dlv,omitempty"`
	// Binary is the program to run, typically built by BuildTestBinary.
	Binary string `json:"binary"`
	// Args are the program's arguments (e.g. -test.run=^TestX$).
	Args []string `json:"args,omitempty"`
	// Dir is the program's working directory; empty means the caller's.
	Dir string `json:"dir,omitempty"`
	// Env is added to the caller's environment for dlv and the program.
	Env []string `json:"env,omitempty"`
	// Breakpoints to set before the program starts running.
	Breakpoints []Breakpoint `json:"breakpoints"`
	// MaxHits bounds the number of recorded hits (default 10000); one
	// more hit stops the run with an error matching ErrTooManyHits.
	MaxHits int `json:"max_hits,omitempty"`
	// Timeout bounds the whole run, dlv start-up included (default 2m).
	Timeout time.Duration `json:"timeout,omitempty"`
	// OnHit, if set, is called with each hit as it is recorded (from the
	// goroutine that called Trace, while the program is stopped).
	OnHit func(Hit) `json:"-"`
}

// Var is one evaluated expression at a hit. Value is the compact
// rendering of the value, or "<error: ...>" if it could not be evaluated.
type Var struct {
	Expr  string `json:"expr"`
	Value string `json:"value"`
}

// Hit is one stop of one goroutine at a breakpoint.
type Hit struct {
	// Seq numbers hits from 1 in the order Delve reported them.
	Seq         int    `json:"seq"`
	GoroutineID int64  `json:"goroutine_id"`
	Function    string `json:"function"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	// Name is the breakpoint's name; Delve's own stops are named
	// "unrecovered-panic" or "runtime-fatal-throw" and carry no vars.
	Name string `json:"name"`
	Vars []Var  `json:"vars"`
}

// TraceResult is what a Trace run observed.
type TraceResult struct {
	Hits []Hit `json:"hits"`
	// Exited is true when the program ran to its end; ExitStatus is
	// then its exit status (a failing test binary exits 1), or -N when
	// signal N killed it.
	Exited     bool `json:"exited"`
	ExitStatus int  `json:"exit_status"`
	// Stdout and Stderr are the program's output (dlv forwards it).
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	// DlvLog is what dlv itself wrote: its "API server listening at"
	// banner and any warnings or errors.
	DlvLog string `json:"dlv_log,omitempty"`
}

// Text renders one line per hit:
//
//	#3  g19  target.step  id=2 ids=[1 11 2] len(ids)=3
//
// Functions are shown without their package's directory path.
func (r *TraceResult) Text() string {
	var b strings.Builder
	for _, h := range r.Hits {
		fmt.Fprintf(&b, "#%d  g%d  %s", h.Seq, h.GoroutineID, shortFuncName(h.Function))
		for i, v := range h.Vars {
			if i == 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, " %s=%s", v.Expr, v.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// shortFuncName drops the import path's directories:
// "github.com/a/b/pkg.(*T).m" -> "pkg.(*T).m".
func shortFuncName(fn string) string {
	// Only look for '/' before any '[' or '(' (type parameters and
	// receivers can contain paths).
	end := len(fn)
	if i := strings.IndexAny(fn, "[("); i >= 0 {
		end = i
	}
	if i := strings.LastIndexByte(fn[:end], '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// Trace runs cfg.Binary under a headless dlv, records every hit of
// cfg.Breakpoints with the values of their Vars, and lets the program run
// to its end.
//
// The program's exit status is reported in the result, not as an error.
// Errors are returned for a missing dlv or binary, a breakpoint function
// that is not in the binary, more than MaxHits hits, the timeout or ctx
// being done, and dlv failures; for the last three the partial result is
// returned along with the error. Whatever happens, dlv and the program
// are gone and the temp files removed when Trace returns.
func Trace(ctx context.Context, cfg TraceConfig) (*TraceResult, error) {
	if cfg.MaxHits <= 0 {
		cfg.MaxHits = DefaultMaxHits
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	bps, err := normalizeBreakpoints(cfg.Breakpoints)
	if err != nil {
		return nil, err
	}
	dlvPath, err := resolveDlv(cfg.Dlv)
	if err != nil {
		return nil, err
	}
	binary, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("trace: %s is not a file", binary)
	}

	parent := ctx
	ctx, cancel := context.WithTimeout(parent, cfg.Timeout)
	defer cancel()

	tmp, err := os.MkdirTemp("", "interleave-dlv-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	s := &headless{binary: binary, logPath: filepath.Join(tmp, "dlv.log")}
	res := &TraceResult{Hits: []Hit{}}
	runErr := s.run(ctx, cfg, dlvPath, tmp, bps, res)
	s.shutdown()

	res.Stdout = s.stdout.String()
	res.Stderr = s.stderr.String()
	if data, err := os.ReadFile(s.logPath); err == nil {
		res.DlvLog = string(data)
	}
	// If dlv printed its banner on stdout (it does without --log-dest),
	// keep it out of the program's output.
	res.Stdout = listenLineRE.ReplaceAllString(res.Stdout, "")

	if runErr != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			if parent.Err() == nil {
				runErr = fmt.Errorf("trace %s: timed out after %v: %w", filepath.Base(binary), cfg.Timeout, ctxErr)
			} else {
				runErr = fmt.Errorf("trace %s: %w", filepath.Base(binary), parent.Err())
			}
		}
		if !s.running {
			// The program never ran: no partial result, but what dlv said
			// (unless we stopped it: then that is all there is to say).
			if ctx.Err() == nil {
				runErr = withDlvOutput(runErr, res)
			}
			return nil, runErr
		}
		return res, runErr
	}
	return res, nil
}

// withDlvOutput appends dlv's log and stderr to a start-up error.
func withDlvOutput(err error, res *TraceResult) error {
	var extra []string
	if l := strings.TrimSpace(listenLineRE.ReplaceAllString(res.DlvLog, "")); l != "" {
		extra = append(extra, "dlv log:\n"+firstLines(l, 20))
	}
	if e := strings.TrimSpace(res.Stderr); e != "" {
		extra = append(extra, "dlv stderr:\n"+firstLines(e, 20))
	}
	if len(extra) == 0 {
		return err
	}
	return fmt.Errorf("%w\n%s", err, strings.Join(extra, "\n"))
}

// firstLines returns the first n lines of s, noting how many were cut.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) <= n {
		return s
	}
	rest := strings.Count(lines[n], "\n") + 1
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n[... %d more lines]", rest)
}

var (
	listenLineRE = regexp.MustCompile(`(?m)^API server listening at: \S+\r?\n?`)
	listenAddrRE = regexp.MustCompile(`API server listening at: (\S+)`)
)

// headless is one headless dlv process and the client connected to it.
type headless struct {
	binary  string
	logPath string

	stdout cappedBuffer
	stderr cappedBuffer

	// Set while starting; read by the killer goroutine too.
	mu        sync.Mutex
	cmd       *exec.Cmd
	waitDone  chan struct{} // closed once cmd.Wait has returned
	targetPID int           // as reported by dlv

	conn    net.Conn
	client  *rpc2.RPCClient
	running bool // the program was continued at least once
}

// run starts dlv, sets the breakpoints and drives the program to its end,
// recording hits into res.
func (s *headless) run(ctx context.Context, cfg TraceConfig, dlvPath, tmp string, bps []Breakpoint, res *TraceResult) error {
	// When ctx is done, kill the program: that ends a Continue that is
	// blocked in dlv. If the loop below still has not returned a while
	// later (dlv wedged), kill dlv too, which fails any pending RPC.
	loopDone := make(chan struct{})
	killerDone := make(chan struct{})
	stopKiller := context.AfterFunc(ctx, func() {
		defer close(killerDone)
		if _, _, pid := s.procs(); pid > 0 {
			// Connected: the program runs or is stopped. (Before that,
			// dlv may be launching it; shutdown deals with that case.)
			s.killTarget()
		}
		select {
		case <-loopDone:
		case <-time.After(3 * time.Second):
			s.killAll()
		}
	})
	defer func() {
		close(loopDone)
		if !stopKiller() {
			<-killerDone
		}
	}()

	if err := s.start(ctx, cfg, dlvPath, tmp); err != nil {
		return err
	}
	ids, err := s.createBreakpoints(bps)
	if err != nil {
		return err
	}
	return s.loop(ctx, cfg, ids, res)
}

// start launches dlv and connects to it.
func (s *headless) start(ctx context.Context, cfg TraceConfig, dlvPath, tmp string) error {
	env, err := dlvEnv(tmp, cfg.Env)
	if err != nil {
		return err
	}
	args := []string{
		"exec", s.binary,
		"--headless",
		"--listen=127.0.0.1:0",
		"--api-version=2",
		"--accept-multiclient=false",
		"--log-dest=" + s.logPath,
		"--",
	}
	args = append(args, cfg.Args...)
	cmd := exec.Command(dlvPath, args...)
	cmd.Dir = cfg.Dir
	cmd.Env = env
	cmd.Stdout = &s.stdout
	cmd.Stderr = &s.stderr
	// The program inherits dlv's stdout/stderr pipes; never let a
	// straggler keep Wait blocked.
	cmd.WaitDelay = 2 * time.Second
	setHeadlessProcAttr(cmd)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dlv: %w", err)
	}
	waitDone := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(waitDone)
	}()
	s.mu.Lock()
	s.cmd, s.waitDone = cmd, waitDone
	s.mu.Unlock()

	addr, err := s.waitListening(ctx)
	if err != nil {
		return err
	}
	dialer := net.Dialer{Timeout: 10 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to dlv at %s: %w", addr, err)
	}
	s.conn = conn
	// rpc2.NewClient would log.Fatal on a dial error; dial ourselves.
	s.client = rpc2.NewClientFromConn(conn)
	pid := s.client.ProcessPid()
	s.mu.Lock()
	s.targetPID = pid
	s.mu.Unlock()
	return nil
}

// waitListening waits for dlv's "API server listening at: ADDR" line.
// With --log-dest it is written to the log file, not to stdout; both are
// checked.
func (s *headless) waitListening(ctx context.Context) (string, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(s.logPath)
		m := listenAddrRE.FindSubmatch(data)
		if m == nil {
			m = listenAddrRE.FindSubmatch([]byte(s.stdout.String()))
		}
		if m != nil {
			addr := string(m[1])
			host, _, err := net.SplitHostPort(addr)
			if err != nil || host != "127.0.0.1" {
				return "", fmt.Errorf("dlv listens on %q, want 127.0.0.1", addr)
			}
			return addr, nil
		}
		select {
		case <-s.waitDone:
			return "", fmt.Errorf("dlv exited before it was ready (%v)", s.cmd.ProcessState)
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
	}
}

// createBreakpoints sets bps and returns their names by Delve ID.
func (s *headless) createBreakpoints(bps []Breakpoint) (map[int]Breakpoint, error) {
	ids := make(map[int]Breakpoint, len(bps))
	for _, bp := range bps {
		created, err := s.client.CreateBreakpoint(&api.Breakpoint{FunctionName: bp.Function, Name: bp.Name})
		if err != nil {
			fn, rerr := s.resolveFunction(bp.Function)
			if rerr != nil {
				return nil, fmt.Errorf("breakpoint %s: %w", bp.Name, rerr)
			}
			if fn == bp.Function {
				return nil, fmt.Errorf("breakpoint %s on %s: %w", bp.Name, bp.Function, err)
			}
			bp.Function = fn
			created, err = s.client.CreateBreakpoint(&api.Breakpoint{FunctionName: fn, Name: bp.Name})
			if err != nil {
				return nil, fmt.Errorf("breakpoint %s on %s: %w", bp.Name, fn, err)
			}
		}
		ids[created.ID] = bp
	}
	return ids, nil
}

// resolveFunction maps a function name that is not an exact symbol to the
// one symbol that ends with it at a package or method boundary.
func (s *headless) resolveFunction(name string) (string, error) {
	fns, err := s.client.ListFunctions(`(^|[./])`+regexp.QuoteMeta(name)+`$`, 0)
	if err != nil {
		return "", fmt.Errorf("look up function %q: %w", name, err)
	}
	for _, fn := range fns {
		if fn == name {
			return fn, nil
		}
	}
	switch len(fns) {
	case 0:
		return "", fmt.Errorf("function %q not found in %s (Delve names functions <import path>.f, methods <import path>.(*T).m or <import path>.T.m)",
			name, filepath.Base(s.binary))
	case 1:
		return fns[0], nil
	default:
		sort.Strings(fns)
		if len(fns) > 10 {
			fns = append(fns[:10], "...")
		}
		return "", fmt.Errorf("function %q is ambiguous in %s: %s", name, filepath.Base(s.binary), strings.Join(fns, ", "))
	}
}

// goneSoon reports whether pid stops running binary within a second: a
// process being killed still shows its command line for a moment after
// dlv's calls on it fail with "no such process".
func goneSoon(pid int, binary string) bool {
	for range 100 {
		if !runsBinary(pid, binary) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// loop continues the program until it exits, recording breakpoint hits.
func (s *headless) loop(ctx context.Context, cfg TraceConfig, bps map[int]Breakpoint, res *TraceResult) error {
	idle := 0 // consecutive stops without any breakpoint
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var out rpc2.CommandOut
		s.running = true
		if err := s.client.CallAPI("Command", &api.DebuggerCommand{Name: api.Continue}, &out); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if _, _, pid := s.procs(); pid > 0 && goneSoon(pid, s.binary) {
				// Gone while stopped at a breakpoint, which only SIGKILL
				// does to a traced process: that is how it exited.
				res.Exited, res.ExitStatus = true, -int(syscall.SIGKILL)
				return nil
			}
			return fmt.Errorf("dlv continue: %w", err)
		}
		st := &out.State
		if st.Exited {
			if err := ctx.Err(); err != nil {
				// The program "exited" because it was killed.
				return err
			}
			res.Exited = true
			res.ExitStatus = st.ExitStatus
			return nil
		}
		threads := stoppedAtBreakpoint(st)
		if len(threads) == 0 {
			if idle++; idle > 100 {
				return errors.New("dlv keeps stopping the program without a breakpoint hit")
			}
			continue
		}
		idle = 0
		for _, th := range threads {
			if len(res.Hits) >= cfg.MaxHits {
				return fmt.Errorf("%w: more than %d (MaxHits); stopped the program", ErrTooManyHits, cfg.MaxHits)
			}
			hit := s.record(th, st, bps)
			hit.Seq = len(res.Hits) + 1
			res.Hits = append(res.Hits, hit)
			if cfg.OnHit != nil {
				cfg.OnHit(hit)
			}
		}
	}
}

// stoppedAtBreakpoint returns the threads stopped at a breakpoint, the
// current thread first. Several goroutines can hit breakpoints in the same
// stop; Delve steps all of them over their breakpoint on the next
// continue, so each must be recorded now or its hit is lost.
func stoppedAtBreakpoint(st *api.DebuggerState) []*api.Thread {
	var out []*api.Thread
	cur := -1
	if st.CurrentThread != nil && st.CurrentThread.Breakpoint != nil {
		out = append(out, st.CurrentThread)
		cur = st.CurrentThread.ID
	}
	var rest []*api.Thread
	for _, th := range st.Threads {
		if th != nil && th.Breakpoint != nil && th.ID != cur {
			rest = append(rest, th)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].ID < rest[j].ID })
	return append(out, rest...)
}

// record builds the Hit for a thread stopped at a breakpoint, evaluating
// the breakpoint's Vars in the top frame of the thread's goroutine.
func (s *headless) record(th *api.Thread, st *api.DebuggerState, bps map[int]Breakpoint) Hit {
	hit := Hit{
		GoroutineID: th.GoroutineID,
		File:        th.File,
		Line:        th.Line,
		Name:        th.Breakpoint.Name,
		Vars:        []Var{},
	}
	if th.Function != nil {
		hit.Function = th.Function.Name()
	}
	bp, ok := bps[th.Breakpoint.ID]
	if !ok {
		return hit // one of Delve's own (unrecovered-panic, fatal throw)
	}
	hit.Name = bp.Name
	gid := th.GoroutineID
	if gid == 0 && st.CurrentThread != nil && th.ID == st.CurrentThread.ID {
		gid = -1 // no goroutine on this thread: use the current scope
	}
	scope := api.EvalScope{GoroutineID: gid, Frame: 0}
	for _, expr := range bp.Vars {
		val := ""
		v, err := s.client.EvalVariable(scope, expr, loadConfig)
		if err != nil {
			val = "<error: " + strings.TrimSpace(err.Error()) + ">"
		} else {
			val = formatValue(v)
		}
		hit.Vars = append(hit.Vars, Var{Expr: expr, Value: val})
	}
	return hit
}

// procs returns dlv's command, its wait channel and the program's pid.
func (s *headless) procs() (*exec.Cmd, chan struct{}, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd, s.waitDone, s.targetPID
}

// killTarget kills the debugged program (and anything it started): the
// live descendants of dlv (Linux) and the pid dlv reported, if it still
// runs the binary. dlv then sees the program exit.
func (s *headless) killTarget() {
	cmd, waitDone, targetPID := s.procs()
	if cmd == nil {
		return
	}
	select {
	case <-waitDone:
		// dlv is gone: its descendants are no longer found through it.
	default:
		for _, pid := range descendantPIDs(cmd.Process.Pid) {
			killTree(pid)
		}
	}
	if targetPID > 0 && runsBinary(targetPID, s.binary) {
		killTree(targetPID)
	}
}

// killAll kills the program and dlv. dlv is frozen first: otherwise it
// could launch the program between the search for its children and its
// own death, and the program would run on, orphaned and untraced.
func (s *headless) killAll() {
	cmd, waitDone, _ := s.procs()
	if cmd == nil {
		return
	}
	select {
	case <-waitDone:
		s.killTarget()
		return
	default:
	}
	freeze(cmd.Process) // pidfd-based: safe even if dlv was just reaped
	waitFrozen(cmd.Process.Pid, 500*time.Millisecond)
	s.killTarget()
	killTree(cmd.Process.Pid) // dlv's process group
	_ = cmd.Process.Kill()
}

// shutdown ends the session: ask dlv to kill the program and exit, give
// it a moment, then kill whatever is left and reap dlv. Not concurrent
// with run.
func (s *headless) shutdown() {
	cmd, waitDone, _ := s.procs()
	if s.client != nil {
		_ = s.conn.SetDeadline(time.Now().Add(3 * time.Second))
		_ = s.client.Detach(true) // also closes the connection
		s.client = nil
		// Without --accept-multiclient dlv exits once its client detaches.
		select {
		case <-waitDone:
		case <-time.After(5 * time.Second):
		}
	} else if s.conn != nil {
		_ = s.conn.Close()
	}
	if cmd == nil {
		return
	}
	s.killAll()
	<-waitDone
}
