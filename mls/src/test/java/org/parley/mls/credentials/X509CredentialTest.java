package org.parley.mls.credentials;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.SignaturePublicKey;

import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class X509CredentialTest {
    /** A self-signed Ed25519 certificate for CN=alice@parley.test, made with openssl for this test. */
    private static final byte[] CERT = Base64.getDecoder().decode(
            "MIIBTDCB/6ADAgECAhRwETombeUWT3N3Hqy0ZHRiO8yLeDAFBgMrZXAwHDEaMBgGA1UEAwwRYWxpY2VAcGFybGV5LnRlc3QwHhcNMjYx"
                    + "MTI4MDQyMTQwWhcNMzYxMTI1MDQyMTQwWjAcMRowGAYDVQQDDBFhbGljZUBwYXJsZXkudGVzdDAqMAUGAytlcAMhAO5a96saEHou"
                    + "ggXTc8YiP44NaoQf798a0TIDTYFOy0v4o1MwUTAdBgNVHQ4EFgQUGcEw51jyqYeW+Sc8fIQiqVIoR8YwHwYDVR0jBBgwFoAUGcEw"
                    + "51jyqYeW+Sc8fIQiqVIoR8YwDwYDVR0TAQH/BAUwAwEB/zAFBgMrZXADQQAf2TLXruuC27qMQbD5eW6cnEWU/uEEn5gOmlAsu3+f"
                    + "R+6M7OnVcS4QitvBepHSfbio0xqhw+DOvl8hyKcbZu4F");

    @Test
    void certificatesAreParsedForTheApplicationAndTheKeyIsCompared() throws Exception {
        X509Credential credential = new X509Credential(List.of(Bytes.copyOf(CERT)));
        X509Credential decoded = (X509Credential) TlsReader.decodeExactly(credential.toBytes(), Credential::decode, "credential");
        assertThat(decoded).isEqualTo(credential);
        X509Certificate cert = decoded.certificates().get(0);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=alice@parley.test");
        cert.verify(cert.getPublicKey());

        byte[] raw = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded()).getPublicKeyData().getBytes();
        assertThat(raw).hasSize(32);
        assertThat(decoded.endEntityKeyMatches(new SignaturePublicKey(raw))).isTrue();
        raw[0] ^= 1;
        assertThat(decoded.endEntityKeyMatches(new SignaturePublicKey(raw))).isFalse();
    }
}
