package mailer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry says how SendWithRetry retries temporary failures.
type Retry struct {
	// Attempts is the most attempts made, the first included; default 4.
	Attempts int
	// Backoff is the wait before the second attempt; it doubles before
	// each further one (up to an hour or so), and each wait is jittered by ±25% so that many
	// rekindles behind one relay do not retry in step. Default 30s:
	// 30s, 1m, 2m.
	Backoff time.Duration
	// Sleep waits for d or until ctx ends, returning ctx's error then.
	// Nil means a timer; tests inject one that does not wait.
	Sleep func(ctx context.Context, d time.Duration) error
}

// RetryError is what SendWithRetry returns when it gives up.
type RetryError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the last attempt's error, an *Error.
	Err error
	// Stopped is ctx's error when the context ended the retries; nil
	// when they ran out or the failure was permanent.
	Stopped error
}

func (e *RetryError) Error() string {
	switch {
	case e.Stopped != nil:
		return fmt.Sprintf("sending stopped after %d %s (%v); last error: %v", e.Attempts, plural(e.Attempts), e.Stopped, e.Err)
	case e.Attempts == 1:
		return e.Err.Error()
	}
	return fmt.Sprintf("sending failed %d times, giving up: %v", e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error and, if the context ended the
// retries, the context's error, so that errors.Is(err, context.Canceled)
// and errors.As(err, **Error) both work.
func (e *RetryError) Unwrap() []error {
	if e.Stopped != nil {
		return []error{e.Err, e.Stopped}
	}
	return []error{e.Err}
}

func plural(n int) string {
	if n == 1 {
		return "attempt"
	}
	return "attempts"
}

// SendWithRetry sends msg like Send, trying again after temporary
// failures (see IsTemporary) with exponential backoff, and stopping at
// once on a permanent one or when ctx ends. The message is rendered once,
// so every attempt sends the same bytes and Message-ID. A failure to send
// is a *RetryError wrapping the last attempt's *Error; a message that
// does not render is an *Error.
func SendWithRetry(ctx context.Context, cfg Config, msg *Message, policy Retry) error {
	raw, err := msg.Bytes()
	if err != nil {
		return &Error{Step: "build the message", Err: err}
	}
	attempts := policy.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	backoff := policy.Backoff
	if backoff <= 0 {
		backoff = 30 * time.Second
	}
	sleep := policy.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	wait := backoff
	for n := 1; ; n++ {
		err := sendRaw(ctx, cfg, msg.From.Email, msg.To.Email, raw)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &RetryError{Attempts: n, Err: err, Stopped: ctx.Err()}
		}
		if !IsTemporary(err) || n >= attempts {
			return &RetryError{Attempts: n, Err: err}
		}
		if serr := sleep(ctx, jitter(wait)); serr != nil {
			return &RetryError{Attempts: n, Err: err, Stopped: serr}
		}
		if wait < maxBackoff {
			wait *= 2
		}
	}
}

// maxBackoff is where the wait stops doubling.
const maxBackoff = time.Hour

// jitter spreads d over [0.75d, 1.25d).
func jitter(d time.Duration) time.Duration {
	if d < 4 {
		return d
	}
	return d - d/4 + rand.N(d/2)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
