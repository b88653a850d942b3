package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.schedule.GroupContext;

import java.util.List;
import java.util.Objects;

/**
 * {@code GroupInfo} (RFC 9420 Section 12.4.3): the group's context, extensions for joiners, the
 * confirmation tag, and the signer's signature over {@code GroupInfoTBS} (every other field).
 * {@code signer} is a uint32 leaf index.
 */
public record GroupInfo(GroupContext groupContext, List<Extension> extensions, Bytes confirmationTag, int signer,
                        Bytes signature) implements TlsEncodable {
    private static final String SIGNATURE_LABEL = "GroupInfoTBS";

    public GroupInfo {
        extensions = List.copyOf(extensions);
        Objects.requireNonNull(confirmationTag, "confirmationTag");
        Objects.requireNonNull(signature, "signature");
    }

    public static GroupInfo decode(TlsReader reader) {
        return new GroupInfo(GroupContext.decode(reader), Extension.decodeList(reader), reader.readOpaqueBytes(),
                (int) reader.readUint32(), reader.readOpaqueBytes());
    }

    /** The encoded {@code GroupInfoTBS}. */
    public byte[] toBeSigned() {
        TlsWriter writer = new TlsWriter();
        writeContent(writer);
        return writer.toByteArray();
    }

    /** This GroupInfo signed by the member at {@code signer}: SignWithLabel(., "GroupInfoTBS", GroupInfoTBS). */
    public GroupInfo sign(SignaturePrivateKey key) {
        Bytes newSignature = Bytes.copyOf(groupContext.cipherSuite().signWithLabel(key, SIGNATURE_LABEL, toBeSigned()));
        return new GroupInfo(groupContext, extensions, confirmationTag, signer, newSignature);
    }

    /** Whether the signature is valid under the signer's leaf signature key (Section 12.4.3.1). */
    public boolean verifySignature(SignaturePublicKey signerKey) {
        return groupContext.cipherSuite().verifyWithLabel(signerKey, SIGNATURE_LABEL, toBeSigned(), signature.toByteArray());
    }

    private void writeContent(TlsWriter writer) {
        groupContext.writeTo(writer);
        Extension.writeList(writer, extensions);
        writer.writeOpaque(confirmationTag).writeUint32(Integer.toUnsignedLong(signer));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writeContent(writer);
        writer.writeOpaque(signature);
    }
}
