package lifecycle

import (
	"os"
	"strings"
	"testing"

	"stytch-desktop/app/signin"
)

// The backup codes go to the file the user chose, readable by them only
// (an existing file too); a place that can't be written is an error that
// does not quote the codes.
func TestWriteBackupCodes(t *testing.T) {
	codes := signin.BackupCodes{Organization: "Vault Labs", Email: "a@example.com", Codes: []string{"aaaa-bbbb-cccc", "dddd-eeee-ffff"}}
	path := t.TempDir() + "/codes.txt"
	if err := os.WriteFile(path, []byte("old, world-readable"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeBackupCodes(path, codes); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 || !strings.Contains(string(b), strings.Join(codes.Codes, "\n")) || strings.Contains(string(b), "old") {
		t.Fatalf("saved file: mode %v, content %q", fi.Mode().Perm(), b)
	}
	err = writeBackupCodes(t.TempDir()+"/missing/dir/codes.txt", codes)
	if err == nil || strings.Contains(err.Error(), codes.Codes[0]) {
		t.Fatalf("unwritable place: %v", err)
	}
}
