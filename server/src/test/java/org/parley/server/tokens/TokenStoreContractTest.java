package org.parley.server.tokens;

import com.google.protobuf.ByteString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.tokens.BlindRsa;
import org.parley.server.ServerStores;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.Registration;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.DeliveryOutcome;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.mailbox.Precondition;
import org.parley.server.storage.Sql;
import org.parley.server.storage.StoreRejectedException;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

import java.security.SecureRandom;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The send-token tables under the attacks that matter on both databases: a token spent twice in
 * one batch or alongside a write that fails, many nodes making a day's key at once, and one account
 * asking for tokens on many connections at once.
 */
class TokenStoreContractTest extends StoreContract {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenAuthority authority(ServerStores store, int perDay) {
        return new TokenAuthority(store.tokens(), harness.clock, RANDOM, perDay);
    }

    /** One token issued to {@code account} and verified, as a sealed send's would be. */
    private static VerifiedToken token(TokenAuthority tokens, AccountId account) {
        DayKey key = tokens.acceptedKeys().get(0);
        byte[] message = new byte[TokenAuthority.MESSAGE_BYTES];
        RANDOM.nextBytes(message);
        BlindRsa.Blinded blinded = BlindRsa.blind(key.publicKey(), message, RANDOM);
        byte[] blindSignature = tokens.issue(account, List.of(blinded.blindedMessage())).blindSignatures().get(0);
        return tokens.verify(key.day(), message, BlindRsa.finalize(key.publicKey(), message, blindSignature, blinded));
    }

    private static Delivery paidFor(TokenAuthority tokens, VerifiedToken token, Precondition alongWith, Registration to) {
        return new Delivery(List.of(new NewEnvelope(to.device(), null, ByteString.copyFromUtf8("sealed"))), tokens.spend(token, alongWith));
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aTokenTwiceInOneBatchPaysForTheFirstSendOnly(Backend backend) {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        TokenAuthority tokens = authority(store, 10);
        VerifiedToken token = token(tokens, alice.account());

        MailboxStore.BatchOutcome outcome = store.mailbox().write(
                List.of(paidFor(tokens, token, null, bob), paidFor(tokens, token, null, bob)), List.of());
        assertThat(outcome.deliveries().get(0)).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(((DeliveryOutcome.Rejected) outcome.deliveries().get(1)).reason()).isInstanceOf(SpentTokenException.class);
        assertThat(store.mailbox().usage(bob.device()).messages()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void aWriteRefusedAlongsideTheTokenLeavesItUnspentAndWritesNothing(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        Registration bob = register(store, "bob");
        TokenAuthority tokens = authority(store, 10);
        VerifiedToken token = token(tokens, alice.account());
        // Like a commit that loses its epoch to a concurrent node after its check passed: it wrote, then refused.
        Precondition writesThenRefuses = new Precondition() {
            @Override
            public StoreRejectedException check(Connection connection) {
                return null;
            }

            @Override
            public StoreRejectedException apply(Connection connection) throws java.sql.SQLException {
                Sql.update(connection, "INSERT INTO invite_codes (code_hash) VALUES (?)", new byte[32]);
                return new StoreRejectedException("lost the race") {
                };
            }
        };

        DeliveryOutcome refused = store.mailbox().write(List.of(paidFor(tokens, token, writesThenRefuses, bob)), List.of()).deliveries().get(0);
        assertThat(refused).isInstanceOf(DeliveryOutcome.Rejected.class);
        assertThat(store.mailbox().usage(bob.device()).messages()).isZero();
        assertThat(store.accounts().createInviteCode()).isNotNull(); // the table is usable, and holds only that code:
        assertThat(countRows(store, "invite_codes")).isEqualTo(1);
        assertThat(countRows(store, "spent_send_tokens")).isZero();

        DeliveryOutcome paid = store.mailbox().write(List.of(paidFor(tokens, token, null, bob)), List.of()).deliveries().get(0);
        assertThat(paid).isInstanceOf(DeliveryOutcome.Stored.class);
        assertThat(countRows(store, "spent_send_tokens")).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void nodesMakingTheDayKeyAtOnceAllUseOne(Backend backend) throws Exception {
        ServerStores store = open(backend);
        List<ServerStores> nodes = List.of(store, harness.openAnother(), harness.openAnother());
        try {
            AtomicInteger next = new AtomicInteger();
            List<byte[]> keys = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            countSuccesses(6, () -> keys.add(authority(nodes.get(next.getAndIncrement() % nodes.size()), 10)
                    .acceptedKeys().get(0).encodedPublicKey()));
            assertThat(keys).hasSize(6);
            assertThat(keys.stream().map(ByteString::copyFrom).distinct()).hasSize(1);
            assertThat(countRows(store, "send_token_keys")).isEqualTo(1);
        } finally {
            nodes.get(1).close();
            nodes.get(2).close();
        }
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void anAccountAskingOnManyConnectionsAtOnceGetsItsAllowanceOnly(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Registration alice = register(store, "alice");
        TokenAuthority tokens = authority(store, 7);
        DayKey key = tokens.acceptedKeys().get(0);
        AtomicInteger granted = new AtomicInteger();
        countSuccesses(16, () -> {
            byte[] blinded = BlindRsa.blind(key.publicKey(), new byte[32], RANDOM).blindedMessage();
            try {
                granted.addAndGet(tokens.issue(alice.account(), List.of(blinded, blinded)).blindSignatures().size());
                return true;
            } catch (TokenQuotaException used) {
                return false;
            }
        });
        assertThat(granted.get()).isEqualTo(7);
        assertThat(store.tokens().issued(alice.account(), key.day())).isEqualTo(7);
    }

    /** Rows in {@code table}, read on a connection of its own, as an operator would. */
    private long countRows(ServerStores store, String table) throws java.sql.SQLException {
        try (Connection connection = java.sql.DriverManager.getConnection(harness.config().url().jdbcUrl());
             java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
