import type { ConversationsFactory } from "../contracts";

// Being built (issue 14); core/client.ts composes it through this factory.
export const createConversations: ConversationsFactory = () => {
  throw new Error("core/conversations is not built yet");
};
