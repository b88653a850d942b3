package org.parley.server.bus;

import org.parley.server.accounts.DeviceId;

import java.util.Optional;
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
    private final ConcurrentHashMap<DeviceId, Set<MailListener>> listeners = new ConcurrentHashMap<>();

    @Override
    public void publish(MailArrived mail) {
        forEachListener(mail.envelope().recipient(), listener -> listener.arrived(mail));
    }

    /** Tells the device's connections on this node to read their mailbox. */
    void mailWaiting(DeviceId device) {
        forEachListener(device, MailListener::mailWaiting);
    }

    /** One node: there is no other node to tell. */
    @Override
    public void deviceRemoved(DeviceId device) {
    }

    /** Tells the device's connections on this node that another node removed it. */
    void removedElsewhere(DeviceId device) {
        forEachListener(device, MailListener::deviceRemoved);
    }

    /** Tells every connection on this node to read its mailbox. */
    void mailWaitingForAll() {
        listeners.values().forEach(ofDevice -> ofDevice.forEach(MailListener::mailWaiting));
    }

    private void forEachListener(DeviceId device, Consumer<MailListener> action) {
        Set<MailListener> ofDevice = listeners.get(device);
        if (ofDevice != null) {
            ofDevice.forEach(action);
        }
    }

    @Override
    public Subscription subscribe(DeviceId device, MailListener listener) {
        subscribe(device, listener, d -> { });
        return () -> unsubscribe(device, listener, d -> { });
    }

    /** Adds a listener; {@code firstOfDevice} runs, atomically with the addition, when the device had none on this node. */
    void subscribe(DeviceId device, MailListener listener, Consumer<DeviceId> firstOfDevice) {
        listeners.compute(device, (d, ofDevice) -> {
            if (ofDevice == null) {
                ofDevice = new CopyOnWriteArraySet<>();
                firstOfDevice.accept(d);
            }
            ofDevice.add(listener);
            return ofDevice;
        });
    }

    /** Removes a listener; {@code lastOfDevice} runs, atomically with the removal, when it was the device's last one here. */
    void unsubscribe(DeviceId device, MailListener listener, Consumer<DeviceId> lastOfDevice) {
        listeners.computeIfPresent(device, (d, ofDevice) -> {
            ofDevice.remove(listener);
            if (ofDevice.isEmpty()) {
                lastOfDevice.accept(d);
                return null;
            }
            return ofDevice;
        });
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "in-process (one node)";
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
