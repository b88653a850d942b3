package org.parley.server.bus;

import org.parley.server.accounts.DeviceId;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The single-node bus: a map from device to the listener of its connection on this node. A newer
 * subscription for the same device replaces the older one (the device reconnected).
 */
public final class InProcessBus implements MessageBus {
    private final ConcurrentHashMap<DeviceId, Consumer<MailArrived>> listeners = new ConcurrentHashMap<>();

    @Override
    public void publish(MailArrived mail) {
        Consumer<MailArrived> listener = listeners.get(mail.envelope().recipient());
        if (listener != null) {
            listener.accept(mail);
        }
    }

    @Override
    public Subscription subscribe(DeviceId device, Consumer<MailArrived> listener) {
        listeners.put(device, listener);
        return () -> listeners.remove(device, listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
