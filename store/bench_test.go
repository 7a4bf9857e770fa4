package store

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/synth"
)

// benchMessages makes n messages with realistic header sizes: a few
// recipients, a references chain, some list traffic.
func benchMessages(n int) []rekindle.Message {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	msgs := make([]rekindle.Message, n)
	for i := range msgs {
		m := &msgs[i]
		m.UID = uint32(i + 1)
		m.InternalDate = base.Add(time.Duration(i) * time.Minute)
		m.Flags = []string{`\Seen`}
		m.MessageID = fmt.Sprintf("%d.%d@mail.example.com", i, i*7919)
		m.Date = m.InternalDate
		m.Subject = fmt.Sprintf("Re: project update number %d for the quarter", i%500)
		m.From = []rekindle.Address{{Name: fmt.Sprintf("Person %d", i%3000), Email: fmt.Sprintf("person%d@example%d.com", i%3000, i%40)}}
		m.To = []rekindle.Address{{Name: "Jane Doe", Email: "jane@example.com"}, {Name: "Bob", Email: "bob@example.com"}}
		if i%3 == 0 {
			m.Cc = []rekindle.Address{{Name: "Carol", Email: "carol@example.com"}}
		}
		m.InReplyTo = []string{fmt.Sprintf("%d.%d@mail.example.com", i-1, (i-1)*7919)}
		m.References = []string{fmt.Sprintf("root%d@mail.example.com", i%500), m.InReplyTo[0]}
		if i%4 == 0 {
			m.ListID = "Go Nuts <golang-nuts.googlegroups.com>"
			m.ListUnsubscribe = "<mailto:golang-nuts+unsubscribe@googlegroups.com>"
			m.Precedence = "list"
		}
	}
	return msgs
}

// synthMessages are n messages of a generated mailbox: realistic header
// sizes, recipients, threads and list traffic.
func synthMessages(n int) []rekindle.Message {
	var msgs []rekindle.Message
	synth.Stream(synth.Options{Seed: 3, Messages: n}, func(m synth.Mail) error {
		msgs = append(msgs, rekindle.Message{Header: m.Header, InternalDate: m.InternalDate, UID: uint32(len(msgs) + 1), Flags: m.Flags})
		return nil
	})
	return msgs
}

// BenchmarkPutMessages measures ingest: b.N batches of 1000 messages of a
// generated mailbox.
func BenchmarkPutMessages(b *testing.B) {
	ctx := context.Background()
	d := MustOpen(b)
	const batch = 1000
	msgs := synthMessages(batch * 50)[:batch*50]
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		chunk := msgs[(i%50)*batch : (i%50+1)*batch]
		if i >= 50 {
			// Past the generated set: new UIDs and IDs so every insert is new.
			for j := range chunk {
				chunk[j].UID += uint32(batch * 50)
				chunk[j].MessageID = fmt.Sprintf("%d-%s", i, chunk[j].MessageID)
			}
		}
		if err := d.PutMessages(ctx, "w", "INBOX", chunk, chunk[len(chunk)-1].UID); err != nil {
			b.Fatal(err)
		}
	}
	// Count the copy of the WAL into the database too, which Close (or an
	// automatic checkpoint) does after any ingest.
	if _, err := d.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*batch), "cpu-ns/msg")
}

// BenchmarkEachMessage measures the streaming read the relationship model
// makes: one op reads every message of a 100,000-message store.
func BenchmarkEachMessage(b *testing.B) {
	ctx := context.Background()
	d := MustOpen(b)
	const n = 100_000
	msgs := benchMessages(n)
	for i := 0; i < n; i += 1000 {
		if err := d.PutMessages(ctx, "w", "INBOX", msgs[i:i+1000], msgs[i+999].UID); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		count := 0
		if err := d.EachMessage(ctx, time.Time{}, func(*Stored) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("read %d messages, want %d", count, n)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/msg")
}

// cpuTime is the process's user and system CPU time so far. Benchmarks
// report CPU per message besides wall time: on a shared machine it varies
// far less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExpunge measures removing half of a 20,000-message folder whose
// messages are also filed elsewhere: orphans are found set-wise, with no
// per-message scan.
func BenchmarkExpunge(b *testing.B) {
	ctx := context.Background()
	msgs := synthMessages(20_000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := MustOpen(b)
		for c := range slicesChunk(msgs, 1000) {
			if err := d.PutMessages(ctx, "w", "INBOX", c, c[len(c)-1].UID); err != nil {
				b.Fatal(err)
			}
			if err := d.PutMessages(ctx, "w", "All", c[:len(c)/2], c[len(c)-1].UID); err != nil {
				b.Fatal(err)
			}
		}
		uids, _ := d.StoredUIDs(ctx, "w", "INBOX")
		b.StartTimer()
		if err := d.DeleteUIDs(ctx, "w", "INBOX", uids[:len(uids)/2]); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
}

func slicesChunk(ms []rekindle.Message, n int) func(func([]rekindle.Message) bool) {
	return func(yield func([]rekindle.Message) bool) {
		for len(ms) > 0 {
			c := ms[:min(n, len(ms))]
			ms = ms[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}
