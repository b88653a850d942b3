package org.parley.server.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.PromiseNotifier;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.TunnelHttpHead;
import org.parley.protocol.v1.TunnelHttpHeader;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A tunnel's one HTTP exchange as Netty's HTTP messages, so that the attachment routes serve it as
 * they serve plain HTTP. In: the {@link Tunnel#HTTP_HEAD} record becomes an HttpRequest with only
 * the headers those routes read ({@link #REQUEST_HEADERS}; others are dropped) and "Connection:
 * close", as a tunnel carries one exchange; {@link Tunnel#HTTP_BODY} records become its body and
 * {@link Tunnel#HTTP_END} its end. Out: the response's status and headers (without hop-by-hop
 * ones) as a head record, its body in records of at most {@link Tunnel#MAX_BODY_RECORD_BYTES},
 * and an end record.
 *
 * <p>The request is bounded: a head above {@link #MAX_HEAD_BYTES} or with more than
 * {@link #MAX_HEADERS} headers, a method other than GET and POST, a header the routes read given
 * twice or with a control character, a body record above {@link Tunnel#MAX_BODY_RECORD_BYTES}, a
 * body longer than its Content-Length or ending short of it, and a record after the end or of
 * another kind, each end the tunnel (1002).
 *
 * <p>The routes close the connection once they have answered, which may be before the request's
 * end record arrives (a download starts at the head, a refusal is said at once): that close waits
 * for the end, at most {@link HttpResponses#LINGER}. Closing with the client's records still
 * coming makes the kernel reset the connection, and the answer can be lost on the way.
 */
final class TunnelHttpExchange extends MessageToMessageCodec<TunnelRecord, HttpObject> {
    private static final int MAX_HEAD_BYTES = 4096;
    private static final int MAX_HEADERS = 32;
    /** What the attachment routes read: the upload's ticket, its declared length, and the type. */
    private static final Set<String> REQUEST_HEADERS = Set.of("authorization", "content-length", "content-type");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding");
    private static final Map<String, HttpMethod> METHODS = Map.of("GET", HttpMethod.GET, "POST", HttpMethod.POST);
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]{0,511}");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7e\\t]*");
    private static final Pattern LENGTH = Pattern.compile("[0-9]{1,18}");

    private enum Stage { HEAD, BODY, ENDED }

    private Stage stage = Stage.HEAD;
    /** Body bytes the request's Content-Length still allows; -1 without one. */
    private long remaining = -1;
    /** The routes' close, while the request has not ended. */
    private ChannelPromise heldClose;

    @Override
    protected void decode(ChannelHandlerContext ctx, TunnelRecord record, List<Object> out) {
        ByteBuf body = record.content();
        try {
            if (stage == Stage.HEAD && record.type() == Tunnel.HTTP_HEAD) {
                out.add(request(body));
                stage = Stage.BODY;
            } else if (stage == Stage.BODY && record.type() == Tunnel.HTTP_BODY) {
                out.add(new DefaultHttpContent(counted(body).retain()));
            } else if (stage == Stage.BODY && record.type() == Tunnel.HTTP_END && !body.isReadable() && remaining <= 0) {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                stage = Stage.ENDED;
            } else {
                throw new IllegalArgumentException("record " + record.type() + " out of place");
            }
        } catch (IllegalArgumentException broken) {
            TunnelHandler.refuse(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (stage == Stage.ENDED) {
            releaseClose(ctx);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (stage == Stage.ENDED) {
            ctx.close(promise);
        } else if (heldClose != null) {
            PromiseNotifier.cascade(heldClose, promise);
        } else {
            heldClose = promise;
            ctx.executor().schedule(() -> releaseClose(ctx), HttpResponses.LINGER.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void releaseClose(ChannelHandlerContext ctx) {
        if (heldClose != null) {
            ChannelPromise promise = heldClose;
            heldClose = null;
            ctx.close(promise);
        }
    }

    private HttpRequest request(ByteBuf body) {
        if (body.readableBytes() > MAX_HEAD_BYTES) {
            throw new IllegalArgumentException("head too large");
        }
        TunnelHttpHead head;
        try {
            head = TunnelHttpHead.parseFrom(body.nioBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a TunnelHttpHead", e);
        }
        HttpMethod method = METHODS.get(head.getMethod());
        if (method == null || !PATH.matcher(head.getPath()).matches() || head.getHeadersCount() > MAX_HEADERS) {
            throw new IllegalArgumentException("not a request the tunnel takes");
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, head.getPath());
        for (TunnelHttpHeader header : head.getHeadersList()) {
            String name = header.getName().toLowerCase(Locale.ROOT);
            if (!REQUEST_HEADERS.contains(name)) {
                continue;
            }
            if (request.headers().contains(name) || !HEADER_VALUE.matcher(header.getValue()).matches()) {
                throw new IllegalArgumentException("a header twice, or with a control character");
            }
            request.headers().set(name, header.getValue());
        }
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            if (!LENGTH.matcher(length).matches()) {
                throw new IllegalArgumentException("Content-Length is not a number");
            }
            remaining = Long.parseLong(length);
        }
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return request;
    }

    private ByteBuf counted(ByteBuf chunk) {
        if (chunk.readableBytes() > Tunnel.MAX_BODY_RECORD_BYTES) {
            throw new IllegalArgumentException("body record too large");
        }
        if (remaining >= 0) {
            if (chunk.readableBytes() > remaining) {
                throw new IllegalArgumentException("body longer than its Content-Length");
            }
            remaining -= chunk.readableBytes();
        }
        return chunk;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) {
        if (msg instanceof HttpResponse response) {
            TunnelHttpHead.Builder head = TunnelHttpHead.newBuilder().setStatus(response.status().code());
            response.headers().forEach(header -> {
                if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                    head.addHeaders(TunnelHttpHeader.newBuilder().setName(header.getKey()).setValue(header.getValue()));
                }
            });
            out.add(new TunnelRecord(Tunnel.HTTP_HEAD, Unpooled.wrappedBuffer(head.build().toByteArray())));
        }
        if (msg instanceof HttpContent content) {
            ByteBuf bytes = content.content();
            for (int offset = 0; offset < bytes.readableBytes(); offset += Tunnel.MAX_BODY_RECORD_BYTES) {
                int length = Math.min(Tunnel.MAX_BODY_RECORD_BYTES, bytes.readableBytes() - offset);
                out.add(new TunnelRecord(Tunnel.HTTP_BODY, bytes.retainedSlice(bytes.readerIndex() + offset, length)));
            }
            if (content instanceof LastHttpContent) {
                out.add(new TunnelRecord(Tunnel.HTTP_END, Unpooled.EMPTY_BUFFER));
            }
        }
        if (out.isEmpty()) {
            out.add(new TunnelRecord(Tunnel.HTTP_BODY, Unpooled.EMPTY_BUFFER)); // an empty chunk: each write still makes a record
        }
    }
}
