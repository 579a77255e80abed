import { mount } from "svelte";
import App from "./App.svelte";
import { hasWails, wailsBackend, type Backend } from "./lib/backend";
import type { View } from "./lib/types";
import "./app.css";

// The font stack per platform (app.css): set before anything is laid out.
const platform = navigator.platform || "";
if (platform.startsWith("Mac")) document.documentElement.dataset.os = "mac";
else if (platform.startsWith("Win")) document.documentElement.dataset.os = "windows";

const target = document.getElementById("app");
if (!target) throw new Error("main: #app element missing from index.html");

function start(props: { backend: Backend; startCreating?: boolean; initial?: View | null }) {
  mount(App, { target: target!, props });
}

// The Go side's first view, set by /first-view.js (index.html) before this
// module runs (app/lifecycle/firstview.go). Absent outside Wails.
function firstView(): View | null {
  const v = (window as unknown as { __stytchFirstView?: View | null }).__stytchFirstView;
  return v && typeof v === "object" && typeof v.screen === "string" ? v : null;
}

// Inside Wails the Go bindings are injected before this module runs, and the
// app mounts at once on them. Only in development (Vite's dev server),
// ?demo=<screen> or a page without Wails runs the screens on the in-memory
// fake so they can be previewed in a plain browser. `import.meta.env.DEV` is
// false in `vite build`, so the fake is not in the production bundle at all.
if (import.meta.env.DEV && (new URLSearchParams(window.location.search).has("demo") || !hasWails())) {
  void import("./lib/demo").then(({ demoFromSearch }) => {
    const demo = demoFromSearch(window.location.search) ?? demoFromSearch("?demo=signed_out");
    console.info("stytch-desktop: demo mode with an in-memory backend");
    start({ backend: demo!.backend, startCreating: demo!.startCreating });
  });
} else {
  start({ backend: wailsBackend(), initial: firstView() });
}
