//go:build unix

package agent

import (
	"os"
	"syscall"
)

func ownedPrivate(fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return errUnsafeDirectory
	}
	return nil
}
