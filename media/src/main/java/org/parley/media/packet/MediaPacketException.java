package org.parley.media.packet;

/** A media packet that is malformed, truncated, oversized or inconsistent; it must be dropped. */
public class MediaPacketException extends Exception {
    public MediaPacketException(String message) {
        super(message);
    }
}
