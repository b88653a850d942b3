package org.parley.mls.messages;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/**
 * {@code PreSharedKeyID} (RFC 9420 Section 8.4). For {@code external} PSKs {@code pskId} is set;
 * for {@code resumption} PSKs {@code usage}, {@code pskGroupId} and {@code pskEpoch} are.
 * Unknown {@code PSKType} and {@code ResumptionPSKUsage} values are malformed.
 */
public record PreSharedKeyID(int pskType, byte[] pskId, int usage, byte[] pskGroupId, long pskEpoch, byte[] pskNonce)
        implements TlsEncodable {
    public static final int EXTERNAL = 1;
    public static final int RESUMPTION = 2;
    public static final int USAGE_APPLICATION = 1;
    public static final int USAGE_REINIT = 2;
    public static final int USAGE_BRANCH = 3;

    public PreSharedKeyID {
        if (pskType != EXTERNAL && pskType != RESUMPTION) {
            throw new IllegalArgumentException("psktype must be external(1) or resumption(2), was " + pskType);
        }
        pskId = pskId == null ? null : pskId.clone();
        pskGroupId = pskGroupId == null ? null : pskGroupId.clone();
        pskNonce = pskNonce.clone();
    }

    public static PreSharedKeyID external(byte[] pskId, byte[] pskNonce) {
        return new PreSharedKeyID(EXTERNAL, pskId, 0, null, 0, pskNonce);
    }

    public static PreSharedKeyID resumption(int usage, byte[] pskGroupId, long pskEpoch, byte[] pskNonce) {
        return new PreSharedKeyID(RESUMPTION, null, usage, pskGroupId, pskEpoch, pskNonce);
    }

    @Override
    public byte[] pskId() {
        return pskId == null ? null : pskId.clone();
    }

    @Override
    public byte[] pskGroupId() {
        return pskGroupId == null ? null : pskGroupId.clone();
    }

    @Override
    public byte[] pskNonce() {
        return pskNonce.clone();
    }

    public static PreSharedKeyID decode(TlsReader reader) {
        int start = reader.position();
        int type = reader.readUint8();
        switch (type) {
            case EXTERNAL:
                return external(reader.readOpaque(), reader.readOpaque());
            case RESUMPTION:
                int usageAt = reader.position();
                int usage = reader.readUint8();
                if (usage < USAGE_APPLICATION || usage > USAGE_BRANCH) {
                    throw new DecodeException("unknown ResumptionPSKUsage " + usage, usageAt);
                }
                return resumption(usage, reader.readOpaque(), reader.readUint64(), reader.readOpaque());
            default:
                throw new DecodeException("unknown PSKType " + type, start);
        }
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint8(pskType);
        if (pskType == EXTERNAL) {
            writer.writeOpaque(pskId);
        } else {
            writer.writeUint8(usage).writeOpaque(pskGroupId).writeUint64(pskEpoch);
        }
        writer.writeOpaque(pskNonce);
    }
}
