package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"stytch-desktop/app/config"
)

// The scheme is declared in three places that the OSes read: wails.json's
// info.protocols (macOS Info.plist, Windows NSIS installer), the Linux desktop
// entry, and the app's default configuration. They must agree.
func TestSchemeDeclaredEverywhere(t *testing.T) {
	b, err := os.ReadFile("wails.json")
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Name           string `json:"name"`
		OutputFilename string `json:"outputfilename"`
		Info           struct {
			Protocols []struct{ Scheme string } `json:"protocols"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if w.Name != "stytch-desktop" || w.OutputFilename != "stytch-desktop" {
		t.Fatalf("wails.json name/outputfilename = %q/%q", w.Name, w.OutputFilename)
	}
	if len(w.Info.Protocols) != 1 || w.Info.Protocols[0].Scheme != config.DefaultScheme {
		t.Fatalf("wails.json info.protocols = %+v, want the %s scheme", w.Info.Protocols, config.DefaultScheme)
	}
	entry, err := os.ReadFile("build/linux/stytch-desktop.desktop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(entry), "MimeType=x-scheme-handler/"+config.DefaultScheme+";") ||
		!strings.Contains(string(entry), " %u") {
		t.Fatalf("desktop entry does not hand %s:// links to the app:\n%s", config.DefaultScheme, entry)
	}
}
