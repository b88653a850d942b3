package org.parley.bench.load.xmpp;

/** The XMPP server sent something that is not a well-formed stream (RFC 6120 §4, §11). */
public final class XmppProtocolException extends Exception {
    public XmppProtocolException(String message) {
        super(message);
    }
}
