package org.parley.server.acme;

import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;

import java.net.URI;
import java.time.temporal.ChronoUnit;

/** Turns what the CA or the network said into one line that tells the operator what to fix. */
final class AcmeFailures {
    private static final String ACME_ERROR = "urn:ietf:params:acme:error:";
    /** The CA's detail is quoted, cut to this length, on one line. */
    private static final int MAX_DETAIL = 300;

    private AcmeFailures() {
    }

    /** The CA could not validate {@code domain} through {@code challengeType} ("http-01" or "tls-alpn-01"). */
    static CertificateUnavailableException challengeFailed(String domain, String challengeType, int port, Problem problem) {
        String where = challengeType + " on port " + port;
        String fix = switch (type(problem.getType())) {
            case "dns" -> "the CA cannot resolve " + domain + ": give it a DNS A (and AAAA) record that points at this server";
            case "connection" -> "the CA cannot connect to " + domain + " for " + where + ": open port " + port
                    + " to the internet (firewall, router) and check that " + domain + " points at this server";
            case "unauthorized", "incorrectResponse" -> "the CA reached " + domain + " for " + where + " but got another answer than"
                    + " this server's: its DNS record probably points elsewhere, or a proxy or another server answers that port";
            case "tls" -> "the CA's TLS connection to " + domain + " for " + where + " failed: check that port " + port
                    + " reaches this server directly, not a TLS proxy";
            case "caa" -> "a CAA record of " + domain + " does not allow this CA to issue for it: add the CA to it or remove it";
            case "rejectedIdentifier" -> "the CA will not issue for " + domain + ": choose a name the CA accepts";
            default -> "the CA could not validate " + domain + " through " + where;
        };
        return new CertificateUnavailableException("cannot get a certificate: " + fix + detail(problem));
    }

    /** Any other failure while talking to the CA. */
    static CertificateUnavailableException of(AcmeException failure, URI directory) {
        if (failure instanceof AcmeRateLimitedException limited) {
            String retry = limited.getRetryAfter().map(at -> "retry after " + at.truncatedTo(ChronoUnit.SECONDS))
                    .orElse("retry later");
            return new CertificateUnavailableException("cannot get a certificate: the CA rate-limits this account or these names;"
                    + " " + retry + " (the server keeps retrying while it runs)" + detail(limited.getProblem()), failure);
        }
        if (failure instanceof AcmeNetworkException) {
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            return new CertificateUnavailableException("cannot get a certificate: cannot reach the ACME CA at " + directory + " ("
                    + oneLine(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()))
                    + "): check this machine's outgoing HTTPS, its DNS and --acme-directory", failure);
        }
        if (failure instanceof AcmeServerException refused) {
            return new CertificateUnavailableException("cannot get a certificate: the ACME CA at " + directory + " refused ("
                    + type(refused.getType()) + ")" + detail(refused.getProblem()), failure);
        }
        return new CertificateUnavailableException("cannot get a certificate from the ACME CA at " + directory + ": "
                + oneLine(String.valueOf(failure.getMessage())), failure);
    }

    /** The order did not become ready or valid in time, or became invalid. */
    static CertificateUnavailableException orderFailed(String state, Problem problem) {
        return new CertificateUnavailableException("cannot get a certificate: the CA's order " + state
                + (problem == null ? "" : detail(problem)));
    }

    private static String type(URI type) {
        String text = String.valueOf(type);
        return text.startsWith(ACME_ERROR) ? text.substring(ACME_ERROR.length()) : text;
    }

    private static String detail(Problem problem) {
        return problem.getDetail().map(detail -> " (CA: " + oneLine(detail) + ")").orElse("");
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        return flat.length() > MAX_DETAIL ? flat.substring(0, MAX_DETAIL) + "..." : flat;
    }
}
