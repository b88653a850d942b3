package org.parley.client.testnet;

import org.parley.client.testkit.LiveServer;
import org.parley.server.ServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * The server side of a network-namespace test, run by {@link NamespacedServer} inside the
 * namespace: a {@link LiveServer} with TLS on the given address. Writes "TCP-PORT UDP-PORT" to
 * the ready file once it listens, and stops when its standard input closes, so it also ends
 * when the test's JVM dies.
 *
 * <p>Arguments: DATA-DIR HOST TCP-PORT MEDIA-PORT CERT-PEM KEY-PEM READY-FILE CALL-TOKEN-SECONDS.
 */
public final class NamespacedServerMain {
    private NamespacedServerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: NamespacedServerMain DATA-DIR HOST TCP-PORT MEDIA-PORT CERT-PEM KEY-PEM READY-FILE CALL-TOKEN-SECONDS");
            System.exit(2);
        }
        ServerConfig config = ServerConfig.defaults().withListen(args[1], Integer.parseInt(args[2]))
                .withTls(new ServerConfig.Tls(Path.of(args[4]), Path.of(args[5])))
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.of(Integer.parseInt(args[3])))
                        .withTokenLifetime(Duration.ofSeconds(Long.parseLong(args[7]))));
        try (LiveServer server = new LiveServer(Path.of(args[0]), config)) {
            Path ready = Path.of(args[6]);
            Path partial = ready.resolveSibling(ready.getFileName() + ".part");
            Files.writeString(partial, server.address().port() + " " + server.mediaPort().orElse(0));
            Files.move(partial, ready, StandardCopyOption.ATOMIC_MOVE);
            while (System.in.read() != -1) {
                // Runs until the test closes the pipe.
            }
        }
        System.exit(0);
    }
}
