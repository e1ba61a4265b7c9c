// The fake backend's nurse commands.
import type { Handlers } from "./backend";

export const nurseCommands: Handlers = {};
