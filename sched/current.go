package sched

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Finding the run from the goroutine.
//
// Go has no goroutine-local storage, and the one official way to learn a
// goroutine's ID, parsing runtime.Stack, costs microseconds (15 µs measured
// on this project's machine under load). The profiler's goroutine labels are
// the one piece of per-goroutine state that code can set cheaply: each task
// sets a label set of its own when it starts (pprof.SetGoroutineLabels), and
// the pointer to that label set, read back through the accessor the runtime
// keeps for that purpose (runtime/pprof.runtime_getProfLabel, which the Go
// team keeps stable for the packages that use it; go.dev/issue/67401), is
// the key of the task in tasksByTag (in a program that called UseCurrent).
// A lookup is a pointer load and a sync.Map hit; a goroutine without labels, which is every goroutine of a
// program that is not under test, answers nil after the pointer load alone.
// As a side effect CPU profiles of a run show each sample's task as the
// label interleave.task.

//go:linkname goroutineLabels runtime/pprof.runtime_getProfLabel
func goroutineLabels() unsafe.Pointer

// taskTag is what a tagged goroutine maps to.
type taskTag struct {
	rt *Runtime
	t  *task // nil in wild mode
}

var tasksByTag sync.Map // unsafe.Pointer (the goroutine's label set) -> *taskTag

// currentUsed is set by UseCurrent: tasks tag their goroutines only in a
// program that finds runs with Current, so that one that passes its
// *Runtime (the harness) pays nothing for it.
var currentUsed atomic.Bool

// UseCurrent makes the tasks of every later run findable by Current. The
// packages under std call it from their init; a program that calls Current
// without them must call it first.
func UseCurrent() { currentUsed.Store(true) }

// tagged wraps a task's function so that the task's goroutine can be found
// by Current while fn runs.
func (rt *Runtime) tagged(name string, fn func()) func() {
	if !currentUsed.Load() {
		return fn // under control, runTask counts the task's first beat
	}
	// The label set is made here, on the starting side; the new goroutine
	// only installs it and registers, in a call of its own, so that the
	// task's stack is not grown for the sake of the tag.
	labels := pprof.WithLabels(context.Background(), pprof.Labels("interleave.task", name))
	return func() {
		key := rt.tag(labels)
		defer tasksByTag.Delete(key)
		fn()
	}
}

// tag installs labels on the calling goroutine, a task of rt, and
// registers it for Current.
//
//go:noinline
func (rt *Runtime) tag(labels context.Context) unsafe.Pointer {
	pprof.SetGoroutineLabels(labels)
	key := goroutineLabels()
	tg := &taskTag{rt: rt}
	if rt.wild == nil {
		tg.t = rt.cur
	}
	tasksByTag.Store(key, tg)
	return key
}

// Current returns the run the calling goroutine is a task of (a task
// started by Run, RunWild or Runtime.Go), or nil when it is not a task of
// any run. It is how the packages under std find their run without a
// *Runtime being passed to them; it costs a few nanoseconds.
//
// A goroutine started with a plain go statement inside a task inherits the
// task's profiler labels, and with them its identity. Under control Current
// panics when such a goroutine calls it while its parent task is not the one
// running: the scheduler cannot control a goroutine it did not start (use
// Runtime.Go, chans.Go or WaitGroup.Go). Code that replaces the goroutine's
// profiler labels (pprof.Do, pprof.SetGoroutineLabels) hides the task from
// Current until it restores them.
func Current() *Runtime {
	key := goroutineLabels()
	if key == nil {
		return nil
	}
	v, ok := tasksByTag.Load(key)
	if !ok {
		return nil
	}
	tg := v.(*taskTag)
	if tg.t != nil && tg.rt.cur != tg.t && !tg.rt.aborted {
		panic(fmt.Sprintf("interleave: a goroutine the scheduler did not start (a plain go statement in task %s?) uses a controlled primitive; start goroutines with Runtime.Go, chans.Go or WaitGroup.Go", tg.t.name))
	}
	return tg.rt
}

