package org.parley.server.bus;

/** What one connection of a device hears from the {@link MessageBus}. Both methods must return at once, without blocking. */
public interface MailListener {

    /** A copy for the device from this node's mailbox writer, possibly before its commit ({@link MailArrived#stored()}). */
    void arrived(MailArrived mail);

    /**
     * Mail for the device was committed by another node, or this node's bus connection came back and
     * notifications may have been missed meanwhile: read the mailbox for what was not pushed yet.
     */
    void mailWaiting();

    /** The device was removed from its account on another node: its connections here close. */
    void deviceRemoved();
}
