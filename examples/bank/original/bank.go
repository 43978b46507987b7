// Package bank holds accounts, and transfers that check the balance and
// then move the money, one by one or a batch at once.
package bank

import "sync"

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

// Transfer moves amount from one account to the other if the first holds
// enough, and reports whether it did.
func Transfer(from, to *Account, amount int) bool {
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
		go func() {
			defer wg.Done()
			if Transfer(t.From, t.To, t.Amount) {
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}