// ObjectID identifies a synchronisation object (a mutex, a channel, a
// timer, an atomic value...) within one run. IDs are given in the order the
// objects are created or first used, from 1, so the same schedule gives the
// same IDs.
type ObjectID int

func (rt *Runtime) newObject() ObjectID {
	if rt.wild != nil {
		return 0
	}
	rt.objects++
	rt.touch(keyAlloc, Write)
	return ObjectID(rt.objects)
}

// objectName is the name of an object created without one: its kind and
// ID, such as "mutex#3".
func objectName(kind string, id ObjectID) string { return kind + "#" + strconv.Itoa(int(id)) }

// Bound returns the object bound to key in this run by Bind, or nil. The
// packages under std use it to keep, for each primitive or channel of the
// program, the controlled object that stands for it in the run: the key is
// the primitive's address or the channel, so a primitive needs no
// per-run state of its own, and the same package-level variable used by two
// runs (one after the other, or in parallel tests) is a fresh object in
// each. It must be called from a task of the run.
func (rt *Runtime) Bound(key any) any {
	return rt.bound[key]
}

// Bind binds obj to key for the rest of the run (see Bound).
func (rt *Runtime) Bind(key, obj any) {
	if rt.bound == nil {
		rt.bound = map[any]any{}
	}
	rt.bound[key] = obj
}

// moduleDir is the directory of this module's source (or its import path,
// in a -trimpath build), with a trailing slash: callSite skips the frames
// of files in its sched and std directories. Files, not function names,
// tell them apart: a closure inlined into the program's code (the iterator
// of chans.Range) carries the name of the function it was inlined into.
var moduleDir = func() string {
	_, file, _, _ := runtime.Caller(0) // .../sched/current.go
	i := strings.LastIndex(file, "/sched/")
	if i < 0 {
		return "\x00" // matches nothing
	}
	return file[:i+1]
}()

// callSite returns "file.go:line" of the first caller outside this module's
// sched and std packages: the line of the program under test that did what
// a step label describes, or that started a task. What each program
// counter stands for is resolved once and cached, so a call costs about a
// runtime.Callers.
func callSite() string {
	var pcs [16]uintptr
	n := runtime.Callers(2, pcs[:])
	for _, pc := range pcs[:n] {
		for _, f := range framesOf(pc) {
			if !f.ours {
				return f.site
			}
		}
	}
	return "?"
}

type siteFrame struct {
	ours bool
	site string
}

var pcFrames sync.Map // uintptr -> []siteFrame

// framesOf returns the frames, inlined ones included, of one return
// address of runtime.Callers.
func framesOf(pc uintptr) []siteFrame {
	if v, ok := pcFrames.Load(pc); ok {
		return v.([]siteFrame)
	}
	var out []siteFrame
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		rest, ours := strings.CutPrefix(f.File, moduleDir)
		ours = ours && (strings.HasPrefix(rest, "sched/") || strings.HasPrefix(rest, "std/")) && !strings.HasSuffix(rest, "_test.go")
		ours = ours || strings.HasPrefix(f.Function, "runtime.") // goexit, under a task started by the run itself
		site := "?"
		if f.File != "" {
			file := f.File
			if i := strings.LastIndexByte(file, '/'); i >= 0 {
				file = file[i+1:]
			}
			site = file + ":" + strconv.Itoa(f.Line)
		}
		out = append(out, siteFrame{ours: ours, site: site})
		if !more {
			break
		}
	}
	pcFrames.Store(pc, out)
	return out
}

// sited returns label, followed by the call site of the operation when the
// run is traced and the object shows sites (it was created without a name).
func (rt *Runtime) sited(label string, sites bool) string {
	if !sites || rt.trace == nil {
		return label
	}
	site := callSite()
	if site == "?" { // no line of the program: the run's own doing (a deadline)
		return label
	}
	return label + " at " + site
}
