package org.parley.server.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * Makes the TLS handler of each new connection. Asked once per connection, so a source whose
 * certificate changes (ACME renewal) serves the new one to new handshakes without a restart.
 */
@FunctionalInterface
public interface TlsHandlers {
    SslHandler newHandler(ByteBufAllocator alloc);

    /** Every connection from one fixed context (a certificate given as PEM files). */
    static TlsHandlers of(SslContext context) {
        return context::newHandler;
    }
}
