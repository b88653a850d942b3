package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.parley.protocol.v1.ErrorCode;
import org.parley.server.transport.ProtocolViolation;

import java.util.HexFormat;

/** Field checks shared by the request handlers; a bad field is a protocol violation naming it. */
final class Fields {
    private Fields() {
    }

    static byte[] exactly(long requestId, String field, ByteString value, int length) {
        if (value.size() != length) {
            throw invalid(requestId, field + " must be " + length + " bytes, got " + value.size());
        }
        return value.toByteArray();
    }

    static byte[] between(long requestId, String field, ByteString value, int min, int max) {
        if (value.size() < min || value.size() > max) {
            throw invalid(requestId, field + " must be " + min + " to " + max + " bytes, got " + value.size());
        }
        return value.toByteArray();
    }

    /** Parses a lower-case hex secret of at most {@code maxBytes}; null if the text is not one. */
    static byte[] hexOrNull(String text, int maxBytes) {
        if (text.isEmpty() || text.length() > 2 * maxBytes || text.length() % 2 != 0) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException notHex) {
            return null;
        }
    }

    static ProtocolViolation invalid(long requestId, String message) {
        return new ProtocolViolation(requestId, ErrorCode.INVALID_ARGUMENT, message);
    }
}
