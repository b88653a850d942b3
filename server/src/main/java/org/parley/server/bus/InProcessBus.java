package org.parley.server.bus;

import org.parley.server.accounts.DeviceId;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * The single-node bus: a map from device to the listeners of its connections on this node.
 *
 * <p>A device may briefly hold two connections (it reconnected before the server noticed the old
 * one closing), and the two subscribe and unsubscribe on different event loops in no fixed order.
 * Every connection therefore keeps its own listener: a late subscription of the old connection
 * must not replace the new one's. A duplicate push is harmless (clients deduplicate by id).
 */
public final class InProcessBus implements MessageBus {
    private final ConcurrentHashMap<DeviceId, Set<Consumer<MailArrived>>> listeners = new ConcurrentHashMap<>();

    @Override
    public void publish(MailArrived mail) {
        Set<Consumer<MailArrived>> ofDevice = listeners.get(mail.envelope().recipient());
        if (ofDevice != null) {
            ofDevice.forEach(listener -> listener.accept(mail));
        }
    }

    @Override
    public Subscription subscribe(DeviceId device, Consumer<MailArrived> listener) {
        listeners.computeIfAbsent(device, d -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> listeners.computeIfPresent(device, (d, ofDevice) -> {
            ofDevice.remove(listener);
            return ofDevice.isEmpty() ? null : ofDevice;
        });
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
