package org.parley.media.audio;

/** Audio that cannot be encoded, decoded, read or written; the message says what and why. */
public class AudioCodecException extends Exception {
    public AudioCodecException(String message) {
        super(message);
    }

    public AudioCodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
