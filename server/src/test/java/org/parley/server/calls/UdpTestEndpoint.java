package org.parley.server.calls;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A loopback UDP socket playing a call client: sends datagrams and collects what arrives. */
final class UdpTestEndpoint implements AutoCloseable {
    private final DatagramSocket socket;
    private final InetSocketAddress relay;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    /** When each received datagram arrived (ms, System.currentTimeMillis), in the same order. */
    private final List<Long> arrivalMillis = new CopyOnWriteArrayList<>();
    private final Thread reader;

    UdpTestEndpoint(InetSocketAddress relay) throws SocketException {
        this.relay = relay;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        socket.setSendBufferSize(4 << 20);
        reader = new Thread(this::read, "udp-test-endpoint");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        byte[] buffer = new byte[65_536];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException closed) {
                return;
            }
            arrivalMillis.add(System.currentTimeMillis());
            received.add(Arrays.copyOf(packet.getData(), packet.getLength()));
        }
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    void send(byte[] datagram) throws IOException {
        socket.send(new DatagramPacket(datagram, datagram.length, relay));
    }

    /** Sends JOINs with {@code token}, each fresh and MACed with its JOIN key, and waits for JOINED. */
    void join(CallTokens tokens, byte[] token) throws Exception {
        join(tokens, token, relay);
    }

    /** As {@link #join(CallTokens, byte[])}, naming {@code relayAddress} (not where it sends, e.g. behind a proxy). */
    void join(CallTokens tokens, byte[] token, InetSocketAddress relayAddress) throws Exception {
        join(token, tokens.joinKey(token), relayAddress);
    }

    /** Sends JOINs with {@code token} MACed with {@code joinKey}, as a device given both does, and waits for JOINED. */
    void join(byte[] token, byte[] joinKey, InetSocketAddress relayAddress) throws Exception {
        int before = count(d -> d[0] == RelayDatagram.JOINED);
        for (int attempt = 0; attempt < 5; attempt++) {
            send(RelayDatagram.join(token, joinKey, relayAddress));
            if (await(d -> d[0] == RelayDatagram.JOINED, before + 1, 1_000)) {
                return;
            }
        }
        throw new AssertionError("relay did not answer JOIN");
    }

    int count(Predicate<byte[]> which) {
        return (int) received.stream().filter(which).count();
    }

    /** Waits until {@code n} received datagrams match; false after {@code timeoutMillis}. */
    boolean await(Predicate<byte[]> which, int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (count(which) < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    List<byte[]> received() {
        return new ArrayList<>(received);
    }

    /** Arrival times of {@link #received()}, index by index (read both once receiving is over). */
    List<Long> arrivalMillis() {
        return new ArrayList<>(arrivalMillis);
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        reader.join(1_000);
    }
}
