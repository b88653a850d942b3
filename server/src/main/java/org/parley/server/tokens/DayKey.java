package org.parley.server.tokens;

import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;

/**
 * The RSA key pair that signs the send tokens of one UTC day.
 *
 * @param day       UTC days since 1970-01-01
 * @param encodedPublicKey the public key as X.509 SubjectPublicKeyInfo, as clients receive it
 */
public record DayKey(long day, RSAPublicKey publicKey, RSAPrivateCrtKey privateKey, byte[] encodedPublicKey) {
    @Override
    public String toString() {
        return "DayKey[day=" + day + "]"; // never the private key
    }
}
