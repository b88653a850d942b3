package org.parley.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import org.parley.protocol.Tunnel;

/**
 * One tunnel record's plaintext as it travels the pipeline: its type ({@link Tunnel#FRAME},
 * {@link Tunnel#HTTP_HEAD}, ...) and its body. {@link TunnelHandler} opens records into these and
 * seals these into records.
 */
final class TunnelRecord extends DefaultByteBufHolder {
    private final byte type;

    TunnelRecord(byte type, ByteBuf body) {
        super(body);
        this.type = type;
    }

    byte type() {
        return type;
    }
}
