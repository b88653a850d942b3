// How the parts of the core meet. Each part lives in its own folder and is made by a factory that
// takes a CoreContext; core/client.ts composes them into the ParleyApp the UI uses.
// Change this file only by adding: other parts are built against it at the same time.
import type { ClientFrame, ServerFrame } from "../gen/parley/v1/parley_pb";
import type { Attachment as AttachmentContent, CallSignal } from "../gen/parley/content/v1/content_pb";
import type { AppEvent, ConnectionState, ParleyApp } from "./api";

/** The body of a ClientFrame, as protobuf-es represents the oneof. */
export type ClientBody = ClientFrame["body"];
export type ServerBody = ServerFrame["body"];

/** A request the server refused (ServerFrame.error), or a lost connection (code "UNAVAILABLE"). */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ServerError";
  }
}

/** The signed-in WebSocket (core/net): requests with request ids, pushes, reconnect with back-off. */
export interface Session {
  readonly state: ConnectionState;
  /** Sends one frame and resolves with the answer carrying its request id; rejects with ServerError. */
  request(body: ClientBody, timeoutMs?: number): Promise<ServerFrame>;
  /**
   * Sends one frame that expects no answer (request_id 0), as the Java Session.post: call media,
   * which is concealed rather than delayed. Returns false, sending nothing, while disconnected.
   */
  post(body: ClientBody): boolean;
  /** Server pushes (request_id 0): deliver, mailbox_drained, media_frame, authenticated. */
  onPush(listener: (frame: ServerFrame) => void): () => void;
  onState(listener: (state: ConnectionState, error?: string) => void): () => void;
  close(): void;
}

/** The anonymous WebSocket: never signs in; sealed Send and SubmitCommit, GetTokenKeys, Ping only. */
export interface AnonymousChannel {
  request(body: ClientBody, timeoutMs?: number): Promise<ServerFrame>;
  close(): void;
}

/**
 * The profile store (core/store): IndexedDB, every value encrypted under a non-extractable
 * AES-GCM key (wrapped by a passphrase when the user set one). Keys are strings; values bytes.
 */
export interface Vault {
  get(area: string, key: string): Promise<Uint8Array | undefined>;
  put(area: string, key: string, value: Uint8Array): Promise<void>;
  delete(area: string, key: string): Promise<void>;
  /** Every key of an area with its value, in key order. */
  entries(area: string): Promise<[string, Uint8Array][]>;
  /** Added for issue 14's latency: several puts in one transaction, all of them or none. */
  putAll(writes: VaultWrite[]): Promise<void>;
}

/** One put of Vault.putAll: area, key, value. */
export type VaultWrite = [area: string, key: string, value: Uint8Array];

/**
 * This device (core/account), as local.proto's DeviceRecord holds it: account and device ids, the
 * device's Ed25519 signature key (MLS leaf and sign-in), the account's Ed25519 key, this device's
 * certificate by the account key, and the X25519 mailbox key the server seals stored copies to.
 */
export interface DeviceIdentity {
  readonly username: string;
  readonly accountId: Uint8Array;
  readonly deviceId: Uint8Array;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  readonly accountPublicKey: Uint8Array;
  readonly accountPrivateKey: Uint8Array;
  readonly deviceCertificate: Uint8Array;
  readonly mailboxPublicKey: Uint8Array;
  readonly mailboxPrivateKey: Uint8Array;
  // Added for issue 14 (optional so that identities built elsewhere, as in tests, stay valid); core/account always sets both.
  /** DeviceRecord.profile_key: 32 random bytes shared by the account's devices; access keys derive from it. */
  readonly profileKey?: Uint8Array;
  /** This account's sealed-sender access key, AccessKey.fromProfileKey(profileKey): what other accounts present to send to it sealed. */
  readonly accessKey?: Uint8Array;
  /**
   * Added for issue 14: replaces the profile key (after a block, or a newer one from another device
   * of the account), saved in the vault; profileKey and accessKey change with it. Tell the server
   * the new access key first (SetAccessKey), as the Java Requests.block does.
   */
  replaceProfileKey?(vault: Vault, profileKey: Uint8Array): Promise<void>;
  /** Added for issue 15: the server key pinned at registration (empty before one is), which a tunnel through a bridge must find. */
  readonly serverKey?: Uint8Array;
}

export interface EventSink {
  emit(event: AppEvent): void;
}

export interface CoreContext {
  readonly serverUrl: string; // http(s)://host:port of the Parley server: the address its session signs in to now (the page's origin, or an announced alternate), or the bridge link it goes through
  readonly session: Session;
  readonly anonymous: AnonymousChannel;
  readonly vault: Vault;
  readonly identity: DeviceIdentity;
  readonly events: EventSink;
  readonly carrier: Carrier;
}

/** core/attachments: encrypt and upload a file, download and check one. */
export interface AttachmentService {
  upload(file: Blob, name: string, caption?: string): Promise<AttachmentContent>;
  download(attachment: AttachmentContent): Promise<Blob>;
}

