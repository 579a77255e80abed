import { mount } from "svelte";
import App from "./App.svelte";
import { hasWails, wailsBackend } from "./lib/backend";
import { demoFromSearch } from "./lib/fake";
import "./app.css";

// Inside Wails the Go bindings are injected before this module runs.
// ?demo=<screen> (or no Wails at all) runs the screens on the in-memory fake,
// so they can be previewed and screenshotted in a plain browser.
const demo = demoFromSearch(window.location.search) ?? (hasWails() ? undefined : demoFromSearch("?demo=signed_out"));
if (demo) console.info("stytch-desktop: demo mode with an in-memory backend");

const target = document.getElementById("app");
if (!target) throw new Error("main: #app element missing from index.html");

mount(App, {
  target,
  props: demo ? { backend: demo.backend, startCreating: demo.startCreating } : { backend: wailsBackend() },
});
