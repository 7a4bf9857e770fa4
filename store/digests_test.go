package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDigestOncePerDay(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	now := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }

	must(t, d.ClaimDigest(ctx, "2026-11-21", false))
	// A second claim while the first is sending is refused.
	if err := d.ClaimDigest(ctx, "2026-11-21", false); !errors.Is(err, ErrDigestSent) {
		t.Fatalf("second claim: %v, want ErrDigestSent", err)
	}
	must(t, d.DigestSent(ctx, "2026-11-21", "<d1@x>", 4))
	now = now.Add(2 * time.Hour)
	if err := d.ClaimDigest(ctx, "2026-11-21", false); !errors.Is(err, ErrDigestSent) {
		t.Fatalf("claim after send: %v, want ErrDigestSent", err)
	}
	// --force sends again.
	must(t, d.ClaimDigest(ctx, "2026-11-21", true))
	must(t, d.DigestSent(ctx, "2026-11-21", "<d2@x>", 3))
	sd, ok, err := d.Digest(ctx, "2026-11-21")
	if err != nil || !ok || sd.MessageID != "<d2@x>" || sd.People != 3 || sd.SentAt.IsZero() {
		t.Fatalf("digest record = %+v, %v, %v", sd, ok, err)
	}
	// Another day is independent.
	must(t, d.ClaimDigest(ctx, "2026-11-22", false))
}

func TestDigestClaimReleasedOrStale(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	now := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	must(t, d.ClaimDigest(ctx, "2026-11-21", false))
	// The send failed: released, a retry may claim.
	must(t, d.ReleaseDigest(ctx, "2026-11-21"))
	must(t, d.ClaimDigest(ctx, "2026-11-21", false))
	// A process that claimed and died blocks the day only for a while.
	now = now.Add(claimTimeout + time.Minute)
	must(t, d.ClaimDigest(ctx, "2026-11-21", false))
	if _, ok, _ := d.Digest(ctx, "2026-11-20"); ok {
		t.Error("a day never claimed has a record")
	}
}
