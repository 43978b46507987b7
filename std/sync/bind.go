//go:build !interleave_off

package sync

import (
	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/std/internal/ambient"
)

// controlled returns the object of run rt that stands for the primitive
// at key, made by mk on first use.
func controlled[T any](rt *sched.Runtime, key any, mk func(rt *sched.Runtime) *T) *T {
	return ambient.Controlled(rt, key, mk)
}

// noCopy makes go vet's copylocks check report copies of a value.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
