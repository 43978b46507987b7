// Package workerpool runs jobs on a fixed number of workers until every job
// is done or the context is.
package workerpool

import (
	"context"
	"sync"
)

// Process runs work on every job with n workers. It returns the results in
// the order they came, and ctx's error if ctx ended first.
func Process(ctx context.Context, jobs []int, n int, work func(ctx context.Context, job int) int) ([]int, error) {
	in := make(chan int)
	out := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range in {
				out <- work(ctx, job)
			}
		}()
	}
	go func() {
		defer close(in)
		for _, job := range jobs {
			select {
			case in <- job:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(out)
	}()
	var results []int
	for {
		select {
		case r, ok := <-out:
			if !ok {
				return results, nil
			}
			results = append(results, r)
		case <-ctx.Done():
			return results, ctx.Err()
		}
	}
}
