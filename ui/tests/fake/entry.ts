// The built UI with the Tauri IPC replaced by @tauri-apps/api/mocks: every `invoke` goes to the
// in-page fake backend, and every call is recorded on `window.__CALLS__` for the tests to check.
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeBackend, type Scenario } from "./backend";
import * as i18n from "../../src/i18n";

declare global {
  interface Window {
    __SCENARIO__?: Partial<Scenario>;
    __CALLS__: { cmd: string; args: unknown }[];
    __FAKE__: FakeBackend;
    __I18N__: typeof i18n;
  }
}

const backend = new FakeBackend(window.__SCENARIO__ ?? {});
window.__FAKE__ = backend;
// The app's dictionaries and date formatting, for tests that check them directly.
window.__I18N__ = i18n;
window.__CALLS__ = [];
mockIPC(async (cmd, args) => {
  window.__CALLS__.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
  return backend.handle(cmd, (args ?? {}) as Record<string, unknown>);
});

await import("../../src/main");
