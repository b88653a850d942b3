package org.parley.client.net;

/** The server cannot be reached, the connection dropped, or it did not answer in time. */
public class ConnectionException extends RuntimeException {
    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
