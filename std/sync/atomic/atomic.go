//go:build !interleave_off

package atomic

import (
	"sync/atomic"
	"unsafe"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

func newAtomic(rt *sched.Runtime) *sched.Atomic { return sched.NewAtomic(rt, "") }

// op is the scheduling point before an operation on the value at key.
func op(key any, name string) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			ambient.Controlled(rt, key, newAtomic).Op(name)
			return
		}
		rt.Yield(name)
	}
}

// Int32 is an atomic int32; see atomic.Int32. Each method is a scheduling point
// under control.
type Int32 struct {
	v atomic.Int32
}

// Load atomically loads and returns the value.
func (x *Int32) Load() int32 { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Int32) Store(val int32) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Int32) Swap(new int32) (old int32) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Int32) CompareAndSwap(old, new int32) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Add atomically adds delta and returns the new value.
func (x *Int32) Add(delta int32) (new int32) { op(x, "add"); return x.v.Add(delta) }

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Int32) And(mask int32) (old int32) { op(x, "and"); return x.v.And(mask) }

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Int32) Or(mask int32) (old int32) { op(x, "or"); return x.v.Or(mask) }

// AddInt32 atomically adds delta to *addr and returns the new value.
func AddInt32(addr *int32, delta int32) (new int32) {
	op(addr, "add")
	return atomic.AddInt32(addr, delta)
}

// AndInt32 atomically performs a bitwise AND and returns the old value.
func AndInt32(addr *int32, mask int32) (old int32) {
	op(addr, "and")
	return atomic.AndInt32(addr, mask)
}

// OrInt32 atomically performs a bitwise OR and returns the old value.
func OrInt32(addr *int32, mask int32) (old int32) { op(addr, "or"); return atomic.OrInt32(addr, mask) }

// LoadInt32 atomically loads *addr.
func LoadInt32(addr *int32) (val int32) { op(addr, "load"); return atomic.LoadInt32(addr) }

// StoreInt32 atomically stores val into *addr.
func StoreInt32(addr *int32, val int32) { op(addr, "store"); atomic.StoreInt32(addr, val) }

// SwapInt32 atomically stores new into *addr and returns the previous value.
func SwapInt32(addr *int32, new int32) (old int32) {
	op(addr, "swap")
	return atomic.SwapInt32(addr, new)
}

// CompareAndSwapInt32 executes the compare-and-swap operation on *addr.
func CompareAndSwapInt32(addr *int32, old, new int32) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapInt32(addr, old, new)
}

// Int64 is an atomic int64; see atomic.Int64. Each method is a scheduling point
// under control.
type Int64 struct {
	v atomic.Int64
}

// Load atomically loads and returns the value.
func (x *Int64) Load() int64 { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Int64) Store(val int64) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Int64) Swap(new int64) (old int64) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Int64) CompareAndSwap(old, new int64) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Add atomically adds delta and returns the new value.
func (x *Int64) Add(delta int64) (new int64) { op(x, "add"); return x.v.Add(delta) }

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Int64) And(mask int64) (old int64) { op(x, "and"); return x.v.And(mask) }

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Int64) Or(mask int64) (old int64) { op(x, "or"); return x.v.Or(mask) }

// AddInt64 atomically adds delta to *addr and returns the new value.
func AddInt64(addr *int64, delta int64) (new int64) {
	op(addr, "add")
	return atomic.AddInt64(addr, delta)
}

// AndInt64 atomically performs a bitwise AND and returns the old value.
func AndInt64(addr *int64, mask int64) (old int64) {
	op(addr, "and")
	return atomic.AndInt64(addr, mask)
}

// OrInt64 atomically performs a bitwise OR and returns the old value.
func OrInt64(addr *int64, mask int64) (old int64) { op(addr, "or"); return atomic.OrInt64(addr, mask) }

// LoadInt64 atomically loads *addr.
func LoadInt64(addr *int64) (val int64) { op(addr, "load"); return atomic.LoadInt64(addr) }

// StoreInt64 atomically stores val into *addr.
func StoreInt64(addr *int64, val int64) { op(addr, "store"); atomic.StoreInt64(addr, val) }

// SwapInt64 atomically stores new into *addr and returns the previous value.
func SwapInt64(addr *int64, new int64) (old int64) {
	op(addr, "swap")
	return atomic.SwapInt64(addr, new)
}

// CompareAndSwapInt64 executes the compare-and-swap operation on *addr.
func CompareAndSwapInt64(addr *int64, old, new int64) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapInt64(addr, old, new)
}

