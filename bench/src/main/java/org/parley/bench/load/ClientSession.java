package org.parley.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.CompletableFuture;

/**
 * One simulated device: the handler at the end of a connection's pipeline that logs in, sends
 * load messages and hands received payloads to {@link LoadMetrics}. Subclasses speak one protocol.
 * All methods run on the connection's event loop.
 */
public abstract class ClientSession extends ChannelInboundHandlerAdapter {

    protected final int index;
    protected final LoadMetrics metrics;
    private final CompletableFuture<ClientSession> ready = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile boolean closing;

    protected ClientSession(int index, LoadMetrics metrics) {
        this.index = index;
        this.metrics = metrics;
    }

    /** This client's number, 0 .. clients-1. */
    public int index() {
        return index;
    }

    /** Completes when the session is logged in and can send, or fails with why it could not. */
    public CompletableFuture<ClientSession> ready() {
        return ready;
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Writes (without flushing) one message carrying {@code payload}, padded to {@code size} bytes,
     * to the clients numbered {@code recipients}. Returns the number of deliveries it asks for.
     */
    public abstract int send(int[] recipients, Payload payload, int size);

    /** Flushes what {@link #send} wrote, on every connection the session sends on. */
    public void flush() {
        Channel c = channel;
        if (c != null) {
            c.flush();
        }
    }

    /** Closes the connection without counting it as an error. */
    public void close() {
        closing = true;
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }

    protected final void loggedIn() {
        ready.complete(this);
    }

    /** The login failed, or the connection broke: fail {@link #ready()} and count an error. */
    protected final void fail(ChannelHandlerContext ctx, String why) {
        if (!ready.isDone()) {
            ready.completeExceptionally(new IllegalStateException("client " + index + ": " + why));
        }
        metrics.error(why);
        closing = true;
        ctx.close();
    }

    /** The TCP connection could not be made. */
    public final void connectFailed(Throwable cause) {
        if (ready.completeExceptionally(new IllegalStateException("client " + index + ": connect failed: " + cause.getMessage()))) {
            metrics.error("connect failed: " + cause.getClass().getSimpleName());
        }
    }

    /** The login did not finish in time: close and count it once. */
    public final void loginTimedOut() {
        if (ready.completeExceptionally(new IllegalStateException("client " + index + ": login timed out"))) {
            metrics.error("login timed out");
            close();
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelRegistered(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!closing) {
            fail(ctx, "connection closed by the server");
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, "connection error: " + cause.getClass().getSimpleName());
    }
}
