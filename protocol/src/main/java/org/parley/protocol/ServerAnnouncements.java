package org.parley.protocol;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a server's key signs when it announces its alternate addresses (Challenge fields 2-4): a
 * fixed context label followed by the serialized {@code ServerAnnouncement}, so that the signature
 * covers the exact bytes sent and is valid nowhere else. Both sides use this class.
 */
public final class ServerAnnouncements {
    public static final int KEY_BYTES = Ed25519PublicKeyParameters.KEY_SIZE;
    /** Addresses a server may announce; a client ignores an announcement that holds more. */
    public static final int MAX_ADDRESSES = 16;
    /** The longest announced address (a bridge link naming its server fits easily). */
    public static final int MAX_ADDRESS_LENGTH = 1024;
    private static final byte[] LABEL = "parley-v1-announcement".getBytes(StandardCharsets.US_ASCII);

    private ServerAnnouncements() {
    }

    static byte[] signedContent(byte[] announcement) {
        byte[] content = Arrays.copyOf(LABEL, LABEL.length + announcement.length);
        System.arraycopy(announcement, 0, content, LABEL.length, announcement.length);
        return content;
    }

    public static byte[] sign(Ed25519PrivateKeyParameters serverKey, byte[] announcement) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, serverKey);
        byte[] content = signedContent(announcement);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    /** Whether {@code signature} is {@code serverKey}'s over {@code announcement}; false for malformed keys or signatures. */
    public static boolean verify(byte[] serverKey, byte[] announcement, byte[] signature) {
        if (serverKey.length != KEY_BYTES || signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
            return false;
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(serverKey, 0));
            byte[] content = signedContent(announcement);
            verifier.update(content, 0, content.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {
            return false; // a point that does not decode
        }
    }
}
