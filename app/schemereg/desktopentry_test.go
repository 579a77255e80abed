package schemereg

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTemplateMatchesBuildCopy(t *testing.T) {
	build, err := os.ReadFile(filepath.Join("..", "..", "build", "linux", "stytch-desktop.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if string(build) != desktopTemplate {
		t.Fatal("build/linux/stytch-desktop.desktop differs from app/schemereg/stytch-desktop.desktop.in; copy the .in file over it")
	}
}

func TestTemplateKeys(t *testing.T) {
	for _, want := range []string{
		"[Desktop Entry]\n", "\nType=Application\n", "\nName=stytch-desktop\n", "\nExec=@EXEC@ %u\n",
		"\nIcon=stytch-desktop\n", "\nTerminal=false\n", "\nCategories=Network;Office;\n",
		"\nMimeType=x-scheme-handler/stytch-desktop;\n", "\nStartupWMClass=stytch-desktop\n", "\nComment=",
	} {
		if !strings.Contains(desktopTemplate, want) {
			t.Errorf("template lacks %q", want)
		}
	}
	// Some desktops refuse NoDisplay entries as scheme handlers.
	if strings.Contains(desktopTemplate, "NoDisplay") {
		t.Error("template must not set NoDisplay")
	}
}

func TestRenderedEntryValidates(t *testing.T) {
	validator, err := exec.LookPath("desktop-file-validate")
	for _, exe := range []string{
		"/opt/stytch-desktop/stytch-desktop",
		"/home/a user/Apps/stytch desktop (beta)/stytch-desktop",
		`/home/x/we"ird$dir\with%stuff/stytch-desktop`,
		"/home/ünï/app",
	} {
		content, rerr := renderDesktopEntry(Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: exe}, exe)
		if rerr != nil {
			t.Fatalf("%q: %v", exe, rerr)
		}
		e, perr := parseDesktopEntry(strings.NewReader(string(content)))
		if perr != nil {
			t.Fatal(perr)
		}
		prog, url, xerr := execProgram(e.Exec)
		if xerr != nil || prog != exe || !url {
			t.Errorf("%q: Exec %q parses back to %q url=%v err=%v", exe, e.Exec, prog, url, xerr)
		}
		if err != nil {
			t.Log("desktop-file-validate not installed: validity not checked")
			continue
		}
		f := filepath.Join(t.TempDir(), DefaultDesktopID)
		if err := os.WriteFile(f, content, 0o644); err != nil {
			t.Fatal(err)
		}
		out, verr := exec.Command(validator, f).CombinedOutput()
		if verr != nil {
			t.Errorf("%q: desktop-file-validate: %v\n%s\n%s", exe, verr, out, content)
		}
	}
}

func TestExecValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/usr/bin/stytch-desktop", "/usr/bin/stytch-desktop"},
		{"/opt/My Apps/app", `"/opt/My Apps/app"`},
		{"/opt/100%/app", "/opt/100%%/app"},
		{"/opt/a$b/app", `"/opt/a\\$b/app"`},
		{`/opt/a"b/app`, `"/opt/a\\"b/app"`},
		{`/opt/a\b/app`, `"/opt/a\\\\b/app"`},
		{"/opt/a`b/app", "\"/opt/a\\\\`b/app\""},
		{"/opt/it's/app", `"/opt/it's/app"`},
		{"/opt/ü/app", "/opt/ü/app"},
	} {
		got, err := execValue(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("execValue(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		// Round trip: string unescape, then argument parsing and %%.
		prog, _, err := execProgram(unescapeString(got + " %u"))
		if err != nil || prog != tc.in {
			t.Errorf("round trip of %q gave %q, %v", tc.in, prog, err)
		}
	}
}

func TestExecValueRejects(t *testing.T) {
	for _, in := range []string{
		"relative/app", "", "/opt/a\nExec=/bin/evil", "/opt/a\rb", "/opt/tab\there", "/opt/\x7f", "/opt/\xff\xfe",
	} {
		if got, err := execValue(in); err == nil {
			t.Errorf("execValue(%q) = %q, want error", in, got)
		}
	}
}

func TestSplitExec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "/usr/bin/app %u", want: []string{"/usr/bin/app", "%u"}},
		{in: `  "/a b/app"   --flag  %U `, want: []string{"/a b/app", "--flag", "%U"}},
		{in: `"/a \"q\" \$ \` + "`" + ` \\ \x/app"`, want: []string{"/a \"q\" $ ` \\ \\x/app"}},
		{in: `'/single quoted/$x' %u`, want: []string{"/single quoted/$x", "%u"}},
		{in: `/a\ b/app`, want: []string{"/a b/app"}},
		{in: `pre"mid dle"post`, want: []string{"premid dlepost"}},
		{in: `""`, want: []string{""}},
		{in: `"/unterminated`, err: true},
		{in: `'/unterminated`, err: true},
		{in: "   ", err: true},
	} {
		got, err := splitExec(tc.in)
		if (err != nil) != tc.err || !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitExec(%q) = %q, %v; want %q, err=%v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestExecProgram(t *testing.T) {
	for _, tc := range []struct {
		in, prog string
		url, err bool
	}{
		{in: "/usr/bin/app %u", prog: "/usr/bin/app", url: true},
		{in: "/usr/bin/app %U", prog: "/usr/bin/app", url: true},
		{in: "/usr/bin/app %f", prog: "/usr/bin/app"},
		{in: "/usr/bin/app", prog: "/usr/bin/app"},
		{in: "/usr/bin/app --x=%%u", prog: "/usr/bin/app"}, // literal "%u", not a field code
		{in: "/opt/100%%/app %u", prog: "/opt/100%/app", url: true},
		{in: "env GDK_BACKEND=x11 /opt/app %u", prog: "/opt/app", url: true},
		{in: "/usr/bin/env A=1 B=2 app %u", prog: "app", url: true},
		{in: "env A=1", err: true},
		{in: "", err: true},
	} {
		prog, url, err := execProgram(tc.in)
		if (err != nil) != tc.err || !tc.err && (prog != tc.prog || url != tc.url) {
			t.Errorf("execProgram(%q) = %q, %v, %v; want %q, %v, err=%v", tc.in, prog, url, err, tc.prog, tc.url, tc.err)
		}
	}
}

func TestParseDesktopEntry(t *testing.T) {
	const in = `# comment
[Desktop Entry]
Type = Application
Name[de]=x
Exec=/a\sb/app %u
MimeType=text/html;x-scheme-handler/Stytch-Desktop;
Hidden=true

[Desktop Action new]
Exec=/other/app
Hidden=false
`
	e, err := parseDesktopEntry(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := desktopEntry{Type: "Application", Exec: "/a b/app %u", Hidden: true, MimeType: []string{"text/html", "x-scheme-handler/Stytch-Desktop"}}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %+v\nwant %+v", e, want)
	}
	if !e.handles("x-scheme-handler/stytch-desktop") || e.handles("x-scheme-handler/other") {
		t.Fatal("handles() wrong")
	}
}

func TestUnescapeString(t *testing.T) {
	for in, want := range map[string]string{
		`a\sb`: "a b", `a\\b`: `a\b`, `a\nb`: "a\nb", `a\tb\r`: "a\tb\r", `a\"b`: `a\"b`, `trailing\`: `trailing\`,
		`\\\\`: `\\`, "plain": "plain",
	} {
		if got := unescapeString(in); got != want {
			t.Errorf("unescapeString(%q) = %q, want %q", in, got, want)
		}
	}
}
