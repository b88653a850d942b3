package org.parley.client.testnet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * An address that drops SYNs instead of refusing them, as a blackholed server does: a listener
 * that never accepts, with a one-place backlog filled at once. Linux drops a SYN for a listener
 * whose accept queue is full, so a connect to it hangs until the dialler gives up.
 */
public final class SynBlackhole implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> fillers = new ArrayList<>();

    private SynBlackhole(ServerSocket listener) throws IOException {
        this.listener = listener;
        // The kernel queues backlog + 1 connections; a few more than that fill it whatever the count.
        for (int i = 0; i < 3; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(listener.getLocalSocketAddress(), 300);
                fillers.add(filler);
            } catch (IOException full) {
                filler.close();
                return;
            }
        }
    }

    /** Blackholes {@code port} on loopback (free it first). */
    public static SynBlackhole on(int port) throws IOException {
        return new SynBlackhole(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        for (Socket filler : fillers) {
            filler.close();
        }
        listener.close();
    }
}
