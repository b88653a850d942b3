import type { CallsFactory } from "../contracts";

// Being built (issue 14); core/client.ts composes it through this factory.
export const createCalls: CallsFactory = () => {
  throw new Error("core/calls is not built yet");
};
