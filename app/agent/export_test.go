//go:build unix

package agent

// WithPeerUID makes a server that serves only peers of uid (tests).
func WithPeerUID(o Options, uid int) Options { o.peerUID = &uid; return o }
