//go:build interleave_off

package sync_test

import (
	"reflect"
	stdsync "sync"
	stdatomic "sync/atomic"
	"testing"
	stdtime "time"

	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/sync"
	"github.com/interleave/interleave/std/sync/atomic"
	"github.com/interleave/interleave/std/time"
)

// TestOffIsTheStandardLibrary: built with -tags interleave_off, the types
// are the standard library's own, so production code pays nothing.
func TestOffIsTheStandardLibrary(t *testing.T) {
	for _, pair := range [][2]any{
		{sync.Mutex{}, stdsync.Mutex{}}, {sync.RWMutex{}, stdsync.RWMutex{}}, {sync.WaitGroup{}, stdsync.WaitGroup{}},
		{sync.Once{}, stdsync.Once{}}, {atomic.Int64{}, stdatomic.Int64{}}, {atomic.Pointer[int]{}, stdatomic.Pointer[int]{}},
		{time.Timer{}, stdtime.Timer{}}, {time.Ticker{}, stdtime.Ticker{}},
	} {
		if reflect.TypeOf(pair[0]) != reflect.TypeOf(pair[1]) {
			t.Errorf("%T is not %T", pair[0], pair[1])
		}
	}
	c := chans.Make[int](1)
	chans.Send(c, 1)
	if i := chans.Select(chans.OnRecv(c, nil), chans.Default()); i != 0 {
		t.Errorf("select took case %d", i)
	}
}
