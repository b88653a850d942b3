package org.parley.server.requests;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import org.parley.protocol.CommitAuthority;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CommitResult;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.Ok;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SendAccepted;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.DeviceRecord;
import org.parley.server.bus.MailArrived;
import org.parley.server.bus.MessageBus;
import org.parley.server.delivery.MailboxWriter;
import org.parley.server.mailbox.Acknowledgement;
import org.parley.server.groups.CommitId;
import org.parley.server.groups.GroupCommit;
import org.parley.server.groups.RoutingId;
import org.parley.server.groups.GroupState;
import org.parley.server.groups.GroupStore;
import org.parley.server.groups.StaleEpochException;
import org.parley.server.groups.UnauthorisedCommitException;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.DeliveryOutcome;
import org.parley.server.mailbox.Envelope;
import org.parley.server.mailbox.MailboxFullException;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.metrics.Metrics;
import org.parley.server.ratelimit.KeyedRateLimiter;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;
import org.parley.server.storage.StoreRejectedException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sends, acknowledgements and commits. A send is validated here, then stored by the
 * {@link MailboxWriter}; the sender hears SendAccepted only once every copy is on disk, and
 * connected recipients get the copies at once through the bus. A recipient device the server does
 * not have is skipped and named in the answer, never a reason to fail the send. Sealed sends carry
 * no sender and are authorised per recipient account by its access key, which the account store
 * compares in constant time against the stored hash. A commit is stored with its fan-out in one
 * transaction, or not at all.
 */
public final class MessageRequests {
    /** Recipient devices in one send: large groups fan out in several sends. */
    static final int MAX_RECIPIENT_DEVICES = 1_000;
    private static final int MAX_ACK_IDS = 1_000;

    private final AccountStore accounts;
    private final GroupStore groups;
    private final MailboxWriter writer;
    private final MessageBus bus;
    private final Metrics metrics;
    private final KeyedRateLimiter<AccountId> sends;

    public MessageRequests(AccountStore accounts, GroupStore groups, MailboxWriter writer,
                           MessageBus bus, Metrics metrics, KeyedRateLimiter<AccountId> sends) {
        this.accounts = accounts;
        this.groups = groups;
        this.writer = writer;
        this.bus = bus;
        this.metrics = metrics;
        this.sends = sends;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        // An ack only validates and queues for the writer: served on the event loop. A send seals its
        // copies to the recipients' mailbox keys, which may be read from the store: on the pool.
        handlers.put(ClientFrame.BodyCase.SEND, (session, frame) -> send(session, frame.getRequestId(), frame.getSend()));
        handlers.put(ClientFrame.BodyCase.ACK, RequestHandler.nonBlocking(frame -> true, this::ack));
        handlers.put(ClientFrame.BodyCase.SUBMIT_COMMIT, this::submitCommit);
    }

    private void send(Session session, long id, Send send) {
        Fanout fanout = fanout(session, id, send, false);
        checkRate(session);
        if (fanout.envelopes().isEmpty()) {
            // Every named device is unknown (or of another account than the one a sealed send named).
            session.reply(id, ServerFrame.newBuilder().setSendAccepted(SendAccepted.newBuilder().setMessageId(send.getMessageId())
                    .addAllUnknownDeviceIds(ids(fanout.skipped()))));
            return;
        }
        write(new Delivery(fanout.envelopes()), outcome -> answerSend(session, id, send.getMessageId(), fanout.skipped(), outcome));
    }

    private void checkRate(Session session) {
        if (!sends.tryAcquire(session.signedIn().account())) {
            throw new RequestFailure(ErrorCode.RATE_LIMITED, "your account is sending too fast; slow down");
        }
    }

    /** Queues a delivery for the writer; {@code done} runs on the writer thread, with null if the store failed. */
    private void write(Delivery delivery, Consumer<DeliveryOutcome> done) {
        if (!writer.submit(new MailboxWriter.Send(delivery, done))) {
            throw new RequestFailure(ErrorCode.RATE_LIMITED, "the server is busy; nothing was stored, retry shortly");
        }
    }

    /** The copies of a send, and the recipient devices it names that get none. */
    private record Fanout(List<NewEnvelope> envelopes, Set<DeviceId> skipped) {
    }

