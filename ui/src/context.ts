import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AppStatus, Labels } from "./bindings";

/**
 * What every screen may read: the account, today, the labels of every choice, and `dataStamp`,
 * which changes whenever a sync brought records in (lists reload on it).
 */
export type AppCtx = { status: AppStatus; labels: Labels; dataStamp: string | null };
export const AppContext = createContext<AppCtx>(null as unknown as AppCtx);
export const useApp = () => useContext(AppContext);
