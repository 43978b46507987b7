// Package atomic mirrors the standard library's sync/atomic, so that a
// program's atomics run under interleave's control by changing an import
// line: the types Bool, Int32, Int64, Uint32, Uint64, Uintptr, Pointer[T]
// and Value, and the functions on int32, int64, uint32, uint64, uintptr
// and unsafe.Pointer.
//
// The value always lives in a real atomic of the standard library. In a
// task of a controlled run each operation (Load, Store, Add, Swap,
// CompareAndSwap, And, Or) is first a scheduling point on the value's
// identity (sched.Atomic), so that a racy check-then-act, a Load followed
// by a Store that depends on it, is explored without a Yield written by
// hand. In a wild run each is a jitter point; elsewhere it is the plain
// operation. Built with the tag interleave_off the types are aliases of
// the standard ones.
package atomic