    /**
     * Checks a send and builds its envelopes. Only a commit may have no recipient: the first
     * commit of a member alone in its group still has to claim the epoch. In a sealed send, a
     * device the server does not list under the named account is skipped: the access key
     * authorises that one account only.
     */
    private Fanout fanout(Session session, long id, Send send, boolean isCommit) {
        Fields.exactly(id, "message_id", send.getMessageId(), Limits.MESSAGE_ID_BYTES);
        if (send.getPayload().size() > Limits.MAX_PAYLOAD_BYTES) {
            throw new RequestFailure(ErrorCode.INVALID_ARGUMENT, "a payload of " + send.getPayload().size()
                    + " bytes is over the limit of " + Limits.MAX_PAYLOAD_BYTES + ": send large content as an attachment");
        }
        if (send.getRecipientsCount() == 0 && !isCommit) {
            throw Fields.invalid(id, "a send needs at least one recipient");
        }
        // The payload is immutable: every recipient's envelope shares it, uncopied.
        ByteString payload = send.getPayload();
        List<NewEnvelope> envelopes = new ArrayList<>();
        Set<DeviceId> seen = new HashSet<>();
        Set<DeviceId> skipped = new LinkedHashSet<>();
        for (RecipientAccount recipient : send.getRecipientsList()) {
            AccountId account = AccountId.of(Fields.exactly(id, "recipients.account_id", recipient.getAccountId(), Limits.ACCOUNT_ID_BYTES));
            List<DeviceId> devices = new ArrayList<>(recipient.getDeviceIdsCount());
            for (ByteString device : recipient.getDeviceIdsList()) {
                DeviceId deviceId = DeviceId.of(Fields.exactly(id, "recipients.device_ids", device, Limits.DEVICE_ID_BYTES));
                if (seen.add(deviceId)) {
                    devices.add(deviceId);
                }
            }
            if (devices.isEmpty()) {
                throw Fields.invalid(id, "each recipient account needs at least one device id");
            }
            if (seen.size() > MAX_RECIPIENT_DEVICES) {
                throw Fields.invalid(id, "at most " + MAX_RECIPIENT_DEVICES + " recipient devices per send");
            }
            if (send.getSealed()) {
                Set<DeviceId> ofAccount = authoriseSealed(account, recipient.getAccessKey());
                devices.stream().filter(device -> !ofAccount.contains(device)).forEach(skipped::add);
                devices.removeIf(device -> !ofAccount.contains(device));
            }
            for (DeviceId device : devices) {
                envelopes.add(new NewEnvelope(device, payload));
            }
        }
        return new Fanout(envelopes, skipped);
    }

    /** The devices of a sealed send's recipient account, if the send carries the account's access key. */
    private Set<DeviceId> authoriseSealed(AccountId account, ByteString accessKey) {
        if (accessKey.isEmpty() || !accounts.accessKeyMatches(account, accessKey.toByteArray())) {
            throw new RequestFailure(ErrorCode.ACCESS_DENIED,
                    "a sealed send needs each recipient account's current access key: fetch the recipient's profile again");
        }
        Set<DeviceId> ofAccount = new HashSet<>();
        for (DeviceRecord device : accounts.devices(account)) {
            ofAccount.add(device.id());
        }
        return ofAccount;
    }

    private static List<ByteString> ids(Collection<DeviceId> devices) {
        return devices.stream().map(device -> UnsafeByteOperations.unsafeWrap(device.bytes())).toList();
    }

    /** Devices skipped when the send was checked and when it was stored, each once. */
    private static List<ByteString> unknown(Set<DeviceId> skippedOnCheck, DeliveryOutcome.Stored stored) {
        Set<DeviceId> all = new LinkedHashSet<>(skippedOnCheck);
        all.addAll(stored.unknownRecipients());
        return ids(all);
    }

    /** Pushes the stored copies to connected recipients (on any node), after they are durable. */
    private void publish(DeliveryOutcome.Stored stored) {
        metrics.sendAccepted(stored.envelopes().size());
        for (Envelope envelope : stored.envelopes()) {
            bus.publish(new MailArrived(envelope));
        }
    }

