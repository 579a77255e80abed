//go:build dev

package schemereg

// `wails dev` compiles the app with the "dev" build tag (its OutputType); such
// a build lives in the project tree and would steal the user's registration
// from the installed app, so Ensure only reports for it.
const wailsDevBuild = true
