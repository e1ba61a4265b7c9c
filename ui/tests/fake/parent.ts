// The fake backend's parent commands.
import type { Handlers } from "./backend";

export const parentCommands: Handlers = {};
