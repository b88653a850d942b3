package org.parley.client.account;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The sealed-sender access key of an account: the first 16 bytes of
 * HMAC-SHA256(profile key, "parley access key"). The server keeps only its hash; contacts learn it
 * inside an encrypted conversation and present it to send without naming themselves.
 */
public final class AccessKey {
    public static final int BYTES = 16;

    private AccessKey() {
    }

    public static byte[] fromProfileKey(byte[] profileKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(profileKey, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal("parley access key".getBytes(StandardCharsets.US_ASCII)), BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
