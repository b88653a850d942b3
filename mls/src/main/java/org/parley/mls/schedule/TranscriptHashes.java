package org.parley.mls.schedule;

import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;

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
public record TranscriptHashes(byte[] confirmed, byte[] interim) {
    /** Both hashes are empty before the first Commit (epoch 0). */
    public static TranscriptHashes initial() {
        return new TranscriptHashes(new byte[0], new byte[0]);
    }

    public TranscriptHashes {
        confirmed = confirmed.clone();
        interim = interim.clone();
    }

    @Override
    public byte[] confirmed() {
        return confirmed.clone();
    }

    @Override
    public byte[] interim() {
        return interim.clone();
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
        byte[] newConfirmed = confirmed(suite, interim, confirmedTranscriptHashInput);
        return new TranscriptHashes(newConfirmed, interim(suite, newConfirmed, confirmationTag));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TranscriptHashes t && java.util.Arrays.equals(confirmed, t.confirmed)
                && java.util.Arrays.equals(interim, t.interim);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(confirmed);
    }

    @Override
    public String toString() {
        return "TranscriptHashes[" + java.util.HexFormat.of().formatHex(confirmed) + "]";
    }
}
