package org.parley.client.calls;

/** A call could not be started, answered or carried on; the message says why and what to do. */
public class CallException extends RuntimeException {
    public CallException(String message) {
        super(message);
    }

    public CallException(String message, Throwable cause) {
        super(message, cause);
    }
}
