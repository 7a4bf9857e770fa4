package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/rekindle/rekindle/daemon"
)

// command is one subcommand of rekindle.
type command struct {
	name    string
	args    string // the synopsis after the name
	summary string
	// help is the longer text shown by "rekindle help NAME"; flags follow.
	help string
	// hidden leaves the command out of the usage and the manual page.
	hidden bool
	// setup registers the command's flags and returns what runs it once
	// they are parsed, with the arguments left over.
	setup func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

// env is what a command gets: its streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	logFormat      string
	verbose        bool
	// logFormatFlag says whether --log-format was given: it wins over the
	// config's log.format (and --verbose over log.level).
	logFormatFlag bool
	log           *slog.Logger
	// getenv reads the environment and now the clock; tests replace them.
	getenv func(string) string
	now    func() time.Time
	// reload receives a value on SIGHUP (main turns signals into it).
	reload <-chan struct{}
	// clock drives the daemon's schedule; nil is the system clock.
	// Tests set a daemon.ManualClock.
	clock daemon.Clock
}

// usageError is a mistake in how a command was called; it exits 2 and
// prints the command's usage.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func commands() []*command {
	return append([]*command{
		syncCommand(),
		statusCommand(),
		contactsCommand(),
		queryCommand(),
		followupsCommand(),
		suggestCommand(),
		digestCommand(),
		replayCommand(),
		actionsCommand(),
		templatesCommand(),
		runCommand(),
		checkCommand(),
		initCommand(),
		demoCommand(),
		versionCommand(),
		manCommand(),
	}, overrideCommands()...)
}

// tagline completes "rekindle ..." in the usage and the manual's NAME.
const tagline = "keeps your real relationships warm"

const description = `It reads the headers of your mail over IMAP (never the bodies), finds the
people you really correspond with, learns each relationship's rhythm, and
every morning emails you the few people worth reconnecting with, why, and a
drafted message for each. Everything stays on your machine.`

const synopsis = "rekindle [--config PATH] COMMAND [flags]"

// globalFlag documents one of the flags that come before the command;
// newGlobalFlags registers them (a test keeps the two in step).
type globalFlag struct {
	flag  string // as written: "--config PATH", "-v, --verbose"
	usage string // a newline continues it on the next line, indented
}

var globalFlags = []globalFlag{
	{"--config PATH", "configuration file (default: $REKINDLE_CONFIG, then\n~/.config/rekindle/config.yaml, then /etc/rekindle/config.yaml)"},
	{"--log-format FMT", "text or json (default text)"},
	{"-v, --verbose", "log debug lines"},
	{"--version", "print the version, commit and date, and exit"},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "rekindle %s.\n\n%s\n\nUsage:\n  %s\n\nCommands:\n", tagline, description, synopsis)
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\nGlobal flags:\n")
	for _, g := range globalFlags {
		fmt.Fprintf(w, "  %-19s %s\n", g.flag, strings.ReplaceAll(g.usage, "\n", "\n"+strings.Repeat(" ", 22)))
	}
	fmt.Fprintf(w, "\nRun \"rekindle help COMMAND\" for a command's flags.\n")
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: rekindle %s %s\n\n%s\n", c.name, c.args, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	if fs != nil {
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.SetOutput(w)
			fs.PrintDefaults()
		}
	}
}

// Main runs rekindle with the given arguments and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return mainWith(ctx, nil, args, stdin, stdout, stderr)
}

// mainWith is Main with a reload channel, on which "run" reloads.
func mainWith(ctx context.Context, reload <-chan struct{}, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now, reload: reload}
	var showVersion bool
	global := newGlobalFlags(e, &showVersion)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "rekindle: %v\n\n", err)
		usage(stderr)
		return 2
	}
	global.Visit(func(f *flag.Flag) {
		if f.Name == "log-format" {
			e.logFormatFlag = true
		}
	})
	if showVersion {
		currentVersion().write(stdout)
		return 0
	}
	args = global.Args()
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name, args := args[0], args[1:]
	if name == "help" || name == "--help" || name == "-h" {
		if len(args) > 0 {
			if c := findCommand(args[0]); c != nil {
				commandUsage(stdout, c, flagsOf(c))
				return 0
			}
		}
		usage(stdout)
		return 0
	}
	c := findCommand(name)
	if c == nil {
		fmt.Fprintf(stderr, "rekindle: unknown command %q\n\n", name)
		usage(stderr)
		return 2
	}
	logger, err := newLogger(stderr, e.logFormat, e.verbose, e.getenv("JOURNAL_STREAM") != "")
	if err != nil {
		fmt.Fprintf(stderr, "rekindle: %v\n", err)
		return 2
	}
	e.log = logger
	fs := newFlagSet(c)
	run := c.setup(fs)
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		commandUsage(stdout, c, flagsOf(c))
		return 0
	case err != nil:
		err = usageError{err.Error()}
	default:
		err = run(ctx, e, fs.Args())
	}
	var (
		ue     usageError
		status exitStatus
	)
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "rekindle %s: %v\n\n", c.name, err)
		commandUsage(stderr, c, flagsOf(c))
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "rekindle %s: interrupted\n", c.name)
		return 130
	default:
		fmt.Fprintf(stderr, "rekindle %s: %v\n", c.name, err)
		return 1
	}
}

// newGlobalFlags registers the flags globalFlags documents: they set e's
// fields, and --version sets showVersion.
func newGlobalFlags(e *env, showVersion *bool) *flag.FlagSet {
	global := flag.NewFlagSet("rekindle", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.configPath, "config", "", "")
	global.StringVar(&e.logFormat, "log-format", "text", "")
	global.BoolVar(&e.verbose, "v", false, "")
	global.BoolVar(&e.verbose, "verbose", false, "")
	global.BoolVar(showVersion, "version", false, "")
	return global
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("rekindle "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// flagsOf returns a flag set with c's flags registered, for its usage.
func flagsOf(c *command) *flag.FlagSet {
	fs := newFlagSet(c)
	c.setup(fs)
	return fs
}

// newLogger logs to w in text or JSON. Durations read as people write
// them ("1.235s"; JSON would print nanoseconds). Under systemd's journal,
// which stamps every line itself, the time attribute is left out.
func newLogger(w io.Writer, format string, verbose, journal bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return newLevelLogger(w, format, level, journal)
}

// newLevelLogger is newLogger at a given level.
func newLevelLogger(w io.Writer, format string, level slog.Level, journal bool) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if journal && len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		if a.Value.Kind() == slog.KindDuration {
			return slog.String(a.Key, logDuration(a.Value.Duration()))
		}
		return a
	}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// logDuration writes d for a log: to the millisecond from a second up, to
// the microsecond from a millisecond up.
func logDuration(d time.Duration) string {
	switch a := d.Abs(); {
	case a >= time.Second:
		d = d.Round(time.Millisecond)
	case a >= time.Millisecond:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}

// isTerminal tells whether w is an interactive terminal, where progress
// is drawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
