package org.parley.client.conversations;

import org.parley.client.keys.MemberCredential;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.Group;
import org.parley.mls.group.IncomingMessage;
import org.parley.mls.group.Member;
import org.parley.mls.group.UnreadableMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Messages of a conversation that this device could not read, counted and told to the person
 * instead of dropped in silence: a server that withholds a commit, forks a group, drops messages
 * or replays old ones is noticed (issue 12, "Forks and drops are visible"). Counts are gathered
 * while a backlog drains and reported together ("3 messages from bob could not be read"), then
 * reported as they happen once the device is live.
 */
final class UnreadableMessages {
    private static final Logger log = LoggerFactory.getLogger(UnreadableMessages.class);

    private record Key(String conversation, String sender, ConversationEvent.Unreadable.Cause cause, String detail) {
    }

    /** The highest envelope id processed, kept in the profile with what it changed. */
    private static final String LAST_ENVELOPE = "inbox:last-envelope";

    private final ConversationStore store;
    private final Events events;
    private final Map<Key, Integer> pending = new LinkedHashMap<>();

    UnreadableMessages(ConversationStore store, Events events) {
        this.store = store;
        this.events = events;
    }

    /**
     * Records that envelope {@code envelopeId} is being processed (in the profile transaction that
     * processes it) and says whether it is the first time: envelope ids grow with arrival in a
     * mailbox, and a copy the server delivers again after a lost acknowledgement keeps its id.
     */
    boolean firstArrival(long envelopeId) {
        byte[] stored = store.profile().get(LAST_ENVELOPE);
        long last = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
        if (Long.compareUnsigned(envelopeId, last) <= 0) {
            return false;
        }
        store.profile().put(LAST_ENVELOPE, ByteBuffer.allocate(Long.BYTES).putLong(envelopeId).array());
        return true;
    }

    /**
     * {@code message} of {@code group} was not processed: counts it, unless it was a harmless
     * second copy of an envelope delivered before. A copy of a message already processed that
     * arrives as a new envelope is a replay.
     */
    void notProcessed(Group group, IncomingMessage.ForGroup message, MlsProtocolException failure, boolean firstArrival) {
        String conversation = store.record(group.groupId()).getName();
        if (failure instanceof UnreadableMessageException unreadable) {
            String sender = senderName(group, unreadable.senderLeaf());
            switch (unreadable.reason()) {
                case ALREADY_PROCESSED -> {
                    if (firstArrival) {
                        count(conversation, sender, ConversationEvent.Unreadable.Cause.REPLAYED, "");
                    } else {
                        log.debug("dropped a second copy of a message already processed");
                    }
                }
                case EPOCH_AHEAD -> count(conversation, sender, ConversationEvent.Unreadable.Cause.CHANGE_MISSED, "");
                // Application messages of the previous epoch are still read: what fails there is a
                // proposal or a losing commit of that epoch, which members routinely outrun.
                case EPOCH_GONE -> {
                    if (unreadable.epoch() + 1 != group.epoch()) {
                        count(conversation, sender, ConversationEvent.Unreadable.Cause.OLD_STATE, "");
                    }
                }
                case UNDECRYPTABLE -> count(conversation, sender, ForkTag.differs(group, message.authenticatedData().toByteArray())
                        ? ConversationEvent.Unreadable.Cause.GROUP_SPLIT : ConversationEvent.Unreadable.Cause.DAMAGED, "");
            }
        } else {
            count(conversation, null, ConversationEvent.Unreadable.Cause.REFUSED, failure.getMessage());
        }
    }

    /**
     * A copy that the server did not seal to this device's mailbox key: damaged, forged, or stored
     * by a server that skipped sealing. Its conversation cannot be known.
     */
    void notOpened() {
        count("", null, ConversationEvent.Unreadable.Cause.DAMAGED, "");
    }

    /** A message arrived after {@code missed} earlier ones of the same sender in the same epoch that never did. */
    void missed(Group group, Member sender, int missed) {
        if (missed > 0) {
            count(store.record(group.groupId()).getName(), MemberCredential.from(sender.credential()).username(),
                    ConversationEvent.Unreadable.Cause.NEVER_ARRIVED, "", missed);
        }
    }

    private void count(String conversation, String sender, ConversationEvent.Unreadable.Cause cause, String detail) {
        count(conversation, sender, cause, detail, 1);
    }

    private void count(String conversation, String sender, ConversationEvent.Unreadable.Cause cause, String detail, int messages) {
        pending.merge(new Key(conversation, sender, cause, detail), messages, Integer::sum);
    }

    /** Tells the listeners what was counted since the last report. */
    void report() {
        pending.forEach((key, messages) -> events.emit(new ConversationEvent.Unreadable(key.conversation(), key.sender(), messages,
                key.cause(), key.detail())));
        pending.clear();
    }

    private static String senderName(Group group, int leaf) {
        if (leaf < 0) {
            return null;
        }
        try {
            Member member = group.member(leaf);
            return member == null ? null : MemberCredential.from(member.credential()).username();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
