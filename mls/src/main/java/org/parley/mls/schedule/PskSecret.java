package org.parley.mls.schedule;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;

import java.util.List;
import java.util.Objects;

/**
 * Computes {@code psk_secret} from the PSKs a Commit or Welcome names (RFC 9420 Section 8.4):
 *
 * <pre>
 * psk_extracted_[i] = KDF.Extract(0, psk_[i])
 * psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
 * psk_secret_[0]    = 0
 * psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
 * </pre>
 *
 * with {@code struct { PreSharedKeyID id; uint16 index; uint16 count; } PSKLabel;}. The
 * PreSharedKeyID struct itself is {@code org.parley.mls.messages.PreSharedKeyID}; here any
 * encodable id will do, so this class does not depend on the messages package.
 */
public final class PskSecret {
    private PskSecret() {
    }

    /** One PSK to inject: its PreSharedKeyID and the PSK value it names. */
    public record Psk(TlsEncodable id, Secret psk) {
        public Psk {
            Objects.requireNonNull(psk, "psk");
        }
    }

    /** psk_secret for the PSKs in order; the all-zero vector of length KDF.Nh when there are none. */
    public static byte[] compute(CipherSuite suite, List<Psk> psks) {
        int nh = suite.hashLength();
        byte[] zero = new byte[nh];
        byte[] pskSecret = zero;
        int count = psks.size();
        if (count > 0xFFFF) {
            throw new IllegalArgumentException("at most 65535 PSKs fit a PSKLabel, got " + count);
        }
        for (int i = 0; i < count; i++) {
            Psk p = psks.get(i);
            byte[] extracted = suite.extract(zero, p.psk.copyBytes());
            byte[] input = suite.expandWithLabel(extracted, "derived psk", pskLabel(p.id, i, count), nh);
            pskSecret = suite.extract(input, pskSecret);
        }
        return pskSecret;
    }

    /** The encoded PSKLabel. */
    public static byte[] pskLabel(TlsEncodable id, int index, int count) {
        TlsWriter w = new TlsWriter();
        id.writeTo(w);
        return w.writeUint16(index).writeUint16(count).toByteArray();
    }
}
