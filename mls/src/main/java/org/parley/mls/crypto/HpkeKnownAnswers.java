package org.parley.mls.crypto;

import org.parley.mls.codec.Bytes;

/**
 * The intermediate values of HPKE (RFC 9180 Sections 5.1 to 5.3) that its Appendix A test
 * vectors list, and SetupS with a chosen ephemeral key pair, for conformance checks such as the
 * test kit's vector runner. Applications use {@link Hpke}; this class is the one place where a
 * context's secrets and a deterministic encapsulation are reachable from outside the package.
 */
public final class HpkeKnownAnswers {
    private HpkeKnownAnswers() {
    }

    /** Whether the mode takes a PSK (Table 1: mode_psk and mode_auth_psk). */
    public static boolean usesPsk(Hpke.Mode mode) {
        return mode.usesPsk();
    }

    /** Whether the mode authenticates the sender (Table 1: mode_auth and mode_auth_psk). */
    public static boolean usesAuth(Hpke.Mode mode) {
        return mode.usesAuth();
    }

    /** SetupS with the ephemeral key pair the vectors derive from {@code ikmE}. */
    public static Hpke.SenderContext setupS(Hpke hpke, Hpke.Mode mode, HpkePublicKey pkR, byte[] info, byte[] psk,
                                            byte[] pskId, HpkeKeyPair sender, HpkeKeyPair ephemeral) {
        return hpke.setupS(mode, pkR, info, psk, pskId, sender, ephemeral);
    }

    /** The key schedule's values of a context (Section 5.1), copied. */
    public static KeyScheduleValues keyScheduleValues(Hpke.Context context) {
        return new KeyScheduleValues(Secret.copyOf(context.sharedSecret()), Bytes.copyOf(context.keyScheduleContext()),
                Secret.copyOf(context.secret()), Secret.copyOf(context.key()), Secret.copyOf(context.baseNonce()),
                Secret.copyOf(context.exporterSecret()));
    }

    /** The nonce the context's next seal or open uses (Section 5.2). */
    public static byte[] nextNonce(Hpke.Context context) {
        return context.computeNonce();
    }

    /** shared_secret, key_schedule_context, secret, key, base_nonce and exporter_secret of RFC 9180. */
    public record KeyScheduleValues(Secret sharedSecret, Bytes keyScheduleContext, Secret secret, Secret key,
                                    Secret baseNonce, Secret exporterSecret) {
    }
}
