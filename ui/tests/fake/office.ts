// The fake backend's office commands.
import type { Handlers } from "./backend";

export const officeCommands: Handlers = {};
