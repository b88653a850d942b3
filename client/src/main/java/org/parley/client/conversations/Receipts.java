package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.content.v1.Receipt;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Delivery and read receipts. Delivered receipts are collected while a backlog is processed and
 * sent as one receipt per conversation, so reading a thousand queued messages costs one message
 * per conversation, not a thousand. Incoming receipts mark this account's own stored messages.
 */
final class Receipts {
    /** Ids per receipt message: keeps a receipt far under the server's payload limit. */
    static final int MAX_IDS = 500;

    private final ProfileStore store;
    private final Map<Bytes, Pending> pendingDelivered = new LinkedHashMap<>();

    record Pending(Bytes groupId, List<ByteString> messageIds) {
    }

    Receipts(ProfileStore store) {
        this.store = store;
    }

    /** Notes that another member's message arrived, for the next delivered receipt of its conversation. */
    void arrived(byte[] groupId, ByteString messageId) {
        pendingDelivered.computeIfAbsent(Bytes.copyOf(groupId), id -> new Pending(id, new ArrayList<>()))
                .messageIds().add(messageId);
    }

    /** The delivered receipts owed, per conversation; each is returned once. */
    List<Pending> takeDelivered() {
        List<Pending> owed = List.copyOf(pendingDelivered.values());
        pendingDelivered.clear();
        return owed;
    }

    /** Splits ids into receipts of at most {@link #MAX_IDS}. */
    static List<Receipt> receipts(Receipt.Kind kind, List<ByteString> messageIds) {
        List<Receipt> receipts = new ArrayList<>();
        for (int from = 0; from < messageIds.size(); from += MAX_IDS) {
            receipts.add(Receipt.newBuilder().setKind(kind)
                    .addAllMessageIds(messageIds.subList(from, Math.min(messageIds.size(), from + MAX_IDS))).build());
        }
        return receipts;
    }

    /**
     * Records {@code member}'s receipt on this account's messages of conversation {@code groupId}
     * (ids of other conversations or of other senders are ignored, so a member cannot mark what it
     * was never sent). @return how many messages it newly marked
     */
    int apply(byte[] groupId, String member, Receipt receipt) {
        if (receipt.getKind() != Receipt.Kind.DELIVERED && receipt.getKind() != Receipt.Kind.READ) {
            return 0;
        }
        boolean read = receipt.getKind() == Receipt.Kind.READ;
        int marked = 0;
        for (ByteString id : receipt.getMessageIdsList().subList(0, Math.min(MAX_IDS, receipt.getMessageIdsCount()))) {
            byte[] body = store.message(id.toByteArray());
            if (body == null) {
                continue;
            }
            StoredMessage message;
            try {
                message = StoredMessage.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                continue;
            }
            if (!message.getOutgoing() || !Arrays.equals(message.getGroupId().toByteArray(), groupId)) {
                continue;
            }
            StoredMessage.Builder updated = message.toBuilder();
            boolean changed = false;
            if (!message.getDeliveredToList().contains(member)) {
                updated.addDeliveredTo(member);
                changed = true;
            }
            if (read && !message.getReadByList().contains(member)) {
                updated.addReadBy(member);
                changed = true;
            }
            if (changed) {
                store.replaceMessage(id.toByteArray(), updated.build().toByteArray());
                marked++;
            }
        }
        return marked;
    }
}
