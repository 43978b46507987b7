//go:build !interleave_off

package sync

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// Map is a map safe for concurrent use; see sync.Map. Under control each
// operation is a scheduling point, so a check-then-act over two calls is
// explored like any race.
type Map struct {
	m sync.Map
}

func newAtomic(rt *sched.Runtime) *sched.Atomic { return sched.NewAtomic(rt, "") }

func (m *Map) op(name string) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, m, newAtomic).Op(name)
			return
		}
		rt.Yield(name)
	}
}

// Load returns the value stored for key, if any.
func (m *Map) Load(key any) (value any, ok bool) { m.op("map load"); return m.m.Load(key) }

// Store sets the value for key.
func (m *Map) Store(key, value any) { m.op("map store"); m.m.Store(key, value) }

// LoadOrStore returns the existing value for key if present; otherwise it
// stores value. loaded reports whether the value was loaded.
func (m *Map) LoadOrStore(key, value any) (actual any, loaded bool) {
	m.op("map loadorstore")
	return m.m.LoadOrStore(key, value)
}

// LoadAndDelete deletes the value for key, returning the previous value.
func (m *Map) LoadAndDelete(key any) (value any, loaded bool) {
	m.op("map loadanddelete")
	return m.m.LoadAndDelete(key)
}

// Delete deletes the value for key.
func (m *Map) Delete(key any) { m.op("map delete"); m.m.Delete(key) }

// Swap swaps the value for key and returns the previous value.
func (m *Map) Swap(key, value any) (previous any, loaded bool) {
	m.op("map swap")
	return m.m.Swap(key, value)
}

// CompareAndSwap swaps the old and new values for key if the value stored
// is equal to old.
func (m *Map) CompareAndSwap(key, old, new any) (swapped bool) {
	m.op("map cas")
	return m.m.CompareAndSwap(key, old, new)
}

// CompareAndDelete deletes the entry for key if its value is equal to old.
func (m *Map) CompareAndDelete(key, old any) (deleted bool) {
	m.op("map compareanddelete")
	return m.m.CompareAndDelete(key, old)
}

// Range calls f for each key and value (one scheduling point in all).
func (m *Map) Range(f func(key, value any) bool) { m.op("map range"); m.m.Range(f) }

// Clear deletes all the entries.
func (m *Map) Clear() { m.op("map clear"); m.m.Clear() }
