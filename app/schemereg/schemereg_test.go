package schemereg

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDevBinaryReason(t *testing.T) {
	for _, tc := range []struct {
		name, exe, tmp string
		wailsDev, dev  bool
	}{
		{name: "installed", exe: "/home/u/.local/bin/stytch-desktop", tmp: "/tmp"},
		{name: "opt", exe: "/opt/stytch-desktop/stytch-desktop", tmp: "/tmp"},
		{name: "appimage file", exe: "/home/u/Apps/stytch-desktop.AppImage", tmp: "/tmp"},
		{name: "go run", exe: "/tmp/go-build1234/b001/exe/stytch-desktop", tmp: "/tmp", dev: true},
		{name: "go run, GOTMPDIR elsewhere", exe: "/scratch/go-build99/b001/exe/main", tmp: "/tmp", dev: true},
		{name: "go test", exe: "/home/u/.cache/go-build/x/schemereg.test", tmp: "/tmp", dev: true},
		{name: "temp dir", exe: "/tmp/stytch-desktop", tmp: "/tmp", dev: true},
		{name: "temp dir nested", exe: "/tmp/x/y/app", tmp: "/tmp", dev: true},
		{name: "TMPDIR elsewhere", exe: "/var/scratch/t/app", tmp: "/var/scratch", dev: true},
		{name: "prefix but not inside", exe: "/tmpfoo/app", tmp: "/tmp"},
		{name: "wails dev", exe: "/home/u/src/stytch-desktop/build/bin/stytch-desktop", tmp: "/tmp", wailsDev: true, dev: true},
		{name: "no temp dir", exe: "/tmp/app", tmp: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason := devBinaryReason(tc.exe, tc.tmp, tc.wailsDev)
			if (reason != "") != tc.dev {
				t.Fatalf("devBinaryReason(%q, %q, %v) = %q, want dev=%v", tc.exe, tc.tmp, tc.wailsDev, reason, tc.dev)
			}
		})
	}
}

func TestIsDevBinaryForThisTest(t *testing.T) {
	// The test binary itself is a `go test` build: it must never register.
	exe, err := CurrentExecutable()
	if err != nil {
		t.Fatal(err)
	}
	if dev, reason := IsDevBinary(exe); !dev {
		t.Fatalf("IsDevBinary(%q) = false, want true", exe)
	} else {
		t.Logf("%s: %s", exe, reason)
	}
}

func TestCurrentExecutableAppImage(t *testing.T) {
	appdir := t.TempDir()
	img := filepath.Join(t.TempDir(), "stytch.AppImage")
	writeExe(t, img)
	// This process does not run from APPDIR: APPIMAGE (inherited from some
	// other AppImage app) must be ignored.
	t.Setenv("APPIMAGE", img)
	t.Setenv("APPDIR", appdir)
	exe, err := CurrentExecutable()
	if err != nil {
		t.Fatal(err)
	}
	if exe == resolve(img) {
		t.Fatalf("APPIMAGE used although the binary is not inside APPDIR")
	}
	// Running from inside APPDIR: the AppImage file is what to register.
	t.Setenv("APPDIR", filepath.Dir(exe))
	if exe, err = CurrentExecutable(); err != nil || exe != resolve(img) {
		t.Fatalf("CurrentExecutable() = %q, %v; want %q", exe, err, resolve(img))
	}
}

