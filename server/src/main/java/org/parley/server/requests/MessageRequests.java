package org.parley.server.requests;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
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
import org.parley.server.groups.CommitOutcome;
import org.parley.server.groups.GroupId;
import org.parley.server.groups.GroupStore;
import org.parley.server.groups.UnknownGroupException;
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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sends, acknowledgements and commits. A send is validated here, then stored by the
 * {@link MailboxWriter}; the sender hears SendAccepted only once every copy is on disk, and
 * connected recipients get the copies at once through the bus. Sealed sends carry no sender and
 * are authorised per recipient account by its access key, which the account store compares in
 * constant time against the stored hash.
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
        // A plain send or an ack only validates and queues for the writer: served on the event loop.
        // A sealed send reads the recipients' access keys and devices from the store: on the pool.
        handlers.put(ClientFrame.BodyCase.SEND, RequestHandler.nonBlocking(frame -> !frame.getSend().getSealed(),
                (session, frame) -> send(session, frame.getRequestId(), frame.getSend())));
        handlers.put(ClientFrame.BodyCase.ACK, RequestHandler.nonBlocking(frame -> true, this::ack));
        handlers.put(ClientFrame.BodyCase.SUBMIT_COMMIT, this::submitCommit);
    }

    private void send(Session session, long id, Send send) {
        Delivery delivery = new Delivery(envelopes(session, id, send, false));
        checkRate(session);
        enqueue(session, id, send.getMessageId(), delivery);
    }

    private void checkRate(Session session) {
        if (!sends.tryAcquire(session.signedIn().account())) {
            throw new RequestFailure(ErrorCode.RATE_LIMITED, "your account is sending too fast; slow down");
        }
    }

    private void enqueue(Session session, long id, ByteString messageId, Delivery delivery) {
        boolean queued = writer.submit(new MailboxWriter.Send(delivery, outcome -> answer(session, id, messageId, outcome)));
        if (!queued) {
            throw new RequestFailure(ErrorCode.RATE_LIMITED, "the server is busy; retry the send shortly");
        }
    }

    /**
     * Checks a send and builds its envelopes. Only a commit may have no recipient: the first
     * commit of a member alone in its group still has to claim the epoch.
     */
    private List<NewEnvelope> envelopes(Session session, long id, Send send, boolean isCommit) {
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
        DeviceId sender = send.getSealed() ? null : session.signedIn().device();
        List<NewEnvelope> envelopes = new ArrayList<>();
        Set<DeviceId> seen = new HashSet<>();
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
                authoriseSealed(account, recipient.getAccessKey(), devices);
            }
            for (DeviceId device : devices) {
                envelopes.add(new NewEnvelope(device, sender, payload));
            }
        }
        return envelopes;
    }

    private void authoriseSealed(AccountId account, ByteString accessKey, List<DeviceId> devices) {
        boolean allowed = !accessKey.isEmpty() && accounts.accessKeyMatches(account, accessKey.toByteArray());
        if (allowed) {
            Set<DeviceId> ofAccount = new HashSet<>();
            for (DeviceRecord device : accounts.devices(account)) {
                ofAccount.add(device.id());
            }
            allowed = ofAccount.containsAll(devices);
        }
        if (!allowed) {
            throw new RequestFailure(ErrorCode.ACCESS_DENIED,
                    "a sealed send needs each recipient account's access key, and only that account's devices");
        }
    }

    /** Runs on the writer thread once the delivery is stored or refused. */
    private void answer(Session session, long id, ByteString messageId, DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Stored stored) {
            metrics.sendAccepted(stored.envelopes().size());
            session.reply(id, ServerFrame.newBuilder().setSendAccepted(SendAccepted.newBuilder().setMessageId(messageId)));
            for (Envelope envelope : stored.envelopes()) {
                bus.publish(new MailArrived(envelope));
            }
        } else if (outcome instanceof DeliveryOutcome.Rejected rejected) {
            ErrorCode code = rejected.reason() instanceof MailboxFullException ? ErrorCode.MAILBOX_FULL : ErrorCode.NOT_FOUND;
            session.fail(id, code, rejected.reason().getMessage());
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
     * RFC 9750 section 5.2: the commit for epoch e wins only while the group is at e. The winner's
     * fan-out is then sent like any message; a loser learns the current epoch and the winning commit.
     */
    private void submitCommit(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        SubmitCommit request = frame.getSubmitCommit();
        GroupId group = GroupId.of(Fields.between(id, "group_id", request.getGroupId(), 1, GroupId.MAX_LENGTH));
        if (!request.hasSend()) {
            throw Fields.invalid(id, "a commit needs its send (the commit message and its recipients)");
        }
        // Refuse a bad fan-out or Welcome before the epoch moves, not after. Welcomes go first: a
        // joiner must hold the Welcome before any message of the new epoch reaches it.
        List<NewEnvelope> fanOut = new ArrayList<>();
        if (request.hasWelcome()) {
            fanOut.addAll(envelopes(session, id, request.getWelcome(), false));
        }
        fanOut.addAll(envelopes(session, id, request.getSend(), true));
        checkRate(session);
        CommitId commit = CommitId.of(request.getSend().getMessageId().toByteArray());
        long epoch = request.getEpoch();
        CommitOutcome outcome;
        try {
            outcome = groups.commit(group, epoch, commit);
        } catch (UnknownGroupException e) {
            if (epoch != 0) {
                throw new RequestFailure(ErrorCode.NOT_FOUND, "unknown group: its first commit must be for epoch 0");
            }
            groups.create(group, 0); // false when a concurrent first commit created it: the CAS decides
            outcome = groups.commit(group, epoch, commit);
        }
        if (outcome instanceof CommitOutcome.Accepted accepted) {
            session.reply(id, ServerFrame.newBuilder().setCommitResult(CommitResult.newBuilder()
                    .setAccepted(true).setCurrentEpoch(accepted.newEpoch())));
            if (fanOut.isEmpty()) {
                session.reply(id, ServerFrame.newBuilder().setSendAccepted(
                        SendAccepted.newBuilder().setMessageId(request.getSend().getMessageId())));
            } else {
                enqueue(session, id, request.getSend().getMessageId(), new Delivery(fanOut));
            }
        } else {
            var current = ((CommitOutcome.Rejected) outcome).current();
            CommitResult.Builder result = CommitResult.newBuilder().setAccepted(false).setCurrentEpoch(current.epoch());
            if (current.lastCommit() != null) {
                result.setWinningCommitId(UnsafeByteOperations.unsafeWrap(current.lastCommit().bytes()));
            }
            session.reply(id, ServerFrame.newBuilder().setCommitResult(result));
        }
    }
}
