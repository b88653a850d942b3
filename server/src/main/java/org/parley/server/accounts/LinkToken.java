package org.parley.server.accounts;

import java.time.Instant;

/**
 * A single-use secret that lets a new device join an account until {@code expires}. The server
 * keeps only its hash; the secret is shown once, to the issuing device.
 */
public record LinkToken(byte[] secret, Instant expires) {
    public LinkToken {
        secret = secret.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public String toString() {
        return "LinkToken[secret=(hidden), expires=" + expires + "]";
    }
}
