// Copy to the clipboard: the Wails runtime's clipboard inside the app, the
// browser's elsewhere (demo mode, tests). Resolves true when it worked.
interface ClipboardRuntime {
  ClipboardSetText?(text: string): Promise<boolean>;
}

export async function copyText(text: string, w: Window = window): Promise<boolean> {
  try {
    const rt = (w as unknown as { runtime?: ClipboardRuntime }).runtime;
    if (rt?.ClipboardSetText) return await rt.ClipboardSetText(text);
    if (w.navigator?.clipboard) {
      await w.navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) {
    console.error("copy failed", err);
  }
  return false;
}
