package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.schedule.TranscriptHashes;

import java.util.Arrays;

/**
 * {@code transcript-hashes.json}: the confirmation tag of a Commit's AuthenticatedContent, and the
 * confirmed and interim transcript hashes after it (RFC 9420 Section 8.2).
 *
 * <p>The Commit itself is not decoded here (that is the messages package's job): the content
 * type is read from the FramedContent header, and since a Commit's AuthenticatedContent ends with
 * its confirmation tag of KDF.Nh bytes, ConfirmedTranscriptHashInput is everything before it.
 */
public final class TranscriptHashesVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "transcript-hashes.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        byte[] authenticated = Check.hex(c, "authenticated_content");

        TlsReader header = new TlsReader(authenticated);
        WireFormat.read(header);
        header.readOpaque();
        header.readUint64();
        Sender.read(header);
        header.readOpaque();
        Check.isTrue("authenticated_content does not contain a Commit", ContentType.read(header) == ContentType.COMMIT);

        int tagLength = suite.hashLength();
        int prefixLength = tagLength < 64 ? 1 : 2;
        int split = authenticated.length - tagLength - prefixLength;
        byte[] input = Arrays.copyOf(authenticated, split);
        TlsReader tagReader = new TlsReader(Arrays.copyOfRange(authenticated, split, authenticated.length));
        byte[] confirmationTag = tagReader.readOpaque();
        tagReader.requireEnd("confirmation_tag");

        byte[] confirmed = TranscriptHashes.confirmed(suite, Check.hex(c, "interim_transcript_hash_before"), input);
        Check.equal("confirmed_transcript_hash_after", Check.hex(c, "confirmed_transcript_hash_after"), confirmed);
        Check.isTrue("confirmation_tag is not MAC(confirmation_key, confirmed_transcript_hash_after)",
                suite.verifyMac(Check.hex(c, "confirmation_key"), confirmed, confirmationTag));
        Check.equal("interim_transcript_hash_after", Check.hex(c, "interim_transcript_hash_after"),
                TranscriptHashes.interim(suite, confirmed, confirmationTag));
    }
}
