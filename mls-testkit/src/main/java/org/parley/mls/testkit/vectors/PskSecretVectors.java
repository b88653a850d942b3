package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.schedule.PskSecret;

import java.util.ArrayList;
import java.util.List;

/** {@code psk_secret.json}: psk_secret from a list of external PSKs (RFC 9420 Section 8.4). */
public final class PskSecretVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "psk_secret.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        List<PskSecret.Psk> psks = new ArrayList<>();
        for (JsonNode p : c.get("psks")) {
            psks.add(new PskSecret.Psk(PreSharedKeyID.external(Bytes.copyOf(Check.hex(p, "psk_id")), Bytes.copyOf(Check.hex(p, "psk_nonce"))),
                    Secret.copyOf(Check.hex(p, "psk"))));
        }
        Check.equal("psk_secret", Check.hex(c, "psk_secret"), PskSecret.compute(suite, psks));
    }
}
