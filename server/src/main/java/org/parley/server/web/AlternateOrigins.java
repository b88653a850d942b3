package org.parley.server.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The connect-src sources that let the web app reach this server's alternate addresses: for each
 * https or wss address, its origin as {@code https://HOST:PORT} (attachments) and
 * {@code wss://HOST:PORT} (the WebSocket, at whatever path). A bridge link, a plain-http address,
 * or one whose host a CSP source cannot name exactly (an IPv6 literal, a character outside CSP's
 * host grammar, which could also end the directive) adds nothing: the app does not use those, and
 * nothing here may widen the policy beyond the addresses the operator named.
 */
final class AlternateOrigins {
    /** CSP Level 3 host-part without wildcards: labels of letters, digits and '-', joined by dots. */
    private static final Pattern CSP_HOST = Pattern.compile("[a-z0-9-]+(\\.[a-z0-9-]+)*");
    private static final int DEFAULT_TLS_PORT = 443;

    private AlternateOrigins() {
    }

    static List<String> of(List<String> alternates) {
        Set<String> sources = new LinkedHashSet<>();
        for (String alternate : alternates) {
            URI uri;
            try {
                uri = new URI(alternate.strip());
            } catch (URISyntaxException e) {
                continue;
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            int port = uri.getPort() == -1 ? DEFAULT_TLS_PORT : uri.getPort();
            if (!(scheme.equals("https") || scheme.equals("wss")) || !CSP_HOST.matcher(host).matches()
                    || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || port < 1 || port > 65535) {
                continue;
            }
            sources.add("https://" + host + ":" + port);
            sources.add("wss://" + host + ":" + port);
        }
        return new ArrayList<>(sources);
    }
}
