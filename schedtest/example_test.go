package schedtest_test

import (
	"testing"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/schedtest"
	"github.com/interleave/interleave/std/sync"
)

// Account is code under test, written as usual but importing
// github.com/interleave/interleave/std/sync for its mutex.
type Account struct {
	mu      sync.Mutex
	balance int
}

func (a *Account) Balance() int { a.mu.Lock(); defer a.mu.Unlock(); return a.balance }

// Withdraw checks, then acts, in two critical sections: a race.
func (a *Account) Withdraw(n int) bool {
	if a.Balance() < n {
		return false
	}
	a.mu.Lock()
	a.balance -= n
	a.mu.Unlock()
	return true
}

// testWithdraw is a test (name it TestWithdraw in a _test.go file): two
// withdrawals of 80 from 100 must not both succeed. Check explores the
// schedules and, on the first that fails, reports the shrunk schedule, its
// story and the go test line that replays it.
func testWithdraw(t *testing.T) {
	schedtest.Check(t, func(rt *sched.Runtime) {
		a := &Account{balance: 100}
		var wg sync.WaitGroup
		wg.Go(func() { a.Withdraw(80) })
		wg.Go(func() { a.Withdraw(80) })
		wg.Wait()
		if b := a.Balance(); b < 0 {
			rt.Failf("balance %d", b)
		}
	})
}

func Example() {}
