package templates

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDefaults(t *testing.T) {
	s, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.DraftKinds(), []string{"checkin", "followup", "reconnect", "referral", "reply"}; !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if got := s.Source("checkin.txt"); got != "templates/defaults/checkin.txt" {
		t.Errorf("Source = %q", got)
	}
	if errs := Check(""); len(errs) != 0 {
		t.Errorf("Check(defaults) = %v", errs)
	}
}

// TestDefaultsHaveEveryBuiltinKind checks the embedded templates against
// rekindle's vocabulary: every draft kind rekindle chooses by itself, and
// every status's default kind, has its templates, so digest.CheckRules
// passes with no rules at all.
func TestDefaultsHaveEveryBuiltinKind(t *testing.T) {
	s, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range rekindle.DraftKinds() {
		if !s.HasDraft(kind) {
			t.Errorf("no embedded templates for the built-in draft kind %q", kind)
		}
	}
	for _, st := range rekindle.Statuses() {
		if kind := st.DefaultDraftKind(); !s.HasDraft(kind) {
			t.Errorf("no embedded templates for %q, the default draft kind of status %s", kind, st)
		}
	}
	if err := digest.CheckRules(s, digest.DraftRules{}); err != nil {
		t.Errorf("CheckRules(defaults) = %v", err)
	}
}

// TestDefaultDrafts reads every default draft for a full and a bare
// person: short, never "Hi ," nor a bare "Hi," that reads as if a name
// fell out, never a stray space before punctuation, and saying what each
// kind must say.
func TestDefaultDrafts(t *testing.T) {
	s, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`\s[,.;:?!]|  |Hi ,|(?m)^Hi,|\{\{|<no value>|since \.|\(\)`)
	must := map[string][]string{
		"checkin":   {"help", "Offsite budget"},
		"reconnect": {"help", "Offsite budget"},
		"referral":  {"referral", "help", "a staff engineer position on a platform team", "Globex", "rather not"},
		"followup":  {"Offsite budget"},
		"reply":     {"sorry", "Offsite budget"},
	}
	for _, kind := range s.DraftKinds() {
		for i, data := range sampleDrafts() {
			subject, err := s.Execute(kind+".subject", data)
			if err != nil {
				t.Fatal(err)
			}
			body, err := s.Execute(kind+".txt", data)
			if err != nil {
				t.Fatal(err)
			}
			body = strings.TrimSpace(body)
			for _, text := range []string{subject, body} {
				if m := bad.FindString(text); m != "" {
					t.Errorf("%s, sample %d: %q in %q", kind, i, m, text)
				}
			}
			if n := len(strings.Fields(body)); n > 150 {
				t.Errorf("%s: %d words; keep drafts short", kind, n)
			}
			if i == 0 {
				for _, w := range must[kind] {
					if !strings.Contains(body, w) {
						t.Errorf("%s: body lacks %q:\n%s", kind, w, body)
					}
				}
				if !strings.HasPrefix(body, "Hi Marcus,") || !strings.HasSuffix(body, "\nJane") {
					t.Errorf("%s: greeting or signature:\n%s", kind, body)
				}
			}
			if i == 2 && !strings.HasPrefix(body, "Hello,\n") {
				t.Errorf("%s without a name: %q", kind, body)
			}
			for _, grovel := range []string{"so sorry", "apologi", "I know it's been", "I feel bad", "forgive"} {
				if strings.Contains(strings.ToLower(body), grovel) {
					t.Errorf("%s grovels (%q):\n%s", kind, grovel, body)
				}
			}
		}
	}
}

