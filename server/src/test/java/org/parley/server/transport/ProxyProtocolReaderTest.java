package org.parley.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyProtocolReaderTest {

    @Test
    void aV2HeaderNamesTheClientAndTheBytesAfterItPassThrough() throws Exception {
        EmbeddedChannel channel = channel();
        ByteBuf bytes = Unpooled.buffer();
        bytes.writeBytes(ProxyHeaders.v2(InetAddress.getByName("203.0.113.5"), 40_000));
        bytes.writeBytes("GET /healthz HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        channel.writeInbound(bytes);
        assertThat(ClientAddress.of(channel)).isEqualTo(InetAddress.getByName("203.0.113.5"));
        ByteBuf rest = channel.readInbound();
        assertThat(rest.toString(StandardCharsets.US_ASCII)).isEqualTo("GET /healthz HTTP/1.1\r\n");
        rest.release();
        assertThat(channel.pipeline().get(ProxyProtocolReader.class)).as("its work is done").isNull();
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void anIpv6HeaderAndAV1HeaderAreRead() throws Exception {
        EmbeddedChannel v6 = channel();
        v6.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2(InetAddress.getByName("2001:db8:7::9"), 443)));
        assertThat(ClientAddress.of(v6)).isEqualTo(InetAddress.getByName("2001:db8:7::9"));

        EmbeddedChannel v1 = channel();
        v1.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 198.51.100.3 192.0.2.1 5000 443\r\n", StandardCharsets.US_ASCII));
        assertThat(ClientAddress.of(v1)).isEqualTo(InetAddress.getByName("198.51.100.3"));
    }

    @Test
    void aLocalHeaderKeepsThePeer() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2Local()));
        assertThat(channel.isActive()).isTrue();
        assertThat(ClientAddress.of(channel)).as("EmbeddedChannel has no IP peer").isNull();
    }

    @Test
    void aConnectionWithoutAValidHeaderIsClosed() throws Exception {
        byte[] valid = ProxyHeaders.v2(InetAddress.getByName("203.0.113.5"), 1);
        byte[] wrongVersion = valid.clone();
        wrongVersion[12] = 0x31;
        byte[] hugeLength = new byte[6000]; // says 64 KiB follow: refused once more than the server's bound arrived
        System.arraycopy(valid, 0, hugeLength, 0, valid.length);
        hugeLength[14] = (byte) 0xff;
        hugeLength[15] = (byte) 0xff;
        byte[] forgedFamily = valid.clone();
        forgedFamily[13] = 0x77;
        for (byte[] hostile : new byte[][] {
                "GET /v1/ws HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "PROXY TCP4 not-an-address 192.0.2.1 5000 443\r\n".getBytes(StandardCharsets.US_ASCII),
                wrongVersion, hugeLength, forgedFamily, new byte[200]}) {
            EmbeddedChannel channel = channel();
            try {
                channel.writeInbound(Unpooled.wrappedBuffer(hostile));
            } catch (RuntimeException decoderFailure) {
                // the decoder may also throw through an embedded channel; the channel must be closed either way
            }
            channel.runPendingTasks();
            assertThat(channel.isActive()).as("closed after %s", new String(hostile, StandardCharsets.ISO_8859_1)).isFalse();
            assertThat(ClientAddress.of(channel)).isNull();
        }
    }

    @Test
    void aTruncatedHeaderWaitsForTheRestAndPassesNothingOn() throws Exception {
        byte[] valid = ProxyHeaders.v2(InetAddress.getByName("203.0.113.5"), 1);
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer(valid, 0, 20));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(ClientAddress.of(channel)).isNull();
        channel.writeInbound(Unpooled.wrappedBuffer(valid, 20, valid.length - 20));
        assertThat(ClientAddress.of(channel)).isEqualTo(InetAddress.getByName("203.0.113.5"));
    }

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new HAProxyMessageDecoder(4096), new ProxyProtocolReader());
    }
}
