//go:build bindings

package main

// bindingsBuild is true when wails generates bindings by running main: then a
// bad environment must not fail the build.
const bindingsBuild = true
