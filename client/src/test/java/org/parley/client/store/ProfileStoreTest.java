package org.parley.client.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileStoreTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keyFileProfileReopensWithItsSecretsAndTheKeyFileIsOwnerOnly() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            store.put("identity", utf8("private key bytes"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(ProfileStore.KEY_FILE))))
                .isEqualTo("rw-------");
        try (ProfileStore store = ProfileStore.open(dir, null, false, RANDOM)) {
            assertThat(store.get("identity")).asString(StandardCharsets.UTF_8).isEqualTo("private key bytes");
            assertThat(store.get("absent")).isNull();
        }
    }

    @Test
    void passphraseProfileRejectsAWrongPassphraseAndLeavesTheProfileIntact() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, "correct horse".toCharArray(), true, RANDOM)) {
            store.put("k", utf8("v"));
        }
        byte[] before = Files.readAllBytes(dir.resolve(ProfileStore.DATABASE_FILE));
        assertThatThrownBy(() -> ProfileStore.open(dir, "wrong".toCharArray(), false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageStartingWith("wrong passphrase");
        assertThatThrownBy(() -> ProfileStore.open(dir, null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("give --passphrase-file");
        assertThat(Files.readAllBytes(dir.resolve(ProfileStore.DATABASE_FILE))).isEqualTo(before);
        try (ProfileStore store = ProfileStore.open(dir, "correct horse".toCharArray(), false, RANDOM)) {
            assertThat(store.get("k")).asString(StandardCharsets.UTF_8).isEqualTo("v");
        }
    }

    @Test
    void missingOrForeignKeyFileIsAClearError() throws Exception {
        ProfileStore.open(dir, null, true, RANDOM).close();
        Path keyFile = dir.resolve(ProfileStore.KEY_FILE);
        byte[] original = Files.readAllBytes(keyFile);
        Files.delete(keyFile);
        assertThatThrownBy(() -> ProfileStore.open(dir, null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("key file").hasMessageContaining("missing");
        byte[] foreign = original.clone();
        foreign[0] ^= 1;
        Files.write(keyFile, foreign);
        assertThatThrownBy(() -> ProfileStore.open(dir, null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("does not match");
        Files.write(keyFile, new byte[5]);
        assertThatThrownBy(() -> ProfileStore.open(dir, null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("damaged");
    }

    @Test
    void corruptDatabaseIsAClearErrorAndIsNotOverwritten() throws Exception {
        Path db = dir.resolve(ProfileStore.DATABASE_FILE);
        byte[] junk = new byte[8192];
        RANDOM.nextBytes(junk);
        Files.write(db, junk);
        assertThatThrownBy(() -> ProfileStore.open(dir, null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("damaged or unreadable");
        assertThat(Files.readAllBytes(db)).isEqualTo(junk);
    }

    @Test
    void noProfileYetTellsTheUserToRegister() {
        assertThatThrownBy(() -> ProfileStore.open(dir.resolve("none"), null, false, RANDOM))
                .isInstanceOf(ProfileException.class).hasMessageContaining("parley register");
    }

    @Test
    void messagesAreStoredOnceInOrderAndExpire() {
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            byte[] conv = utf8("conversation-1");
            assertThat(store.addMessage(conv, utf8("m1"), utf8("first"), null)).isTrue();
            assertThat(store.addMessage(conv, utf8("m2"), utf8("second"), 1_000L)).isTrue();
            assertThat(store.addMessage(conv, utf8("m1"), utf8("first again"), null)).isFalse();
            assertThat(store.addMessage(utf8("other"), utf8("m3"), utf8("elsewhere"), null)).isTrue();
            assertThat(store.messages(conv, 10)).extracting(b -> new String(b, StandardCharsets.UTF_8))
                    .containsExactly("first", "second");
            assertThat(store.messages(conv, 1)).extracting(b -> new String(b, StandardCharsets.UTF_8))
                    .containsExactly("second");
            assertThat(store.replaceMessage(utf8("m1"), utf8("edited"))).isTrue();
            assertThat(store.replaceMessage(utf8("unknown"), utf8("x"))).isFalse();
            assertThat(store.deleteExpired(999L)).isZero();
            assertThat(store.deleteExpired(1_000L)).isEqualTo(1);
            assertThat(store.messages(conv, 10)).extracting(b -> new String(b, StandardCharsets.UTF_8))
                    .containsExactly("edited");
            assertThat(store.message(utf8("m2"))).isNull();
            assertThat(store.message(utf8("m1"))).asString(StandardCharsets.UTF_8).isEqualTo("edited");
        }
    }

    @Test
    void aFailedTransactionLeavesNothingBehind() {
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            assertThatThrownBy(() -> store.inTransaction(() -> {
                store.put("group-state", utf8("new epoch"));
                store.addMessage(utf8("c"), utf8("id"), utf8("body"), null);
                throw new IllegalStateException("decryption failed half way");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(store.get("group-state")).isNull();
            assertThat(store.message(utf8("id"))).isNull();
        }
    }

    @Test
    void theDatabaseFileHoldsNoPlaintextNamesOrBodies() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            store.put("identity-of-alice", utf8("SECRET-KEY-MATERIAL"));
            store.addMessage(utf8("conversation-with-bob"), utf8("message-0001"), utf8("meet at the station at noon"), null);
        }
        StringBuilder everything = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                everything.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            }
        }
        for (String secret : List.of("identity-of-alice", "SECRET-KEY-MATERIAL", "conversation-with-bob",
                "message-0001", "meet at the station")) {
            assertThat(everything.toString()).doesNotContain(secret);
        }
    }
}
