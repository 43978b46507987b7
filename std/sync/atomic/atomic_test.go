package atomic_test

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/sync"
	"github.com/interleave/interleave/std/sync/atomic"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// claim is a racy check-then-act on an atomic flag: two callers can both
// see it clear. No Yield is written by hand: the atomics are the points.
func claim(flag *atomic.Bool, owners *atomic.Int64) {
	if !flag.Load() {
		flag.Store(true)
		owners.Add(1)
	}
}

func TestRacyCheckThenActOnAtomicsIsFound(t *testing.T) {
	body := func(cas bool) func(rt *sched.Runtime) {
		return func(rt *sched.Runtime) {
			var flag atomic.Bool
			var owners atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < 2; i++ {
				wg.Go(func() {
					if cas {
						if flag.CompareAndSwap(false, true) {
							owners.Add(1)
						}
						return
					}
					claim(&flag, &owners)
				})
			}
			wg.Wait()
			if n := owners.Load(); n != 1 {
				rt.Failf("%d owners", n)
			}
		}
	}
	rep := sched.Explore(body(false), sched.Options{Strategy: sched.DFS(1), Trace: true}, 0)
	require.NotNil(t, rep.Failure)
	require.Equal(t, "2 owners", rep.Failure.Msg)
	require.Regexp(t, `load atomic#\d+ at atomic_test\.go:\d+`, rep.Failure.Trace.String())

	rep = sched.Explore(body(true), sched.Options{Strategy: sched.DFS(-1)}, 0)
	require.Nil(t, rep.Failure)
	require.True(t, rep.Exhausted)
}

func TestEveryTypeAndFunction(t *testing.T) {
	check := func() []any {
		var i32 atomic.Int32
		var i64 atomic.Int64
		var u32 atomic.Uint32
		var u64 atomic.Uint64
		var up atomic.Uintptr
		var b atomic.Bool
		var v atomic.Value
		var p atomic.Pointer[int]
		x := 5
		i32.Store(1)
		i64.Add(2)
		u32.Or(4)
		u64.Swap(8)
		up.CompareAndSwap(0, 16)
		old := i32.And(0)
		b.Store(true)
		v.Store("v")
		p.Store(&x)
		var raw int64
		atomic.AddInt64(&raw, 3)
		atomic.CompareAndSwapInt64(&raw, 3, 4)
		var ptr unsafe.Pointer
		atomic.StorePointer(&ptr, unsafe.Pointer(&x))
		return []any{old, i32.Load(), i64.Load(), u32.Load(), u64.Load(), up.Load(), b.Load(), v.Load(), *p.Load(),
			atomic.LoadInt64(&raw), *(*int)(atomic.LoadPointer(&ptr))}
	}
	want := []any{int32(1), int32(0), int64(2), uint32(4), uint64(8), uintptr(16), true, "v", 5, int64(4), 5}
	var got []any
	res := sched.Run(func(rt *sched.Runtime) { got = check() }, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, want, got)
	require.Equal(t, want, check())
	require.Greater(t, res.Steps, 20, "each operation is a scheduling point")
}

func TestAtomicsInWildMode(t *testing.T) {
	res := sched.RunWild(func(rt *sched.Runtime) {
		var n atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Go(func() {
				for j := 0; j < 100; j++ {
					n.Add(1)
				}
			})
		}
		wg.Wait()
		if n.Load() != 800 {
			rt.Failf("n = %d", n.Load())
		}
	}, sched.WildOptions{Jitter: 0.2})
	require.Nil(t, res.Failure)
}
