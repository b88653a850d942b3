package org.parley.server.acme;

import java.net.IDN;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code --domain} asks of the ACME client.
 *
 * @param domains        the names the certificate covers, the main one first (lower case, IDNs as punycode)
 * @param directory      the CA's ACME directory URL
 * @param email          contact address the CA may write to about expiry or problems
 * @param httpPort       the plain-HTTP port that answers HTTP-01 challenges and redirects the rest to
 *                       https, or empty to answer TLS-ALPN-01 on the TLS listener instead
 * @param stateDirectory where the account key, certificate chain and certificate key are kept
 * @param directoryTrust a CA certificate (PEM) to trust for the directory's HTTPS instead of the
 *                       JDK's roots, for a private ACME CA
 * @param checkInterval  how often the certificate's remaining validity is checked
 */
public record AcmeSettings(List<String> domains, URI directory, Optional<String> email, OptionalInt httpPort,
                           Path stateDirectory, Optional<Path> directoryTrust, Duration checkInterval) {
    public static final URI LETS_ENCRYPT = URI.create("https://acme-v02.api.letsencrypt.org/directory");
    public static final int DEFAULT_HTTP_PORT = 80;
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofHours(12);
    /** Let's Encrypt's limit of names on one certificate. */
    static final int MAX_DOMAINS = 100;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\"<>(),;:\\\\]+@[a-z0-9.-]+\\.[a-z]{2,63}", Pattern.CASE_INSENSITIVE);

    public AcmeSettings {
        domains = normalized(domains);
        if (!"https".equals(directory.getScheme()) || directory.getHost() == null) {
            throw new IllegalArgumentException("--acme-directory must be an https:// URL of a CA's ACME directory, as in "
                    + LETS_ENCRYPT + ", got '" + directory + "'");
        }
        if (email.isPresent() && (email.get().length() > 254 || !EMAIL.matcher(email.get()).matches())) {
            throw new IllegalArgumentException("--acme-email must be one e-mail address, as in admin@example.org");
        }
        if (httpPort.isPresent() && (httpPort.getAsInt() < 1 || httpPort.getAsInt() > 65535)) {
            throw new IllegalArgumentException("--acme-http-port must be from 1 to 65535, or 0 for none, got " + httpPort.getAsInt());
        }
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("the certificate check interval must be positive, was " + checkInterval);
        }
    }

    /** Let's Encrypt, HTTP-01 on port 80, no contact address, checked every 12 hours. */
    public static AcmeSettings forDomains(List<String> domains, Path stateDirectory) {
        return new AcmeSettings(domains, LETS_ENCRYPT, Optional.empty(), OptionalInt.of(DEFAULT_HTTP_PORT), stateDirectory,
                Optional.empty(), DEFAULT_CHECK_INTERVAL);
    }

    public String mainDomain() {
        return domains.get(0);
    }

    public AcmeSettings withDirectory(URI newDirectory) {
        return new AcmeSettings(domains, newDirectory, email, httpPort, stateDirectory, directoryTrust, checkInterval);
    }

    public AcmeSettings withEmail(String newEmail) {
        return new AcmeSettings(domains, directory, Optional.of(newEmail), httpPort, stateDirectory, directoryTrust, checkInterval);
    }

    /** {@code 0} turns the plain-HTTP listener off (TLS-ALPN-01 then). */
    public AcmeSettings withHttpPort(int port) {
        return new AcmeSettings(domains, directory, email, port == 0 ? OptionalInt.empty() : OptionalInt.of(port), stateDirectory,
                directoryTrust, checkInterval);
    }

    public AcmeSettings withDirectoryTrust(Path caCertificate) {
        return new AcmeSettings(domains, directory, email, httpPort, stateDirectory, Optional.of(caCertificate), checkInterval);
    }

    public AcmeSettings withCheckInterval(Duration interval) {
        return new AcmeSettings(domains, directory, email, httpPort, stateDirectory, directoryTrust, interval);
    }

    /** The names checked, lower case, IDNs in their ASCII form, duplicates dropped, order kept. */
    private static List<String> normalized(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--domain needs at least one DNS name, as in --domain chat.example.org");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String name : names) {
            unique.add(checkedName(name));
        }
        if (unique.size() > MAX_DOMAINS) {
            throw new IllegalArgumentException("at most " + MAX_DOMAINS + " --domain names fit on one certificate, got " + unique.size());
        }
        return List.copyOf(new ArrayList<>(unique));
    }

    private static String checkedName(String given) {
        String shown = given.length() > 80 ? given.substring(0, 80) + "..." : given;
        if (given.startsWith("*.")) {
            throw new IllegalArgumentException("--domain " + shown + ": a wildcard needs the DNS-01 challenge, which Parley does not"
                    + " answer; give each name with its own --domain");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(given.strip(), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw notADomain(shown);
        }
        if (ascii.endsWith(".")) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        String[] labels = ascii.split("\\.", -1);
        if (ascii.length() > 253 || labels.length < 2 || labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw notADomain(shown);
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw notADomain(shown);
            }
        }
        return ascii;
    }

    private static IllegalArgumentException notADomain(String shown) {
        return new IllegalArgumentException("--domain takes a DNS name that points at this server, as in chat.example.org"
                + " (not an IP address), got '" + shown.replaceAll("\\p{Cntrl}", "?") + "'");
    }
}
