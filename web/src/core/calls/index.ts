// Calls in conversations, the twin of Java's Calls and Call: signalling (ring, accept, join,
// leave, hang up) travels as CallSignal application messages of the conversation's MLS group
// (CallChannel), so the server sees chat-like ciphertext only; media goes through the relay
// (CallMedia), with the browser's microphone and speaker (BrowserCallAudio) and, in a video call or
// once the camera button is pressed, its camera (BrowserCallVideo); others' video is drawn whenever
// it arrives. A ring says whether it offers video (the caller's camera is on), so the callee is told
// "video call"; either side may still turn its camera on or off at any time.
//
// As the Java CLI: the caller rings, and joins the media once someone accepts; the answerer joins
// the media first, then accepts, so the caller's first frames find it in the call.
import { create } from "@bufbuild/protobuf";
import { CallSignalSchema, CallSignal_Kind, type CallSignal } from "../../gen/parley/content/v1/content_pb";
import type { CallInfo, CallState, CallVideoView } from "../api";
import { fromHex, randomBytes, toHex } from "../bytes";
import type { CallChannel, CallsFactory, CallsService, CoreContext } from "../contracts";
import { CallMedia } from "./call-media";
import { CALL_ID_BYTES } from "./packet";
import { BrowserCallVideo, CallVideoError } from "./video";
import { BrowserCallAudio } from "./webcodecs";

/** How long a ring waits for an answer, as the CLI's SIGNAL_WAIT. */
const RING_TIMEOUT_MS = 60_000;

interface CallRecord {
  info: CallInfo;
  readonly callId: Uint8Array;
  /** True when this device rang. */
  readonly outgoing: boolean;
  media?: CallMedia;
  audio?: BrowserCallAudio;
  video?: BrowserCallVideo;
  ringTimer?: ReturnType<typeof setTimeout>;
}

