package org.parley.bench.load.xmpp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadMetrics;
import org.parley.bench.load.Payload;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One XMPP client: the RFC 6120 stream flow (header, features, SASL PLAIN §6, stream restart,
 * resource binding §7, session RFC 3921 §3, initial presence), then chat messages both ways.
 */
final class XmppSession extends ClientSession {

    /** ejabberd.sh configures max_stanza_size 262144; anything larger is not from it. */
    private static final int MAX_ELEMENT_BYTES = 262_144;

    private enum State { FEATURES, AUTH, RESTARTED_FEATURES, BIND, SESSION, READY }

    private final XmppDriver.XmppAccounts accounts;
    private final XmppStreamReader reader = new XmppStreamReader(MAX_ELEMENT_BYTES);
    private State state = State.FEATURES;
    private byte[] scratch = new byte[8192];

    XmppSession(int index, LoadMetrics metrics, XmppDriver.XmppAccounts accounts) {
        super(index, metrics);
        this.accounts = accounts;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        writeStreamHeader(ctx);
        ctx.flush();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        long now = System.nanoTime();
        try {
            int n = in.readableBytes();
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, scratch.length * 2)];
            }
            in.readBytes(scratch, 0, n);
            for (XmppElement element : reader.feed(scratch, 0, n)) {
                if (!handle(ctx, element, now)) {
                    return;
                }
            }
            ctx.flush();
        } catch (XmppProtocolException e) {
            fail(ctx, "xmpp: malformed stream from the server");
        } finally {
            in.release();
        }
    }

    /** Handles one element; false when the session was ended. */
    private boolean handle(ChannelHandlerContext ctx, XmppElement element, long now) {
        String name = element.name();
        if (name.equals("stream:stream")) {
            return true;
        }
        if (name.equals("stream:error") || name.equals("/stream:stream")) {
            fail(ctx, "xmpp: stream error or end from the server in state " + state);
            return false;
        }
        switch (state) {
            case FEATURES -> {
                if (!name.equals("stream:features")) {
                    return true;
                }
                if (!element.contains(">PLAIN<")) {
                    fail(ctx, "xmpp: the server does not offer SASL PLAIN");
                    return false;
                }
                String credentials = "\0" + accounts.user(index) + "\0" + accounts.password();
                write(ctx, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)) + "</auth>");
                state = State.AUTH;
            }
            case AUTH -> {
                if (name.equals("success")) {
                    writeStreamHeader(ctx);
                    state = State.RESTARTED_FEATURES;
                } else if (name.equals("failure")) {
                    fail(ctx, "xmpp: SASL PLAIN login refused (are users " + accounts.user(0) + ".. registered?)");
                    return false;
                }
            }
            case RESTARTED_FEATURES -> {
                if (name.equals("stream:features")) {
                    write(ctx, "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                            + "<resource>load</resource></bind></iq>");
                    state = State.BIND;
                }
            }
            case BIND -> {
                if (isReplyTo(element, "bind")) {
                    if (!"result".equals(element.attribute("type").orElse(""))) {
                        fail(ctx, "xmpp: resource binding refused");
                        return false;
                    }
                    write(ctx, "<iq type='set' id='session'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
                    state = State.SESSION;
                }
            }
            case SESSION -> {
                if (isReplyTo(element, "session")) {
                    write(ctx, "<presence/>");
                    state = State.READY;
                    loggedIn();
                }
            }
            case READY -> receive(element, now);
        }
        return true;
    }

    private void receive(XmppElement element, long now) {
        if (!element.name().equals("message")) {
            return; // presence and other stanzas are not part of the load
        }
        if ("error".equals(element.attribute("type").orElse(""))) {
            metrics.error("xmpp: message bounced with an error");
            return;
        }
        element.body().ifPresent(body -> {
            try {
                metrics.received(Payload.fromText(body), now);
            } catch (Payload.MalformedPayloadException e) {
                metrics.error("xmpp: message body is not a load payload");
            }
        });
    }

    private static boolean isReplyTo(XmppElement element, String id) {
        return element.name().equals("iq") && id.equals(element.attribute("id").orElse(""));
    }

    @Override
    public int send(int[] recipients, Payload payload, int size) {
        String body = payload.toText(size);
        StringBuilder stanzas = new StringBuilder(recipients.length * (size + 80));
        for (int recipient : recipients) {
            stanzas.append("<message to='").append(accounts.jid(recipient)).append("' type='chat'><body>")
                    .append(body).append("</body></message>");
        }
        channel().write(Unpooled.wrappedBuffer(stanzas.toString().getBytes(StandardCharsets.UTF_8)));
        return recipients.length;
    }

    private void writeStreamHeader(ChannelHandlerContext ctx) {
        write(ctx, "<?xml version='1.0'?><stream:stream to='" + XmppElement.escape(accounts.domain())
                + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
    }

    private static void write(ChannelHandlerContext ctx, String xml) {
        ctx.write(ByteBufUtil.writeUtf8(ctx.alloc(), xml));
    }
}
