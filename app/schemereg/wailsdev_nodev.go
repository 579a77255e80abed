//go:build !dev

package schemereg

// See wailsdev_dev.go.
const wailsDevBuild = false
