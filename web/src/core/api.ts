// What the user interface sees of the client: one object (ParleyApp, made by core/client.ts) and
// plain data. The UI never touches protobuf, MLS or keys; the core never touches the DOM.
// Identifiers are lower-case hex strings (conversation = MLS group id, message = Content.id).

export type ConnectionState = "offline" | "connecting" | "online";

export interface ConversationSummary {
  id: string;
  name: string; // group name, or the other person's username for a 1:1
  direct: boolean;
  peer?: string; // the other person of a 1:1
  unread: number;
  lastText?: string;
  lastAt?: number; // ms since the epoch
  request: boolean; // a message request not yet accepted
  admin: boolean; // this account may add and remove members
  timerSeconds?: number; // disappearing messages: seconds after sending that a message is deleted; 0 or absent: off
  forked?: boolean; // the server gave members of this conversation different versions of it (a forked group)
}

export type MessageStatus = "queued" | "sent" | "delivered" | "read" | "failed";

export interface AttachmentInfo {
  name: string;
  size: number; // plaintext bytes
  image: boolean; // shown inline
}

export interface ChatMessage {
  id: string;
  conversationId: string;
  sender: string; // username
  outgoing: boolean;
  sentAt: number;
  text: string; // "" for an attachment without caption
  replyTo?: { id: string; sender: string; text: string };
  edited: boolean;
  deleted: boolean;
  reactions: { emoji: string; users: string[] }[];
  attachment?: AttachmentInfo;
  status: MessageStatus; // outgoing only; incoming messages are "sent"
  expiresAt?: number; // ms since the epoch when it disappears (its conversation's timer when it was stored)
}

export interface Member {
  username: string;
  admin: boolean;
  self: boolean;
}

export interface DeviceInfo {
  id: string;
  current: boolean;
  createdAt?: number;
}

export interface SafetyNumberInfo {
  username: string;
  number: string; // 60 digits in groups of five, as the CLI prints it
  qr: string; // payload to show as a QR code
  verified: boolean;
  changed: boolean; // the contact's keys changed since they were verified
}

export interface LinkRequest {
  code: string; // shown to the user and as a QR code, typed or scanned on the existing device
  fingerprint: string; // both devices show it; the user compares before approving
  approved: Promise<void>; // resolves once the existing device approved and this one signed in
}

/** One address of this profile's server, in the order they are tried (core/net/addresses.ts). */
export interface ServerAddressInfo {
  address: string;
  /** Registered at, added by the user (a bridge link), or announced by the server, signed. */
  source: "registered" | "added" | "announced";
  /** A bridge link: reached through the bridge by the tunnel, which the bridge cannot read. */
  bridge: boolean;
  /** Why this browser does not use it: plain http, or malformed. */
  unusable?: "plain" | "malformed";
  lastWorking: boolean;
  /** The last try of it did not get through (since this app started). */
  failedLast?: boolean;
}

export interface ServersInfo {
  addresses: ServerAddressInfo[];
  /** The server key pinned at registration or link, hex; undefined while none is pinned. */
  serverKey?: string;
}

export interface PendingLink {
  username: string;
  fingerprint: string;
}

export type CallState = "ringing" | "incoming" | "connecting" | "active" | "ended";

export interface CallInfo {
  id: string;
  conversationId: string;
  state: CallState;
  /** This device sends its camera's video (asked for with a video call or answer, or the camera button). */
  video: boolean;
  /** The ring offered video (the caller's camera is on): an incoming call is shown as a video call. */
  videoOffered: boolean;
  participants: string[];
  /** Why the call ended early: nobody answered the ring, or it could not connect (media, microphone, relay). */
  error?: "noAnswer" | "failed";
  /** Why the camera is off although video was asked for: the call goes on with audio. */
  cameraError?: "unsupported" | "denied" | "missing" | "failed";
}

/** The video of one call (ParleyApp.callVideo): this device's camera and each other participant's picture. */
export interface CallVideoView {
  /** This device's camera while it sends, for a muted preview. */
  readonly local: MediaStream | undefined;
  remotes(): RemoteVideoView[];
}

export interface RemoteVideoView {
  readonly participantId: number;
  /** The sender's username, from the SFrame key its frames are encrypted under. */
  readonly name: string | undefined;
  /** Frames decoded and drawn so far. */
  readonly decoded: number;
  /** Frames this browser could not decode (another codec, such as the CLI's synthetic test video): skipped. */
  readonly skipped: number;
  /** Draws the sender's frames onto this canvas from now on; null detaches it. */
  attach(canvas: HTMLCanvasElement | null): void;
}

export type AppEvent =
  | { kind: "connection"; state: ConnectionState; error?: string }
  | { kind: "conversations" } // the list (names, unread counts, requests) changed
  | { kind: "messages"; conversationId: string } // messages of one conversation changed
  | { kind: "call"; call: CallInfo }
  | { kind: "notice"; code: NoticeCode; message: string; params?: Record<string, string | number> }; // something the user should read (key change, dropped message...); the UI shows `code` translated, `message` is English, for logs

