import type { AttachmentsFactory } from "../contracts";

// Being built (issue 14); core/client.ts composes it through this factory.
export const createAttachments: AttachmentsFactory = () => {
  throw new Error("core/attachments is not built yet");
};
