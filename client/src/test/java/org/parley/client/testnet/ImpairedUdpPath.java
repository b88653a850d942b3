package org.parley.client.testnet;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP forwarder between clients and one server address that impairs what passes, both ways,
 * like a bad or hostile network: it drops a share of datagrams, delays them (with jitter),
 * holds some back so they arrive out of order, and throttles to a rate the way a censor's
 * shaper does ({@link Throttle}). Every decision comes from seeded generators per direction (the
 * throttle draws nothing: it follows from the arrival times alone), so a run's pattern repeats up
 * to the order and times at which datagrams happen to arrive. The kernel here has no netem; this
 * stands in.
 *
 * <p>Each client address gets its own socket towards the server, as behind a NAT, so the server
 * tells the clients apart. The impairment can be changed at any time; it applies to datagrams
 * that arrive afterwards.
 */
public final class ImpairedUdpPath implements AutoCloseable {
    private static final int MAX_DATAGRAM_BYTES = 65_535;

    /**
     * @param dropShare     share of datagrams dropped, 0 to 1 (1: the path is dark)
     * @param delayMillis   added one-way delay
     * @param jitterMillis  the delay varies uniformly by up to this much either way
     * @param reorderShare  share of datagrams held back a further {@code reorderMillis}, so later ones overtake them
     * @param reorderMillis how long those are held back
     * @param throttle      the rate cap and its queue, applied before the delay ({@link Throttle#NONE}: none)
     */
    public record Impairment(double dropShare, int delayMillis, int jitterMillis, double reorderShare, int reorderMillis,
                             Throttle throttle) {
        public static final Impairment NONE = new Impairment(0, 0, 0, 0, 0, Throttle.NONE);
        public static final Impairment DARK = new Impairment(1, 0, 0, 0, 0, Throttle.NONE);

        public Impairment {
            if (dropShare < 0 || dropShare > 1 || reorderShare < 0 || reorderShare > 1 || delayMillis < 0 || jitterMillis < 0
                    || jitterMillis > delayMillis || reorderMillis < 0 || throttle == null) {
                throw new IllegalArgumentException("invalid impairment " + this + ": shares are 0..1, times not negative,"
                        + " jitter at most the delay, a throttle (Throttle.NONE for none)");
            }
        }

        /** Only a throttle, nothing else. */
        public static Impairment throttled(int bitsPerSecond, int queueBytes) {
            return new Impairment(0, 0, 0, 0, 0, new Throttle(bitsPerSecond, queueBytes));
        }
    }

    /**
     * A rate cap as a censor's shaper applies it: datagrams leave at {@code bitsPerSecond} from a
     * FIFO that holds at most {@code queueBytes} waiting behind the one leaving; one that does not
     * fit is dropped (tail drop). A flow above the rate is first delayed, by up to the queue's
     * depth, then loses what exceeds the rate. With {@code queueBytes} 0 it is a policer: only what
     * finds the link free passes.
     *
     * @param bitsPerSecond the rate, 0 for no throttle
     * @param queueBytes    bytes that may wait
     */
    public record Throttle(int bitsPerSecond, int queueBytes) {
        public static final Throttle NONE = new Throttle(0, 0);

        public Throttle {
            if (bitsPerSecond < 0 || queueBytes < 0) {
                throw new IllegalArgumentException("invalid throttle " + this + ": rate and queue are not negative");
            }
        }

        /** How long a full queue takes to drain: the most delay the throttle adds. */
        public long queueMillis() {
            return bitsPerSecond == 0 ? 0 : queueBytes * 8_000L / bitsPerSecond;
        }
    }

    /**
     * One direction's decisions and throttle queue. Drops come from a generator of their own, so
     * that the share dropped over a call is the seed's, whatever the delays drew in between.
     */
    private final class Lane {
        private final SplittableRandom drops;
        private final SplittableRandom timing;
        private final AtomicLong passed = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        private final AtomicLong throttled = new AtomicLong();
        private final ThrottleQueue queue = new ThrottleQueue();

        Lane(long seed) {
            drops = new SplittableRandom(seed);
            timing = new SplittableRandom(seed).split();
        }

