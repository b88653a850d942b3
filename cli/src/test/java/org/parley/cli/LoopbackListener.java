package org.parley.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** For the tests that run a proxy or balancer of the system (nginx, HAProxy) as a process of their own on loopback. */
final class LoopbackListener {
    private LoopbackListener() {
    }

    /** A loopback port free now, for a process to listen on. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Returns once {@code process} accepts connections on loopback {@code port}; fails with what it logged when it exits or takes 20 s. */
    static void await(String name, Process process, int port, Callable<String> logged) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logged.call());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError(name + " did not listen on 127.0.0.1:" + port + " within 20 s:\n" + logged.call());
    }
}
