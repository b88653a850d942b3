// Call audio in the browser with WebCodecs: the microphone (getUserMedia) mixed to mono and
// encoded to 20 ms Opus frames at 48 kHz as Java's OpusFrameEncoder does (32 kbit/s, in-band FEC
// planning for 10 % loss; the encoder resamples from the microphone's rate); received Opus decoded
// per sender and played into a MediaStream the page attaches to an <audio> element.
import type { AudioSink } from "./call-media";

/** Chromium's MediaStreamTrackProcessor on the window (TypeScript's lib declares the worker's, without `track`). */
declare const MediaStreamTrackProcessor: { new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<AudioData> } };

export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960; // 20 ms at 48 kHz
const FRAME_US = 20_000;
const CAPTURE_BUFFER_CHUNKS = 100;
/**
 * Decoded audio is scheduled this far ahead of the audio clock, which plays it on its own thread:
 * a stall of the page shorter than the lead leaves no gap. Each time the schedule runs dry the
 * lead grows by the gap (to at most MAX), so a loaded machine trades latency for whole audio.
 * A gap is silence put into the middle of what is said, which moves everything after it (on a
 * 2-core machine at load 20 the loopback test saw one 84 ms gap take the whole-call correlation
 * from 0.99 to 0.42; a 150 ms lead still saw a 157 ms gap): gaps are counted (playoutGaps).
 */
const MIN_LEAD_S = 0.06;
const MAX_LEAD_S = 0.5;

const OPUS_ENCODER: AudioEncoderConfig = {
  codec: "opus",
  sampleRate: SAMPLE_RATE,
  numberOfChannels: 1,
  bitrate: 32_000,
  opus: { frameDuration: FRAME_US, useinbandfec: true, packetlossperc: 10 },
} as AudioEncoderConfig;
const OPUS_DECODER: AudioDecoderConfig = { codec: "opus", sampleRate: SAMPLE_RATE, numberOfChannels: 1 };

export class CallAudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallAudioError";
  }
}

/** Whether this browser has what calls need. */
export function callAudioSupport(): string | undefined {
  if (typeof AudioEncoder === "undefined" || typeof AudioDecoder === "undefined") return "this browser has no WebCodecs audio (AudioEncoder/AudioDecoder)";
  if (typeof MediaStreamTrackProcessor === "undefined") return "this browser cannot read microphone frames (MediaStreamTrackProcessor)";
  return undefined;
}

/** The average of a chunk's channels (a microphone may be stereo; calls are mono). */
function downmix(data: AudioData): Float32Array<ArrayBuffer> {
  const mono = new Float32Array(data.numberOfFrames);
  const channel = new Float32Array(data.numberOfFrames);
  for (let c = 0; c < data.numberOfChannels; c++) {
    data.copyTo(channel, { planeIndex: c, format: "f32-planar" });
    for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / data.numberOfChannels;
  }
  return mono;
}

/** The audio of one call on this page: the microphone to Opus, and one AudioContext for playout. */
export class BrowserCallAudio implements AudioSink {
  readonly #context: AudioContext;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #decoders = new Map<number, SenderPlayout>();
  #capture: { stop(): void } | undefined;
  #closed = false;

  constructor() {
    const missing = callAudioSupport();
    if (missing) throw new CallAudioError(missing);
    this.#context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    this.#destination = this.#context.createMediaStreamDestination();
  }

  /** What the others say, for an <audio> element. */
  get remoteStream(): MediaStream {
    return this.#destination.stream;
  }

  /**
   * Starts the microphone and hands every 20 ms Opus frame to onOpus (48 kHz mono inside,
   * whatever rate and channels the device has).
   */
  async startCapture(onOpus: (opus: Uint8Array) => void): Promise<void> {
    await this.#context.resume();
    // No echo canceller, like the Java client: Chromium's audio processing (its high-pass filter
    // and echo suppression) turns the waveform into something else (correlation with what was
    // said falls from 0.99 to about 0.5), and calls are checked by correlating waveforms. With
    // loudspeakers the other side may hear itself; headphones avoid that.
    const microphone = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const encoder = new AudioEncoder({
      output: (chunk) => {
        const opus = new Uint8Array(chunk.byteLength);
        chunk.copyTo(opus);
        onOpus(opus);
      },
      error: () => this.#stopCapture(),
    });
    // The microphone's own samples go straight to the encoder, configured at the microphone's rate
    // (Chromium's fake microphone runs at 44.1 kHz): Chromium's Opus encoder resamples to 48 kHz
    // inside, in the microphone's clock, where an AudioContext on the way would add a second clock
    // for the samples to cross. Room for 1 s of 10 ms chunks: a stalled page reads late, losing nothing.
    const reader = new MediaStreamTrackProcessor({ track: microphone.getAudioTracks()[0], maxBufferSize: CAPTURE_BUFFER_CHUNKS }).readable.getReader();
    let stopped = false;
    this.#capture = {
      stop() {
        stopped = true;
        void reader.cancel();
        microphone.getTracks().forEach((t) => t.stop());
        if (encoder.state !== "closed") encoder.close();
      },
    };
    let rate = 0;
    let capturedUs = 0;
    void (async () => {
      while (!stopped) {
        const { value, done } = await reader.read();
        if (done || !value) return;
        const mono = downmix(value);
        const sampleRate = value.sampleRate;
        value.close();
        if (stopped || encoder.state === "closed") return;
        if (sampleRate !== rate) {
          rate = sampleRate;
          encoder.configure({ ...OPUS_ENCODER, sampleRate });
        }
        // Timestamps count samples, so the encoder sees one unbroken stream.
        encoder.encode(new AudioData({ format: "f32-planar", sampleRate, numberOfFrames: mono.length, numberOfChannels: 1, timestamp: capturedUs, data: mono }));
        capturedUs += (mono.length * 1e6) / sampleRate;
      }
    })().catch(() => this.#stopCapture());
  }

