package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.messages.EncryptedGroupSecrets;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.Welcome;

import java.util.List;
import java.util.Objects;

/**
 * An incoming {@code MLSMessage} (RFC 9420 Section 6) looked at without processing it, so that an
 * application can route it: a PublicMessage or PrivateMessage to the group it names
 * ({@code group_id} and {@code epoch} are sent in the clear, Sections 6.2 and 6.3), a Welcome to
 * the key package it was encrypted for ({@code EncryptedGroupSecrets.new_member}, the
 * KeyPackageRef of Section 5.2, in Section 12.4.3.1). Nothing is decrypted or verified here: that
 * is {@link Group#process} and {@link Group#joinFromWelcome}.
 */
public sealed interface IncomingMessage {

    /**
     * Decodes the framing of {@code mlsMessage}.
     *
     * @throws MlsProtocolException when it is not a whole MLSMessage of MLS 1.0: truncated, with
     *         trailing bytes, an unknown wire format, or a Welcome whose body is malformed
     */
    static IncomingMessage inspect(byte[] mlsMessage) {
        MlsMessage message;
        try {
            message = MlsMessage.decode(mlsMessage, HandshakeBodies.INSTANCE);
        } catch (MlsProtocolException e) {
            throw new MlsProtocolException("not a well-formed MLSMessage (" + mlsMessage.length + " bytes): " + e.getMessage(), e);
        }
        if (message.body() instanceof PrivateMessage privateMessage) {
            return new ForGroup(privateMessage.groupId(), privateMessage.epoch(), true,
                    Bytes.copyOf(privateMessage.authenticatedData()));
        }
        if (message.body() instanceof PublicMessage publicMessage) {
            return new ForGroup(publicMessage.content().groupId(), publicMessage.content().epoch(), false,
                    Bytes.copyOf(publicMessage.content().authenticatedData()));
        }
        MlsMessage.EncodedBody body = (MlsMessage.EncodedBody) message.body();
        if (body.wireFormat() == WireFormat.MLS_WELCOME) {
            Welcome welcome;
            try {
                welcome = TlsReader.decodeExactly(body.bytes(), Welcome::decode, "Welcome");
            } catch (MlsProtocolException e) {
                throw new MlsProtocolException("a malformed Welcome: " + e.getMessage(), e);
            }
            return new ForNewMembers(welcome.secrets().stream().map(EncryptedGroupSecrets::newMember).toList());
        }
        return new Other(body.wireFormat().id());
    }

    /**
     * A PublicMessage ({@code encrypted} false) or PrivateMessage for the group {@code groupId},
     * sent in {@code epoch}, with its {@code authenticated_data}: sent in the clear in both
     * (Sections 6.2 and 6.3), authenticated but not yet verified here.
     */
    record ForGroup(Bytes groupId, long epoch, boolean encrypted, Bytes authenticatedData) implements IncomingMessage {
        public ForGroup {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(authenticatedData, "authenticatedData");
        }

        @Override
        public String toString() {
            return "ForGroup[" + groupId.length() + "-byte group id, epoch " + epoch + (encrypted ? ", private" : ", public")
                    + ", " + authenticatedData.length() + " bytes of authenticated data]";
        }
    }

    /** A Welcome with group secrets for each of these KeyPackageRefs, in the order it lists them. */
    record ForNewMembers(List<Bytes> keyPackageRefs) implements IncomingMessage {
        public ForNewMembers {
            keyPackageRefs = List.copyOf(keyPackageRefs);
        }

        /** Whether the Welcome has group secrets for the key package {@code keyPackageRef}. */
        public boolean isFor(Bytes keyPackageRef) {
            return keyPackageRefs.contains(keyPackageRef);
        }

        @Override
        public String toString() {
            return "ForNewMembers[" + keyPackageRefs.size() + " key packages]";
        }
    }

    /** A GroupInfo or KeyPackage: {@code wireFormat} is its RFC 9420 WireFormat value. */
    record Other(int wireFormat) implements IncomingMessage {
    }
}
