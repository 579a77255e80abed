//go:build linux

// Command bench measures stytch-desktop as a person meets it, side by side
// with a blank Wails app (Wails' own svelte-ts template, same Wails version
// and build flags), and prints one table with a verdict per figure against
// the targets of issue 13. `make bench` builds both apps and runs it; it is
// never part of `make test` and its timings never gate CI.
//
// It drives Xvfb, process groups and /proc, so it is built on Linux only.
//
// Every figure that runs an app runs it in its own throw-away session: fresh
// XDG directories and HOME, a private D-Bus session bus (dbus-run-session),
// an Xvfb display and an unlocked gnome-keyring. Runs of our app and of the
// blank app alternate, so a noisy shared machine slows both alike; the
// verdicts use ratios of medians.
//
//	bench -ours build/bin/stytch-desktop -blank build/bench/blank/build/bin/blank [-runs 5]
//
// The inner scenarios (run inside the session) are the same binary:
// `bench inner <scenario> ...`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "inner" {
		os.Exit(inner(os.Args[2:]))
	}
	var o outerOpts
	flag.StringVar(&o.ours, "ours", "build/bin/stytch-desktop", "our app, as `wails build` made it")
	flag.StringVar(&o.company, "company", "", "our app as a company builds it (make build BROKER_URL=…: no local API); row 5a's verdict, empty: the developer build's")
	flag.StringVar(&o.blank, "blank", "build/bench/blank/build/bin/blank", "the blank Wails app (scripts/bench/build-blank.sh)")
	flag.IntVar(&o.runs, "runs", 5, "runs per figure and app")
	flag.StringVar(&o.out, "out", "test-artifacts/bench", "where logs and the table are written")
	flag.StringVar(&o.localAPI, "localapi", "", "command printing the local API's key=value figures (row 6); empty: not measured")
	flag.StringVar(&o.broker, "broker", "", "command printing the broker's key=value figures (row 7); empty: not measured")
	flag.StringVar(&o.only, "only", "", "comma-separated rows to run (e.g. 1,3,8); default all")
	flag.StringVar(&o.oursEnv, "ours-env", "", "space-separated NAME=VALUE settings for our app (e.g. STYTCH_DESKTOP_GPU=always)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}

type outerOpts struct {
	ours, blank, out string
	company          string
	runs             int
	localAPI, broker string
	only             string
	oursEnv          string
	self             string // this binary, re-run inside each session
	logDir           string
	sessionSeq       int
}

func (o *outerOpts) want(row string) bool {
	if o.only == "" {
		return true
	}
	for _, r := range strings.Split(o.only, ",") {
		if strings.TrimSpace(r) == row {
			return true
		}
	}
	return false
}

func run(o outerOpts) error {
	for _, p := range []*string{&o.ours, &o.blank, &o.company} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.self = self
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	o.logDir, _ = filepath.Abs(o.out)
	if old, _ := filepath.Glob(filepath.Join(o.out, "*.log")); len(old) > 0 {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	for _, f := range []string{o.ours, o.blank} {
		if st, err := os.Stat(f); err != nil || st.Mode()&0o111 == 0 {
			return fmt.Errorf("%s: not an executable (build it first: make bench does)", f)
		}
	}
	m := machine()
	fmt.Printf("machine: %s\n", m)
	fmt.Printf("runs: %d per figure and app, alternating blank/ours; medians; %s\n\n", o.runs, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	rows := measure(&o)
	table := render(rows)
	fmt.Print(table)
	pass, fail := count(rows)
	summary := fmt.Sprintf("bench: %d PASS, %d FAIL", pass, fail)
	_ = os.WriteFile(filepath.Join(o.out, "table.md"),
		[]byte("machine: "+m+"\n\n"+table+"\n"+summary+"\n"), 0o644)
	fmt.Println()
	fmt.Println(summary)
	return nil
}
