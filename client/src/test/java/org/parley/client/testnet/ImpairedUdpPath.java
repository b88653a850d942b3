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
 * holds some back so they arrive out of order, and polices a rate (what exceeds it is dropped,
 * as a throttling middlebox does). Every decision comes from seeded generators per direction,
 * so a run's pattern repeats up to the order in which datagrams happen to arrive. The kernel
 * here has no netem; this stands in.
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
     * @param bytesPerSecond rate above which datagrams are dropped (a 200 ms burst passes), 0 for no limit
     */
    public record Impairment(double dropShare, int delayMillis, int jitterMillis, double reorderShare, int reorderMillis,
                             int bytesPerSecond) {
        public static final Impairment NONE = new Impairment(0, 0, 0, 0, 0, 0);
        public static final Impairment DARK = new Impairment(1, 0, 0, 0, 0, 0);

        public Impairment {
            if (dropShare < 0 || dropShare > 1 || reorderShare < 0 || reorderShare > 1 || delayMillis < 0 || jitterMillis < 0
                    || jitterMillis > delayMillis || reorderMillis < 0 || bytesPerSecond < 0) {
                throw new IllegalArgumentException("invalid impairment " + this + ": shares are 0..1, times and rates not"
                        + " negative, jitter at most the delay");
            }
        }
    }

    /**
     * One direction's decisions and rate budget. Drops come from a generator of their own, so
     * that the share dropped over a call is the seed's, whatever the delays drew in between.
     */
    private final class Lane {
        private final SplittableRandom drops;
        private final SplittableRandom timing;
        private final AtomicLong passed = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        private double budgetBytes;
        private long budgetAt = System.nanoTime();

        Lane(long seed) {
            drops = new SplittableRandom(seed);
            timing = new SplittableRandom(seed).split();
        }

        /** Forwards through {@code socket} to {@code to}, now, later or never. */
        void offer(DatagramSocket socket, byte[] data, int length, SocketAddress to) {
            long delay;
            synchronized (this) {
                Impairment now = impairment;
                if (drops.nextDouble() < now.dropShare() || !withinRate(now.bytesPerSecond(), length)) {
                    dropped.incrementAndGet();
                    return;
                }
                delay = now.delayMillis() + (now.jitterMillis() == 0 ? 0 : timing.nextInt(2 * now.jitterMillis() + 1) - now.jitterMillis());
                if (timing.nextDouble() < now.reorderShare()) {
                    delay += now.reorderMillis();
                }
            }
            passed.incrementAndGet();
            DatagramPacket packet = new DatagramPacket(Arrays.copyOf(data, length), length, to);
            if (delay <= 0) {
                send(socket, packet);
            } else {
                timer.schedule(() -> send(socket, packet), delay, TimeUnit.MILLISECONDS);
            }
        }

        private boolean withinRate(int bytesPerSecond, int length) {
            if (bytesPerSecond == 0) {
                return true;
            }
            long now = System.nanoTime();
            double burst = bytesPerSecond / 5.0;
            budgetBytes = Math.min(burst, budgetBytes + (now - budgetAt) / 1e9 * bytesPerSecond);
            budgetAt = now;
            if (budgetBytes < length) {
                return false;
            }
            budgetBytes -= length;
            return true;
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

    /** Datagrams dropped by the impairment, both ways. */
    public long dropped() {
        return up.dropped.get() + down.dropped.get();
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