func TestRegistrationValidation(t *testing.T) {
	good := Registration{Scheme: "stytch-desktop", DesktopID: "stytch-desktop.desktop", Exec: "/usr/bin/x"}
	if _, err := good.withDefaults(); err != nil {
		t.Fatalf("valid registration rejected: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Registration)
	}{
		{"upper-case scheme", func(r *Registration) { r.Scheme = "Stytch" }},
		{"scheme starting with digit", func(r *Registration) { r.Scheme = "1abc" }},
		{"scheme with slash", func(r *Registration) { r.Scheme = "a/b" }},
		{"scheme with newline", func(r *Registration) { r.Scheme = "a\nb" }},
		{"id without suffix", func(r *Registration) { r.DesktopID = "stytch-desktop" }},
		{"id with slash", func(r *Registration) { r.DesktopID = "../evil.desktop" }},
		{"id with semicolon", func(r *Registration) { r.DesktopID = "a;b.desktop" }},
		{"id only suffix", func(r *Registration) { r.DesktopID = ".desktop" }},
		{"relative exec", func(r *Registration) { r.Exec = "bin/x" }},
		{"exec with newline", func(r *Registration) { r.Exec = "/bin/x\n[Desktop Entry]" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.mod(&r)
			if _, err := r.withDefaults(); err == nil {
				t.Fatalf("%+v accepted", r)
			}
		})
	}
	// Zero value: defaults everywhere.
	r, err := Registration{}.withDefaults()
	if err != nil || r.Scheme != DefaultScheme || r.DesktopID != DefaultDesktopID || !filepath.IsAbs(r.Exec) {
		t.Fatalf("defaults: %+v, %v", r, err)
	}
}

func TestSetDefault(t *testing.T) {
	const m = "x-scheme-handler/stytch-desktop"
	for _, tc := range []struct{ name, in, want string }{
		{"empty file", "", "[Default Applications]\n" + m + "=ours.desktop\n"},
		{"other groups only",
			"[Added Associations]\ntext/html=firefox.desktop;\n",
			"[Added Associations]\ntext/html=firefox.desktop;\n\n[Default Applications]\n" + m + "=ours.desktop\n"},
		{"replace in place, keep the rest",
			"# mine\n[Default Applications]\ntext/html=firefox.desktop\n" + m + "=other.desktop;x.desktop\nimage/png=eog.desktop\n\n[Added Associations]\n" + m + "=other.desktop;\n",
			"# mine\n[Default Applications]\ntext/html=firefox.desktop\n" + m + "=ours.desktop\nimage/png=eog.desktop\n\n[Added Associations]\n" + m + "=other.desktop;\n"},
		{"add to existing group before the next one",
			"[Default Applications]\ntext/html=firefox.desktop\n\n[Added Associations]\ntext/plain=gedit.desktop;\n",
			"[Default Applications]\ntext/html=firefox.desktop\n" + m + "=ours.desktop\n\n[Added Associations]\ntext/plain=gedit.desktop;\n"},
		{"add to last group, no trailing newline",
			"[Default Applications]\ntext/html=firefox.desktop",
			"[Default Applications]\ntext/html=firefox.desktop\n" + m + "=ours.desktop\n"},
		{"duplicates dropped",
			"[Default Applications]\n" + m + "=a.desktop\n" + m + " = b.desktop\n",
			"[Default Applications]\n" + m + "=ours.desktop\n"},
		{"similar key untouched",
			"[Default Applications]\n" + m + "-x=a.desktop\n",
			"[Default Applications]\n" + m + "-x=a.desktop\n" + m + "=ours.desktop\n"},
		{"xdg-mime style leading blank line",
			"\n[Default Applications]\n" + m + "=other.desktop\n",
			"\n[Default Applications]\n" + m + "=ours.desktop\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := setDefault(tc.in, m, "ours.desktop")
			if got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			if again := setDefault(got, m, "ours.desktop"); again != got {
				t.Fatalf("not idempotent:\n%q", again)
			}
		})
	}
}

func TestMimeappsFilesOrder(t *testing.T) {
	env := xdgEnv{dataHome: "/h/data", configHome: "/h/cfg", dataDirs: []string{"/s1", "/s2"}, configDirs: []string{"/etc/xdg"}, desktops: []string{"gnome", "ubuntu"}}
	want := []string{
		"/h/cfg/gnome-mimeapps.list", "/h/cfg/ubuntu-mimeapps.list", "/h/cfg/mimeapps.list",
		"/etc/xdg/gnome-mimeapps.list", "/etc/xdg/ubuntu-mimeapps.list", "/etc/xdg/mimeapps.list",
		"/h/data/applications/gnome-mimeapps.list", "/h/data/applications/ubuntu-mimeapps.list", "/h/data/applications/mimeapps.list",
		"/s1/applications/gnome-mimeapps.list", "/s1/applications/ubuntu-mimeapps.list", "/s1/applications/mimeapps.list",
		"/s2/applications/gnome-mimeapps.list", "/s2/applications/ubuntu-mimeapps.list", "/s2/applications/mimeapps.list",
	}
	if got := env.mimeappsFiles(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
}

func TestCurrentEnvDefaults(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_DATA_DIRS", "rel:/a::/b/")
	t.Setenv("XDG_CONFIG_DIRS", "")
	t.Setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
	env, err := currentEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := xdgEnv{dataHome: "/home/u/.local/share", configHome: "/home/u/.config", dataDirs: []string{"/a", "/b"}, configDirs: []string{"/etc/xdg"}, desktops: []string{"ubuntu", "gnome"}}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("got %+v", env)
	}
	t.Setenv("XDG_DATA_DIRS", "")
	if env, _ = currentEnv(); strings.Join(env.dataDirs, ":") != "/usr/local/share:/usr/share" {
		t.Fatalf("default data dirs: %q", env.dataDirs)
	}
}

func TestUserLevel(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/home/u/.local/share/applications", true},
		{"/var/home/u/.config/mimeapps.list", true}, // Fedora Silverblue homes
		{"/root/.local/share/applications", true},
		{t.TempDir() + "/data/applications", true},
		{"/usr/share/applications", false},
		{"/usr/local/share/applications", false},
		{"/etc/xdg/mimeapps.list", false},
		{"/", false},
		{"relative/applications", false},
		{"/home/u/../../usr/share/applications", false},
	} {
		if err := userLevel(tc.path); (err == nil) != tc.ok {
			t.Errorf("userLevel(%q) = %v, want ok=%v", tc.path, err, tc.ok)
		}
	}
}
