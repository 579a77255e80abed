//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"stytch-desktop/app/trace"
)

// inner runs one scenario inside a session made by inSession and prints
// "result key=value" lines, or "error <message>".
func inner(args []string) int {
	if len(args) == 0 {
		fmt.Println("error inner: no scenario")
		return 2
	}
	t := os.Getenv("BENCH_T")
	if t == "" {
		fmt.Println("error inner: BENCH_T unset (run through bench, not by hand)")
		return 2
	}
	if err := unlockKeyring(); err != nil {
		fmt.Println("error unlock keyring:", err)
		return 1
	}
	var err error
	switch args[0] {
	case "start":
		err = scenarioStart(t, args[1:])
	case "restore":
		err = scenarioRestore(t, args[1:])
	case "handoff":
		err = scenarioHandoff(t, args[1:])
	case "flow":
		err = scenarioFlow(t, args[1:])
	case "keychain":
		err = scenarioKeychain(args[1:])
	default:
		err = fmt.Errorf("unknown scenario %q", args[0])
	}
	if err != nil {
		fmt.Println("error", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	return 0
}

func result(kv ...any) {
	var b strings.Builder
	b.WriteString("result")
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	fmt.Println(b.String())
}

// unlockKeyring starts gnome-keyring on this session's bus with a fresh,
// unlocked login keyring (the XDG dirs are new for every session).
func unlockKeyring() error {
	cmd := exec.Command("gnome-keyring-daemon", "--unlock", "--components=secrets")
	cmd.Stdin = strings.NewReader("bench-keyring-password")
	cmd.Env = envWithout(os.Environ(), "DISPLAY") // never an unlock prompt
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("gnome-keyring-daemon --unlock timed out")
	}
}

func envWithout(env []string, keys ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, x := range keys {
			drop = drop || k == x
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// app is one started app process.
type app struct {
	cmd   *exec.Cmd
	t0    int64 // trace.Now() just before exec
	trace string
}

// startApp execs bin with the trace on, its output in logPath.
func startApp(bin, tracePath, logPath string, env ...string) (*app, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "STYTCH_DESKTOP_TRACE="+tracePath, "STYTCH_DESKTOP_SKIP_SCHEME_REGISTRATION=1")
	cmd.Env = append(cmd.Env, strings.Fields(os.Getenv("BENCH_OURS_ENV"))...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	a := &app{cmd: cmd, trace: tracePath}
	a.t0 = trace.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return a, nil
}

// stop sends SIGTERM, then SIGKILL after 5 s.
func (a *app) stop() {
	if a == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = a.cmd.Process.Kill()
		<-done
	}
}

// event is one app/trace line.
type event struct {
	T     int64
	PID   int
	Ev    string
	Attrs map[string]string
}

func readTrace(path string) []event {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "stytch-trace ")
		if !ok {
			continue
		}
		e := event{Attrs: map[string]string{}}
		for _, fld := range strings.Fields(rest) {
			k, v, _ := strings.Cut(fld, "=")
			switch k {
			case "t":
				e.T, _ = strconv.ParseInt(v, 10, 64)
			case "pid":
				e.PID, _ = strconv.Atoi(v)
			case "ev":
				e.Ev = v
			default:
				e.Attrs[k] = v
			}
		}
		evs = append(evs, e)
	}
	return evs
}

// waitEvent polls the trace until an event matches (at or after since).
func waitEvent(path string, since int64, timeout time.Duration, match func(event) bool) (event, error) {
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range readTrace(path) {
			if e.T >= since && match(e) {
				return e, nil
			}
		}
		if time.Now().After(deadline) {
			return event{}, fmt.Errorf("no matching trace event within %s in %s", timeout, filepath.Base(path))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func firstAfter(evs []event, since int64, match func(event) bool) (event, bool) {
	for _, e := range evs {
		if e.T >= since && match(e) {
			return e, true
		}
	}
	return event{}, false
}

func painted(screen string) func(event) bool {
	return func(e event) bool { return e.Ev == "painted" && (screen == "" || e.Attrs["screen"] == screen) }
}

// firstScreen: the first painted screen that is not the "restoring" placeholder.
func firstScreen(e event) bool { return e.Ev == "painted" && e.Attrs["screen"] != "restoring" }

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// pssTree sums the proportional set size (KiB) of pid and all its
// descendants (WebKit's web and network processes).
func pssTree(pid int) (float64, int) {
	children := map[int][]int{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		p, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var total float64
	n := 0
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		queue = append(queue, children[p]...)
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Pss:") {
				f := strings.Fields(l)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					total += kb
					n++
				}
			}
		}
	}
	return total, n
}

// cpuTicksTree sums utime+stime (clock ticks) of pid and its descendants.
func cpuTicksTree(pid int) float64 {
	var total float64
	queue := []int{pid}
	seen := map[int]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 12 {
			u, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			total += u + st
		}
		if kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", p, p)); err == nil {
			for _, k := range strings.Fields(string(kids)) {
				if c, err := strconv.Atoi(k); err == nil {
					queue = append(queue, c)
				}
			}
		}
	}
	return total
}

// scenarioStart: cold start to the first screen painted and focused, then
// memory (PSS of the whole process tree) and CPU while idle.
//
//	start <binary> <label>
func scenarioStart(t string, args []string) error {
	if len(args) != 2 {
		return errors.New("start: want <binary> <label>")
	}
	bin := args[0]
	tr := filepath.Join(t, "trace.log")
	// The first start on a fresh profile pays one-time costs (our local API
	// creates its signing key and state file; WebKit its caches): reported
	// apart. The figure is the next start, as a person opening the app meets it.
	firstMs, err := warmUp(bin, tr, t)
	if err != nil {
		return err
	}
	a, err := startApp(bin, tr, filepath.Join(t, "app.log"))
	if err != nil {
		return err
	}
	defer a.stop()
	e, err := waitEvent(tr, a.t0, 30*time.Second, firstScreen)
	if err != nil {
		return err
	}
	start := time.Now().Add(-time.Duration(trace.Now() - a.t0))
	time.Sleep(time.Until(start.Add(10 * time.Second)))
	pss, procs := pssTree(a.cmd.Process.Pid)
	c0 := cpuTicksTree(a.cmd.Process.Pid)
	time.Sleep(5 * time.Second)
	c1 := cpuTicksTree(a.cmd.Process.Pid)
	if a.cmd.ProcessState != nil {
		return errors.New("app exited early")
	}
	result("first_screen_ms", fmt.Sprintf("%.1f", ms(e.T-a.t0)), "first_start_ms", fmt.Sprintf("%.1f", firstMs), "pss_mib", fmt.Sprintf("%.1f", pss/1024),
		"procs", procs, "idle_cpu_pct", fmt.Sprintf("%.2f", (c1-c0)/100/5*100))
	fmt.Fprintf(os.Stderr, "bench: %s first screen %q\n", args[1], e.Attrs["screen"])
	return nil
}

// warmUp starts bin once on the fresh profile, waits for its first screen,
// stops it, and returns how long that first-ever start took (ms).
func warmUp(bin, tr, t string, env ...string) (float64, error) {
	a, err := startApp(bin, tr, filepath.Join(t, "app.log"), env...)
	if err != nil {
		return 0, err
	}
	e, err := waitEvent(tr, a.t0, 30*time.Second, firstScreen)
	a.stop()
	if err != nil {
		return 0, fmt.Errorf("first start: %w", err)
	}
	return ms(e.T - a.t0), nil
}
