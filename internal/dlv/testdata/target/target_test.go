// Package target is a tiny test program that the internal/dlv tests build
// with optimisations disabled and run under Delve. It is not part of the
// module's normal test run (testdata is ignored by ./...).
package target

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// step is the breakpoint target. Its arguments are what the tests evaluate.
func step(id int64, ids []int64) int {
	return len(ids) + int(id)
}

// beforeSleep marks the point where TestSleep is about to block.
func beforeSleep(label string) {
	fmt.Println("sleeping:", label)
}

// TestTarget runs step three times from each of two goroutines, strictly
// alternating (a, b, a, b, a, b) so the hit order is deterministic.
func TestTarget(t *testing.T) {
	var (
		mu  sync.Mutex
		ids []int64
		wg  sync.WaitGroup
	)
	turns := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				<-turns[g]
				mu.Lock()
				id := int64(g*10 + i + 1)
				ids = append(ids, id)
				step(id, ids)
				mu.Unlock()
				if next := 1 - g; g == 0 || i < 2 {
					turns[next] <- struct{}{}
				}
			}
		}()
	}
	turns[0] <- struct{}{}
	wg.Wait()
	fmt.Printf("target: done ids=%v\n", ids)
}

// TestSleep blocks for a long time; the cancellation tests run it alone.
func TestSleep(t *testing.T) {
	if os.Getenv("DLV_TARGET_SLEEP") == "" {
		t.Skip("set DLV_TARGET_SLEEP to run")
	}
	beforeSleep(os.Getenv("DLV_TARGET_SLEEP"))
	time.Sleep(time.Hour)
}

// TestFail fails (exit status 1) when DLV_TARGET_FAIL is set.
func TestFail(t *testing.T) {
	if os.Getenv("DLV_TARGET_FAIL") == "" {
		t.Skip("set DLV_TARGET_FAIL to run")
	}
	step(99, []int64{99})
	t.Errorf("failing on purpose")
}

// TestPanic panics in a goroutine (unrecovered, exit status 2) when
// DLV_TARGET_PANIC is set.
func TestPanic(t *testing.T) {
	if os.Getenv("DLV_TARGET_PANIC") == "" {
		t.Skip("set DLV_TARGET_PANIC to run")
	}
	go func() {
		panic("boom")
	}()
	time.Sleep(time.Minute) // the panic ends the process first
}

// spin is hit concurrently by several goroutines in TestConcurrent.
func spin(g, i int) int {
	return g*1000 + i
}

// TestConcurrent calls spin 4x25 times from 4 goroutines at once, so
// that several threads can stop at the breakpoint in the same stop.
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				spin(g, i)
			}
		})
	}
	wg.Wait()
	fmt.Println("concurrent: done")
}
