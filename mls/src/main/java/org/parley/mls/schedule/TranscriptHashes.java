package org.parley.mls.schedule;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;

import java.util.Objects;

/**
 * The confirmed and interim transcript hashes (RFC 9420 Section 8.2).
 *
 * <pre>
 * confirmed_transcript_hash_[epoch] = Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch])
 * interim_transcript_hash_[epoch]   = Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch])
 * </pre>
 *
 * ConfirmedTranscriptHashInput ({@code wire_format, content, signature} of a Commit's
 * AuthenticatedContent) is produced by {@code AuthenticatedContent.confirmedTranscriptHashInput()};
 * InterimTranscriptHashInput is {@code struct { MAC confirmation_tag; }}.
 */
public record TranscriptHashes(Bytes confirmed, Bytes interim) {
    /** Both hashes are empty before the first Commit (epoch 0). */
    public static TranscriptHashes initial() {
        return new TranscriptHashes(Bytes.EMPTY, Bytes.EMPTY);
    }

    public TranscriptHashes {
        Objects.requireNonNull(confirmed, "confirmed");
        Objects.requireNonNull(interim, "interim");
    }

    /** confirmed_transcript_hash of the new epoch. */
    public static byte[] confirmed(CipherSuite suite, byte[] interimBefore, byte[] confirmedTranscriptHashInput) {
        byte[] input = new byte[interimBefore.length + confirmedTranscriptHashInput.length];
        System.arraycopy(interimBefore, 0, input, 0, interimBefore.length);
        System.arraycopy(confirmedTranscriptHashInput, 0, input, interimBefore.length, confirmedTranscriptHashInput.length);
        return suite.hash(input);
    }

    /** interim_transcript_hash of the new epoch. */
    public static byte[] interim(CipherSuite suite, byte[] confirmed, byte[] confirmationTag) {
        byte[] input = new TlsWriter(confirmed.length + confirmationTag.length + 4)
                .writeFixed(confirmed)
                .writeOpaque(confirmationTag)
                .toByteArray();
        return suite.hash(input);
    }

    /** Both hashes after a Commit, given its ConfirmedTranscriptHashInput and confirmation tag. */
    public TranscriptHashes next(CipherSuite suite, byte[] confirmedTranscriptHashInput, byte[] confirmationTag) {
        byte[] newConfirmed = confirmed(suite, interim.toByteArray(), confirmedTranscriptHashInput);
        return new TranscriptHashes(Bytes.copyOf(newConfirmed), Bytes.copyOf(interim(suite, newConfirmed, confirmationTag)));
    }

    @Override
    public String toString() {
        return "TranscriptHashes[" + confirmed.toHex() + "]";
    }
}
