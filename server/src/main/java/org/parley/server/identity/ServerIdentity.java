package org.parley.server.identity;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ServerAnnouncement;

import java.security.SecureRandom;
import java.util.List;

/**
 * The server's public key and its signed announcement of alternate addresses: every connection's
 * Challenge carries both (only its nonce is fresh). The announcement is made at a start whose list
 * differs from the one before, and issued at that time, so that clients take it as newer. Nodes of
 * one deployment show one announcement ({@link JdbcAnnouncementStore}): a node adopts a newer one
 * that another node stored. The private key stays here, for the tunnel's handshake
 * ({@link #acceptTunnel}); nothing here prints it.
 */
public final class ServerIdentity {
    private final Ed25519PrivateKeyParameters key;
    private volatile Challenge template;

    private ServerIdentity(Ed25519PrivateKeyParameters key, Challenge template) {
        this.key = key;
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
        return new ServerIdentity(key, Challenge.newBuilder()
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

    /** This identity's key showing {@code announcement} under {@code signature} (made by the same key) instead. */
    ServerIdentity showing(byte[] announcement, byte[] signature) {
        return new ServerIdentity(key, withAnnouncement(template, announcement, signature));
    }

    /**
     * Shows {@code announcement} from now on if it was issued later than the one shown now.
     *
     * @return whether it was adopted
     */
    boolean adoptIfNewer(byte[] announcement, byte[] signature) {
        synchronized (this) {
            if (issuedAtMillis(ByteString.copyFrom(announcement)) <= issuedAtMillis()) {
                return false;
            }
            template = withAnnouncement(template, announcement, signature);
            return true;
        }
    }

    /** When the announcement shown now was issued. */
    public long issuedAtMillis() {
        return issuedAtMillis(template.getAnnouncement());
    }

    /** The alternate addresses the announcement shown now names, in order. */
    public List<String> alternates() {
        return parse(template.getAnnouncement()).getAddressesList();
    }

    byte[] announcement() {
        return template.getAnnouncement().toByteArray();
    }

    byte[] announcementSignature() {
        return template.getAnnouncementSignature().toByteArray();
    }

    private static Challenge withAnnouncement(Challenge template, byte[] announcement, byte[] signature) {
        return template.toBuilder().setAnnouncement(ByteString.copyFrom(announcement))
                .setAnnouncementSignature(ByteString.copyFrom(signature)).build();
    }

    private static long issuedAtMillis(ByteString announcement) {
        return parse(announcement).getIssuedAtMs();
    }

    private static ServerAnnouncement parse(ByteString announcement) {
        try {
            return ServerAnnouncement.parseFrom(announcement);
        } catch (InvalidProtocolBufferException e) {
            // Only announcements this server signed get here, from its memory or its own database.
            throw new IllegalStateException("the stored announcement of alternate addresses is damaged", e);
        }
    }

    /** The Challenge that opens a connection: the server's key and announcement with this connection's nonce. */
    public Challenge challenge(byte[] nonce) {
        return template.toBuilder().setNonce(ByteString.copyFrom(nonce)).build();
    }

    public byte[] publicKey() {
        return template.getServerKey().toByteArray();
    }

    /**
     * The server's side of a tunnel's handshake ({@link Tunnel}), signed with this server's key.
     *
     * @throws IllegalArgumentException when {@code clientHello} is not a usable ClientHello
     */
    public Tunnel.Accepted acceptTunnel(byte[] clientHello, SecureRandom random) {
        return Tunnel.accept(clientHello, key, random);
    }
}
