package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;

/**
 * Behind {@link io.netty.handler.codec.haproxy.HAProxyMessageDecoder} ({@code --proxy-protocol}):
 * takes the client's address from the PROXY header that a proxy sends before anything else, then
 * leaves the pipeline. A connection without a valid header is closed (the decoder fails it); a
 * LOCAL header (the proxy's own health check) or a non-IP one (a Unix socket) keeps the proxy's
 * address.
 */
public final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // the decoder passes nothing else first; refuse rather than guess
            return;
        }
        try {
            HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
            boolean ip = family == HAProxyProxiedProtocol.AddressFamily.AF_IPv4 || family == HAProxyProxiedProtocol.AddressFamily.AF_IPv6;
            if (header.command() == HAProxyCommand.PROXY && ip) {
                InetAddress client = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                if (client == null) {
                    ctx.close();
                    return;
                }
                ClientAddress.set(ctx.channel(), client);
            }
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a missing or malformed PROXY header: nothing to answer a proxy-only listener's stranger
    }
}
