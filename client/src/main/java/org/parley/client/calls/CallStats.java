package org.parley.client.calls;

import java.util.Locale;

/**
 * What a call did, printed at its end.
 *
 * @param transport       "udp", "tcp" (the WebSocket) or "udp+tcp" when it switched
 * @param switches        how often media moved between UDP and the WebSocket
 * @param framesSent      audio frames this device sent
 * @param framesReceived  audio frames that arrived in time to be played
 * @param framesLost      frames of other participants that never arrived
 * @param framesConcealed frames played by loss concealment instead
 * @param meanDelayMillis mean one-way delay of received frames (sender's capture to arrival), or NaN
 * @param p99DelayMillis  99th percentile of that delay, or -1 when nothing arrived
 */
public record CallStats(String transport, int switches, long framesSent, long framesReceived, long framesLost,
                        long framesConcealed, double meanDelayMillis, long p99DelayMillis) {
    /** One line for people. */
    public String describe() {
        return String.format(Locale.ROOT, "transport %s (%d switch%s), frames sent %d, received %d, lost %d, concealed %d, "
                        + "one-way delay mean %s ms, p99 %s ms", transport, switches, switches == 1 ? "" : "es", framesSent,
                framesReceived, framesLost, framesConcealed, Double.isNaN(meanDelayMillis) ? "-" : String.format(Locale.ROOT, "%.1f", meanDelayMillis),
                p99DelayMillis < 0 ? "-" : Long.toString(p99DelayMillis));
    }
}