/**
 * What a notice says, which the UI translates (every code has a sentence in each language; the
 * English `message` beside it may carry technical detail, which the user never sees). Params:
 * TIMER name, seconds; FORKED, REMOVED_FROM conversation; JOINED, LEFT names, conversation;
 * KEYS_CHANGED, IMPERSONATED username (and conversation); UNCERTIFIED_DEVICE device;
 * SERVER_PROBLEM detail (English, what the app dropped).
 */
export type NoticeCode =
  | "TIMER"
  | "FORKED"
  | "ANNOUNCEMENT_REFUSED"
  | "SERVER_KEY_CHANGED"
  | "UNSEALED_DROPPED" // a copy not sealed to this device
  | "MESSAGE_RETRY" // a message could not be processed now; it comes again
  | "MESSAGE_DROPPED" // a message broke the rules (or did not decrypt) and was dropped
  | "SEND_FAILED"
  | "KEY_PACKAGES_UNPUBLISHED"
  | "READ_FAILED" // stored messages could not be read
  | "TASK_FAILED" // a background step (receipts, access key, removals) failed
  | "REMOVED_FROM"
  | "JOINED"
  | "LEFT"
  | "KEYS_CHANGED"
  | "IMPERSONATED"
  | "UNCERTIFIED_DEVICE"
  | "DEVICE_NOT_READY" // a linked device has not published its keys yet
  | "DEVICE_NOT_ADDED"
  | "DEVICE_STILL_IN" // an unlinked device could not be removed from every conversation yet
  | "NO_TOKENS"
  | "TOKENS_DISCARDED" // tokens under a key the anonymous connection was not shown
  | "SERVER_PROBLEM"; // the server sent a frame this app cannot use (dropped)

export interface ParleyApp {
  // ---- profile and account
  /** The username of the signed-in account, or undefined before register/link. */
  readonly username: string | undefined;
  readonly serverUrl: string;
  /** `via`: a bridge link to register (or link) through, when the server cannot be reached directly; it is kept as an added address. */
  register(username: string, inviteCode?: string, via?: string): Promise<void>;
  requestLink(username: string, via?: string): Promise<LinkRequest>;
  inspectLink(code: string): Promise<PendingLink>; // on an existing device
  approveLink(code: string): Promise<void>;
  devices(): Promise<DeviceInfo[]>;
  /** This profile's server addresses and pinned server key; undefined before register/link. */
  servers(): ServersInfo | undefined;
  /**
   * Adds a bridge link (parley://bridge?...) to the addresses tried, after this page's server;
   * tries it at once when the server cannot be reached now.
   */
  addBridge(link: string): Promise<void>;
  /** Removes a bridge link the user added. */
  removeBridge(link: string): Promise<void>;
  removeDevice(id: string): Promise<void>;

  // ---- conversations
  conversations(): ConversationSummary[];
  messages(conversationId: string, limit?: number): ChatMessage[];
  /** Whether the conversation keeps messages older than the newest `shown` (web-perf: paging). */
  hasEarlier(conversationId: string, shown: number): boolean;
  openDirect(username: string): Promise<string>; // conversation id
  createGroup(name: string, usernames: string[]): Promise<string>;
  members(conversationId: string): Member[];
  addMember(conversationId: string, username: string): Promise<void>;
  removeMember(conversationId: string, username: string): Promise<void>;
  setAdmin(conversationId: string, username: string, admin: boolean): Promise<void>;
  leave(conversationId: string): Promise<void>;
  accept(conversationId: string): Promise<void>;
  deleteRequest(conversationId: string): Promise<void>;
  block(username: string): Promise<void>;
  /** Disappearing messages for everyone in the conversation: seconds after sending (0: off), as `parley timer` sets it. */
  setTimer(conversationId: string, seconds: number): Promise<void>;

  // ---- messages (each resolves once queued; status follows in "messages" events)
  send(conversationId: string, text: string, replyTo?: string): Promise<string>;
  edit(conversationId: string, messageId: string, text: string): Promise<void>;
  remove(conversationId: string, messageId: string): Promise<void>;
  react(conversationId: string, messageId: string, emoji: string): Promise<void>;
  markRead(conversationId: string): Promise<void>;
  sendFile(conversationId: string, file: File | Blob, name: string, caption?: string): Promise<string>;
  download(conversationId: string, messageId: string): Promise<Blob>; // checked against the digest

  // ---- safety
  safetyNumber(username: string): Promise<SafetyNumberInfo>;
  /** `proof` (optional): the number typed from, or the QR payload scanned from, the other screen; it must match. */
  verify(username: string, proof?: string): Promise<void>;

  // ---- calls
  startCall(conversationId: string, video: boolean): Promise<CallInfo>;
  answerCall(callId: string, video: boolean): Promise<void>;
  hangUp(callId: string): Promise<void>;
  /** Remote media for <audio>/<video> elements of the call, once active. */
  callStream(callId: string): MediaStream | undefined;
  /** The call's video once it is connecting or active. */
  callVideo(callId: string): CallVideoView | undefined;
  /** Turns this device's camera on or off during a call; on fails (cameraError) where there is no camera. */
  setCamera(callId: string, on: boolean): Promise<void>;

  // ---- events
  subscribe(listener: (event: AppEvent) => void): () => void;
  close(): Promise<void>;
}
