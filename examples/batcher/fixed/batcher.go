// Package batcher is examples/batcher with its bug fixed: when the context
// is done, the loop flushes the batch it holds before it returns.
package batcher

import (
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/context"
	"github.com/interleave/interleave/std/sync"
	"github.com/interleave/interleave/std/time"
)

// Batcher collects items from Add and hands them to flush in batches.
type Batcher struct {
	in       chan string
	size     int
	interval time.Duration
	flush    func(batch []string)
	wg       sync.WaitGroup
}

// New returns a batcher of batches of up to size items, flushed at least
// every interval.
func New(size int, interval time.Duration, flush func(batch []string)) *Batcher {
	return &Batcher{in: chans.Make[string](0), size: size, interval: interval, flush: flush}
}

// Start runs the batching loop in a goroutine until ctx is done.
func (b *Batcher) Start(ctx context.Context) {
	b.wg.Add(1)
	chans.Go(func() {
		defer b.wg.Done()
		b.loop(ctx)
	})
}

func (b *Batcher) loop(ctx context.Context) {
	tick := time.NewTicker(b.interval)
	defer tick.Stop()
	var batch []string
	for {
		var item string
		switch chans.Select(chans.OnRecv(b.in, &item), chans.OnRecv(tick.C, nil), chans.OnRecv(ctx.Done(), nil)) {
		case 0:
			batch = append(batch, item)
			if len(batch) == b.size {
				b.flush(batch)
				batch = nil
			}
		case 1:
			if len(batch) > 0 {
				b.flush(batch)
				batch = nil
			}
		case 2:
			if len(batch) > 0 {
				b.flush(batch)
			}
			return
		}
	}
}

// Add hands an item to the loop; once ctx is done it returns ctx's error
// instead.
func (b *Batcher) Add(ctx context.Context, item string) error {
	switch chans.Select(chans.OnSend(b.in, item), chans.OnRecv(ctx.Done(), nil)) {
	case 0:
		return nil
	default:
		return ctx.Err()
	}
}

// Wait waits for the loop to end.
func (b *Batcher) Wait() { b.wg.Wait() }