func TestOverrideByName(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"checkin.txt":      "Yo {{.FirstName}}!",
		"congrats.subject": "Congratulations{{with .FirstName}}, {{.}}{{end}}",
		"congrats.txt":     "Well done.",
		"notes.md":         "my notes",
		".checkin.txt.swp": "x",
		"checkin.txt~":     "backup",
	})
	var logs bytes.Buffer
	s, err := Load(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	data := sampleDrafts()[0]
	if got, _ := s.Execute("checkin.txt", data); got != "Yo Marcus!" {
		t.Errorf("checkin.txt = %q, want the user's", got)
	}
	if got, _ := s.Execute("checkin.subject", data); got != "How are things, Marcus?\n" {
		t.Errorf("checkin.subject = %q, want the default", got)
	}
	if !s.HasDraft("congrats") || !s.HasDraft("checkin") {
		t.Errorf("kinds %v", s.DraftKinds())
	}
	if got := s.Source("checkin.txt"); got != filepath.Join(dir, "checkin.txt") {
		t.Errorf("Source = %q", got)
	}
	out := logs.String()
	if !strings.Contains(out, "checkin.txt") || !strings.Contains(out, "use the defaults") || !strings.Contains(out, "digest.html") {
		t.Errorf("log lacks the overridden and fallback templates:\n%s", out)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		title string
		files map[string]string
		want  []string // each a regexp matched against the error
	}{
		{"unknown field in a draft",
			map[string]string{"checkin.txt": "Hi {{.FirstName}},\n\nAbout {{.Frist}}\n"},
			[]string{`checkin\.txt:3:\d+: at <\.Frist>: can't evaluate field Frist .*README\.md`}},
		{"unknown field in a branch the full sample does not take",
			map[string]string{"reply.txt": "{{if not .FirstName}}{{.Nmae}}{{end}}"},
			[]string{`reply\.txt:1:\d+: .*field Nmae`}},
		{"unknown field of Me",
			map[string]string{"referral.txt": "x\n{{.Me.Title}}"},
			[]string{`referral\.txt:2:\d+: .*field Title`}},
		{"unknown field in the digest",
			map[string]string{"digest.txt": "{{range .People}}{{.Draft.Bodyy}}{{end}}"},
			[]string{`digest\.txt:1:\d+: .*field Bodyy`}},
		{"parse error",
			map[string]string{"followup.subject": "Re: {{.LastSubject}"},
			[]string{`followup\.subject:1: bad character`}},
		{"unknown function",
			map[string]string{"digest.subject": "{{shout .Me.Name}}"},
			[]string{`digest\.subject:1: function "shout" not defined`}},
		{"bad HTML context",
			map[string]string{"digest.html": "<a href=\"{{.Me.Name}}\n<script>{{"},
			[]string{`digest\.html:\d+: `}},
		{"empty subject",
			map[string]string{"checkin.subject": "{{if false}}x{{end}}"},
			[]string{`checkin\.subject: renders an empty subject`}},
		{"unknown file",
			map[string]string{"chekin.text": "x"},
			[]string{`chekin\.text: not a template name`}},
		{"html draft",
			map[string]string{"checkin.html": "x"},
			[]string{`checkin\.html: only digest\.html is an HTML template`}},
		{"half a kind",
			map[string]string{"congrats.txt": "x"},
			[]string{`congrats\.txt: draft kind "congrats" has a body but no subject`}},
		{"bad kind name",
			map[string]string{"Congrats.txt": "x"},
			[]string{`Congrats\.txt: "Congrats" is not a draft kind`}},
		{"several at once",
			map[string]string{"checkin.txt": "{{.X}}", "digest.txt": "{{.Y}}"},
			[]string{`checkin\.txt:1:\d+: .*field X`, `digest\.txt:1:\d+: .*field Y`}},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.files)
			s, err := Load(dir, nil)
			if err == nil || s != nil {
				t.Fatalf("Load = %v, %v; want an error", s, err)
			}
			errs := Check(dir)
			if len(errs) != len(tt.want) {
				t.Errorf("Check = %d errors, want %d: %v", len(errs), len(tt.want), errs)
			}
			for _, w := range tt.want {
				re := regexp.MustCompile(regexp.QuoteMeta(dir+string(filepath.Separator)) + w)
				if !re.MatchString(err.Error()) {
					t.Errorf("error:\n%v\nwant it to match %s", err, re)
				}
			}
			for _, e := range errs {
				var te *Error
				if !errors.As(e, &te) || !strings.HasPrefix(te.Path, dir) {
					t.Errorf("%v is not an *Error naming the file", e)
				}
			}
		})
	}
}

func TestMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	if _, err := Load(dir, nil); err == nil || !strings.Contains(err.Error(), "rekindle templates init "+dir) {
		t.Errorf("Load(missing dir) = %v", err)
	}
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tpl")
	written, err := Init(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != len(Names())+1 {
		t.Errorf("wrote %d files, want %d", len(written), len(Names())+1)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Error(err)
	}
	// What Init writes loads, and is every template's source.
	s, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range Names() {
		if s.Source(n) != filepath.Join(dir, n) {
			t.Errorf("%s from %s", n, s.Source(n))
		}
	}

	write(t, dir, map[string]string{"checkin.txt": "mine"})
	if _, err := Init(dir, false); err == nil || !strings.Contains(err.Error(), "checkin.txt") {
		t.Errorf("Init over existing files = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "checkin.txt")); string(b) != "mine" {
		t.Error("Init without force overwrote a file")
	}
	if _, err := Init(dir, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "checkin.txt")); string(b) == "mine" {
		t.Error("Init with force did not overwrite")
	}
}

// TestReadmeDocumentsFields checks README.md names every field a template
// can use, so the documentation cannot fall behind the types.
func TestReadmeDocumentsFields(t *testing.T) {
	b, err := embedded.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	check := func(prefix string, v any) {
		for _, f := range fieldNames(v) {
			if !strings.Contains(readme, "`"+prefix+f+"`") {
				t.Errorf("README.md does not document `%s%s`", prefix, f)
			}
		}
	}
	check(".", digest.Person{})
	check(".Me.", digest.Me{})
	check(".Draft.", digest.Draft{})
	check(".", digest.Digest{})
	check(".", digest.Action{})
	for name := range funcs() {
		if !strings.Contains(readme, "`"+name+" ") {
			t.Errorf("README.md does not document the function %s", name)
		}
	}
	if !strings.Contains(readme, "`nl2br ") {
		t.Error("README.md does not document nl2br")
	}
}
