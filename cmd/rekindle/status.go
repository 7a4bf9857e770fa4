package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/rekindle/rekindle/app"
)

func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "[--json]",
		summary: "show what the store holds: per account and folder, messages and last sync",
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print as JSON (format documented in the README)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runStatus(ctx, e, *asJSON)
			}
		},
	}
}

// statusJSON is the stable JSON form of "rekindle status --json".
type statusJSON struct {
	Store         string              `json:"store"`
	SchemaVersion int                 `json:"schema_version"`
	Messages      int                 `json:"messages"`
	Accounts      []statusAccountJSON `json:"accounts"`
}

type statusAccountJSON struct {
	Name     string             `json:"name"`
	Messages int                `json:"messages"`
	Folders  []statusFolderJSON `json:"folders"`
}

type statusFolderJSON struct {
	Name        string     `json:"name"`
	Messages    int        `json:"messages"`
	UIDValidity uint32     `json:"uidvalidity"`
	LastUID     uint32     `json:"last_uid"`
	LastSync    *time.Time `json:"last_sync"`
}

func runStatus(ctx context.Context, e *env, asJSON bool) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	// Read-only: status works on a full disk, and says what a sync
	// would find without migrating the store itself.
	ss, err := app.Status(ctx, cfg)
	if err != nil {
		return err
	}
	st := statusJSON{Store: ss.Path, SchemaVersion: ss.SchemaVersion, Messages: ss.Messages, Accounts: []statusAccountJSON{}}
	// Every configured account is listed, synced or not.
	index := map[string]int{}
	for _, name := range ss.Accounts {
		index[name] = len(st.Accounts)
		st.Accounts = append(st.Accounts, statusAccountJSON{Name: name, Folders: []statusFolderJSON{}})
	}
	for _, f := range ss.Folders {
		i := index[f.Account]
		fj := statusFolderJSON{Name: f.Folder, Messages: f.Messages, UIDValidity: f.UIDValidity, LastUID: f.LastUID}
		if !f.LastSync.IsZero() {
			t := f.LastSync.Local()
			fj.LastSync = &t
		}
		st.Accounts[i].Folders = append(st.Accounts[i].Folders, fj)
		st.Accounts[i].Messages += f.Messages
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if !ss.Created {
		fmt.Fprintf(e.stdout, "store: %s (not created yet: run \"rekindle sync\")\n\n", st.Store)
	} else {
		fmt.Fprintf(e.stdout, "store: %s (schema %d)\n\n", st.Store, st.SchemaVersion)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tFOLDER\tMESSAGES\tUIDVALIDITY\tLAST SYNC")
	for _, a := range st.Accounts {
		if len(a.Folders) == 0 {
			fmt.Fprintf(tw, "%s\t-\t0\t-\tnever (run \"rekindle sync\")\n", a.Name)
		}
		for _, f := range a.Folders {
			last := "never finished (the next sync resumes it)"
			if f.LastSync != nil {
				last = f.LastSync.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", a.Name, f.Name, f.Messages, f.UIDValidity, last)
		}
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\n%d unique messages (a message in several folders counts once)\n", st.Messages)
	return nil
}
