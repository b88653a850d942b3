package org.parley.server.calls;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A seeded network impairment between one UDP client and the relay, since this kernel has no
 * netem: datagrams from the relay to the client are dropped with a probability, and delayed by a
 * base plus a uniform jitter (which also reorders them); datagrams from the client pass unharmed.
 * The client sends to {@link #address()} as if it were the relay.
 */
final class ImpairmentProxy implements AutoCloseable {
    private final DatagramSocket clientSide;
    private final DatagramSocket relaySide;
    private final InetSocketAddress relay;
    private final SplittableRandom random;
    private final double lossProbability;
    private final int delayMillis;
    private final int jitterMillis;
    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();
    private volatile SocketAddress client;
    private volatile int dropped;

    ImpairmentProxy(InetSocketAddress relay, long seed, double lossProbability, int delayMillis, int jitterMillis)
            throws IOException {
        this.relay = relay;
        this.random = new SplittableRandom(seed);
        this.lossProbability = lossProbability;
        this.delayMillis = delayMillis;
        this.jitterMillis = jitterMillis;
        this.clientSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.relaySide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        clientSide.setReceiveBufferSize(4 << 20);
        relaySide.setReceiveBufferSize(4 << 20);
        start(this::clientToRelay, "impairment-up");
        start(this::relayToClient, "impairment-down");
    }

    InetSocketAddress address() {
        return (InetSocketAddress) clientSide.getLocalSocketAddress();
    }

    int dropped() {
        return dropped;
    }

    private void start(Runnable loop, String name) {
        Thread thread = new Thread(loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void clientToRelay() {
        byte[] buffer = new byte[65_536];
        while (!clientSide.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                clientSide.receive(packet);
                client = packet.getSocketAddress();
                relaySide.send(new DatagramPacket(packet.getData(), packet.getLength(), relay));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void relayToClient() {
        byte[] buffer = new byte[65_536];
        while (!relaySide.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                relaySide.receive(packet);
            } catch (IOException closed) {
                return;
            }
            if (random.nextDouble() < lossProbability) {
                dropped++;
                continue;
            }
            byte[] copy = Arrays.copyOf(packet.getData(), packet.getLength());
            int delay = delayMillis + random.nextInt(jitterMillis + 1);
            delayer.schedule(() -> deliver(copy), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void deliver(byte[] datagram) {
        try {
            clientSide.send(new DatagramPacket(datagram, datagram.length, client));
        } catch (IOException closedOrUnreachable) {
            // The test is over or the client went away: nothing to deliver to.
        }
    }

    @Override
    public void close() {
        clientSide.close();
        relaySide.close();
        delayer.shutdownNow();
    }
}
