package agent

import "golang.org/x/sys/unix"

// fdPeerUID reads the peer's uid from the kernel: SO_PEERCRED, the
// credentials at connect time, which the peer can't fake.
func fdPeerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(cred.Uid), nil
}
