package addressbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
)

// A vdirsyncer directory: one address book per subdirectory, one card per
// file named by its UID, the metasync files (displayname, color) beside
// them, and a hidden temporary file half written. The iCloud book's group
// card (Apple's X-ADDRESSBOOKSERVER-KIND:group) gives its name to its
// members, which are files of their own.
func TestReadPathVdir(t *testing.T) {
	cards, problems, err := ReadPath(filepath.Join("testdata", "vdir"))
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	checkCards(t, cards, []rekindle.Card{
		{Name: "Tom Ellis", Emails: []string{"tom@ellis-design.example"}, Categories: []string{"Design"}},
		{Name: "Tom Ellis", Emails: []string{"tom.ellis@fastmail.example"}, Categories: []string{"Book Club"}},
		{Name: "Marta Kowalska", Emails: []string{"marta@kowalska.example"}, Categories: []string{"Book Club"}},
	})
}

// A file, and a directory of the fixtures: every file with its cards, in
// the order of the paths.
func TestReadPath(t *testing.T) {
	one, problems, err := ReadPath(filepath.Join("testdata", "google.vcf"))
	if err != nil || len(problems) != 0 || len(one) != 3 {
		t.Fatalf("google.vcf: %d cards, problems %q, %v", len(one), problemStrings(problems), err)
	}
	// A file named explicitly is read whatever its name.
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join("testdata", "google.vcf"))
	writeFile(t, filepath.Join(dir, "contacts.txt"), string(data))
	txt, _, err := ReadPath(filepath.Join(dir, "contacts.txt"))
	if err != nil || !reflect.DeepEqual(txt, one) {
		t.Errorf("contacts.txt: %v, %v", txt, err)
	}

	all, problems, err := ReadPath("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		names = append(names, c.Name)
	}
	want := "Jürgen Müller|Renée Lefèvre (Bureau de Paris)|Chidi Emeka Okafor|Dr. Seán O’Brien|Acme Plumbing|Good Before|Good After|" +
		"Priya Raman|Lukas Becker||Anna Berg|Aiko Nakamura|Ops Desk|Wong|Tom Ellis|Tom Ellis|Marta Kowalska"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("read\n%s\nwant\n%s", got, want)
	}
	// The problems of broken.vcf and thunderbird.vcf, naming the files.
	if len(problems) != 5 || !strings.HasPrefix(problems[0].Source, filepath.Join("testdata", "broken.vcf")) {
		t.Errorf("problems %q", problemStrings(problems))
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// What is missing is an error naming the path; what cannot be read
// inside a directory is a Problem naming the file.
func TestReadPathErrors(t *testing.T) {
	_, _, err := ReadPath(filepath.Join(t.TempDir(), "nowhere"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("a missing path gave %v", err)
	}
	if _, _, err := ReadPath("/dev/null"); err == nil || !strings.Contains(err.Error(), "neither a file nor a directory") {
		t.Errorf("/dev/null gave %v", err)
	}

	dir := t.TempDir()
	card := "BEGIN:VCARD\r\nFN:Jo\r\nEMAIL:jo@x.org\r\nEND:VCARD\r\n"
	writeFile(t, filepath.Join(dir, "a.vcf"), card)
	writeFile(t, filepath.Join(dir, "sub", "b.VCARD"), strings.ReplaceAll(card, "jo@", "bo@"))
	writeFile(t, filepath.Join(dir, "notes.txt"), "not read")
	writeFile(t, filepath.Join(dir, ".hidden", "c.vcf"), card)
	if err := os.Symlink("nowhere.vcf", filepath.Join(dir, "dangling.vcf")); err != nil {
		t.Fatal(err)
	}
	// A file larger than MaxFileSize (sparse: it takes no room).
	big, err := os.Create(filepath.Join(dir, "huge.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	big.Close()
	cards, problems, err := ReadPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkCards(t, cards, []rekindle.Card{{Name: "Jo", Emails: []string{"jo@x.org"}}, {Name: "Jo", Emails: []string{"bo@x.org"}}})
	got := strings.Join(problemStrings(problems), "\n")
	if len(problems) != 2 || !strings.Contains(got, "dangling.vcf: skipped: no such file or directory") ||
		!strings.Contains(got, "huge.vcf: skipped: 67108865 bytes, more than the 64 MiB") {
		t.Errorf("problems:\n%s", got)
	}

	if os.Geteuid() == 0 {
		t.Log("running as root: unreadable files cannot be tested")
		return
	}
	locked := filepath.Join(dir, "locked.vcf")
	writeFile(t, locked, card)
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	_, problems, err = ReadPath(dir)
	if err != nil || !strings.Contains(strings.Join(problemStrings(problems), "\n"), "locked.vcf: skipped: permission denied") {
		t.Errorf("an unreadable file gave %q, %v", problemStrings(problems), err)
	}
	if _, _, err := ReadPath(locked); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("an unreadable file named gave %v", err)
	}
}
