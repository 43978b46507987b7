// Package workerpool is examples/workerpool with its bugs fixed: a worker
// gives up sending a result once the context is done, Process returns only
// when its workers have, and results cut short by the context come with
// its error.
package workerpool

import (
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/context"
	"github.com/interleave/interleave/std/sync"
)

// Process runs work on every job with n workers. It returns the results in
// the order they came, and ctx's error if ctx ended first.
func Process(ctx context.Context, jobs []int, n int, work func(ctx context.Context, job int) int) ([]int, error) {
	in := chans.Make[int](0)
	out := chans.Make[int](0)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		chans.Go(func() {
			defer wg.Done()
			for job := range chans.Range(in) {
				switch chans.Select(chans.OnSend(out, work(ctx, job)), chans.OnRecv(ctx.Done(), nil)) {
				case 0:
				case 1:
					return
				}
			}
		})
	}
	chans.Go(func() {
		defer chans.Close(in)
		for _, job := range jobs {
			switch chans.Select(chans.OnSend(in, job), chans.OnRecv(ctx.Done(), nil)) {
			case 0:
			case 1:
				return
			}
		}
	})
	chans.Go(func() {
		wg.Wait()
		chans.Close(out)
	})
	var results []int
	for {
		var r int
		var ok bool
		switch chans.Select(chans.OnRecvOK(out, &r, &ok), chans.OnRecv(ctx.Done(), nil)) {
		case 0:
			if !ok {
				return results, ctx.Err() // done, or cut short
			}
			results = append(results, r)
		case 1:
			wg.Wait()
			return results, ctx.Err()
		}
	}
}
