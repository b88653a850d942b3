package org.parley.server.bus;

import org.parley.server.accounts.DeviceId;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayPeers;

import java.util.Optional;

/**
 * Notifies the node that holds a device's live connection that mail arrived for it. The mailbox
 * store stays the source of truth: a notification that is lost only delays delivery until the
 * device's next drain. Implementations: {@link InProcessBus} for a single node; {@link NatsMessageBus}
 * for several nodes sharing PostgreSQL.
 */
public interface MessageBus extends AutoCloseable {

    /** Called once the envelope's id is final, possibly before its commit ({@link MailArrived#stored()}). Must not block. */
    void publish(MailArrived mail);

    /** Tells {@code listener} about mail for {@code device} until the subscription is closed. */
    Subscription subscribe(DeviceId device, MailListener listener);

    /**
     * The other nodes' relays, as {@code relay} (this node's) exchanges call media with them; made
     * once, when the relay is, and closed with the bus. A single node has none.
     */
    default RelayPeers relayPeers(Relay relay) {
        return RelayPeers.NONE;
    }

    /**
     * Tells the other nodes that {@code device} was removed from its account, so that they close its
     * live connections; the calling node closes its own. Must not block.
     */
    void deviceRemoved(DeviceId device);

    /**
     * Why the bus cannot carry notifications between nodes right now (for the operator, naming no
     * host), or empty while it can. A node whose bus is down takes no new work.
     */
    Optional<String> unavailable();

    /**
     * Whether other nodes share this bus, so that a device this node lets go can sign in on another
     * and still hear of its mail there. A single node's bus does not.
     */
    default boolean linksNodes() {
        return false;
    }

    /** One line for {@code /readyz}: which bus this is and its state. */
    String describe();

    @Override
    void close();

    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
