package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.client.content.v1.CallSignal;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConversationRecordsTest {

    @Test
    void anEpochSecretPrintsNoSecretAndComparesByValue() {
        byte[] exported = new byte[16];
        new SecureRandom().nextBytes(exported);
        Conversations.EpochSecret secret = new Conversations.EpochSecret(4, 0, List.of(0, 1), 2, Secret.copyOf(exported));
        assertThat(secret.toString()).doesNotContain(HexFormat.of().formatHex(exported, 0, 4));
        assertThat(secret).isEqualTo(new Conversations.EpochSecret(4, 0, List.of(0, 1), 2, Secret.copyOf(exported)));
    }

    @Test
    void summariesAndCallSignalsCompareTheirGroupIdsByValue() {
        assertThat(new Conversations.Summary(Bytes.fromHex("0102"), "bob", true, List.of("alice", "bob"), 3, 0, List.of()))
                .isEqualTo(new Conversations.Summary(Bytes.copyOf(new byte[] {1, 2}), "bob", true, List.of("alice", "bob"), 3, 0, List.of()));
        assertThat(new Receipts.Pending(Bytes.fromHex("01"), List.of()))
                .isEqualTo(new Receipts.Pending(Bytes.fromHex("01"), List.of()));
        CallSignal ring = CallSignal.newBuilder().setCallId(ByteString.copyFrom(new byte[] {7})).build();
        assertThat(new ConversationEvent.CallSignalled("bob", Bytes.fromHex("0102"), "bob", ring))
                .isEqualTo(new ConversationEvent.CallSignalled("bob", Bytes.copyOf(new byte[] {1, 2}), "bob", ring))
                .isNotEqualTo(new ConversationEvent.CallSignalled("bob", Bytes.fromHex("0103"), "bob", ring));
    }
}
