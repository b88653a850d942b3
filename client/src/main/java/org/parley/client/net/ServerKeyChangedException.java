package org.parley.client.net;

/**
 * The server showed another key than the one this profile pinned: it may be an attacker's server
 * (or the operator lost the key). The connection is closed and never used.
 */
public final class ServerKeyChangedException extends ConnectionException {
    public ServerKeyChangedException(String where) {
        super("the server's key changed: this may be an attacker's server (" + where + "); nothing was sent to it."
                + " If the operator confirms a new key, register again in a new --profile");
    }
}
