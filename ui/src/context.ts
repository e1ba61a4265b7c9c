import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AppStatus, Labels } from "./bindings";

/** What every screen may read: the account, today, and the labels of every choice. */
export type AppCtx = { status: AppStatus; labels: Labels };
export const AppContext = createContext<AppCtx>(null as unknown as AppCtx);
export const useApp = () => useContext(AppContext);