class Calls implements CallsService {
  readonly #calls = new Map<string, CallRecord>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly channel: CallChannel,
  ) {
    channel.onSignal((conversationId, sender, _senderDevice, signal) => {
      // This account's own signals (this device's, or another of its devices') are not calls to answer.
      if (sender === ctx.identity.username || signal.callId.length !== CALL_ID_BYTES) return;
      void this.#signalled(conversationId, sender, signal);
    });
  }

  async startCall(conversationId: string, video: boolean): Promise<CallInfo> {
    const callId = randomBytes(CALL_ID_BYTES);
    const record: CallRecord = {
      info: { id: toHex(callId), conversationId, state: "ringing", video, videoOffered: video, participants: [] },
      callId,
      outgoing: true,
    };
    this.#calls.set(record.info.id, record);
    await this.#signal(record, CallSignal_Kind.RING);
    record.ringTimer = setTimeout(() => {
      if (record.info.state === "ringing") void this.#end(record, CallSignal_Kind.HANG_UP, "noAnswer");
    }, RING_TIMEOUT_MS);
    this.#emit(record);
    return { ...record.info };
  }

  async answerCall(callId: string, video: boolean): Promise<void> {
    const record = this.#require(callId);
    if (record.info.state !== "incoming") throw new Error(`the call is ${record.info.state}, not ringing here`);
    record.info = { ...record.info, video };
    await this.#joinMedia(record);
    await this.#signal(record, CallSignal_Kind.ACCEPT);
  }

  async hangUp(callId: string): Promise<void> {
    const record = this.#require(callId);
    if (record.info.state !== "ended") await this.#end(record, CallSignal_Kind.HANG_UP);
  }

  callStream(callId: string): MediaStream | undefined {
    return this.#calls.get(callId)?.audio?.remoteStream;
  }

  callVideo(callId: string): CallVideoView | undefined {
    const video = this.#calls.get(callId)?.video;
    return video && { local: video.localStream, remotes: () => video.remotes() };
  }

  async setCamera(callId: string, on: boolean): Promise<void> {
    const record = this.#require(callId);
    if (record.info.state === "ended") return;
    record.info = { ...record.info, video: on, cameraError: undefined };
    // Before the media is joined, the camera starts when the call connects.
    if (record.video && record.media) {
      if (on) await this.#startCamera(record, record.video, record.media);
      else record.video.stopCamera();
    }
    this.#emit(record);
  }

  #require(callId: string): CallRecord {
    const record = this.#calls.get(callId);
    if (!record) throw new Error(`no call ${callId} on this device`);
    return record;
  }

  async #signalled(conversationId: string, sender: string, signal: CallSignal): Promise<void> {
    const { kind } = signal;
    const id = toHex(signal.callId);
    const record = this.#calls.get(id);
    if (!record) {
      if (kind !== CallSignal_Kind.RING) return;
      const incoming: CallRecord = {
        info: { id, conversationId, state: "incoming", video: false, videoOffered: signal.video, participants: [sender] },
        callId: fromHex(id),
        outgoing: false,
      };
      this.#calls.set(id, incoming);
      this.#emit(incoming);
      return;
    }
    // A signal naming a known call from another conversation is somebody's forgery or mistake.
    if (record.info.conversationId !== conversationId || record.info.state === "ended") return;
    switch (kind) {
      case CallSignal_Kind.ACCEPT:
        this.#addParticipant(record, sender);
        record.video?.requestKeyFrame();
        if (record.outgoing && record.info.state === "ringing") {
          clearTimeout(record.ringTimer);
          try {
            await this.#joinMedia(record);
          } catch (e) {
            console.warn("the call could not connect", e);
            await this.#end(record, CallSignal_Kind.HANG_UP, "failed");
          }
        }
        break;
      case CallSignal_Kind.JOIN:
        // Someone new has nothing to decode from until a key frame.
        record.video?.requestKeyFrame();
        this.#addParticipant(record, sender);
        break;
      case CallSignal_Kind.LEAVE:
        record.info.participants = record.info.participants.filter((p) => p !== sender);
        if (record.info.participants.length === 0) await this.#end(record, undefined);
        else this.#emit(record);
        break;
      case CallSignal_Kind.HANG_UP:
        await this.#end(record, undefined);
        break;
      default:
        break;
    }
  }

  #addParticipant(record: CallRecord, sender: string): void {
    if (!record.info.participants.includes(sender)) {
      record.info.participants = [...record.info.participants, sender];
      this.#emit(record);
    }
  }

  /** Joins the relay with the microphone on, then tells the others (JOIN), as Java's Call.join. */
  async #joinMedia(record: CallRecord): Promise<void> {
    this.#setState(record, "connecting");
    const audio = new BrowserCallAudio();
    const video = new BrowserCallVideo(() => this.#emit(record));
    record.audio = audio;
    record.video = video;
    try {
      const media = await CallMedia.join(this.ctx.session, this.channel, record.info.conversationId, record.callId, audio);
      record.media = media;
      media.onVideo((frame) => video.received(frame, frame.sender));
      await audio.startCapture((opus) => void media.sendOpus(opus));
      if (record.info.video) await this.#startCamera(record, video, media);
      await this.#signal(record, CallSignal_Kind.JOIN);
    } catch (e) {
      this.#closeMedia(record);
      throw e;
    }
    if (record.info.state === "connecting") this.#setState(record, "active");
  }

  /** Starts the camera; where it cannot start, the call goes on with audio and says why. */
  async #startCamera(record: CallRecord, video: BrowserCallVideo, media: CallMedia): Promise<void> {
    try {
      await video.startCamera((frame, keyFrame) => void media.sendVideo(frame, keyFrame));
    } catch (e) {
      if (!(e instanceof CallVideoError)) throw e;
      record.info = { ...record.info, video: false, cameraError: e.problem };
    }
  }

  #closeMedia(record: CallRecord): void {
    record.media?.close();
    record.audio?.close();
    record.video?.close();
    record.media = undefined;
    record.audio = undefined;
    record.video = undefined;
  }

  /** Ends the call here; tells the others with `kind` unless they ended it. */
  async #end(record: CallRecord, kind: CallSignal_Kind | undefined, error?: CallInfo["error"]): Promise<void> {
    clearTimeout(record.ringTimer);
    this.#closeMedia(record);
    record.info = { ...record.info, state: "ended", ...(error ? { error } : {}) };
    this.#emit(record);
    if (kind !== undefined) await this.#signal(record, kind);
  }

  #signal(record: CallRecord, kind: CallSignal_Kind): Promise<void> {
    // Only a ring offers video; the other signals say nothing about it.
    const video = kind === CallSignal_Kind.RING && record.info.videoOffered;
    return this.channel.sendSignal(record.info.conversationId, create(CallSignalSchema, { callId: record.callId, kind, video }));
  }

  #setState(record: CallRecord, state: CallState): void {
    record.info = { ...record.info, state };
    this.#emit(record);
  }

  #emit(record: CallRecord): void {
    this.ctx.events.emit({ kind: "call", call: { ...record.info, participants: [...record.info.participants] } });
  }
}

export const createCalls: CallsFactory = (ctx, channel) => new Calls(ctx, channel);