        /** Forwards through {@code socket} to {@code to}, now, later or never. */
        void offer(DatagramSocket socket, byte[] data, int length, SocketAddress to) {
            long delayNanos;
            synchronized (this) {
                Impairment now = impairment;
                if (drops.nextDouble() < now.dropShare()) {
                    dropped.incrementAndGet();
                    return;
                }
                long queued = queue.admit(now.throttle(), length, System.nanoTime());
                if (queued < 0) {
                    dropped.incrementAndGet();
                    throttled.incrementAndGet();
                    return;
                }
                long delayMillis = now.delayMillis() + (now.jitterMillis() == 0 ? 0 : timing.nextInt(2 * now.jitterMillis() + 1) - now.jitterMillis());
                if (timing.nextDouble() < now.reorderShare()) {
                    delayMillis += now.reorderMillis();
                }
                delayNanos = queued + TimeUnit.MILLISECONDS.toNanos(delayMillis);
            }
            passed.incrementAndGet();
            DatagramPacket packet = new DatagramPacket(Arrays.copyOf(data, length), length, to);
            if (delayNanos <= 0) {
                send(socket, packet);
            } else {
                timer.schedule(() -> send(socket, packet), delayNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private final DatagramSocket front;
    private final InetSocketAddress server;
    private final Lane up;
    private final Lane down;
    private final Map<SocketAddress, DatagramSocket> flows = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, "impaired-udp-timer"));
    private final Thread frontReader;
    private volatile Impairment impairment = Impairment.NONE;
    private volatile boolean closed;

    private ImpairedUdpPath(DatagramSocket front, InetSocketAddress server, long seed) {
        this.front = front;
        this.server = server;
        this.up = new Lane(seed);
        this.down = new Lane(seed + 1);
        this.frontReader = daemon(this::readFront, "impaired-udp-up");
    }

    /**
     * Listens on {@code listen} (port 0: a free one) and forwards to {@code server}; the sockets
     * towards the server are bound to {@code listen}'s address too.
     */
    public static ImpairedUdpPath open(InetSocketAddress listen, InetSocketAddress server, long seed) throws IOException {
        return start(new DatagramSocket(listen), server, seed);
    }

    /** As {@link #open}, on a socket bound already (when the server must be told the port first). */
    public static ImpairedUdpPath start(DatagramSocket front, InetSocketAddress server, long seed) {
        ImpairedUdpPath path = new ImpairedUdpPath(front, server, seed);
        path.frontReader.start();
        return path;
    }

    /** Where clients send to reach the server through this path. */
    public InetSocketAddress address() {
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    public void impair(Impairment newImpairment) {
        impairment = newImpairment;
    }

    /** Datagrams forwarded (or scheduled), both ways. */
    public long passed() {
        return up.passed.get() + down.passed.get();
    }

    /** Datagrams dropped by the impairment, both ways (the throttle's included). */
    public long dropped() {
        return up.dropped.get() + down.dropped.get();
    }

    /** Datagrams the throttle dropped because its queue was full, both ways. */
    public long throttled() {
        return up.throttled.get() + down.throttled.get();
    }

    private void readFront() {
        byte[] buffer = new byte[MAX_DATAGRAM_BYTES];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                front.receive(packet);
                SocketAddress client = packet.getSocketAddress();
                DatagramSocket back = flows.get(client);
                if (back == null) {
                    back = new DatagramSocket(new InetSocketAddress(address().getAddress(), 0));
                    flows.put(client, back);
                    DatagramSocket socket = back;
                    daemon(() -> readBack(socket, client), "impaired-udp-down").start();
                }
                up.offer(back, buffer, packet.getLength(), server);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void readBack(DatagramSocket back, SocketAddress client) {
        byte[] buffer = new byte[MAX_DATAGRAM_BYTES];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                back.receive(packet);
                down.offer(front, buffer, packet.getLength(), client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void send(DatagramSocket socket, DatagramPacket packet) {
        try {
            socket.send(packet);
        } catch (IOException e) {
            // A closed socket at the end, or an ICMP error: the datagram is lost, as on a network.
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        timer.shutdownNow();
        front.close();
        flows.values().forEach(DatagramSocket::close);
        frontReader.join(1_000);
    }
}
