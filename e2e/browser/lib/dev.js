// Starting and stopping `wails dev` for the browser test. The test owns the
// process because part B restarts it; scripts/e2e-browser.sh only provides the
// environment (XDG dirs, session bus, display, keyring) and a safety net that
// kills the recorded process group if the test dies first.
import { spawn } from "node:child_process";
import { openSync, closeSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";

export const DEV_URL = "http://localhost:34115";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through scripts/e2e-browser.sh`);
  return v;
};

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function until(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err.fatal) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ""}`);
    }
    await sleep(intervalMs);
  }
}

export class WailsDev {
  constructor() {
    this.root = env("E2E_ROOT");
    this.wails = env("E2E_WAILS");
    this.logFile = env("E2E_WAILS_LOG");
    this.pgidFile = env("E2E_WAILS_PGID_FILE");
    this.child = null;
  }

  /** Starts `wails dev` and waits until the page and the local API answer. Returns the seconds it took. */
  async start(timeoutMs = 180_000) {
    const t0 = Date.now();
    const log = openSync(this.logFile, "a");
    const logStart = readFileSync(this.logFile, "utf8").length;
    // -s: the frontend is already built (and another job may own frontend/node_modules);
    // -m -nosyncgomod -skipbindings: never rewrite go.mod/go.sum or frontend/wailsjs;
    // -noreload -nogorebuild: other jobs may edit the tree meanwhile; a rebuild
    // would restart the app in the middle of a flow. The frontend:dev:watcher (Vite) in
    // wails.json still runs: wails dev starts it regardless of -s.
    const args = ["dev", "-s", "-m", "-nosyncgomod", "-skipbindings", "-noreload", "-nogorebuild", "-loglevel", "Warning"];
    // detached: its own process group, so stop() reaches Vite and the app too.
    this.child = spawn(this.wails, args, { cwd: this.root, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    writeFileSync(this.pgidFile, String(this.child.pid));
    let exited = null;
    this.child.once("exit", (code, signal) => (exited = { code, signal }));
    await until(
      `${DEV_URL} to answer (log: ${this.logFile})`,
      async () => {
        if (exited) throw new Error(`wails dev exited early (${JSON.stringify(exited)})`);
        // A compile error leaves wails dev waiting for edits forever: fail now.
        if (readFileSync(this.logFile, "utf8").slice(logStart).includes("Build error")) {
          throw Object.assign(new Error(`the app did not compile under wails dev (log: ${this.logFile})`), { fatal: true });
        }
        const res = await fetch(DEV_URL, { signal: AbortSignal.timeout(2000) });
        return res.ok && (await res.text()).includes("<div");
      },
      timeoutMs,
      500,
    );
    // The backend starts its local API when the window's DOM is ready.
    await until("the local API port file", () => this.apiPort(), 30_000);
    // wails dev puts Vite in a process group of its own: remember every group
    // it started so stop() and the script's safety net reach all of them.
    this.groups = groupsOf(this.child.pid);
    writeFileSync(this.pgidFile, [...this.groups].join("\n") + "\n");
    return (Date.now() - t0) / 1000;
  }

  /** The local Stytch-compatible API's port, or 0 before it has started. */
  apiPort() {
    // Broker mode: the standalone local API behind the broker (scripts/e2e-browser.sh).
    if (process.env.E2E_API_PORT) return Number(process.env.E2E_API_PORT);
    try {
      return Number(readFileSync(path.join(env("XDG_CONFIG_HOME"), "stytch-desktop", "local-stytch-port"), "utf8").trim()) || 0;
    } catch {
      return 0;
    }
  }

  /** Stops wails dev: SIGINT lets it kill the app and Vite and remove its binary; SIGKILL the group if it hangs. */
  async stop(timeoutMs = 15_000) {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const gone = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", resolve)));
    try {
      process.kill(child.pid, "SIGINT");
    } catch {
      /* already gone */
    }
    const groups = new Set([...(this.groups ?? []), ...groupsOf(child.pid)]);
    await Promise.race([gone, sleep(timeoutMs)]);
    // Whatever wails dev left behind (the app, Vite) goes too: only the
    // process groups it started, never anything found by name.
    for (const sig of ["SIGTERM", "SIGKILL"]) {
      for (const g of groups) {
        try {
          process.kill(-g, sig);
        } catch {
          /* group already empty */
        }
      }
      try {
        await until("the wails dev process groups to exit", () => [...groups].every((g) => !groupAlive(g)), 5_000);
        break;
      } catch (err) {
        if (sig === "SIGKILL") throw err;
      }
    }
    await until(`${DEV_URL} to stop answering`, async () => {
      try {
        await fetch(DEV_URL, { signal: AbortSignal.timeout(1000) });
        return false;
      } catch {
        return true;
      }
    }, 10_000);
  }
}

/** The process groups of pid and all its descendants (from /proc). */
function groupsOf(pid) {
  const stats = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the ")" that ends the command name: state ppid pgrp ...
      const rest = readFileSync(`/proc/${name}/stat`, "utf8").split(") ").pop().split(" ");
      stats.push({ pid: Number(name), ppid: Number(rest[1]), pgrp: Number(rest[2]) });
    } catch {
      /* exited meanwhile */
    }
  }
  const pids = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) {
      if (pids.has(s.ppid) && !pids.has(s.pid)) {
        pids.add(s.pid);
        grew = true;
      }
    }
  }
  // Never our own group (or 0/1): we signal whole groups.
  const own = stats.find((s) => s.pid === process.pid)?.pgrp;
  const groups = new Set([pid]);
  for (const s of stats) if (pids.has(s.pid) && s.pgrp > 1 && s.pgrp !== own) groups.add(s.pgrp);
  return groups;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
