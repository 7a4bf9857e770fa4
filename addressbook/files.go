// Package addressbook reads the user's address book: vCard files, or
// directories of them as vdirsyncer and khard keep them, and a CardDAV
// server. It knows nothing of the configuration (package app converts
// it) and returns plain data: a rekindle.Card per person, with the
// card's name, addresses and categories.
//
// Bad input never stops a read: a card that cannot be read is skipped
// and a value that cannot be used left out, each reported as a Problem
// naming the file (or the card's URL) and the line. What stops a read is
// the address book itself missing: a file or directory that does not
// exist or cannot be read, a server that cannot be reached, refuses the
// login or does not answer within CardDAV.Timeout.
package addressbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rekindle/rekindle"
)

// MaxFileSize is the largest vCard file read: 64 MiB holds tens of
// thousands of cards, photos included. A larger file is skipped with a
// Problem.
const MaxFileSize = 64 << 20

// ReadPath reads the vCard file at path, or, for a directory, every
// vCard file under it (names ending in .vcf or .vcard, in any case; the
// subdirectories too, as vdirsyncer keeps one per address book; files and
// directories whose names start with '.' are not read). Group cards give
// their name to their members among all the files read. The error is for
// path itself: missing, unreadable, neither a file nor a directory. A file
// under a directory that cannot be read, or is too large, is a Problem.
func ReadPath(path string) ([]rekindle.Card, []Problem, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	var (
		entries  []entry
		problems []Problem
	)
	read := func(file string, size int64) error {
		if size > MaxFileSize {
			problems = append(problems, Problem{Source: file, Msg: fmt.Sprintf("skipped: %d bytes, more than the %d MiB a vCard file may be", size, MaxFileSize>>20)})
			return nil
		}
		data, err := readFile(file)
		if err != nil {
			return err
		}
		es, ps := decode(data, file)
		entries = append(entries, es...)
		problems = append(problems, ps...)
		return nil
	}
	switch {
	case fi.Mode().IsRegular():
		if err := read(path, fi.Size()); err != nil {
			return nil, nil, err
		}
	case fi.IsDir():
		files, ps, err := vcardFiles(path)
		if err != nil {
			return nil, nil, err
		}
		problems = append(problems, ps...)
		for _, f := range files {
			if err := read(f.path, f.size); err != nil {
				problems = append(problems, Problem{Source: f.path, Msg: fmt.Sprintf("skipped: %v", unwrapPath(err))})
			}
		}
	default:
		return nil, nil, fmt.Errorf("%s is neither a file nor a directory", path)
	}
	return resolve(entries), problems, nil
}

// readFile reads a file of at most MaxFileSize bytes: one that grew since
// it was looked at is cut there (and the card it cuts reported).
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if fi, err := f.Stat(); err == nil {
		b.Grow(int(min(fi.Size(), MaxFileSize)) + bytes.MinRead)
	}
	_, err = b.ReadFrom(io.LimitReader(f, MaxFileSize))
	return b.Bytes(), err
}

type vcardFile struct {
	path string
	size int64
}

// vcardFiles lists the vCard files under dir, sorted by path. A
// subdirectory that cannot be read is a Problem; dir itself not being
// readable is the error.
func vcardFiles(dir string) ([]vcardFile, []Problem, error) {
	var (
		files    []vcardFile
		problems []Problem
	)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			problems = append(problems, Problem{Source: p, Msg: fmt.Sprintf("skipped: %v", unwrapPath(err))})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isVCardName(d.Name()) {
			return nil
		}
		fi, err := os.Stat(p) // follows a symbolic link to the card
		switch {
		case err != nil:
			problems = append(problems, Problem{Source: p, Msg: fmt.Sprintf("skipped: %v", unwrapPath(err))})
		case fi.Mode().IsRegular():
			files = append(files, vcardFile{path: p, size: fi.Size()})
		}
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, problems, err
}

// isVCardName reports whether a file name is a vCard file's.
func isVCardName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".vcf" || ext == ".vcard"
}

// unwrapPath is the reason of a *fs.PathError, whose path the Problem
// names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