// Uint32 is an atomic uint32; see atomic.Uint32. Each method is a scheduling point
// under control.
type Uint32 struct {
	v atomic.Uint32
}

// Load atomically loads and returns the value.
func (x *Uint32) Load() uint32 { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Uint32) Store(val uint32) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Uint32) Swap(new uint32) (old uint32) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Uint32) CompareAndSwap(old, new uint32) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Add atomically adds delta and returns the new value.
func (x *Uint32) Add(delta uint32) (new uint32) { op(x, "add"); return x.v.Add(delta) }

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Uint32) And(mask uint32) (old uint32) { op(x, "and"); return x.v.And(mask) }

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Uint32) Or(mask uint32) (old uint32) { op(x, "or"); return x.v.Or(mask) }

// AddUint32 atomically adds delta to *addr and returns the new value.
func AddUint32(addr *uint32, delta uint32) (new uint32) {
	op(addr, "add")
	return atomic.AddUint32(addr, delta)
}

// AndUint32 atomically performs a bitwise AND and returns the old value.
func AndUint32(addr *uint32, mask uint32) (old uint32) {
	op(addr, "and")
	return atomic.AndUint32(addr, mask)
}

// OrUint32 atomically performs a bitwise OR and returns the old value.
func OrUint32(addr *uint32, mask uint32) (old uint32) {
	op(addr, "or")
	return atomic.OrUint32(addr, mask)
}

// LoadUint32 atomically loads *addr.
func LoadUint32(addr *uint32) (val uint32) { op(addr, "load"); return atomic.LoadUint32(addr) }

// StoreUint32 atomically stores val into *addr.
func StoreUint32(addr *uint32, val uint32) { op(addr, "store"); atomic.StoreUint32(addr, val) }

// SwapUint32 atomically stores new into *addr and returns the previous value.
func SwapUint32(addr *uint32, new uint32) (old uint32) {
	op(addr, "swap")
	return atomic.SwapUint32(addr, new)
}

// CompareAndSwapUint32 executes the compare-and-swap operation on *addr.
func CompareAndSwapUint32(addr *uint32, old, new uint32) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapUint32(addr, old, new)
}

// Uint64 is an atomic uint64; see atomic.Uint64. Each method is a scheduling point
// under control.
type Uint64 struct {
	v atomic.Uint64
}

// Load atomically loads and returns the value.
func (x *Uint64) Load() uint64 { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Uint64) Store(val uint64) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Uint64) Swap(new uint64) (old uint64) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Uint64) CompareAndSwap(old, new uint64) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Add atomically adds delta and returns the new value.
func (x *Uint64) Add(delta uint64) (new uint64) { op(x, "add"); return x.v.Add(delta) }

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Uint64) And(mask uint64) (old uint64) { op(x, "and"); return x.v.And(mask) }

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Uint64) Or(mask uint64) (old uint64) { op(x, "or"); return x.v.Or(mask) }

// AddUint64 atomically adds delta to *addr and returns the new value.
func AddUint64(addr *uint64, delta uint64) (new uint64) {
	op(addr, "add")
	return atomic.AddUint64(addr, delta)
}

// AndUint64 atomically performs a bitwise AND and returns the old value.
func AndUint64(addr *uint64, mask uint64) (old uint64) {
	op(addr, "and")
	return atomic.AndUint64(addr, mask)
}

// OrUint64 atomically performs a bitwise OR and returns the old value.
func OrUint64(addr *uint64, mask uint64) (old uint64) {
	op(addr, "or")
	return atomic.OrUint64(addr, mask)
}

// LoadUint64 atomically loads *addr.
func LoadUint64(addr *uint64) (val uint64) { op(addr, "load"); return atomic.LoadUint64(addr) }

// StoreUint64 atomically stores val into *addr.
func StoreUint64(addr *uint64, val uint64) { op(addr, "store"); atomic.StoreUint64(addr, val) }

// SwapUint64 atomically stores new into *addr and returns the previous value.
func SwapUint64(addr *uint64, new uint64) (old uint64) {
	op(addr, "swap")
	return atomic.SwapUint64(addr, new)
}

// CompareAndSwapUint64 executes the compare-and-swap operation on *addr.
func CompareAndSwapUint64(addr *uint64, old, new uint64) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapUint64(addr, old, new)
}

// Uintptr is an atomic uintptr; see atomic.Uintptr. Each method is a scheduling point
// under control.
type Uintptr struct {
	v atomic.Uintptr
}

