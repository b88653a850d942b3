package org.parley.mls.credentials;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.SignaturePublicKey;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * An "x509" credential (RFC 9420 Section 5.3): a chain of DER certificates, end entity first.
 * The encoded bytes are kept as received so that the leaf re-encodes exactly; {@link #certificates()}
 * parses them with the JDK so the application can validate the chain against its trust anchors
 * (that validation is the Authentication Service's job, Section 5.3.1, not this module's);
 * {@link #endEntityKeyMatches} is the one check MLS itself makes.
 */
public record X509Credential(List<Bytes> certData) implements Credential {
    public X509Credential {
        certData = List.copyOf(certData);
    }

    @Override
    public int credentialType() {
        return CredentialType.X509;
    }

    /**
     * The chain parsed as X.509 certificates, end entity first. Throws MlsProtocolException naming
     * the index of the first entry that is not a DER certificate, or if the chain is empty.
     */
    public List<X509Certificate> certificates() {
        if (certData.isEmpty()) {
            throw new MlsProtocolException("x509 credential carries no certificate");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> chain = new ArrayList<>(certData.size());
            for (int i = 0; i < certData.size(); i++) {
                try {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(certData.get(i).toByteArray())));
                } catch (CertificateException e) {
                    throw new MlsProtocolException("x509 credential: certificate " + i + " is not a valid DER certificate", e);
                }
            }
            return chain;
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK offers no X.509 CertificateFactory", e);
        }
    }

    /**
     * Whether the end-entity certificate's subjectPublicKeyInfo carries exactly this signature
     * key (Section 5.3: "MUST be identical to the signature_key in the LeafNode"). Compares the raw
     * key bits, the form MLS uses for SignaturePublicKey.
     */
    public boolean endEntityKeyMatches(SignaturePublicKey signatureKey) {
        byte[] spki = certificates().get(0).getPublicKey().getEncoded();
        byte[] raw = SubjectPublicKeyInfo.getInstance(spki).getPublicKeyData().getBytes();
        return MessageDigest.isEqual(raw, signatureKey.bytes());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(CredentialType.X509).writeVector(certData, TlsWriter::writeOpaque);
    }

    @Override
    public String toString() {
        return "X509Credential[" + certData.size() + " certificates]";
    }
}
