// Package bank is examples/bank with its bug fixed: a transfer checks the
// balance and moves the money in one critical section.
package bank

import (
	"github.com/interleave/interleave/std/chans"
	"github.com/interleave/interleave/std/sync"
)

// Account is a balance guarded by a mutex.
type Account struct {
	mu      sync.Mutex
	balance int
}

// NewAccount returns an account holding balance.
func NewAccount(balance int) *Account { return &Account{balance: balance} }

// Balance returns the account's balance.
func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func (a *Account) add(n int) {
	a.mu.Lock()
	a.balance += n
	a.mu.Unlock()
}

// transfers serialises the transfers: the check and the moves are one
// critical section. (Under control, a package-level mutex is a fresh one
// in each run.)
var transfers sync.Mutex

// Transfer moves amount from one account to the other if the first holds
// enough, and reports whether it did.
func Transfer(from, to *Account, amount int) bool {
	transfers.Lock()
	defer transfers.Unlock()
	if from.Balance() < amount {
		return false
	}
	from.add(-amount)
	to.add(amount)
	return true
}

// Transfers is one transfer of a batch.
type Transfers struct {
	From, To *Account
	Amount   int
}

// ApplyAll runs every transfer at once and returns how many went through.
func ApplyAll(ts []Transfers) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for _, t := range ts {
		wg.Add(1)
		chans.Go(func() {
			defer wg.Done()
			if Transfer(t.From, t.To, t.Amount) {
				mu.Lock()
				done++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return done
}
