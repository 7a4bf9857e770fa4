// Package realmail reads the real mailboxes kept in the shared folder
// (../shared/mailboxes/NAME.tar.gz) for tests and benchmarks: each archive
// unpacks to NAME/FOLDER/N.eml, one RFC 5322 message a file, plus
// NAME/manifest.json. Mail comes back as synth.Mail, so the Dovecot harness
// loads it like generated mail.
package realmail

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rekindle/rekindle/synth"
)

// Manifest is what an archive says of its mailbox.
type Manifest struct {
	// Addresses are the user's own addresses (me.addresses).
	Addresses []string `json:"addresses"`
	// Subscribed are the lists whose traffic the user receives.
	Subscribed []string `json:"subscribed"`
	// Counts are the files per folder.
	Counts map[string]int `json:"counts"`
}

// Mailbox is one real mailbox.
type Mailbox struct {
	Name     string
	Manifest Manifest
	// Mails are every message, grouped by folder (folders sorted by name)
	// and in file-number order within a folder. InternalDate is the Date
	// header (the archives keep no arrival time); Flags are \Seen.
	Mails []synth.Mail
}

// Dir is the folder that holds the shared mailboxes, found by walking up
// from the working directory to a "shared/mailboxes" beside a parent; ""
// when there is none.
func Dir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "mailboxes")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Path returns the archive of the named mailbox ("wolfgang"), or an error
// saying where it was looked for.
func Path(name string) (string, error) {
	d := Dir()
	if d == "" {
		return "", errors.New("realmail: no shared/mailboxes folder above the working directory")
	}
	p := filepath.Join(d, name+".tar.gz")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("realmail: %w", err)
	}
	return p, nil
}

// Open reads a whole archive into memory.
func Open(path string) (*Mailbox, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("realmail: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("realmail: %s: %w", path, err)
	}
	mb := &Mailbox{Name: strings.TrimSuffix(filepath.Base(path), ".tar.gz")}
	type file struct {
		folder string
		n      int
		raw    []byte
	}
	var files []file
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("realmail: %s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("realmail: %s: %s: %w", path, h.Name, err)
		}
		_, rest, ok := strings.Cut(strings.TrimPrefix(h.Name, "./"), "/") // drop NAME/
		if !ok {
			continue
		}
		if rest == "manifest.json" {
			if err := json.Unmarshal(body, &mb.Manifest); err != nil {
				return nil, fmt.Errorf("realmail: %s: manifest: %w", path, err)
			}
			continue
		}
		dir, base := filepath.Split(rest)
		if !strings.HasSuffix(base, ".eml") || dir == "" {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSuffix(base, ".eml"))
		files = append(files, file{folder: strings.TrimSuffix(dir, "/"), n: n, raw: body})
	}
	slices.SortFunc(files, func(a, b file) int {
		if c := strings.Compare(a.folder, b.folder); c != 0 {
			return c
		}
		return a.n - b.n
	})
	mb.Mails = make([]synth.Mail, len(files))
	for i, f := range files {
		mb.Mails[i] = synth.Mail{Folder: f.folder, Flags: []string{`\Seen`}, InternalDate: dateOf(f.raw), Raw: f.raw}
	}
	if len(mb.Manifest.Addresses) == 0 {
		return nil, fmt.Errorf("realmail: %s: the manifest names no addresses of the user", path)
	}
	return mb, nil
}

// dateOf is a message's Date header in UTC, or the zero time.
func dateOf(raw []byte) time.Time {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	for line := range strings.SplitSeq(string(raw[:end]), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Date:"); ok {
			if t, err := mail.ParseDate(strings.TrimSpace(v)); err == nil {
				return t.UTC()
			}
			return time.Time{}
		}
	}
	return time.Time{}
}

// Folders lists the mailbox's folders, sorted.
func (mb *Mailbox) Folders() []string {
	var out []string
	for i := range mb.Mails {
		if n := len(out); n == 0 || out[n-1] != mb.Mails[i].Folder {
			out = append(out, mb.Mails[i].Folder)
		}
	}
	return out
}
