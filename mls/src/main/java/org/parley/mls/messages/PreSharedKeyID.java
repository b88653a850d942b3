package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/**
 * {@code PreSharedKeyID} (RFC 9420 Section 8.4). For {@code external} PSKs {@code pskId} is set;
 * for {@code resumption} PSKs {@code usage}, {@code pskGroupId} and {@code pskEpoch} are.
 * Unknown {@code PSKType} and {@code ResumptionPSKUsage} values are malformed.
 */
public record PreSharedKeyID(int pskType, Bytes pskId, int usage, Bytes pskGroupId, long pskEpoch, Bytes pskNonce)
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
        Objects.requireNonNull(pskNonce, "pskNonce");
    }

    public static PreSharedKeyID external(Bytes pskId, Bytes pskNonce) {
        return new PreSharedKeyID(EXTERNAL, pskId, 0, null, 0, pskNonce);
    }

    public static PreSharedKeyID resumption(int usage, Bytes pskGroupId, long pskEpoch, Bytes pskNonce) {
        return new PreSharedKeyID(RESUMPTION, null, usage, pskGroupId, pskEpoch, pskNonce);
    }

    public static PreSharedKeyID decode(TlsReader reader) {
        int start = reader.position();
        int type = reader.readUint8();
        switch (type) {
            case EXTERNAL:
                return external(reader.readOpaqueBytes(), reader.readOpaqueBytes());
            case RESUMPTION:
                int usageAt = reader.position();
                int usage = reader.readUint8();
                if (usage < USAGE_APPLICATION || usage > USAGE_BRANCH) {
                    throw new DecodeException("unknown ResumptionPSKUsage " + usage, usageAt);
                }
                return resumption(usage, reader.readOpaqueBytes(), reader.readUint64(), reader.readOpaqueBytes());
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
