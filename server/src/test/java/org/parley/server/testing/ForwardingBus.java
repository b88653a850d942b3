package org.parley.server.testing;

import org.parley.server.accounts.DeviceId;
import org.parley.server.bus.MailArrived;
import org.parley.server.bus.MailListener;
import org.parley.server.bus.MessageBus;

import java.util.Optional;

/** A bus that passes everything to another, for tests that override the one step they hold back or watch. */
public abstract class ForwardingBus implements MessageBus {
    protected final MessageBus bus;

    protected ForwardingBus(MessageBus bus) {
        this.bus = bus;
    }

    @Override
    public void publish(MailArrived mail) {
        bus.publish(mail);
    }

    @Override
    public Subscription subscribe(DeviceId device, MailListener listener) {
        return bus.subscribe(device, listener);
    }

    @Override
    public void deviceRemoved(DeviceId device) {
        bus.deviceRemoved(device);
    }

    @Override
    public Optional<String> unavailable() {
        return bus.unavailable();
    }

    @Override
    public String describe() {
        return bus.describe();
    }

    @Override
    public void close() {
        bus.close();
    }
}
