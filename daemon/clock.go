package daemon

import (
	"slices"
	"sync"
	"time"
)

// ManualClock is a Clock that moves only when told to (Set): tests run
// the daemon's schedule with it, without waiting for real time.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	clk *ManualClock
	at  time.Time
	c   chan time.Time
}

// NewManualClock returns a ManualClock reading now.
func NewManualClock(now time.Time) *ManualClock { return &ManualClock{now: now} }

// Now returns the time the clock was last set to.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a Timer firing when the clock is set to at or later.
func (c *ManualClock) NewTimer(at time.Time) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{clk: c, at: at, c: make(chan time.Time, 1)}
	if at.After(c.now) {
		c.timers = append(c.timers, t)
	} else {
		t.c <- c.now
	}
	return t
}

// Set moves the clock to now and fires the timers due by then.
func (c *ManualClock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
	c.timers = slices.DeleteFunc(c.timers, func(t *manualTimer) bool {
		if t.at.After(now) {
			return false
		}
		t.c <- now
		return true
	})
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	n := len(t.clk.timers)
	t.clk.timers = slices.DeleteFunc(t.clk.timers, func(o *manualTimer) bool { return o == t })
	return len(t.clk.timers) < n
}
