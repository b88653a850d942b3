package org.parley.server.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption layer of a backup file: a header, then the content in chunks of 64 KiB, each
 * sealed with AES-256-GCM under a key derived from the passphrase with Argon2id (the STREAM
 * construction: each chunk's nonce is a random prefix, the chunk's number and a final-chunk flag,
 * so a reordered, dropped, repeated or cut-off chunk fails to authenticate). The layout is in the
 * README ("Backups").
 *
 * <pre>
 * header (58 bytes): "PARLEYBK" | version 1 | KDF 1 (Argon2id v1.3) | memory KiB u32 | passes u32 |
 *                    lanes u8 | salt (16) | nonce prefix (7) | key check (16)
 * chunk:             AES-256-GCM(key, nonce = prefix | chunk number u32 | final 0 or 1, aad = header[0..42), plaintext ≤ 65536)
 * </pre>
 *
 * The key check is the GCM tag of the empty plaintext under nonce {@code prefix | FFFFFFFF | 02}: it
 * tells a wrong passphrase from a damaged file before any content is read.
 */
public final class SealedStream {
    static final byte[] MAGIC = "PARLEYBK".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int KDF_ARGON2ID = 1;
    static final int CHUNK_BYTES = 64 * 1024;
    private static final int SALT_BYTES = 16;
    private static final int PREFIX_BYTES = 7;
    private static final int TAG_BYTES = 16;
    static final int AUTHENTICATED_HEADER_BYTES = MAGIC.length + 1 + 1 + 4 + 4 + 1 + SALT_BYTES + PREFIX_BYTES;
    static final int HEADER_BYTES = AUTHENTICATED_HEADER_BYTES + TAG_BYTES;
    private static final int KEY_CHECK_COUNTER = -1;

    private SealedStream() {
    }

    /** Encrypts everything written to the returned stream into {@code out}; closing it writes the final chunk and closes {@code out}. */
    public static OutputStream seal(OutputStream out, char[] passphrase, KdfParameters kdf, SecureRandom random) throws IOException {
        byte[] salt = new byte[SALT_BYTES];
        byte[] prefix = new byte[PREFIX_BYTES];
        random.nextBytes(salt);
        random.nextBytes(prefix);
        ByteArrayOutputStream headerBytes = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(headerBytes);
        header.write(MAGIC);
        header.writeByte(VERSION);
        header.writeByte(KDF_ARGON2ID);
        header.writeInt(kdf.memoryKib());
        header.writeInt(kdf.passes());
        header.writeByte(kdf.parallelism());
        header.write(salt);
        header.write(prefix);
        Chunks chunks = new Chunks(kdf.deriveKey(passphrase, salt), prefix, headerBytes.toByteArray());
        out.write(chunks.aad);
        out.write(chunks.seal(KEY_CHECK_COUNTER, 2, new byte[0], 0));
        return new SealingOutputStream(out, chunks);
    }

    /**
     * Checks the header and the passphrase, and returns the content, authenticated chunk by chunk:
     * a read fails with {@link BackupException} at the first chunk that does not authenticate and
     * at an end before the final chunk, so nothing unauthenticated is ever returned.
     */
    public static InputStream open(InputStream in, char[] passphrase) throws IOException {
        byte[] header = in.readNBytes(HEADER_BYTES);
        if (header.length < MAGIC.length || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new BackupException("not a Parley backup file (it does not start with " + new String(MAGIC, StandardCharsets.US_ASCII) + ")");
        }
        if (header.length < HEADER_BYTES) {
            throw new BackupException("the backup file is truncated: its header is incomplete");
        }
        ByteBuffer fields = ByteBuffer.wrap(header, MAGIC.length, AUTHENTICATED_HEADER_BYTES - MAGIC.length);
        int version = fields.get() & 0xff;
        if (version != VERSION) {
            throw new BackupException("backup format version " + version + " is not known to this Parley (it reads version " + VERSION
                    + "): restore it with the Parley that made it, or a newer one");
        }
        int kdfId = fields.get() & 0xff;
        if (kdfId != KDF_ARGON2ID) {
            throw new BackupException("the backup names key derivation " + kdfId + ", which this Parley does not know");
        }
        KdfParameters kdf = new KdfParameters(fields.getInt(), fields.getInt(), fields.get() & 0xff);
        byte[] salt = new byte[SALT_BYTES];
        byte[] prefix = new byte[PREFIX_BYTES];
        fields.get(salt).get(prefix);
        Chunks chunks = new Chunks(kdf.deriveKey(passphrase, salt), prefix, Arrays.copyOf(header, AUTHENTICATED_HEADER_BYTES));
        try {
            chunks.open(KEY_CHECK_COUNTER, 2, Arrays.copyOfRange(header, AUTHENTICATED_HEADER_BYTES, HEADER_BYTES));
        } catch (AEADBadTagException e) {
            throw new BackupException("wrong passphrase for this backup (or its header is damaged)");
        }
        return new OpeningInputStream(new PushbackInputStream(in, 1), chunks);
    }

