package org.parley.server.acme;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The listener's swappable certificate and the TLS-ALPN-01 answer, over real TLS handshakes on loopback. */
class ServedCertificatesTest {
    private static final String DOMAIN = "chat.example.org";

    private final ChallengeResponses challenges = new ChallengeResponses();
    private final ServedCertificates served = new ServedCertificates(challenges);
    private EventLoopGroup group;
    private Channel listener;

    /** What a client saw: the leaf certificate and the negotiated ALPN name ("" for none). */
    private record Handshake(X509Certificate certificate, String protocol) {
    }

    @BeforeEach
    void listen() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(served.newHandler(channel.alloc()));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void beforeTheFirstCertificateEveryHandshakeFails() {
        assertThatThrownBy(() -> handshake(DOMAIN)).isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> handshake(DOMAIN, "acme-tls/1")).isInstanceOf(SSLException.class);
    }

    @Test
    void aNewCertificateReachesTheNextHandshakeWithoutALPN() throws Exception {
        Instant now = Instant.now();
        TestCertificates.Issued first = TestCertificates.issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)), DOMAIN);
        served.serve(first.credential());
        Handshake before = handshake(DOMAIN);
        assertThat(before.certificate()).isEqualTo(first.chain().get(0));
        assertThat(before.protocol()).as("no ALPN name for ordinary clients").isEmpty();
        assertThat(handshake(DOMAIN, "h2", "http/1.1").protocol()).isEmpty();

        TestCertificates.Issued second = TestCertificates.issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)), DOMAIN);
        served.serve(second.credential());
        assertThat(handshake(DOMAIN).certificate()).isEqualTo(second.chain().get(0));
        assertThat(handshake(null).certificate()).as("a client without SNI too").isEqualTo(second.chain().get(0));
    }

    @Test
    void acmeTls1GetsThePendingValidationCertificateForItsNameAndNothingElse() throws Exception {
        Instant now = Instant.now();
        TestCertificates.Issued current = TestCertificates.issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)), DOMAIN);
        served.serve(current.credential());
        assertThatThrownBy(() -> handshake(DOMAIN, "acme-tls/1")).as("no challenge pending: not the served certificate either")
                .isInstanceOf(SSLException.class);

        KeyPair key = AcmeKeys.newKeyPair();
        X509Certificate validation = AcmeKeys.validationCertificate(key, DOMAIN, new byte[32]);
        challenges.answerTlsAlpn01(DOMAIN, new Credential(key.getPrivate(), List.of(validation)));
        Handshake answered = handshake(DOMAIN, "acme-tls/1");
        assertThat(answered.certificate()).isEqualTo(validation);
        assertThat(answered.protocol()).isEqualTo("acme-tls/1");
        assertThatThrownBy(() -> handshake("other.example.org", "acme-tls/1")).isInstanceOf(SSLException.class);
        assertThat(handshake(DOMAIN).certificate()).as("ordinary clients meanwhile").isEqualTo(current.chain().get(0));

        challenges.forgetTlsAlpn01(DOMAIN);
        assertThatThrownBy(() -> handshake(DOMAIN, "acme-tls/1")).isInstanceOf(SSLException.class);
    }

    /** A fresh client's handshake, sending SNI {@code serverName} (none if null) and offering {@code protocols} by ALPN. */
    private Handshake handshake(String serverName, String... protocols) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        try (Socket raw = new Socket(address.getAddress(), address.getPort());
             SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, "127.0.0.1", address.getPort(), true)) {
            tls.setSoTimeout(10_000);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            if (protocols.length > 0) {
                parameters.setApplicationProtocols(protocols);
            }
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            return new Handshake((X509Certificate) tls.getSession().getPeerCertificates()[0], tls.getApplicationProtocol());
        }
    }
}
