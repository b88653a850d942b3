package org.parley.mls.testkit.sframe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.media.sframe.SFrameCipherSuite;
import org.parley.media.sframe.SFrameException;
import org.parley.media.sframe.SFrameHeader;
import org.parley.media.sframe.SFrameKey;
import org.parley.media.sframe.SFrameKnownAnswers;
import org.parley.mls.testkit.vectors.Check;
import org.parley.mls.testkit.vectors.VectorReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the official SFrame test vectors (RFC 9605 Appendix C, sframe-wg test-vectors.json): every
 * header, AES-CTR+HMAC and full SFrame case.
 */
public final class SFrameVectors {
    private SFrameVectors() {
    }

    @FunctionalInterface
    private interface CaseCheck {
        void verify(JsonNode testCase) throws Exception;
    }

    public static VectorReport run(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.isObject() || !root.has("header") || !root.has("aes_ctr_hmac") || !root.has("sframe")) {
            throw new IOException(file + " is not an SFrame vector file (an object with header, aes_ctr_hmac and sframe)");
        }
        int passed = 0;
        List<String> failures = new ArrayList<>();
        for (String section : List.of("header", "aes_ctr_hmac", "sframe")) {
            CaseCheck check = switch (section) {
                case "header" -> SFrameVectors::header;
                case "aes_ctr_hmac" -> SFrameVectors::aesCtrHmac;
                default -> SFrameVectors::sframe;
            };
            JsonNode cases = root.get(section);
            for (int i = 0; i < cases.size(); i++) {
                try {
                    check.verify(cases.get(i));
                    passed++;
                } catch (Exception | AssertionError e) {
                    failures.add(section + " case " + i + ": " + e);
                }
            }
        }
        return new VectorReport(file.getFileName().toString(), passed, failures.size(), failures);
    }

    private static long unsigned(JsonNode testCase, String field) {
        return testCase.get(field).bigIntegerValue().longValue();
    }

    private static void header(JsonNode c) throws SFrameException {
        long kid = unsigned(c, "kid");
        long ctr = unsigned(c, "ctr");
        byte[] encoded = Check.hex(c, "encoded");
        Check.equal("encoded header", encoded, SFrameHeader.of(kid, ctr).encode());
        SFrameHeader decoded = SFrameHeader.decode(encoded, 0, encoded.length);
        Check.isTrue("decoded KID/CTR " + decoded + " differ from " + kid + "/" + ctr,
                decoded.kid() == kid && decoded.ctr() == ctr && decoded.length() == encoded.length);
    }

    private static void aesCtrHmac(JsonNode c) throws SFrameException {
        SFrameCipherSuite suite = SFrameCipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        byte[] key = Check.hex(c, "key");
        int nka = SFrameKnownAnswers.encryptionKeyLength(suite);
        Check.equal("enc_key", Check.hex(c, "enc_key"), Arrays.copyOf(key, nka));
        Check.equal("auth_key", Check.hex(c, "auth_key"), Arrays.copyOfRange(key, nka, key.length));
        byte[] nonce = Check.hex(c, "nonce");
        byte[] aad = Check.hex(c, "aad");
        byte[] pt = Check.hex(c, "pt");
        byte[] ct = Check.hex(c, "ct");
        Check.equal("ct", ct, SFrameKnownAnswers.seal(suite, key, nonce, aad, pt));
        Check.equal("pt", pt, SFrameKnownAnswers.open(suite, key, nonce, aad, ct));
    }

    private static void sframe(JsonNode c) throws SFrameException {
        SFrameCipherSuite suite = SFrameCipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        long kid = unsigned(c, "kid");
        long ctr = unsigned(c, "ctr");
        byte[] baseKey = Check.hex(c, "base_key");
        Check.equal("sframe_key_label", Check.hex(c, "sframe_key_label"), SFrameKnownAnswers.keyLabel(suite, kid));
        Check.equal("sframe_salt_label", Check.hex(c, "sframe_salt_label"), SFrameKnownAnswers.saltLabel(suite, kid));
        Check.equal("sframe_secret", Check.hex(c, "sframe_secret"), SFrameKnownAnswers.secret(suite, baseKey));
        SFrameKey key = SFrameKey.derive(suite, kid, baseKey);
        Check.equal("sframe_key", Check.hex(c, "sframe_key"), SFrameKnownAnswers.key(key));
        Check.equal("sframe_salt", Check.hex(c, "sframe_salt"), SFrameKnownAnswers.salt(key));
        Check.equal("nonce", Check.hex(c, "nonce"), SFrameKnownAnswers.nonce(key, ctr));
        byte[] metadata = Check.hex(c, "metadata");
        byte[] header = SFrameHeader.of(kid, ctr).encode();
        byte[] aad = Arrays.copyOf(header, header.length + metadata.length);
        System.arraycopy(metadata, 0, aad, header.length, metadata.length);
        Check.equal("aad", Check.hex(c, "aad"), aad);
        byte[] pt = Check.hex(c, "pt");
        byte[] ct = Check.hex(c, "ct");
        Check.equal("ct", ct, SFrameKnownAnswers.encrypt(key, ctr, metadata, pt));
        Check.equal("pt", pt, SFrameKnownAnswers.decrypt(key, metadata, ct));
    }
}
