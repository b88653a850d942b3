package org.parley.client.keys;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.credentials.Credential;
import org.parley.protocol.Limits;

import java.nio.charset.StandardCharsets;

/**
 * Who a group member is, carried as the identity of an MLS {@code BasicCredential} (RFC 9420
 * section 5.3): {@code opaque username<V>; opaque account_id[16]; opaque device_id[16];} in the TLS
 * presentation language. The server vouches for none of it: members check it against the identity
 * keys they recorded and compare safety numbers.
 */
public record MemberCredential(String username, byte[] accountId, byte[] deviceId) {
    private static final int MAX_USERNAME_BYTES = 32;

    public MemberCredential {
        accountId = accountId.clone();
        deviceId = deviceId.clone();
    }

    @Override
    public byte[] accountId() {
        return accountId.clone();
    }

    @Override
    public byte[] deviceId() {
        return deviceId.clone();
    }

    public BasicCredential toCredential() {
        TlsWriter writer = new TlsWriter();
        writer.writeOpaque(username.getBytes(StandardCharsets.UTF_8));
        writer.writeFixed(accountId);
        writer.writeFixed(deviceId);
        return new BasicCredential(writer.toByteArray());
    }

    /**
     * Reads a member's credential.
     *
     * @throws MlsProtocolException when it is not a basic credential of this shape
     */
    public static MemberCredential from(Credential credential) {
        if (!(credential instanceof BasicCredential basic)) {
            throw new MlsProtocolException("a Parley member needs a basic credential, got " + credential);
        }
        return TlsReader.decodeExactly(basic.identity(), reader -> {
            byte[] name = reader.readOpaque();
            if (name.length == 0 || name.length > MAX_USERNAME_BYTES) {
                throw new MlsProtocolException("credential username of " + name.length + " bytes (1 to "
                        + MAX_USERNAME_BYTES + " allowed)");
            }
            byte[] account = reader.readFixed(Limits.ACCOUNT_ID_BYTES, "credential account_id");
            byte[] device = reader.readFixed(Limits.DEVICE_ID_BYTES, "credential device_id");
            return new MemberCredential(new String(name, StandardCharsets.UTF_8), account, device);
        }, "Parley member credential");
    }
}
