// Package templates holds the morning digest's templates and the drafts'
// ones: defaults embedded in the binary, which files of the same name in
// the user's directory (templates.dir) replace one by one.
//
// A template is one file, named for what it renders:
//
//	digest.subject  digest.txt  digest.html   the digest email
//	KIND.subject    KIND.txt                  a draft of kind KIND
//
// The default draft kinds are checkin, referral, reconnect, followup and
// reply; a user directory may add kinds of its own (a KIND.subject and
// KIND.txt pair) for the config's drafts_by_status and drafts_by_tag to
// name. digest.html is an html/template, which escapes what it prints for
// its context; the others are text/templates. README.md, next to this file
// and written out by Init, documents the fields and functions.
//
// Loading is strict: every template is parsed and then executed against
// sample data (a full one and a sparse one, so both sides of most {{if}}s
// run) with missingkey=error, so a syntax error or a misspelt field is an
// error at startup naming the file and line, never a half-rendered email.
package templates

import (
	"embed"
	"errors"
	"fmt"
	htemplate "html/template"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	ttemplate "text/template"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
)

//go:embed defaults README.md
var embedded embed.FS

// defaultsPath is how errors name a default template: its path in the
// source tree.
const defaultsPath = "templates/defaults/"

// Set is a loaded, validated set of templates. It is safe for concurrent
// use.
type Set struct {
	text  map[string]*ttemplate.Template
	html  map[string]*htemplate.Template
	src   map[string]string // file name -> path it was read from
	kinds []string
}

// Error is a template that does not parse or does not execute against the
// sample data, located at Path:Line:Col (Line and Col are 0 when unknown).
type Error struct {
	Path      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// fieldRE finds text/template's message for a field that does not exist.
var fieldRE = regexp.MustCompile(`can't evaluate field (\w+) in type \*?([\w.]+)`)

// templateError turns a text/template or html/template error for the file
// at p into an *Error.
func templateError(p string, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	msg = strings.TrimPrefix(msg, "html/template:")
	e := &Error{Path: p, Msg: msg}
	if rest, ok := strings.CutPrefix(msg, p+":"); ok {
		e.Msg = strings.TrimSpace(rest)
		if n, after, ok := leadingInt(rest); ok {
			e.Line, e.Msg = n, strings.TrimSpace(after)
			if c, after, ok := leadingInt(after); ok {
				e.Col, e.Msg = c, strings.TrimSpace(after)
			}
		}
	}
	e.Msg = strings.Replace(e.Msg, fmt.Sprintf("executing %q at ", p), "at ", 1)
	if m := fieldRE.FindStringSubmatch(e.Msg); m != nil {
		e.Msg += fmt.Sprintf(" (no field %s here; README.md lists the fields of %s)", m[1], m[2])
	}
	return e
}

// leadingInt parses "12:rest" into 12 and "rest".
func leadingInt(s string) (int, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ':' {
		return 0, s, false
	}
	n, err := strconv.Atoi(s[:i])
	return n, s[i+1:], err == nil
}

// Names returns the file names of the default templates, sorted.
func Names() []string {
	ents, _ := fs.ReadDir(embedded, "defaults")
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// file is one template's source.
type file struct {
	name, path, text string
	user             bool
}

// Load returns the default templates with those in dir replacing the
// defaults of the same file name; dir "" means the defaults only. Every
// template is parsed and executed against sample data; all the errors are
// returned together, each an *Error naming the file and line. log (nil
// for none) gets a line for each template dir overrides and one listing
// those that fall back to the default.
func Load(dir string, log *slog.Logger) (*Set, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, errs := load(dir, log)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Check loads the templates in dir ("" for the defaults) as Load does and
// returns every problem found, for `rekindle templates check`.
func Check(dir string) []error {
	_, errs := load(dir, slog.New(slog.DiscardHandler))
	return errs
}

func load(dir string, log *slog.Logger) (*Set, []error) {
	files := map[string]*file{}
	for _, name := range Names() {
		b, err := embedded.ReadFile("defaults/" + name)
		if err != nil {
			return nil, []error{err}
		}
		files[name] = &file{name: name, path: defaultsPath + name, text: string(b)}
	}
	var errs []error
	if dir != "" {
		user, err := readDir(dir)
		if user == nil && err != nil {
			return nil, err // the directory itself is missing or unreadable
		}
		errs = append(errs, err...)
		for _, f := range user {
			log.Info("template from templates.dir", slog.String("name", f.name), slog.String("path", f.path),
				slog.Bool("replaces_default", files[f.name] != nil))
			files[f.name] = f
		}
		var fallback []string
		for _, name := range Names() {
			if !files[name].user {
				fallback = append(fallback, name)
			}
		}
		if len(fallback) > 0 {
			log.Info("templates not in templates.dir use the defaults", slog.String("dir", dir), slog.Any("names", fallback))
		}
	}

	s := &Set{text: map[string]*ttemplate.Template{}, html: map[string]*htemplate.Template{}, src: map[string]string{}}
	// kinds holds, for each draft kind, which of its two files exist.
	const hasSubject, hasBody = 1, 2
	kinds := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f := files[name]
		s.src[name] = f.path
		switch base, ext := splitName(name); {
		case base == "digest":
		case ext == ".subject":
			kinds[base] |= hasSubject
		case ext == ".txt":
			kinds[base] |= hasBody
		}
		var err error
		if strings.HasSuffix(name, ".html") {
			var t *htemplate.Template
			t, err = htemplate.New(f.path).Funcs(htmlFuncs()).Option("missingkey=error").Parse(f.text)
			s.html[name] = t
		} else {
			var t *ttemplate.Template
			t, err = ttemplate.New(f.path).Funcs(funcs()).Option("missingkey=error").Parse(f.text)
			s.text[name] = t
		}
		if err != nil {
			errs = append(errs, templateError(f.path, err))
			delete(s.html, name)
			delete(s.text, name)
			continue
		}
		if err := s.validate(name); err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		switch kinds[k] {
		case hasSubject | hasBody:
			s.kinds = append(s.kinds, k)
		case hasSubject:
			errs = append(errs, &Error{Path: files[k+".subject"].path, Msg: fmt.Sprintf("draft kind %q has a subject but no body: add %s.txt next to it", k, k)})
		case hasBody:
			errs = append(errs, &Error{Path: files[k+".txt"].path, Msg: fmt.Sprintf("draft kind %q has a body but no subject: add %s.subject next to it", k, k)})
		}
	}
	return s, errs
}

// splitName splits "checkin.txt" into "checkin" and ".txt".
func splitName(name string) (base, ext string) {
	ext = path.Ext(name)
	return strings.TrimSuffix(name, ext), ext
}

// skipped reports files in a template directory that are not templates
// and not worth a complaint: hidden files, editor backups and notes.
func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		slices.Contains([]string{".md", ".bak", ".orig", ".swp"}, path.Ext(name))
}

// readDir reads the templates in a user's directory. A file that is not a
// template name is an error: a misspelt name (chekin.txt) would otherwise
// be silently ignored.
func readDir(dir string) ([]*file, []error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, []error{fmt.Errorf("templates.dir %s does not exist; create it with `rekindle templates init %s`, or remove the setting", dir, dir)}
		}
		return nil, []error{fmt.Errorf("read templates.dir: %w", err)}
	}
	var out []*file
	var errs []error
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		if skipped(name) {
			continue
		}
		base, ext := splitName(name)
		switch {
		case e.IsDir():
			errs = append(errs, &Error{Path: p, Msg: "a directory; templates.dir holds template files only"})
			continue
		case ext == ".html" && base != "digest":
			errs = append(errs, &Error{Path: p, Msg: "only digest.html is an HTML template; drafts are plain text (NAME.subject and NAME.txt)"})
			continue
		case ext != ".html" && ext != ".txt" && ext != ".subject":
			errs = append(errs, &Error{Path: p, Msg: "not a template name: templates are digest.subject, digest.txt, digest.html, and KIND.subject and KIND.txt for each draft kind"})
			continue
		case !rekindle.ValidDraftKind(base):
			errs = append(errs, &Error{Path: p, Msg: fmt.Sprintf("%q is not a draft kind: use lower-case letters, digits, '-' and '_'", base)})
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("read template: %w", err))
			continue
		}
		out = append(out, &file{name: name, path: p, text: string(b), user: true})
	}
	return out, errs
}

