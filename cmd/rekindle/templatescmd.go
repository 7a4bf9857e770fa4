package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/templates"
)

func templatesCommand() *command {
	return &command{
		name:    "templates",
		args:    "init DIR [--force] | check [DIR]",
		summary: "write the default templates out for editing, or check templates",
		help: `
"templates init DIR" writes the embedded default templates (the digest and
each kind of draft) and README.md, the reference of every field a template
can use, into DIR. Point templates.dir at DIR and edit: a file there
replaces the default of the same name.

"templates check [DIR]" parses every template (DIR, else templates.dir from
the configuration, else the defaults) and renders it against sample data,
reporting each error with its file and line.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			force := fs.Bool("force", false, "with init: overwrite existing files")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("want init or check")
				}
				switch args[0] {
				case "init":
					if len(args) != 2 {
						return usagef("want templates init DIR")
					}
					written, err := templates.Init(args[1], *force)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Wrote %d files to %s. Set templates.dir: %s in your configuration and edit them;\n\"rekindle templates check\" checks your changes.\n", len(written), args[1], args[1])
					return nil
				case "check":
					if len(args) > 2 {
						return usagef("want templates check [DIR]")
					}
					dir := ""
					if len(args) == 2 {
						dir = args[1]
					} else if cfg, err := e.loadConfig(); err == nil {
						dir = cfg.Templates.Dir
					} else if !errors.Is(err, config.ErrNotFound) {
						return err
					}
					errs := templates.Check(dir)
					for _, err := range errs {
						fmt.Fprintln(e.stdout, err)
					}
					what := "the default templates"
					if dir != "" {
						what = "the templates in " + dir
					}
					if len(errs) > 0 {
						return fmt.Errorf("%d problems in %s", len(errs), what)
					}
					fmt.Fprintf(e.stdout, "OK: %s parse and render.\n", what)
					return nil
				}
				return usagef("unknown templates action %q: want init or check", args[0])
			}
		},
	}
}
