package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.client.content.v1.Receipt;
import org.parley.client.local.v1.StoredMessage;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReceiptsTest extends ProfileStoreTestBase {
    private Receipts receipts() {
        return new Receipts(openProfile());
    }

    private ByteString stored(String id, byte[] group, boolean outgoing) {
        ByteString messageId = ByteString.copyFromUtf8(id);
        store.addMessage(group, messageId.toByteArray(), StoredMessage.newBuilder().setId(messageId)
                .setGroupId(ByteString.copyFrom(group)).setText(id).setOutgoing(outgoing).build().toByteArray(), null);
        return messageId;
    }

    private StoredMessage message(ByteString id) throws Exception {
        return StoredMessage.parseFrom(store.message(id.toByteArray()));
    }

    private static Receipt receipt(Receipt.Kind kind, ByteString... ids) {
        return Receipt.newBuilder().setKind(kind).addAllMessageIds(List.of(ids)).build();
    }

    @Test
    void aReceiptMarksOnlyOwnMessagesOfTheSameConversationOnce() throws Exception {
        Receipts receipts = receipts();
        ByteString mine = stored("mine", GROUP, true);
        ByteString theirs = stored("theirs", GROUP, false);
        ByteString elsewhere = stored("elsewhere", OTHER_GROUP, true);
        ByteString unknown = ByteString.copyFromUtf8("unknown");

        assertThat(receipts.apply(GROUP, "bob", receipt(Receipt.Kind.DELIVERED, mine, theirs, elsewhere, unknown))).isEqualTo(1);
        assertThat(message(mine).getDeliveredToList()).containsExactly("bob");
        assertThat(message(theirs).getDeliveredToList()).isEmpty();
        assertThat(message(elsewhere).getDeliveredToList()).as("another conversation's message").isEmpty();
        assertThat(receipts.apply(GROUP, "bob", receipt(Receipt.Kind.DELIVERED, mine))).as("already marked").isZero();

        assertThat(receipts.apply(GROUP, "carol", receipt(Receipt.Kind.READ, mine))).isEqualTo(1);
        assertThat(message(mine).getDeliveredToList()).as("read implies delivered").containsExactly("bob", "carol");
        assertThat(message(mine).getReadByList()).containsExactly("carol");
        assertThat(receipts.apply(GROUP, "dave", receipt(Receipt.Kind.KIND_UNSPECIFIED, mine))).isZero();
    }

    @Test
    void deliveredReceiptsAreOwedOncePerConversationAndSplitWhenLarge() {
        Receipts receipts = receipts();
        receipts.arrived(GROUP, ByteString.copyFromUtf8("a"));
        receipts.arrived(OTHER_GROUP, ByteString.copyFromUtf8("b"));
        receipts.arrived(GROUP, ByteString.copyFromUtf8("c"));
        List<Receipts.Pending> owed = receipts.takeDelivered();
        assertThat(owed).hasSize(2);
        assertThat(owed.get(0).messageIds()).extracting(ByteString::toStringUtf8).containsExactly("a", "c");
        assertThat(receipts.takeDelivered()).isEmpty();

        List<ByteString> many = new ArrayList<>();
        for (int i = 0; i < Receipts.MAX_IDS * 2 + 1; i++) {
            many.add(ByteString.copyFromUtf8("m" + i));
        }
        assertThat(Receipts.receipts(Receipt.Kind.READ, many)).extracting(Receipt::getMessageIdsCount)
                .containsExactly(Receipts.MAX_IDS, Receipts.MAX_IDS, 1);
    }
}