    /** The key, nonce prefix and authenticated header of one file. */
    private static final class Chunks {
        private final SecretKeySpec key;
        private final byte[] prefix;
        final byte[] aad;

        Chunks(byte[] key, byte[] prefix, byte[] aad) {
            this.key = new SecretKeySpec(key, "AES");
            Arrays.fill(key, (byte) 0);
            this.prefix = prefix;
            this.aad = aad;
        }

        byte[] seal(int counter, int flag, byte[] plaintext, int length) {
            try {
                return cipher(Cipher.ENCRYPT_MODE, counter, flag).doFinal(plaintext, 0, length);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is part of every Java platform", e);
            }
        }

        byte[] open(int counter, int flag, byte[] ciphertext) throws AEADBadTagException {
            try {
                return cipher(Cipher.DECRYPT_MODE, counter, flag).doFinal(ciphertext);
            } catch (AEADBadTagException e) {
                throw e;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is part of every Java platform", e);
            }
        }

        private Cipher cipher(int mode, int counter, int flag) throws GeneralSecurityException {
            byte[] nonce = ByteBuffer.allocate(12).put(prefix).putInt(counter).put((byte) flag).array();
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD(aad);
            return cipher;
        }
    }

    private static final class SealingOutputStream extends OutputStream {
        private final OutputStream out;
        private final Chunks chunks;
        private final byte[] buffer = new byte[CHUNK_BYTES];
        private int buffered;
        private int counter;
        private boolean closed;

        SealingOutputStream(OutputStream out, Chunks chunks) {
            this.out = out;
            this.chunks = chunks;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            while (length > 0) {
                // A full buffer is written only once more content follows: the last chunk must carry the final flag.
                if (buffered == CHUNK_BYTES) {
                    emit(0);
                }
                int taken = Math.min(length, CHUNK_BYTES - buffered);
                System.arraycopy(bytes, offset, buffer, buffered, taken);
                buffered += taken;
                offset += taken;
                length -= taken;
            }
        }

        private void emit(int finalFlag) throws IOException {
            if (counter == KEY_CHECK_COUNTER) {
                throw new BackupException("a backup is limited to 2^32 - 1 chunks of 64 KiB");
            }
            out.write(chunks.seal(counter++, finalFlag, buffer, buffered));
            buffered = 0;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                emit(1);
                out.close();
            }
        }
    }

    private static final class OpeningInputStream extends InputStream {
        private final PushbackInputStream in;
        private final Chunks chunks;
        private byte[] plaintext = new byte[0];
        private int position;
        private int counter;
        private boolean finished;

        OpeningInputStream(PushbackInputStream in, Chunks chunks) {
            this.in = in;
            this.chunks = chunks;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            while (position == plaintext.length) {
                if (finished) {
                    return -1;
                }
                nextChunk();
            }
            int taken = Math.min(length, plaintext.length - position);
            System.arraycopy(plaintext, position, bytes, offset, taken);
            position += taken;
            return taken;
        }

        private void nextChunk() throws IOException {
            byte[] sealed = in.readNBytes(CHUNK_BYTES + TAG_BYTES);
            int next = in.read();
            boolean last = next < 0;
            if (!last) {
                in.unread(next);
            }
            if (sealed.length < TAG_BYTES || (!last && sealed.length < CHUNK_BYTES + TAG_BYTES) || counter == KEY_CHECK_COUNTER) {
                throw damaged();
            }
            try {
                plaintext = chunks.open(counter, last ? 1 : 0, sealed);
            } catch (AEADBadTagException e) {
                throw damaged();
            }
            counter++;
            position = 0;
            finished = last;
        }

        private BackupException damaged() {
            return new BackupException("the backup file is damaged or truncated (its chunk " + counter + " does not authenticate)");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
