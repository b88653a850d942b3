// Errors of the core that people see, with a stable code the UI translates (en, ru): the message
// stays English, for logs and for callers without a UI. ServerError (contracts.ts) carries the
// server's ErrorCode name the same way; both are read by their `code`.

/** Codes of the core's own errors; the server's are parley.proto's ErrorCode names plus UNAVAILABLE. */
export type CoreErrorCode =
  | "LINK_REFUSED" // the approval that reached this device does not make it a device of that account
  | "LINK_WRONG_DEVICE" // the device waiting with a code is not the one showing it
  | "LINK_EXPIRED" // no device approved the link in time
  | "NO_SUCH_USER" // params: username
  | "FORKED" // params: conversation
  | "SERVER_KEY_CHANGED" // the server showed another key than the one pinned at registration
  | "NO_SERVER_KEY" // a bridge to be used, and neither a pinned server key nor one the page names
  | "BRIDGE_LINK_INVALID" // a parley://bridge? link that is not a whole one (the English message says which part)
  | "OTHER_SERVER" // params: server; an address of another server than the one that served this page
  // What a person asked for that cannot be done as asked (params in brackets):
  | "SELF_DIRECT" // a 1:1 with oneself
  | "ALREADY_MEMBER" // (username, conversation)
  | "REMOVE_SELF" // removing oneself instead of leaving
  | "NOT_MEMBER" // (username, conversation)
  | "NOT_ADMIN" // (conversation, admins)
  | "IS_REQUEST" // (conversation) a message request not accepted yet
  | "NO_DEVICE_YET" // (username) no key package to add them with
  | "NO_CERTIFIED_DEVICE" // (username) no listed device signed by their account key
  | "GROUP_NAME" // (max)
  | "NOT_IN_CONVERSATION"
  | "NOT_OWN_MESSAGE"
  | "MESSAGE_DELETED"
  | "EMPTY_TEXT"
  | "TEXT_TOO_LONG" // (max)
  | "BLOCK_INCOMPLETE" // (username) blocked here, but the server kept the old access key
  | "GROUP_BUSY" // commits lost to others' several times in a row
  | "NUMBERS_DIFFER" // (username)
  | "COMPARE_FIRST" // (username)
  | "KEY_CHANGED_SINCE_SHOWN" // (username)
  | "SAFETY_SELF"
  | "NO_ACCOUNT_KEY" // (username)
  | "LINK_CODE_INVALID"
  | "ADDRESS_INVALID";

export class CoreError extends Error {
  constructor(
    readonly code: CoreErrorCode,
    message: string,
    readonly params: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = "CoreError";
  }
}

/** The code and parameters of anything thrown, when it has a code (a CoreError, a ServerError). */
export function errorCode(error: unknown): { code: string; params: Record<string, string | number> } | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, params, retryAfterMs } = error as { code?: unknown; params?: Record<string, string | number>; retryAfterMs?: unknown };
  if (typeof code !== "string") return undefined;
  const seconds: Record<string, number> = typeof retryAfterMs === "number" ? { seconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : {};
  return { code, params: { ...params, ...seconds } };
}
