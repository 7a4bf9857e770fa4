// Package notify sends a short push after each digest: to an ntfy topic
// (https://docs.ntfy.sh/publish/), or the digest's JSON to a webhook.
//
// It is an adapter: it knows HTTP and nothing of rekindle's configuration
// or store. A failure is retried when it may be temporary (the network, a
// 429, a 5xx) and reported when it is not (any other 4xx); the caller
// decides what a failure means (for the digest: a note, never a stop).
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Target is where a push goes: exactly one of Ntfy and Webhook.
type Target struct {
	// Ntfy is an ntfy topic URL; Webhook a URL that takes the JSON.
	Ntfy, Webhook string
	// Headers, when set, returns the headers to send (it may run a
	// password command, so it is called once per Send, with its context).
	Headers func(ctx context.Context) (http.Header, error)
	// Click is what tapping an ntfy push opens (a URL: mailto:, https:).
	Click string
}

// Name is the target's URL without its path's secrets: scheme, host and
// the first letters of the topic, for messages and logs (an ntfy topic is
// a password of sorts).
func (t Target) Name() string {
	raw, kind := t.Ntfy, "ntfy"
	if raw == "" {
		raw, kind = t.Webhook, "webhook"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return kind
	}
	return fmt.Sprintf("%s %s://%s/…", kind, u.Scheme, u.Host)
}

// Push is what is sent.
type Push struct {
	// Title and Text make the ntfy push ("rekindle", "3 people to
	// reconnect with today: Marcus, Sarah, Lukas").
	Title, Text string
	// Tags are ntfy tags (emoji short codes shown with the push).
	Tags []string
	// JSON is the webhook's body.
	JSON []byte
}

// Retry is how a temporary failure is retried.
type Retry struct {
	// Attempts in all (default 3); Backoff before the second, doubling
	// after (default 2 s).
	Attempts int
	Backoff  time.Duration
}

// Options tune Send; the zero value is right.
type Options struct {
	// Client sends the requests; nil means one with Timeout.
	Client *http.Client
	// Timeout bounds each request, answer included (default 30 s).
	Timeout time.Duration
	Retry   Retry
}

// Error is a failed push; Temporary says whether a later try may work.
type Error struct {
	Target    string
	Status    int // the HTTP status, 0 when none came back
	Temporary bool
	Err       error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s answered %d: %v", e.Target, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Target, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Send sends p to t, retrying a temporary failure; it gives up at the
// first permanent one, after the last attempt, or when ctx ends.
func Send(ctx context.Context, t Target, p Push, o Options) error {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Retry.Attempts <= 0 {
		o.Retry.Attempts = 3
	}
	if o.Retry.Backoff <= 0 {
		o.Retry.Backoff = 2 * time.Second
	}
	var headers http.Header
	if t.Headers != nil {
		h, err := t.Headers(ctx)
		if err != nil {
			return &Error{Target: t.Name(), Err: err}
		}
		headers = h
	}
	wait := o.Retry.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		err = send(ctx, t, p, headers, o)
		var ne *Error
		if err == nil || !errors.As(err, &ne) || !ne.Temporary || attempt >= o.Retry.Attempts {
			return err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return errors.Join(err, ctx.Err())
		case <-timer.C:
		}
		wait *= 2
	}
}

// send makes one attempt.
func send(ctx context.Context, t Target, p Push, headers http.Header, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var req *http.Request
	var err error
	if t.Ntfy != "" {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, t.Ntfy, bytes.NewBufferString(p.Text))
		if err == nil {
			// ntfy reads these headers (docs.ntfy.sh/publish). Title is
			// ASCII here; the text, in the body, may be any UTF-8.
			req.Header.Set("Content-Type", "text/plain; charset=utf-8")
			if p.Title != "" {
				req.Header.Set("Title", p.Title)
			}
			if t.Click != "" {
				req.Header.Set("Click", t.Click)
			}
			for _, tag := range p.Tags {
				req.Header.Add("Tags", tag)
			}
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, t.Webhook, bytes.NewReader(p.JSON))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return &Error{Target: t.Name(), Err: err}
	}
	req.Header.Set("User-Agent", "rekindle")
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may hold the topic: say it once, in Target
		}
		var netErr net.Error
		temporary := errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			temporary = false
		}
		return &Error{Target: t.Name(), Temporary: temporary, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &Error{
		Target: t.Name(), Status: resp.StatusCode,
		Temporary: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500,
		Err:       fmt.Errorf("%s", bytes.TrimSpace(body)),
	}
}
