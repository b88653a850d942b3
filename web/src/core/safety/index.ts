import type { SafetyFactory } from "../contracts";

// Being built (issue 14); core/client.ts composes it through this factory.
export const createSafety: SafetyFactory = () => {
  throw new Error("core/safety is not built yet");
};
