package org.parley.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** The name of a server node among several ({@code --node-id}): given, or this machine's host name and port. */
final class NodeIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private NodeIds() {
    }

    /** {@code HOSTNAME:PORT}: stable across restarts of the same node, different for two nodes on one machine. */
    static String defaultFor(int listenPort) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        String name = host.replaceAll("[^A-Za-z0-9._-]", "-") + ":" + listenPort;
        return name.length() <= 64 ? name : name.substring(name.length() - 64);
    }

    /** {@code name} if it is a valid node id. */
    static String checked(String name) {
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("--node-id takes 1 to 64 letters, digits and . _ : - (as in chat1 or chat1:7878), got '"
                    + (name.length() > 70 ? name.substring(0, 70) + "..." : name).replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return name;
    }
}
