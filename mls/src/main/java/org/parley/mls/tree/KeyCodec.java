package org.parley.mls.tree;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;

/**
 * Reads {@code HPKEPublicKey} and {@code SignaturePublicKey} (RFC 9420 Section 5.1.1, both
 * {@code opaque<V>}) into the crypto package's key types; an empty key is malformed.
 */
public final class KeyCodec {
    private KeyCodec() {
    }

    public static HpkePublicKey readHpkePublicKey(TlsReader reader) {
        return new HpkePublicKey(nonEmpty(reader, "HPKEPublicKey"));
    }

    public static SignaturePublicKey readSignaturePublicKey(TlsReader reader) {
        return new SignaturePublicKey(nonEmpty(reader, "SignaturePublicKey"));
    }

    private static byte[] nonEmpty(TlsReader reader, String what) {
        int start = reader.position();
        byte[] key = reader.readOpaque();
        if (key.length == 0) {
            throw new DecodeException(what + " is empty", start);
        }
        return key;
    }
}