/** What core/calls needs from a conversation: MLS exporter secrets and call signals. */
export interface CallChannel {
  /** MLS-Exporter(label, context, length) of the conversation's current epoch (RFC 9420 §8.5). */
  exportSecret(conversationId: string, label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  epoch(conversationId: string): bigint;
  sendSignal(conversationId: string, signal: CallSignal): Promise<void>;
  onSignal(listener: (conversationId: string, sender: string, senderDevice: Uint8Array, signal: CallSignal) => void): () => void;
  memberUsernames(conversationId: string): string[];
  /**
   * As the Java Conversations.exportSecret: the exporter secret (empty context) of the current
   * epoch together with that same epoch's number, this device's leaf index and every member's leaf
   * index, read at one instant, so that SFrame KIDs (RFC 9605 §5.2) match the keys exported.
   */
  exportEpochSecret(conversationId: string, label: string, length: number): Promise<EpochSecret>;
}

/** One epoch's exporter secret and membership (CallChannel.exportEpochSecret). */
export interface EpochSecret {
  readonly epoch: bigint;
  readonly ownLeaf: number;
  readonly memberLeaves: readonly number[];
  /** Added for issue 14's video, optional: each member's username, in memberLeaves' order. */
  readonly memberNames?: readonly string[];
  readonly secret: Uint8Array;
}

/** What core/safety needs: the account keys this device has seen per username (MLS credentials). */
export interface ContactKeys {
  accountKey(username: string): Promise<Uint8Array | undefined>;
}

export type ConversationsService = Pick<
  ParleyApp,
  | "conversations" | "messages" | "hasEarlier" | "openDirect" | "createGroup" | "members" | "addMember" | "removeMember"
  | "setAdmin" | "leave" | "accept" | "deleteRequest" | "block" | "send" | "edit" | "remove" | "react"
  | "markRead" | "sendFile" | "download" | "setTimer"
> &
  CallChannel &
  ContactKeys & {
    /** Starts processing Deliver pushes and the outgoing queue; resolves when the backlog is read. */
    start(): Promise<void>;
    /** Publishes key packages (after register/link and when the server's count runs low). */
    publishKeyPackages(count: number): Promise<void>;
    /**
     * Added for issue 14, optional: adds this account's devices that its account key certifies to
     * every conversation (the Java client's syncOwnDevices); resolves false while a device listed by
     * the server has published no key packages yet. core/client.ts calls it after approveLink.
     */
    syncOwnDevices?(): Promise<boolean>;
    /** Added for issue 14, optional: stops the service's listeners and timers; core/client.ts calls it on close. */
    close?(): void;
  };

export type CallsService = Pick<ParleyApp, "startCall" | "answerCall" | "hangUp" | "callStream" | "callVideo" | "setCamera"> & {
  /** Added for issue 14, optional: ends the calls and stops the service's listeners; core/client.ts calls it on close. */
  close?(): void;
};
export type SafetyService = Pick<ParleyApp, "safetyNumber" | "verify">;

export type ConversationsFactory = (ctx: CoreContext, attachments: AttachmentService) => ConversationsService;
export type CallsFactory = (ctx: CoreContext, channel: CallChannel) => CallsService;
export type AttachmentsFactory = (ctx: CoreContext) => AttachmentService;
export type SafetyFactory = (ctx: CoreContext, contacts: ContactKeys) => SafetyService;

/** One recipient account of a send: its devices, and its access key when this device knows it. */
export interface RecipientAccount {
  accountId: Uint8Array;
  deviceIds: Uint8Array[];
  accessKey?: Uint8Array;
}

/** What core/wire's carrier answers for a commit (CommitResult, with the sealed/unsealed choice made). */
export interface CommitOutcome {
  accepted: boolean;
  currentEpoch: bigint;
  unknownDeviceIds: Uint8Array[];
}

/**
 * core/wire: how bytes reach other devices, as the Java client's Carrier and OutgoingQueue do it.
 * A payload handed here is already wrapped (PayloadWrap) and padded. A send goes sealed on the
 * anonymous connection with a send token when every recipient's access key is known, otherwise
 * unsealed on the signed-in connection. `send` resolves once the payload is in the persistent
 * outgoing queue (the UI shows "queued"); the queue retries after Error.retry_after_ms, on
 * reconnect and at the next start, in order per queue key, and reports the outcome to onSent.
 */
export interface Carrier {
  send(queueKey: string, messageId: Uint8Array, recipients: RecipientAccount[], payload: Uint8Array): Promise<void>;
  onSent(listener: (queueKey: string, messageId: Uint8Array, unknownDeviceIds: Uint8Array[]) => void): () => void;
  onFailed(listener: (queueKey: string, messageId: Uint8Array, error: ServerError) => void): () => void;
  /** SubmitCommit now (never queued): sealed when possible; signature and next key made by the caller. */
  submitCommit(
    routingId: Uint8Array,
    epoch: bigint,
    fanOut: { messageId: Uint8Array; recipients: RecipientAccount[]; payload: Uint8Array },
    welcome: { messageId: Uint8Array; recipients: RecipientAccount[]; payload: Uint8Array } | undefined,
    nextEpochKey: Uint8Array,
    signature: Uint8Array,
  ): Promise<CommitOutcome>;
}
