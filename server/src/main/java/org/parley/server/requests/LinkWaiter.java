package org.parley.server.requests;

import org.parley.server.session.Session;

/** A device waiting to be linked: its connection, and the mailbox key it will get once approved. */
record LinkWaiter(Session session, byte[] mailboxKey) {

    /** Still waiting: connected, and not signed in (another of its codes was approved, which voids this one). */
    boolean waiting() {
        return session.channel().isActive() && !session.isAuthenticated();
    }

    @Override
    public String toString() {
        return "LinkWaiter[(hidden)]";
    }
}
