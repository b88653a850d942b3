package org.parley.server.mailbox;

import java.util.Collection;
import java.util.List;

import org.parley.server.accounts.DeviceId;

/** Sequence numbers (Deliver.envelope_id) of copies a device has received and that may now be deleted from its mailbox. */
public record Acknowledgement(DeviceId device, Collection<Long> envelopeIds) {
    public Acknowledgement {
        envelopeIds = List.copyOf(envelopeIds);
    }
}
