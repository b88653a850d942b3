package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.local.v1.QueuedSend;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.ServerException;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.client.tokens.NoTokenException;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.Send;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Sends that a limit or a lost connection held back, kept in the profile until they go: when the
 * server answers RATE_LIMITED or MAILBOX_FULL, or no send token can be had, or the connection ends
 * before the server acknowledged the send, the already-encrypted payload is queued with its
 * recipients and whether it is sealed, and sent again, byte for byte, after the server's hint (or
 * on reconnect, or at the next start). A send whose connection dropped may have been stored by the
 * server all the same: the recipients then get the same bytes twice and drop the second copy
 * ({@code Inbox}). Each conversation's sends leave in the order they were made: a send behind a
 * waiting one waits too, since members process a group's messages in order.
 *
 * <p>Used under the conversations' lock, like the profile store.
 */
public final class OutgoingQueue {
    private static final Logger log = LoggerFactory.getLogger(OutgoingQueue.class);
    static final String STORE_NAME = "outgoing";
    /** The least wait after a refusal, so that a hint of zero does not make a busy loop. */
    static final Duration MIN_WAIT = Duration.ofSeconds(1);

    private final ProfileStore profile;
    private final Carrier carrier;
    private final Clock clock;
    /** When the earliest waiting send is due, in milliseconds since the epoch; Long.MAX_VALUE when none waits. */
    private volatile long nextAttempt;

    public OutgoingQueue(ProfileStore profile, Carrier carrier, Clock clock) {
        this.profile = profile;
        this.carrier = carrier;
        this.clock = clock;
        this.nextAttempt = nextAttempt(load());
    }

    /**
     * Sends {@code send} now, or queues it: behind the sends of its conversation already waiting,
     * or because a limit or a lost connection held it back. Its payload is encrypted with a key
     * that is used up, so it is never given up for a connection that failed.
     *
     * @return empty when it was sent; otherwise how long until it is tried again (zero: as soon
     *         as a connection is up)
     * @throws ServerException when the server refused it for another reason than a limit
     */
    Optional<Duration> send(byte[] conversation, Send send) {
        ByteString group = ByteString.copyFrom(conversation);
        if (holds(load(), group)) {
            flush();
        }
        List<QueuedSend> queue = load();
        if (holds(queue, group)) {
            queue.add(entry(group, send, 0));
            save(queue);
            return Optional.of(waitFor(conversation));
        }
        Duration held;
        try {
            held = attempt(send);
        } catch (ConnectionException e) {
            queue.add(entry(group, send, clock.millis()));
            save(queue);
            log.info("a message was queued until the server can be reached: {}", e.getMessage());
            return Optional.of(Duration.ZERO);
        }
        if (held == null) {
            return Optional.empty();
        }
        queue.add(entry(group, send, clock.millis() + held.toMillis()));
        save(queue);
        log.info("a message was queued; the server asked to wait {} s", held.toSeconds());
        return Optional.of(held);
    }

    /**
     * Sends every waiting send that is due, each conversation's in order; one the server refuses
     * for good (not a limit) is dropped with a warning, since it can never go.
     *
     * @return how many were sent
     */
    public int flush() {
        List<QueuedSend> queue = load();
        Set<ByteString> heldBack = new HashSet<>();
        int sent = 0;
        long now = clock.millis();
        for (int i = 0; i < queue.size(); ) {
            QueuedSend waiting = queue.get(i);
            if (heldBack.contains(waiting.getConversation()) || waiting.getNotBefore() > now) {
                heldBack.add(waiting.getConversation());
                i++;
                continue;
            }
            Duration held;
            try {
                held = attempt(parse(waiting));
            } catch (ConnectionException e) {
                log.info("the server cannot be reached; {} queued message(s) wait", queue.size());
                break;
            } catch (ServerException e) {
                log.warn("the server refused a queued message for good ({}); it was dropped", e.code());
                queue.remove(i);
                save(queue);
                continue;
            }
            if (held == null) {
                queue.remove(i);
                save(queue);
                sent++;
            } else {
                queue.set(i, waiting.toBuilder().setNotBefore(now + held.toMillis()).build());
                save(queue);
                heldBack.add(waiting.getConversation());
                i++;
            }
        }
        return sent;
    }

    /** How long until this conversation's first waiting send is tried again; empty when none waits. */
    public Optional<Duration> waiting(byte[] conversation) {
        ByteString group = ByteString.copyFrom(conversation);
        return holds(load(), group) ? Optional.of(waitFor(conversation)) : Optional.empty();
    }

    /** Sends waiting, in all conversations. */
    public int size() {
        return load().size();
    }

    /** When the earliest waiting send is due (milliseconds since the epoch), Long.MAX_VALUE when none waits; readable without the lock. */
    public long nextAttempt() {
        return nextAttempt;
    }

    Carrier carrier() {
        return carrier;
    }

    private Duration waitFor(byte[] conversation) {
        ByteString group = ByteString.copyFrom(conversation);
        long due = load().stream().filter(q -> q.getConversation().equals(group)).findFirst().map(QueuedSend::getNotBefore).orElse(0L);
        return Duration.ofMillis(Math.max(0, due - clock.millis()));
    }

    /** Null when delivered; the wait when a limit or a missing token held it back. */
    private Duration attempt(Send send) {
        try {
            carrier.deliver(send);
            return null;
        } catch (ServerException e) {
            if (e.code() != ErrorCode.RATE_LIMITED && e.code() != ErrorCode.MAILBOX_FULL) {
                throw e;
            }
            return atLeastMinimum(e.retryAfter());
        } catch (NoTokenException e) {
            log.info("no send token now: {}", e.getMessage());
            return atLeastMinimum(e.retryAfter());
        }
    }

    private static Duration atLeastMinimum(Duration hint) {
        return hint.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : hint;
    }

    private static boolean holds(List<QueuedSend> queue, ByteString conversation) {
        return queue.stream().anyMatch(q -> q.getConversation().equals(conversation));
    }

    private static QueuedSend entry(ByteString conversation, Send send, long notBefore) {
        return QueuedSend.newBuilder().setConversation(conversation).setSend(send.toByteString()).setSealed(send.getSealed())
                .setNotBefore(notBefore).build();
    }

    private static Send parse(QueuedSend waiting) {
        try {
            return Send.parseFrom(waiting.getSend());
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("a queued message in the profile is damaged", e);
        }
    }

    private List<QueuedSend> load() {
        byte[] stored = profile.get(STORE_NAME);
        if (stored == null) {
            return new ArrayList<>();
        }
        try {
            return new ArrayList<>(org.parley.client.local.v1.OutgoingQueue.parseFrom(stored).getSendsList());
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the queue of outgoing messages in the profile is damaged", e);
        }
    }

    private void save(List<QueuedSend> queue) {
        if (queue.isEmpty()) {
            profile.delete(STORE_NAME);
        } else {
            profile.put(STORE_NAME, org.parley.client.local.v1.OutgoingQueue.newBuilder().addAllSends(queue).build().toByteArray());
        }
        nextAttempt = nextAttempt(queue);
    }

    /** The earliest due time among each conversation's first waiting send. */
    private static long nextAttempt(List<QueuedSend> queue) {
        Set<ByteString> seen = new HashSet<>();
        long next = Long.MAX_VALUE;
        for (QueuedSend waiting : queue) {
            if (seen.add(waiting.getConversation())) {
                next = Math.min(next, waiting.getNotBefore());
            }
        }
        return next;
    }
}
