package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
)

// folders.messages, kept as locations change, always equals the count of
// the folder's locations: through random batches (UIDs stored already,
// UIDs twice in a batch, the same message in two folders), expunges,
// resets and dropped folders.
func TestFolderMessagesKept(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	rng := rand.New(rand.NewPCG(1, 2))
	folders := []string{"INBOX", "Sent", "Lists/go"}
	check := func(step string) {
		t.Helper()
		for _, f := range folders {
			st, err := d.Folder(ctx, "w", f)
			if err != nil {
				t.Fatal(err)
			}
			var want int
			if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM locations l JOIN folders f ON f.id = l.folder_id
				WHERE f.account = 'w' AND f.name = ?`, f).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if st.Messages != want {
				t.Fatalf("after %s: %s holds %d locations, folders.messages says %d", step, f, want, st.Messages)
			}
		}
	}
	for i := range 300 {
		f := folders[rng.IntN(len(folders))]
		switch op := rng.IntN(10); {
		case op < 7:
			var batch []rekindle.Message
			base := uint32(rng.IntN(200))
			for range 1 + rng.IntN(150) {
				uid := base + uint32(rng.IntN(120))
				batch = append(batch, msg(uid, fmt.Sprintf("m%d", rng.IntN(400))))
			}
			if err := d.PutMessages(ctx, "w", f, batch, 0); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d: %d messages stored in %s", i, len(batch), f))
		case op < 9:
			var uids []uint32
			for range rng.IntN(60) {
				uids = append(uids, uint32(rng.IntN(330)))
			}
			if err := d.DeleteUIDs(ctx, "w", f, uids); err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d: %d UIDs expunged from %s", i, len(uids), f))
		case rng.IntN(2) == 0:
			if err := d.ResetFolder(ctx, "w", f, uint32(i)); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d: %s reset", i, f))
		default:
			if err := d.DropFolder(ctx, "w", f); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d: %s dropped", i, f))
		}
	}
}

// Migration 0010 counts the locations of a store that had no count.
func TestFolderMessagesMigration(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	for i := range 30 {
		if err := d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{msg(uint32(i+1), fmt.Sprintf("id%d", i))}, uint32(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.db.ExecContext(ctx, `UPDATE folders SET messages = 0`); err != nil {
		t.Fatal(err)
	}
	b, err := migrationFS.ReadFile("migrations/0010_folder_messages.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, update, ok := strings.Cut(string(b), "\nUPDATE ")
	if !ok {
		t.Fatal("migration 0010 has no UPDATE")
	}
	if _, err := d.db.ExecContext(ctx, "UPDATE "+update); err != nil {
		t.Fatal(err)
	}
	if st, err := d.Folder(ctx, "w", "INBOX"); err != nil || st.Messages != 30 {
		t.Errorf("after the migration's UPDATE: %+v, %v; want 30 messages", st, err)
	}
}