  #stopCapture(): void {
    this.#capture?.stop();
    this.#capture = undefined;
  }

  /** Silence that went into the playout because decoded audio came too late for its turn, over all senders. */
  get playoutGaps(): { count: number; seconds: number } {
    const all = { count: 0, seconds: 0 };
    for (const sender of this.#decoders.values()) {
      all.count += sender.gaps.count;
      all.seconds += sender.gaps.seconds;
    }
    return all;
  }

  play(participantId: number, opus: Uint8Array | undefined): void {
    if (this.#closed) return;
    let sender = this.#decoders.get(participantId);
    if (!sender) {
      sender = new SenderPlayout(this.#context, this.#destination);
      this.#decoders.set(participantId, sender);
    }
    sender.play(opus);
  }

  close(): void {
    this.#closed = true;
    this.#stopCapture();
    for (const sender of this.#decoders.values()) sender.close();
    this.#destination.stream.getTracks().forEach((t) => t.stop());
    void this.#context.close();
  }
}

/**
 * One sender's Opus decoder and its place on the audio clock. A lost frame becomes 20 ms of
 * silence in its turn: decoded frames come back asynchronously, so the turns are kept in a queue.
 */
class SenderPlayout {
  readonly #decoder: AudioDecoder;
  /** Frames in play order; samples undefined while the decoder still works on it. */
  readonly #queue: { samples: Float32Array<ArrayBuffer> | undefined; decoding: boolean }[] = [];
  #nextTime = 0;
  #lead = MIN_LEAD_S;
  /** Times the schedule ran dry and silence went in before the next frame, and how much in all. */
  readonly gaps = { count: 0, seconds: 0 };
  #frames = 0;

  constructor(
    private readonly context: AudioContext,
    private readonly destination: AudioNode,
  ) {
    this.#decoder = new AudioDecoder({
      output: (data) => {
        const samples = new Float32Array(data.numberOfFrames);
        data.copyTo(samples, { planeIndex: 0, format: "f32-planar" });
        data.close();
        const slot = this.#queue.find((s) => s.decoding);
        if (slot) {
          slot.samples = samples;
          slot.decoding = false;
        }
        this.#flush();
      },
      // A frame that does not decode plays as silence; the next key chunk starts afresh.
      error: () => undefined,
    });
    this.#decoder.configure(OPUS_DECODER);
  }

  play(opus: Uint8Array | undefined): void {
    if (opus && this.#decoder.state === "configured") {
      this.#queue.push({ samples: undefined, decoding: true });
      this.#decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: this.#frames++ * FRAME_US, data: opus }));
    } else {
      this.#frames++;
      this.#queue.push({ samples: new Float32Array(FRAME_SAMPLES), decoding: false });
      this.#flush();
    }
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#queue[0].decoding) {
      const samples = this.#queue.shift()!.samples!;
      if (samples.length === 0) continue;
      const buffer = this.context.createBuffer(1, samples.length, SAMPLE_RATE);
      buffer.copyToChannel(samples, 0);
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.destination);
      const now = this.context.currentTime;
      if (this.#nextTime > 0 && this.#nextTime < now) this.#lead = Math.min(MAX_LEAD_S, this.#lead + (now - this.#nextTime));
      const at = this.#nextTime >= now ? this.#nextTime : now + this.#lead;
      if (this.#nextTime > 0 && at > this.#nextTime) {
        this.gaps.count++;
        this.gaps.seconds += at - this.#nextTime;
      }
      source.start(at);
      this.#nextTime = at + buffer.duration;
    }
  }

  close(): void {
    if (this.#decoder.state !== "closed") this.#decoder.close();
  }
}
