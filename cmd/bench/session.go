//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the figures were taken.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := "unknown kernel"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				f := strings.Fields(l)
				if len(f) >= 2 {
					if kb, err := strconv.Atoi(f[1]); err == nil {
						mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/1024/1024)
					}
				}
			}
		}
	}
	return fmt.Sprintf("%d cores, %s, Linux %s%s, %s/%s", runtime.NumCPU(), model, kernel, mem, runtime.GOOS, runtime.GOARCH)
}

// results are the key=value figures an inner scenario printed.
type results map[string]float64

// inSession runs `bench inner <args>` in a fresh session: new XDG dirs and
// HOME (set before dbus-run-session, so that daemons the bus starts use them
// too), a private session bus, and an Xvfb display when display is true.
// The inner side unlocks a fresh gnome-keyring first.
func (o *outerOpts) inSession(display bool, args ...string) (results, error) {
	o.sessionSeq++
	t, err := os.MkdirTemp("", "stytch-bench.")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(t)
	for _, d := range []string{"run", "data", "config", "cache", "home"} {
		if err := os.Mkdir(filepath.Join(t, d), 0o700); err != nil {
			return nil, err
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DBUS_SESSION_BUS_ADDRESS" || k == "DISPLAY" || k == "WAYLAND_DISPLAY" || k == "HOME" ||
			strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "STYTCH_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+t+"/home", "XDG_RUNTIME_DIR="+t+"/run", "XDG_DATA_HOME="+t+"/data",
		"XDG_CONFIG_HOME="+t+"/config", "XDG_CACHE_HOME="+t+"/cache", "XDG_DATA_DIRS=/usr/local/share:/usr/share",
		"BENCH_T="+t, "BENCH_OURS_ENV="+o.oursEnv)
	argv := []string{"--"}
	if display {
		argv = append(argv, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24")
	}
	argv = append(argv, o.self, "inner")
	argv = append(argv, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", argv...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	logPath := filepath.Join(o.logDir, fmt.Sprintf("%03d-%s.log", o.sessionSeq, strings.Join(args[:1], "-")+"-"+filepath.Base(lastArg(args))))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = logf
	err = cmd.Run()
	res := parseResults(out.Bytes())
	fmt.Fprintf(logf, "\n--- results: %v\n", res)
	for _, f := range []string{"trace.log", "app.log", "handler.log"} {
		if b, err := os.ReadFile(filepath.Join(t, f)); err == nil {
			fmt.Fprintf(logf, "--- %s\n%s", f, b)
		}
	}
	if msg, ok := errorLine(out.Bytes()); ok {
		fmt.Fprintf(logf, "--- error: %s\n", msg)
		return res, fmt.Errorf("%s: %s (log: %s)", strings.Join(args, " "), msg, logPath)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %v (log: %s)", strings.Join(args, " "), err, logPath)
	}
	return res, nil
}

func lastArg(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[len(a)-1]
}

// parseResults reads "result key=value" lines.
func parseResults(b []byte) results {
	r := results{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "result ")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			if k, v, ok := strings.Cut(f, "="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					r[k] = x
				}
			}
		}
	}
	return r
}

func errorLine(b []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if msg, ok := strings.CutPrefix(sc.Text(), "error "); ok {
			return msg, true
		}
	}
	return "", false
}

// parseKV reads plain key=value lines (other helpers' bench programs).
func parseKV(b []byte) results {
	r := results{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if k, v, ok := strings.Cut(f, "="); ok {
				if x, err := strconv.ParseFloat(strings.TrimSuffix(v, ","), 64); err == nil {
					r[k] = x
				}
			}
		}
	}
	return r
}

// external runs another helper's bench command (a shell command line) and
// parses its key=value lines.
func (o *outerOpts) external(name, command string) (results, error) {
	if command == "" {
		return nil, errors.New("not measured")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	logf, err := os.Create(filepath.Join(o.logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = logf
	err = cmd.Run()
	logf.Write(out.Bytes())
	r := parseKV(out.Bytes())
	if err != nil {
		return r, fmt.Errorf("%s: %v", command, err)
	}
	return r, nil
}
