package org.parley.server.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A plain TCP server on loopback in the upstream's place, so a test sees exactly what the bridge
 * relays: it counts connections and runs one behaviour per connection on its own thread.
 */
public final class TestUpstream implements AutoCloseable {
    /** What the upstream does with one connection. */
    public interface Behaviour {
        void serve(Socket connection) throws IOException;
    }

    private final ServerSocket listener;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private TestUpstream(Behaviour behaviour) throws IOException {
        listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket connection = listener.accept();
                    connections.incrementAndGet();
                    open.add(connection);
                    Thread worker = new Thread(() -> {
                        try (connection) {
                            behaviour.serve(connection);
                        } catch (IOException ended) {
                            // the bridge or the test closed it
                        }
                    });
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Sends back every byte it gets, and ends its output when its input ends. */
    public static TestUpstream echo() throws IOException {
        return new TestUpstream(connection -> {
            InputStream in = connection.getInputStream();
            OutputStream out = connection.getOutputStream();
            byte[] buffer = new byte[16384];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
            connection.shutdownOutput();
        });
    }

    public static TestUpstream serving(Behaviour behaviour) throws IOException {
        return new TestUpstream(behaviour);
    }

    /** What one forwarded connection carried each way (the two may be one stream). */
    public record Recording(ByteArrayOutputStream toServer, ByteArrayOutputStream fromServer) {
    }

    /** Forwards to {@code target} both ways, recording every byte that passes either way into {@code capture}. */
    public static TestUpstream recordingForwarderTo(InetSocketAddress target, ByteArrayOutputStream capture) throws IOException {
        return forwarderTo(target, () -> new Recording(capture, capture));
    }

    /** Forwards to {@code target} both ways, adding a recording of each connection's two ways apart to {@code recordings}. */
    public static TestUpstream recordingEachWayTo(InetSocketAddress target, List<Recording> recordings) throws IOException {
        return forwarderTo(target, () -> {
            Recording recording = new Recording(new ByteArrayOutputStream(), new ByteArrayOutputStream());
            recordings.add(recording);
            return recording;
        });
    }

    private static TestUpstream forwarderTo(InetSocketAddress target, Supplier<Recording> recordings) throws IOException {
        return new TestUpstream(connection -> {
            Recording recording = recordings.get();
            try (Socket server = new Socket(target.getAddress(), target.getPort())) {
                Thread back = new Thread(() -> copy(server, connection, recording.fromServer()));
                back.setDaemon(true);
                back.start();
                copy(connection, server, recording.toServer());
                try {
                    back.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private static void copy(Socket from, Socket to, ByteArrayOutputStream capture) {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                synchronized (capture) {
                    capture.write(buffer, 0, n);
                }
                to.getOutputStream().write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException ended) {
            // one side closed
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Connections the bridge opened to this upstream so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket connection : open) {
            connection.close();
        }
    }
}
