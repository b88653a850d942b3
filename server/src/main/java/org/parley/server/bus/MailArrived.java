package org.parley.server.bus;

import org.parley.server.mailbox.Envelope;

/**
 * Tells the node holding a device's connection that an envelope was stored in its mailbox. The
 * in-process bus carries the envelope itself so the node pushes it without reading it back; a bus
 * between nodes may carry only the recipient and id and let the receiver read the mailbox.
 */
public record MailArrived(Envelope envelope) {
}
