package org.parley.client.testnet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A plain TCP forwarder to one server address: the path a client's WebSocket takes when its UDP
 * goes through an {@link ImpairedUdpPath} on the same address. Bytes pass unchanged (TLS is end
 * to end); it does not impair, since TCP would repair drops and reordering anyway.
 */
public final class TcpForwarder implements AutoCloseable {
    private static final int CONNECT_MILLIS = 10_000;
    private final ServerSocket listener;
    private final InetSocketAddress server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private TcpForwarder(ServerSocket listener, InetSocketAddress server) {
        this.listener = listener;
        this.server = server;
        this.acceptor = daemon(this::accept, "tcp-forwarder");
    }

    /** Listens on {@code listen} (port 0: a free one) and forwards every connection to {@code server}. */
    public static TcpForwarder open(InetSocketAddress listen, InetSocketAddress server) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(listen);
        return start(listener, server);
    }

    /** As {@link #open}, on a socket bound already (when the server must be told the port first). */
    public static TcpForwarder start(ServerSocket listener, InetSocketAddress server) {
        TcpForwarder forwarder = new TcpForwarder(listener, server);
        forwarder.acceptor.start();
        return forwarder;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(server, CONNECT_MILLIS);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            daemon(() -> pump(client, upstream), "tcp-forwarder-up").start();
            daemon(() -> pump(upstream, client), "tcp-forwarder-down").start();
        }
    }

    /** Copies until either side ends, then ends both: a WebSocket never half-closes. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16_384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // One side went away: end both below.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to do.
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        closed = true;
        listener.close();
        sockets.forEach(TcpForwarder::closeQuietly);
        acceptor.join(1_000);
    }
}