// validate executes a template against every sample of its data: an
// unknown field, a call with the wrong arguments, or a subject that comes
// out empty fails here rather than on a morning when the data happens to
// reach it.
func (s *Set) validate(name string) error {
	var samples []any
	if strings.HasPrefix(name, "digest.") {
		for _, d := range sampleDigests() {
			samples = append(samples, d)
		}
	} else {
		for _, d := range sampleDrafts() {
			samples = append(samples, d)
		}
	}
	for i, data := range samples {
		out, err := s.Execute(name, data)
		if err != nil {
			return err
		}
		if i == 0 && strings.HasSuffix(name, ".subject") && digest.HeaderSafe(out) == "" {
			return &Error{Path: s.src[name], Msg: "renders an empty subject for the sample data"}
		}
	}
	return nil
}

// Execute renders the template file name (digest.html, checkin.txt, ...)
// with data. An error is an *Error naming the template's file.
func (s *Set) Execute(name string, data any) (string, error) {
	var b strings.Builder
	var err error
	switch {
	case s.html[name] != nil:
		err = s.html[name].Execute(&b, data)
	case s.text[name] != nil:
		err = s.text[name].Execute(&b, data)
	default:
		return "", fmt.Errorf("no template %s", name)
	}
	if err != nil {
		return "", templateError(s.src[name], err)
	}
	return b.String(), nil
}

// HasDraft reports whether the set has both templates of a draft kind.
func (s *Set) HasDraft(kind string) bool {
	_, ok := slices.BinarySearch(s.kinds, kind)
	return ok
}

// DraftKinds returns the draft kinds of the set, sorted.
func (s *Set) DraftKinds() []string { return slices.Clone(s.kinds) }

// Source returns where the template file name was read from: a path in
// the user's directory, or templates/defaults/NAME for a default.
func (s *Set) Source(name string) string { return s.src[name] }

// Init writes the default templates and README.md into dir, creating it,
// for the user to edit. It refuses, writing nothing, when any of the files
// exists, unless force is set. It returns the paths written.
func Init(dir string, force bool) ([]string, error) {
	names := append(Names(), "README.md")
	if !force {
		var exist []string
		for _, n := range names {
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				exist = append(exist, n)
			}
		}
		if len(exist) > 0 {
			return nil, fmt.Errorf("%s already has %s; not overwriting (use --force to replace them with the defaults)", dir, strings.Join(exist, ", "))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the templates directory: %w", err)
	}
	var written []string
	for _, n := range names {
		src := "defaults/" + n
		if n == "README.md" {
			src = n
		}
		b, err := embedded.ReadFile(src)
		if err != nil {
			return written, err
		}
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return written, fmt.Errorf("write template: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}
