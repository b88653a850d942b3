// This device's place in the server's call relay, the twin of Java's RelayLink with
// RelayTransport's WebSocket path (a browser has no UDP): a call token over the signed-in
// WebSocket (RequestCallToken -> CallToken), JoinCallOverWebSocket -> CallJoined, then media
// packets out as MediaFrame posts and in as MediaFrame pushes, without their call id. The token
// expires: the link joins again with a fresh one at three quarters of its life, and whenever the
// connection was re-established (the relay forgot the old WebSocket's participant).
import { create } from "@bufbuild/protobuf";
import {
  JoinCallOverWebSocketSchema, MediaFrameSchema, RequestCallTokenSchema, type CallToken,
} from "../../gen/parley/v1/parley_pb";
import type { Session } from "../contracts";
import { restoreCallId, stripCallId } from "./packet";

/** Never refresh the token more often than this, even if the clocks disagree about its expiry. */
const MIN_REFRESH_MS = 1_000;
const REJOIN_RETRY_MS = 1_000;

export class CallRelayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallRelayError";
  }
}

export class RelayLink {
  #participantId = 0;
  #refresh: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #unsubscribe: (() => void)[] = [];

  private constructor(
    private readonly session: Session,
    private readonly callId: Uint8Array,
  ) {}

  /** Joins the relay for callId; media packets of the others (call id restored) go to onMedia. */
  static async join(session: Session, callId: Uint8Array, onMedia: (packet: Uint8Array) => void): Promise<RelayLink> {
    const link = new RelayLink(session, callId);
    link.#unsubscribe.push(
      session.onPush((frame) => {
        if (frame.body.case !== "mediaFrame" || link.#closed) return;
        // A connection is in one call at a time: pushes leave the call id empty; one naming another call is dropped.
        const named = frame.body.value.callId;
        if (named.length !== 0 && !sameBytes(named, callId)) return;
        const packet = restoreCallId(frame.body.value.payload, callId);
        if (packet) onMedia(packet);
      }),
    );
    let wasOffline = false;
    link.#unsubscribe.push(
      session.onState((state) => {
        if (state !== "online") wasOffline = true;
        else if (wasOffline) {
          wasOffline = false;
          link.#rejoin();
        }
      }),
    );
    try {
      await link.#joinOnce();
    } catch (e) {
      link.close();
      throw e;
    }
    return link;
  }

  /** This device's participant id in the relay; a re-join may change it. */
  get participantId(): number {
    return this.#participantId;
  }

  async #joinOnce(): Promise<void> {
    const answer = await this.session.request({ case: "requestCallToken", value: create(RequestCallTokenSchema, { callId: this.callId }) });
    if (answer.body.case !== "callToken") throw new CallRelayError(`the server answered a call token request with ${answer.body.case}`);
    const token: CallToken = answer.body.value;
    const joined = await this.session.request({
      case: "joinCallOverWebSocket",
      value: create(JoinCallOverWebSocketSchema, { token: token.token }),
    });
    if (joined.body.case !== "callJoined" || joined.body.value.participantId !== token.participantId) {
      throw new CallRelayError(`the server did not let this device join the call over the WebSocket: ${joined.body.case}`);
    }
    this.#participantId = token.participantId;
    this.#scheduleRefresh(token);
  }

  /** Refreshes at three quarters of the token's remaining life, leaving a quarter for the re-join. */
  #scheduleRefresh(token: CallToken): void {
    clearTimeout(this.#refresh);
    if (this.#closed) return;
    const remaining = Number(token.expiresAt) - Date.now();
    this.#refresh = setTimeout(() => this.#rejoin(), Math.max(MIN_REFRESH_MS, (remaining * 3) / 4));
  }

  /** Makes the WebSocket this device's relay endpoint again (after WebTransport went quiet). */
  rejoin(): void {
    this.#rejoin();
  }

  #rejoin(): void {
    if (this.#closed) return;
    this.#joinOnce().catch(() => {
      if (!this.#closed) {
        clearTimeout(this.#refresh);
        this.#refresh = setTimeout(() => this.#rejoin(), REJOIN_RETRY_MS);
      }
    });
  }

  /** Sends one media packet of this call without its call id; false while disconnected (media is not queued). */
  send(packet: Uint8Array): boolean {
    if (this.#closed) return false;
    return this.session.post({ case: "mediaFrame", value: create(MediaFrameSchema, { payload: stripCallId(packet, this.callId) }) });
  }

  /** Stops re-joining and taking media. The relay forgets a WebSocket participant when it joins another call or disconnects. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#refresh);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
