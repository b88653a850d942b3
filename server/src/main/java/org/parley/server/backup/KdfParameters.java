package org.parley.server.backup;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id (version 1.3) cost parameters, stored in a backup's header so that a restore derives the
 * same key. A header asking for more than {@link #MAX_MEMORY_KIB} or {@link #MAX_PASSES} is refused
 * before any memory is taken: a hostile file must not make a restore allocate gigabytes.
 *
 * @param memoryKib memory in KiB
 * @param passes iterations over the memory
 * @param parallelism lanes
 */
public record KdfParameters(int memoryKib, int passes, int parallelism) {
    /** What new backups use: 64 MiB, 3 passes, 1 lane (about a second on a small server). */
    public static final KdfParameters DEFAULT = new KdfParameters(64 * 1024, 3, 1);
    static final int MAX_MEMORY_KIB = 1024 * 1024;
    static final int MAX_PASSES = 16;
    static final int MAX_PARALLELISM = 16;

    public KdfParameters {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM || passes < 1 || passes > MAX_PASSES
                || memoryKib < 8 * parallelism || memoryKib > MAX_MEMORY_KIB) {
            throw new BackupException("the backup's key derivation parameters are out of range (Argon2id memory " + Integer.toUnsignedString(memoryKib)
                    + " KiB, " + passes + " passes, " + parallelism + " lanes; at most " + MAX_MEMORY_KIB + " KiB, " + MAX_PASSES
                    + " passes, " + MAX_PARALLELISM + " lanes): the file is damaged or not a Parley backup");
        }
    }

    /** The 32-byte key for {@code passphrase} and {@code salt}. */
    byte[] deriveKey(char[] passphrase, byte[] salt) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(memoryKib)
                .withIterations(passes)
                .withParallelism(parallelism)
                .build());
        byte[] key = new byte[32];
        generator.generateBytes(passphrase, key);
        return key;
    }
}