// Load atomically loads and returns the value.
func (x *Uintptr) Load() uintptr { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Uintptr) Store(val uintptr) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Uintptr) Swap(new uintptr) (old uintptr) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Uintptr) CompareAndSwap(old, new uintptr) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Add atomically adds delta and returns the new value.
func (x *Uintptr) Add(delta uintptr) (new uintptr) { op(x, "add"); return x.v.Add(delta) }

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Uintptr) And(mask uintptr) (old uintptr) { op(x, "and"); return x.v.And(mask) }

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Uintptr) Or(mask uintptr) (old uintptr) { op(x, "or"); return x.v.Or(mask) }

// AddUintptr atomically adds delta to *addr and returns the new value.
func AddUintptr(addr *uintptr, delta uintptr) (new uintptr) {
	op(addr, "add")
	return atomic.AddUintptr(addr, delta)
}

// AndUintptr atomically performs a bitwise AND and returns the old value.
func AndUintptr(addr *uintptr, mask uintptr) (old uintptr) {
	op(addr, "and")
	return atomic.AndUintptr(addr, mask)
}

// OrUintptr atomically performs a bitwise OR and returns the old value.
func OrUintptr(addr *uintptr, mask uintptr) (old uintptr) {
	op(addr, "or")
	return atomic.OrUintptr(addr, mask)
}

// LoadUintptr atomically loads *addr.
func LoadUintptr(addr *uintptr) (val uintptr) { op(addr, "load"); return atomic.LoadUintptr(addr) }

// StoreUintptr atomically stores val into *addr.
func StoreUintptr(addr *uintptr, val uintptr) { op(addr, "store"); atomic.StoreUintptr(addr, val) }

// SwapUintptr atomically stores new into *addr and returns the previous value.
func SwapUintptr(addr *uintptr, new uintptr) (old uintptr) {
	op(addr, "swap")
	return atomic.SwapUintptr(addr, new)
}

// CompareAndSwapUintptr executes the compare-and-swap operation on *addr.
func CompareAndSwapUintptr(addr *uintptr, old, new uintptr) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapUintptr(addr, old, new)
}

// Bool is an atomic boolean; see atomic.Bool. Each method is a scheduling
// point under control.
type Bool struct {
	v atomic.Bool
}

// Load atomically loads and returns the value.
func (x *Bool) Load() bool { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Bool) Store(val bool) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Bool) Swap(new bool) (old bool) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Bool) CompareAndSwap(old, new bool) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Pointer is an atomic pointer of type *T; see atomic.Pointer. Each method
// is a scheduling point under control.
type Pointer[T any] struct {
	v atomic.Pointer[T]
}

// Load atomically loads and returns the value.
func (x *Pointer[T]) Load() *T { op(x, "load"); return x.v.Load() }

// Store atomically stores val.
func (x *Pointer[T]) Store(val *T) { op(x, "store"); x.v.Store(val) }

// Swap atomically stores new and returns the previous value.
func (x *Pointer[T]) Swap(new *T) (old *T) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Pointer[T]) CompareAndSwap(old, new *T) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// Value holds a value of one concrete type, loaded and stored atomically;
// see atomic.Value (and its panics). Each method is a scheduling point
// under control.
type Value struct {
	v atomic.Value
}

// Load returns the value set by the most recent Store, or nil.
func (x *Value) Load() (val any) { op(x, "load"); return x.v.Load() }

// Store sets the value.
func (x *Value) Store(val any) { op(x, "store"); x.v.Store(val) }

// Swap stores new and returns the previous value.
func (x *Value) Swap(new any) (old any) { op(x, "swap"); return x.v.Swap(new) }

// CompareAndSwap executes the compare-and-swap operation.
func (x *Value) CompareAndSwap(old, new any) (swapped bool) {
	op(x, "cas")
	return x.v.CompareAndSwap(old, new)
}

// LoadPointer atomically loads *addr.
func LoadPointer(addr *unsafe.Pointer) (val unsafe.Pointer) {
	op(addr, "load")
	return atomic.LoadPointer(addr)
}

// StorePointer atomically stores val into *addr.
func StorePointer(addr *unsafe.Pointer, val unsafe.Pointer) {
	op(addr, "store")
	atomic.StorePointer(addr, val)
}

// SwapPointer atomically stores new into *addr and returns the previous
// value.
func SwapPointer(addr *unsafe.Pointer, new unsafe.Pointer) (old unsafe.Pointer) {
	op(addr, "swap")
	return atomic.SwapPointer(addr, new)
}

// CompareAndSwapPointer executes the compare-and-swap operation on *addr.
func CompareAndSwapPointer(addr *unsafe.Pointer, old, new unsafe.Pointer) (swapped bool) {
	op(addr, "cas")
	return atomic.CompareAndSwapPointer(addr, old, new)
}