    /** Runs on the writer thread once the delivery is stored or refused. */
    private void answerSend(Session session, long id, ByteString messageId, Set<DeviceId> skipped, DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Stored stored) {
            session.reply(id, ServerFrame.newBuilder().setSendAccepted(SendAccepted.newBuilder().setMessageId(messageId)
                    .addAllUnknownDeviceIds(unknown(skipped, stored))));
            publish(stored);
        } else if (outcome instanceof DeliveryOutcome.Rejected rejected && rejected.reason() instanceof MailboxFullException full) {
            session.fail(id, ErrorCode.MAILBOX_FULL, full.getMessage());
        } else {
            session.fail(id, ErrorCode.INTERNAL, "the server could not store the message; nothing was stored, send it again");
        }
    }

    private void ack(Session session, ClientFrame frame) {
        List<Long> ids = frame.getAck().getEnvelopeIdsList();
        if (ids.isEmpty() || ids.size() > MAX_ACK_IDS) {
            throw Fields.invalid(frame.getRequestId(), "an ack names 1 to " + MAX_ACK_IDS + " envelope ids, got " + ids.size());
        }
        long id = frame.getRequestId();
        boolean queued = writer.submit(new MailboxWriter.Ack(new Acknowledgement(session.signedIn().device(), ids), deleted -> {
            if (deleted) {
                if (id != 0) { // a posted Ack (request_id 0) is answered only when it fails
                    session.reply(id, ServerFrame.newBuilder().setOk(Ok.getDefaultInstance()));
                }
            } else {
                session.fail(id, ErrorCode.INTERNAL, "the server could not delete the acknowledged messages; acknowledge them again");
            }
        }));
        if (!queued) {
            throw new RequestFailure(ErrorCode.RATE_LIMITED, "the server is busy; acknowledge again shortly");
        }
    }

    /**
     * RFC 9750 section 5.2: the commit for epoch e wins only while the group is at e, and only
     * from a member of epoch e (signed with epoch e's commit key, parley.proto SubmitCommit). The
     * epoch change, the Welcome and the fan-out are written in one transaction, and the one answer
     * (CommitResult, or an error when nothing changed) is sent once that transaction is durable.
     */
    private void submitCommit(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        SubmitCommit request = frame.getSubmitCommit();
        byte[] groupId = Fields.between(id, "routing_id", request.getRoutingId(),
                CommitAuthority.MIN_ROUTING_ID_BYTES, CommitAuthority.MAX_ROUTING_ID_BYTES);
        if (!request.hasSend()) {
            throw Fields.invalid(id, "a commit needs its send (the commit message and its recipients)");
        }
        long epoch = request.getEpoch();
        if (epoch < 0 || epoch == Long.MAX_VALUE) {
            throw Fields.invalid(id, "epoch " + Long.toUnsignedString(epoch) + " is out of range");
        }
        byte[] nextEpochKey = Fields.exactly(id, "next_epoch_key", request.getNextEpochKey(), CommitAuthority.KEY_BYTES);
        if (!request.getSignature().isEmpty()) {
            Fields.exactly(id, "signature", request.getSignature(), CommitAuthority.SIGNATURE_BYTES);
        }
        // Welcomes go first: a joiner must hold the Welcome before any message of the new epoch reaches it.
        List<NewEnvelope> envelopes = new ArrayList<>();
        Set<DeviceId> skipped = new LinkedHashSet<>();
        if (request.hasWelcome()) {
            Fanout welcome = fanout(session, id, request.getWelcome(), false);
            envelopes.addAll(welcome.envelopes());
            skipped.addAll(welcome.skipped());
        }
        Fanout commitFanout = fanout(session, id, request.getSend(), true);
        envelopes.addAll(commitFanout.envelopes());
        skipped.addAll(commitFanout.skipped());
        checkRate(session);
        byte[] signed = CommitAuthority.signedContent(groupId, epoch, request.getSend().getPayload().toByteArray(),
                request.hasWelcome() ? request.getWelcome().getPayload().toByteArray() : new byte[0], nextEpochKey);
        GroupCommit commit = verifiedBeforeTheWriter(new GroupCommit(RoutingId.of(groupId), epoch,
                CommitId.of(request.getSend().getMessageId().toByteArray()), request.getNextEpochKey(),
                UnsafeByteOperations.unsafeWrap(signed), request.getSignature()));
        write(new Delivery(envelopes, groups.commit(commit)), outcome -> answerCommit(session, id, epoch, skipped, outcome));
    }

    /**
     * Checks the commit's signature here, on a request thread, against the key of the epoch it ends,
     * so that the one mailbox writer thread, which every send of the server waits for, only compares
     * that key with the group's in its transaction. A forgery is refused before it is queued. When the
     * group is not at that epoch now, the transaction decides (stale, or verified there after all).
     */
    private GroupCommit verifiedBeforeTheWriter(GroupCommit commit) {
        GroupState now = groups.state(commit.group()).orElse(null);
        if (now == null || now.epoch() != commit.epoch() || now.commitKey() == null) {
            return commit;
        }
        if (!commit.signedBy(now.commitKey())) {
            throw new RequestFailure(ErrorCode.ACCESS_DENIED, UnauthorisedCommitException.MESSAGE);
        }
        return commit.verifiedAgainst(now.commitKey());
    }

    /** Runs on the writer thread once the commit and its fan-out are stored, or nothing is. */
    private void answerCommit(Session session, long id, long epoch, Set<DeviceId> skipped, DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Stored stored) {
            session.reply(id, ServerFrame.newBuilder().setCommitResult(CommitResult.newBuilder().setAccepted(true)
                    .setCurrentEpoch(epoch + 1).addAllUnknownDeviceIds(unknown(skipped, stored))));
            publish(stored);
            return;
        }
        StoreRejectedException reason = outcome instanceof DeliveryOutcome.Rejected rejected ? rejected.reason() : null;
        if (reason instanceof StaleEpochException stale) {
            GroupState current = stale.current();
            CommitResult.Builder result = CommitResult.newBuilder().setAccepted(false).setCurrentEpoch(current.epoch());
            if (current.lastCommit() != null) {
                result.setWinningCommitId(UnsafeByteOperations.unsafeWrap(current.lastCommit().bytes()));
            }
            session.reply(id, ServerFrame.newBuilder().setCommitResult(result));
        } else if (reason instanceof UnauthorisedCommitException) {
            session.fail(id, ErrorCode.ACCESS_DENIED, reason.getMessage());
        } else if (reason instanceof MailboxFullException full) {
            session.fail(id, ErrorCode.MAILBOX_FULL, full.getMessage() + " The group did not change.");
        } else {
            session.fail(id, ErrorCode.INTERNAL, "the server could not store the commit; the group did not change, commit again");
        }
    }
}
