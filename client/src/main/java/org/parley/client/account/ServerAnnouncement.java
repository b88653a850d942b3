package org.parley.client.account;

import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.v1.Challenge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * A server's announcement of its alternate addresses, as a Challenge carries it, once its
 * signature by the server's key checks out. Anything malformed (a bad signature, bytes that do not
 * parse, more addresses than a server may announce, an address too long) is logged and ignored,
 * never half-used.
 *
 * @param addresses      in the server's order, as announced (parsed later, against the profile's home server)
 * @param issuedAtMillis when the server issued it; a newer one replaces an older one
 */
public record ServerAnnouncement(List<String> addresses, long issuedAtMillis) {
    private static final Logger log = LoggerFactory.getLogger(ServerAnnouncement.class);

    public ServerAnnouncement {
        addresses = List.copyOf(addresses);
    }

    /** The announcement in {@code challenge} signed by {@code serverKey}, or empty when there is none or it does not check out. */
    static Optional<ServerAnnouncement> verified(Challenge challenge, byte[] serverKey) {
        if (challenge.getAnnouncement().isEmpty() && challenge.getAnnouncementSignature().isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = challenge.getAnnouncement().toByteArray();
        if (!ServerAnnouncements.verify(serverKey, bytes, challenge.getAnnouncementSignature().toByteArray())) {
            log.warn("ignored the server's announcement of alternate addresses: its signature does not match the server's key");
            return Optional.empty();
        }
        org.parley.protocol.v1.ServerAnnouncement parsed;
        try {
            parsed = org.parley.protocol.v1.ServerAnnouncement.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            log.warn("ignored the server's announcement of alternate addresses: it does not parse");
            return Optional.empty();
        }
        if (parsed.getAddressesCount() > ServerAnnouncements.MAX_ADDRESSES
                || parsed.getAddressesList().stream().anyMatch(a -> a.length() > ServerAnnouncements.MAX_ADDRESS_LENGTH)) {
            log.warn("ignored the server's announcement of {} alternate addresses: a server announces at most {}, each at most {}"
                    + " characters", parsed.getAddressesCount(), ServerAnnouncements.MAX_ADDRESSES, ServerAnnouncements.MAX_ADDRESS_LENGTH);
            return Optional.empty();
        }
        return Optional.of(new ServerAnnouncement(parsed.getAddressesList(), parsed.getIssuedAtMs()));
    }
}
