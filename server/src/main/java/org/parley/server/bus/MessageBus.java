package org.parley.server.bus;

import org.parley.server.accounts.DeviceId;

import java.util.function.Consumer;

/**
 * Notifies the node that holds a device's live connection that mail arrived for it. The mailbox
 * store stays the source of truth: a notification that is lost only delays delivery until the
 * device's next drain. Implementations: {@link InProcessBus} for a single node; NATS or Redis
 * pub/sub for several nodes sharing PostgreSQL.
 */
public interface MessageBus extends AutoCloseable {

    /** Called once the envelope's id is final, possibly before its commit ({@link MailArrived#stored()}). Must not block. */
    void publish(MailArrived mail);

    /** Receives mail for {@code device} until the subscription is closed. Listeners must not block. */
    Subscription subscribe(DeviceId device, Consumer<MailArrived> listener);

    @Override
    void close();

    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
