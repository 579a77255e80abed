package lifecycle

import (
	"os"
	"strings"

	"stytch-desktop/app/signin"
)

// writeBackupCodes writes the backup codes to path, a file the user chose in
// the save dialog (the only place they are written outside the screen),
// readable by the user only. Its errors name the path and the OS's reason,
// never a code.
func writeBackupCodes(path string, c signin.BackupCodes) error {
	var b strings.Builder
	b.WriteString("Backup codes for " + c.Organization + " (" + c.Email + ")\n")
	b.WriteString("Each code signs you in once when you can't use your authenticator app.\n\n")
	for _, code := range c.Codes {
		b.WriteString(code + "\n")
	}
	return writePrivateFile(path, []byte(b.String()))
}

// writePrivateFile creates or replaces path with mode 0600.
func writePrivateFile(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := fh.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		fh.Close()
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
