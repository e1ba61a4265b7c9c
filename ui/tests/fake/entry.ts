// The built UI with the Tauri IPC replaced by @tauri-apps/api/mocks: every `invoke` goes to the
// in-page fake backend, and every call is recorded on `window.__CALLS__` for the tests to check.
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeBackend, type Scenario } from "./backend";

declare global {
  interface Window {
    __SCENARIO__?: Partial<Scenario>;
    __CALLS__: { cmd: string; args: unknown }[];
    __FAKE__: FakeBackend;
  }
}

const backend = new FakeBackend(window.__SCENARIO__ ?? {});
window.__FAKE__ = backend;
window.__CALLS__ = [];
mockIPC(async (cmd, args) => {
  window.__CALLS__.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
  return backend.handle(cmd, (args ?? {}) as Record<string, unknown>);
});

await import("../../src/main");
