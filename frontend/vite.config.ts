/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

export default defineConfig({
  // svelteTesting: resolves Svelte's browser build under Vitest and cleans up after each test.
  plugins: [svelte(), svelteTesting()],
  // Wails embeds frontend/dist; relative asset paths work under its wails:// origin too.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
  },
  server: {
    // The notices test reads the contract so a new error kind there fails the build here.
    fs: { allow: [".", "../docs"] },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["./src/test-setup.ts"],
  },
});
