package sched_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/sched"
)

func TestCurrentFindsTheRunOfATask(t *testing.T) {
	sched.UseCurrent()
	require.Nil(t, sched.Current(), "the test's goroutine is no task")
	var inMain, inTask, inWild *sched.Runtime
	var self *sched.Runtime
	res := sched.Run(func(rt *sched.Runtime) {
		self = rt
		inMain = sched.Current()
		rt.Go("child", func() { inTask = sched.Current() }).Join()
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Same(t, self, inMain)
	require.Same(t, self, inTask)

	sched.RunWild(func(rt *sched.Runtime) {
		self = rt
		rt.Go("child", func() { inWild = sched.Current() }).Join()
	}, sched.WildOptions{})
	require.Same(t, self, inWild)
	require.Nil(t, sched.Current())
}

func TestCurrentTellsParallelRunsApart(t *testing.T) {
	sched.UseCurrent()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				sched.Run(func(rt *sched.Runtime) {
					for k := 0; k < 3; k++ {
						rt.Go("t", func() {
							rt.Yield("y")
							if sched.Current() != rt {
								rt.Failf("Current returned another run")
							}
						})
					}
				}, sched.Options{Strategy: sched.Random(int64(j))})
			}
		}()
	}
	wg.Wait()
}

func TestCurrentRejectsAGoroutineTheSchedulerDidNotStart(t *testing.T) {
	sched.UseCurrent()
	var msg any
	res := sched.Run(func(rt *sched.Runtime) {
		stray := make(chan struct{})
		rt.Go("parent", func() {
			go func() {
				defer close(stray)
				defer func() { msg = recover() }()
				sched.Current()
			}()
		}).Join()
		// parent has finished: the stray goroutine's identity is gone.
		<-stray
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Nil(t, msg, "a stray goroutine of a finished task is no task")

	// A stray goroutine asking while its parent is parked is caught.
	var got any
	res = sched.Run(func(rt *sched.Runtime) {
		ask := make(chan struct{})
		answered := make(chan struct{})
		go func() { // inherits main's identity
			<-ask
			defer close(answered)
			defer func() { got = recover() }()
			sched.Current()
		}()
		rt.Go("other", func() {
			close(ask) // main is parked in Join: not the running task
			<-answered
		}).Join()
	}, sched.Options{})
	require.Nil(t, res.Failure)
	require.Equal(t, "interleave: a goroutine the scheduler did not start (a plain go statement in task main?) uses a controlled primitive; start goroutines with Runtime.Go, chans.Go or WaitGroup.Go", got)
}
