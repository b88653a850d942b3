package org.parley.server.identity;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ServerAnnouncement;

import java.util.List;

/**
 * The server's public key and its signed announcement of alternate addresses, made once at start:
 * every connection's Challenge carries both (only its nonce is fresh). The announcement's time is
 * the start, so that a list changed at a restart is newer than the one before it.
 */
public final class ServerIdentity {
    private final Challenge template;

    private ServerIdentity(Challenge template) {
        this.template = template;
    }

    /**
     * @param alternates the other addresses of this server, in order (at most
     *                   {@link ServerAnnouncements#MAX_ADDRESSES}, each at most
     *                   {@link ServerAnnouncements#MAX_ADDRESS_LENGTH} characters)
     * @throws IllegalArgumentException when the list is too long or an address is too long or blank
     */
    public static ServerIdentity sign(Ed25519PrivateKeyParameters key, List<String> alternates, long issuedAtMillis) {
        requireValid(alternates);
        byte[] announcement = ServerAnnouncement.newBuilder().addAllAddresses(alternates).setIssuedAtMs(issuedAtMillis)
                .build().toByteArray();
        return new ServerIdentity(Challenge.newBuilder()
                .setServerKey(ByteString.copyFrom(key.generatePublicKey().getEncoded()))
                .setAnnouncement(ByteString.copyFrom(announcement))
                .setAnnouncementSignature(ByteString.copyFrom(ServerAnnouncements.sign(key, announcement)))
                .build());
    }

    /** @throws IllegalArgumentException when the list is too long or an address is too long or blank */
    public static void requireValid(List<String> alternates) {
        if (alternates.size() > ServerAnnouncements.MAX_ADDRESSES) {
            throw new IllegalArgumentException("a server announces at most " + ServerAnnouncements.MAX_ADDRESSES
                    + " alternate addresses, got " + alternates.size());
        }
        for (String address : alternates) {
            if (address.isBlank() || address.length() > ServerAnnouncements.MAX_ADDRESS_LENGTH) {
                throw new IllegalArgumentException("an alternate address must be 1 to " + ServerAnnouncements.MAX_ADDRESS_LENGTH
                        + " characters long");
            }
        }
    }

    /** The Challenge that opens a connection: the server's key and announcement with this connection's nonce. */
    public Challenge challenge(byte[] nonce) {
        return template.toBuilder().setNonce(ByteString.copyFrom(nonce)).build();
    }

    public byte[] publicKey() {
        return template.getServerKey().toByteArray();
    }
}
