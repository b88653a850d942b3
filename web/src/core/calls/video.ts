// Call video in the browser with WebCodecs: the camera (getUserMedia) encoded to VP8 at modest
// settings (640x360, 15 fps, a key frame every 2 s and whenever someone joins), and each other
// participant's frames decoded and drawn onto a canvas the page attaches. The packets carry no codec
// name, so a received frame is decoded only when its bytes are a VP8 frame of the kind its packet
// claims (RFC 6386 §9.1: a key frame's start code, a delta frame's tag); anything else, such as the
// Java client's synthetic test frames, is counted as skipped and never reaches the decoder.
import type { ReceivedVideo } from "./call-media";

/** Chromium's MediaStreamTrackProcessor on the window (TypeScript's lib declares the worker's, without `track`). */
declare const MediaStreamTrackProcessor: { new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<VideoFrame> } };

export const VIDEO_CODEC = "vp8";
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 15;
const BITRATE = 500_000;
const KEY_FRAME_INTERVAL_US = 2_000_000;
/** Frames waiting in the encoder beyond this are dropped at the camera: late video is worthless. */
const MAX_ENCODE_QUEUE = 2;

/** Why the camera is off: a reason the UI words in the user's language. */
export type CameraProblem = "unsupported" | "denied" | "missing" | "failed";

export class CallVideoError extends Error {
  constructor(
    readonly problem: CameraProblem,
    message: string,
  ) {
    super(message);
    this.name = "CallVideoError";
  }
}

/** Throws CallVideoError when this browser cannot send video (no WebCodecs video, no frame access, no VP8 encoder). */
async function requireCameraSupport(): Promise<void> {
  const unsupported = (message: string) => new CallVideoError("unsupported", message);
  if (typeof VideoEncoder === "undefined" || typeof VideoDecoder === "undefined") throw unsupported("this browser has no WebCodecs video");
  if (typeof MediaStreamTrackProcessor === "undefined") throw unsupported("this browser cannot read camera frames (MediaStreamTrackProcessor)");
  if (!globalThis.navigator?.mediaDevices?.getUserMedia) throw unsupported("this page has no access to cameras");
  const { supported } = await VideoEncoder.isConfigSupported(encoderConfig(WIDTH, HEIGHT));
  if (!supported) throw unsupported("this browser cannot encode VP8 video");
}

function encoderConfig(width: number, height: number): VideoEncoderConfig {
  return { codec: VIDEO_CODEC, width, height, bitrate: BITRATE, framerate: FPS, latencyMode: "realtime" };
}

/**
 * Whether `data` is a VP8 frame of the kind the packet's key-frame flag says (RFC 6386 §9.1): the
 * 3-byte frame tag (bit 0 clear for a key frame, version 0..3, the first partition inside the
 * frame), and for a key frame the start code 9d 01 2a and a non-zero size.
 */
