package sched

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// WildOptions configure a run on real goroutines.
type WildOptions struct {
	// Seed drives the jitter. Wild runs are not reproducible by seed: the
	// Go scheduler decides the interleaving; the seed only varies where the
	// jitter falls.
	Seed int64
	// Jitter is the probability, at each scheduling point, of yielding the
	// processor (runtime.Gosched); a tenth of those sleep up to
	// MaxSleep instead. 0 means no jitter.
	Jitter float64
	// MaxSleep bounds a jitter sleep; 0 means 50µs.
	MaxSleep time.Duration
	// Timeout ends a run that has not finished, with a goroutine dump in the
	// failure; 0 means one minute. The run's goroutines cannot be stopped
	// and are left running: a timed-out wild run is a bug to fix.
	Timeout time.Duration
}

type wildState struct {
	seed      uint64
	threshold uint64 // jitter when a draw falls below it
	maxSleep  time.Duration
	counter   atomic.Uint64
	wg        sync.WaitGroup
	mu        sync.Mutex
	failure   *Failure
	ids       atomic.Int64
}

// RunWild runs body on real goroutines: Go starts a goroutine, Mutex is a
// sync.Mutex, Queue a buffered channel and Select a select. It returns when
// every task has finished, with the first panic or Failf as its failure, or
// after the timeout. Results carry no schedule and no trace.
func RunWild(body func(rt *Runtime), opts WildOptions) *Result {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	if opts.MaxSleep <= 0 {
		opts.MaxSleep = 50 * time.Microsecond
	}
	j := opts.Jitter
	if j < 0 {
		j = 0
	}
	if j > 1 {
		j = 1
	}
	ws := &wildState{seed: uint64(opts.Seed), maxSleep: opts.MaxSleep}
	ws.threshold = uint64(j * float64(1<<32))
	rt := &Runtime{wild: ws}
	rt.wildGo("main", func() { body(rt) })
	finished := make(chan struct{})
	go func() { ws.wg.Wait(); close(finished) }()
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	res := &Result{}
	select {
	case <-finished:
		ws.mu.Lock()
		res.Failure = ws.failure
		ws.mu.Unlock()
	case <-timer.C:
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		res.Failure = &Failure{Kind: Timeout, Stack: string(buf),
			Msg: fmt.Sprintf("wild run did not finish within %v: a deadlock or a lost wake-up; the goroutine dump is in the failure's Stack", opts.Timeout)}
	}
	return res
}

func (rt *Runtime) wildGo(name string, fn func()) *Task {
	ws := rt.wild
	t := &task{id: TaskID(ws.ids.Add(1) - 1), name: name, doneCh: make(chan struct{})}
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		defer close(t.doneCh)
		defer func() {
			if r := recover(); r != nil {
				f := &Failure{Kind: Panic, Task: name, Value: r, Stack: string(debug.Stack()),
					Msg: fmt.Sprintf("panic in task %s: %v", name, r)}
				if a, ok := r.(assertion); ok {
					f = &Failure{Kind: Assertion, Task: name, Msg: string(a)}
				}
				ws.mu.Lock()
				if ws.failure == nil {
					ws.failure = f
				}
				ws.mu.Unlock()
			}
		}()
		rt.tagged(name, fn)()
	}()
	return &Task{rt: rt, t: t}
}

// draw returns a well-mixed 64-bit value without a lock: a SplitMix64 of the
// seed and a shared counter.
func (ws *wildState) draw() uint64 {
	r := newRNG(ws.seed ^ (ws.counter.Add(1) * 0x9e3779b97f4a7c15))
	return r.next()
}

func (rt *Runtime) jitter() {
	ws := rt.wild
	if ws.threshold == 0 {
		return
	}
	x := ws.draw()
	if x&0xffffffff >= ws.threshold {
		return
	}
	if (x>>32)%10 == 0 {
		time.Sleep(time.Duration((x >> 40) % uint64(ws.maxSleep)))
		return
	}
	runtime.Gosched()
}

func (rt *Runtime) wildIntn(n int) int {
	return int((rt.wild.draw() >> 33) % uint64(n))
}

func (rt *Runtime) wildSelect(cases []Case, hasDefault bool) int {
	rt.jitter()
	sc := make([]reflect.SelectCase, len(cases), len(cases)+1)
	for i, c := range cases {
		sc[i] = c.selectCase()
	}
	if hasDefault {
		sc = append(sc, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	i, v, ok := reflect.Select(sc)
	if i == len(cases) {
		return -1
	}
	cases[i].wildDone(v, ok)
	return i
}
