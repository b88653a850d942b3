package org.parley.client.calls;

import java.util.Locale;

/**
 * What a call did, printed at its end.
 *
 * @param transport           "udp", "tcp" (the WebSocket) or "udp+tcp" when it switched
 * @param switches            how often media moved between UDP and the WebSocket
 * @param framesSent          audio frames this device sent
 * @param framesReceived      audio frames that arrived in time to be played
 * @param framesLost          frames of other participants that never arrived
 * @param framesConcealed     frames played by loss concealment instead
 * @param meanDelayMillis     mean one-way delay of received frames (sender's capture to arrival), or NaN
 * @param p99DelayMillis      99th percentile of that delay, or -1 when nothing arrived
 * @param videoFramesSent     video frames this device sent
 * @param videoFramesReceived video frames of others that arrived whole and decrypted
 * @param videoFramesLost     video frames of others missing between the first and the last that arrived
 * @param rejoins             times the media joined the relay again (token refreshed, connection re-established)
 * @param leftUdpBecause      why media last left UDP for the WebSocket (no answer, dark, throttled, with
 *                            what was measured), or "" if it never did
 */
public record CallStats(String transport, int switches, long framesSent, long framesReceived, long framesLost,
                        long framesConcealed, double meanDelayMillis, long p99DelayMillis, long videoFramesSent,
                        long videoFramesReceived, long videoFramesLost, int rejoins, String leftUdpBecause) {
    /** One line for people; video, re-joins and why media left UDP only when there were any. */
    public String describe() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "transport %s (%d switch%s), frames sent %d, received %d, lost %d, concealed %d, "
                        + "one-way delay mean %s ms, p99 %s ms", transport, switches, switches == 1 ? "" : "es", framesSent,
                framesReceived, framesLost, framesConcealed, Double.isNaN(meanDelayMillis) ? "-" : String.format(Locale.ROOT, "%.1f", meanDelayMillis),
                p99DelayMillis < 0 ? "-" : Long.toString(p99DelayMillis)));
        if (videoFramesSent > 0 || videoFramesReceived > 0) {
            out.append(String.format(Locale.ROOT, ", video frames sent %d, received %d, lost %d", videoFramesSent,
                    videoFramesReceived, videoFramesLost));
        }
        if (rejoins > 0) {
            out.append(String.format(Locale.ROOT, ", re-joined the relay %d time%s", rejoins, rejoins == 1 ? "" : "s"));
        }
        if (!leftUdpBecause.isEmpty()) {
            out.append(", left UDP: ").append(leftUdpBecause);
        }
        return out.toString();
    }
}