export function looksLikeVp8(data: Uint8Array, keyFrame: boolean): boolean {
  if (data.length < 3) return false;
  const tag = data[0] | (data[1] << 8) | (data[2] << 16);
  const isKey = (tag & 1) === 0;
  const version = (tag >> 1) & 7;
  const firstPartition = tag >>> 5;
  if (isKey !== keyFrame || version > 3 || firstPartition > data.length) return false;
  if (!isKey) return true;
  if (data.length < 10 || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return false;
  return (data[6] | ((data[7] & 0x3f) << 8)) > 0 && (data[8] | ((data[9] & 0x3f) << 8)) > 0;
}

/** One other participant's video as the page sees it. */
export interface RemoteVideoState {
  readonly participantId: number;
  readonly name: string | undefined;
  /** Frames decoded and drawn. */
  readonly decoded: number;
  /** Frames that arrived whole and decrypted but are not VP8 this browser decodes (or failed to decode). */
  readonly skipped: number;
}

/** The camera of this page and the other participants' video of one call. */
export class BrowserCallVideo {
  readonly #remotes = new Map<number, RemoteVideo>();
  #camera: { stream: MediaStream; stop(): void; requestKeyFrame(): void } | undefined;
  #closed = false;

  /** onChange: a participant's video appeared, started playing or turned out undecodable. */
  constructor(private readonly onChange: () => void) {}

  /** This device's camera while it sends, for a muted preview. */
  get localStream(): MediaStream | undefined {
    return this.#camera?.stream;
  }

  get cameraOn(): boolean {
    return this.#camera !== undefined;
  }

  /**
   * Opens the camera and hands each encoded frame to onFrame. Throws CallVideoError when there
   * is no camera, access was denied, or the browser cannot encode VP8; the call stays audio-only.
   */
  async startCamera(onFrame: (data: Uint8Array, keyFrame: boolean) => void): Promise<void> {
    if (this.#camera || this.#closed) return;
    await requireCameraSupport();
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: WIDTH }, height: { ideal: HEIGHT }, frameRate: { ideal: FPS, max: 24 } },
      });
    } catch (e) {
      const name = (e as DOMException).name;
      if (name === "NotAllowedError") throw new CallVideoError("denied", "camera access was denied");
      if (name === "NotFoundError" || name === "OverconstrainedError") throw new CallVideoError("missing", "no camera was found");
      throw new CallVideoError("failed", `the camera did not start (${name})`);
    }
    if (this.#closed) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    const track = stream.getVideoTracks()[0];
    const reader = new MediaStreamTrackProcessor({ track, maxBufferSize: 1 }).readable.getReader();
    let stopped = false;
    let keyWanted = true;
    let lastKeyUs = Number.NEGATIVE_INFINITY;
    let lastFrameUs = Number.NEGATIVE_INFINITY;
    let configured: { width: number; height: number } | undefined;
    const encoder = new VideoEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        onFrame(data, chunk.type === "key");
      },
      error: () => stop(),
    });
    const stop = () => {
      stopped = true;
      void reader.cancel().catch(() => undefined);
      stream.getTracks().forEach((t) => t.stop());
      if (encoder.state !== "closed") encoder.close();
    };
    this.#camera = { stream, stop, requestKeyFrame: () => (keyWanted = true) };
    this.onChange();
    void (async () => {
      while (!stopped) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) return;
        try {
          // The camera may run faster than FPS: frames closer than a frame interval are left out.
          if (frame.timestamp - lastFrameUs < 1e6 / FPS * 0.9 || encoder.encodeQueueSize > MAX_ENCODE_QUEUE || encoder.state === "closed") continue;
          lastFrameUs = frame.timestamp;
          if (!configured || configured.width !== frame.displayWidth || configured.height !== frame.displayHeight) {
            configured = { width: frame.displayWidth, height: frame.displayHeight };
            encoder.configure(encoderConfig(configured.width, configured.height));
            keyWanted = true;
          }
          const key = keyWanted || frame.timestamp - lastKeyUs >= KEY_FRAME_INTERVAL_US;
          if (key) {
            keyWanted = false;
            lastKeyUs = frame.timestamp;
          }
          encoder.encode(frame, { keyFrame: key });
        } finally {
          frame.close();
        }
      }
    })().catch(() => stop());
  }

  stopCamera(): void {
    this.#camera?.stop();
    this.#camera = undefined;
    this.onChange();
  }

  /** The next frame sent is a key frame: someone joined and has nothing to decode from yet. */
  requestKeyFrame(): void {
    this.#camera?.requestKeyFrame();
  }

  /** Decodes a received frame (or counts it skipped) and draws it onto its sender's canvas. */
  received(frame: ReceivedVideo, name: string | undefined): void {
    if (this.#closed) return;
    let remote = this.#remotes.get(frame.participantId);
    if (!remote) {
      remote = new RemoteVideo(frame.participantId, name, this.onChange);
      this.#remotes.set(frame.participantId, remote);
      this.onChange();
    }
    remote.take(frame);
  }

  remotes(): RemoteVideo[] {
    return [...this.#remotes.values()];
  }

  close(): void {
    this.#closed = true;
    this.#camera?.stop();
    this.#camera = undefined;
    for (const remote of this.#remotes.values()) remote.close();
  }
}

/** One sender's VP8 decoder, drawing onto whatever canvas the page attached. */
export class RemoteVideo implements RemoteVideoState {
  #decoder: VideoDecoder | undefined;
  /** After an error or before the first frame the decoder needs a key frame. */
  #needKey = true;
  #canvas: HTMLCanvasElement | null = null;
  #decoded = 0;
  #skipped = 0;

  constructor(
    readonly participantId: number,
    readonly name: string | undefined,
    private readonly onChange: () => void,
  ) {}

  get decoded(): number {
    return this.#decoded;
  }

  get skipped(): number {
    return this.#skipped;
  }

  /** Where frames are drawn from now on; null detaches (frames are still decoded and counted). */
  attach(canvas: HTMLCanvasElement | null): void {
    this.#canvas = canvas;
  }

  take(frame: ReceivedVideo): void {
    if (!looksLikeVp8(frame.data, frame.keyFrame)) {
      if (this.#skipped++ === 0) this.onChange();
      return;
    }
    if (this.#needKey && !frame.keyFrame) return;
    const decoder = this.#decoder ?? this.#newDecoder();
    decoder.decode(new EncodedVideoChunk({ type: frame.keyFrame ? "key" : "delta", timestamp: Number(frame.timestamp) * 1000, data: frame.data }));
    this.#needKey = false;
  }

  #newDecoder(): VideoDecoder {
    const decoder = new VideoDecoder({
      output: (picture) => {
        try {
          this.#draw(picture);
        } finally {
          picture.close();
        }
        if (this.#decoded++ === 0) this.onChange();
      },
      // A frame that claimed to be VP8 and was not closes the decoder: start again at the next key frame.
      error: () => {
        this.#skipped++;
        this.#decoder = undefined;
        this.#needKey = true;
      },
    });
    decoder.configure({ codec: VIDEO_CODEC, optimizeForLatency: true });
    this.#decoder = decoder;
    return decoder;
  }

  #draw(picture: VideoFrame): void {
    const canvas = this.#canvas;
    if (!canvas) return;
    if (canvas.width !== picture.displayWidth || canvas.height !== picture.displayHeight) {
      canvas.width = picture.displayWidth;
      canvas.height = picture.displayHeight;
    }
    canvas.getContext("2d")?.drawImage(picture, 0, 0);
  }

  close(): void {
    if (this.#decoder && this.#decoder.state !== "closed") this.#decoder.close();
    this.#decoder = undefined;
  }
}
