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
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.AccountStore.DeviceOwner;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.DeviceRecord;
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
import org.parley.server.mailbox.MailboxFullException;
import org.parley.server.mailbox.NewEnvelope;
import org.parley.server.mailbox.Precondition;
import org.parley.server.metrics.Metrics;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;
import org.parley.server.storage.StoreRejectedException;
import org.parley.server.tokens.InvalidSendTokenException;
import org.parley.server.tokens.SpentTokenException;
import org.parley.server.tokens.TokenAuthority;
import org.parley.server.tokens.VerifiedToken;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends, acknowledgements and commits. A send is validated here, then stored by the
 * {@link MailboxWriter}; the sender hears SendAccepted only once every copy is on disk, and
 * connected recipients get the copies sooner, from the writer through the bus. A recipient device the server does
 * not have is skipped and named in the answer, never a reason to fail the send. A commit is stored
 * with its fan-out in one transaction, or not at all.
 *
 * <p>Sealed sends and sealed commits arrive on the anonymous connection (the session handler
 * sees to that) and carry no sender: each recipient account is authorised by its access key, which
 * the account store compares in constant time against the stored hash, and the whole send is paid
 * for with one anonymous send token, spent in the transaction that stores the envelopes. Nothing of
 * a sealed send is kept per connection or per account. Unsealed sends come from a signed-in
 * account: limited per sender account and per recipient account, and refused to accounts that take
 * sealed sends only.
 */
public final class MessageRequests {
    /** The wait a busy writer asks for: its queue drains in milliseconds. */
    private static final Duration BUSY_RETRY = Duration.ofSeconds(1);
    /** The wait a node without its bus or database asks for: reconnecting takes a few seconds. */
    private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(2);
    /**
     * The wait a full mailbox asks for: it empties only when its device fetches its mail, which a
     * device online does within seconds and one offline may not do for days; the sender's client
     * keeps the message queued and asks again after this.
     */
    static final Duration MAILBOX_FULL_RETRY = Duration.ofMinutes(1);
    /** Recipient devices in one send: large groups fan out in several sends. */
    static final int MAX_RECIPIENT_DEVICES = 1_000;
    private static final int MAX_ACK_IDS = 1_000;

    private final AccountStore accounts;
    private final GroupStore groups;
    private final MailboxWriter writer;
    private final Metrics metrics;
    private final UnsealedLimits limits;
    private final TokenAuthority tokens;
    private final Supplier<Optional<String>> notTakingWork;

    /**
     * The in-memory limits on unsealed sends, each with how long a refused client should wait (the
     * time its bucket takes to refill one send).
     *
     * @param perSender    sends (and commits) per sending account
     * @param perRecipient sends into one recipient account from all senders, so that many accounts
     *                     together cannot fill one person's mailbox with first-contact messages
     */
    public record UnsealedLimits(RateLimiter<AccountId> perSender, Duration perSenderRetry,
                                 RateLimiter<AccountId> perRecipient, Duration perRecipientRetry) {
    }

    /**
     * @param notTakingWork why the node refuses new sends and commits now (its bus or database is
     *                      down, it is shutting down), or empty; a refused client retries, on this node
     *                      or another, and nothing is stored meanwhile
     */
    public MessageRequests(AccountStore accounts, GroupStore groups, MailboxWriter writer,
                           Metrics metrics, UnsealedLimits limits, TokenAuthority tokens, Supplier<Optional<String>> notTakingWork) {
        this.accounts = accounts;
        this.groups = groups;
        this.writer = writer;
        this.metrics = metrics;
        this.limits = limits;
        this.tokens = tokens;
        this.notTakingWork = notTakingWork;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        // An ack only validates and queues for the writer: served on the event loop. Every send reads
        // the store first (the recipients' delivery policy, or their access keys and devices) and seals
        // its copies to the recipients' mailbox keys: on the pool.
        handlers.put(ClientFrame.BodyCase.SEND, (session, frame) -> send(session, frame.getRequestId(), frame.getSend()));
        handlers.put(ClientFrame.BodyCase.ACK, RequestHandler.nonBlocking(frame -> true, this::ack));
        handlers.put(ClientFrame.BodyCase.SUBMIT_COMMIT, this::submitCommit);
    }

    private void send(Session session, long id, Send send) {
        refuseWhileNotTakingWork();
        if (send.getSealed()) {
            VerifiedToken token = verifiedToken(id, send);
            Fanout fanout = fanout(session, id, send, false);
            // Spent even when no named device exists: the token paid for the attempt.
            write(new Delivery(fanout.envelopes(), tokens.spend(token, null)),
                    outcome -> answerSend(session, id, send.getMessageId(), fanout.skipped(), outcome));
            return;
        }
        refuseTokenOnUnsealed(id, send);
        Fanout fanout = fanout(session, id, send, false);
        checkRate(session);
        checkUnsealedRecipients(session, fanout.envelopes());
        write(new Delivery(fanout.envelopes()), outcome -> answerSend(session, id, send.getMessageId(), fanout.skipped(), outcome));
    }

    private void checkRate(Session session) {
        if (!limits.perSender().tryAcquire(session.signedIn().account())) {
            throw RequestFailure.rateLimited("your account is sending too fast; slow down", limits.perSenderRetry());
        }
    }

    /**
     * An unsealed send reaches only accounts that accept them, and each account only at the rate
     * its inbound limit allows. The accounts are those that own the named devices, whatever account
     * the send names, so naming another account cannot get around either check. The sender's own
     * devices are not counted against its inbound limit.
     */
    private void checkUnsealedRecipients(Session session, List<NewEnvelope> envelopes) {
        Set<DeviceId> devices = new LinkedHashSet<>();
        envelopes.forEach(envelope -> devices.add(envelope.recipient()));
        if (devices.isEmpty()) {
            return;
        }
        List<DeviceOwner> owners = accounts.ownersOf(devices);
        AccountId sender = session.signedIn().account();
        for (DeviceOwner owner : owners) {
            if (owner.sealedOnly() && !owner.account().equals(sender)) {
                throw new RequestFailure(ErrorCode.ACCESS_DENIED,
                        "a recipient accepts sealed sends only: send sealed, with the recipient's access key");
            }
        }
        for (DeviceOwner owner : owners) {
            if (!owner.account().equals(sender) && !limits.perRecipient().tryAcquire(owner.account())) {
                throw RequestFailure.rateLimited("a recipient is receiving too many unsealed messages; nothing was stored, "
                        + "send again later", limits.perRecipientRetry());
            }
        }
    }

    /** A token shown on the signed-in connection would be linked to the account: never accepted there. */
    private static void refuseTokenOnUnsealed(long id, Send send) {
        if (send.hasToken()) {
            throw Fields.invalid(id, "a send token goes with a sealed send only, on the anonymous connection");
        }
    }

    /**
     * The send token of a sealed send, verified (parley.proto SendToken): malformed fields are a
     * violation, a token that is not valid now is refused.
     */
    private VerifiedToken verifiedToken(long id, Send send) {
        if (!send.hasToken()) {
            throw Fields.invalid(id, "a sealed send needs a send token (RequestSendTokens on the signed-in connection)");
        }
        SendToken token = send.getToken();
        byte[] message = Fields.exactly(id, "token.message", token.getMessage(), TokenAuthority.MESSAGE_BYTES);
        byte[] signature = Fields.exactly(id, "token.signature", token.getSignature(), TokenAuthority.blindedMessageBytes());
        try {
            return tokens.verify(token.getDay(), message, signature);
        } catch (InvalidSendTokenException invalid) {
            throw new RequestFailure(ErrorCode.ACCESS_DENIED, invalid.getMessage());
        }
    }

    /** Queues a delivery for the writer; {@code done} runs on the writer thread, with null if the store failed. */
    private void write(Delivery delivery, Consumer<DeliveryOutcome> done) {
        refuseWhileNotTakingWork(); // again: the bus may have gone while the send was checked
        if (!writer.submit(new MailboxWriter.Send(delivery, done))) {
            throw RequestFailure.rateLimited("the server is busy; nothing was stored, retry shortly", BUSY_RETRY);
        }
    }

    /** Before any store read or token check: a node without its bus or database refuses, to be retried. */
    private void refuseWhileNotTakingWork() {
        Optional<String> refusal = notTakingWork.get();
        if (refusal.isPresent()) {
            throw RequestFailure.rateLimited("this server node takes no new messages now (" + refusal.get()
                    + "); nothing was stored, retry shortly", UNAVAILABLE_RETRY);
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


    /** Runs on the writer thread once the delivery is stored or refused. */
    private void answerSend(Session session, long id, ByteString messageId, Set<DeviceId> skipped, DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Stored stored) {
            session.reply(id, ServerFrame.newBuilder().setSendAccepted(SendAccepted.newBuilder().setMessageId(messageId)
                    .addAllUnknownDeviceIds(unknown(skipped, stored))));
            metrics.sendAccepted(stored.envelopes().size()); // the writer already announced the copies
        } else if (outcome instanceof DeliveryOutcome.Rejected rejected && rejected.reason() instanceof MailboxFullException full) {
            session.fail(id, ErrorCode.MAILBOX_FULL, full.getMessage(), MAILBOX_FULL_RETRY);
        } else if (outcome instanceof DeliveryOutcome.Rejected rejected && rejected.reason() instanceof SpentTokenException spent) {
            session.fail(id, ErrorCode.ACCESS_DENIED, spent.getMessage());
        } else {
            // The batch's transaction failed (a database session ended, a node's lock holder died): rolled
            // back, token spend included, so the same send can go again; clients retry a limit by themselves.
            session.fail(id, ErrorCode.RATE_LIMITED, "the server could not store the message; nothing was stored, retry shortly",
                    UNAVAILABLE_RETRY);
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
            throw RequestFailure.rateLimited("the server is busy; acknowledge again shortly", BUSY_RETRY);
        }
    }

    /**
     * RFC 9750 section 5.2: the commit for epoch e wins only while the group is at e, and only
     * from a member of epoch e (signed with epoch e's commit key, parley.proto SubmitCommit). The
     * epoch change, the Welcome and the fan-out are written in one transaction, and the one answer
     * (CommitResult, or an error when nothing changed) is sent once that transaction is durable.
     */
    private void submitCommit(Session session, ClientFrame frame) {
        refuseWhileNotTakingWork();
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
        boolean sealed = request.getSend().getSealed();
        if (request.hasWelcome() && (request.getWelcome().getSealed() != sealed || request.getWelcome().hasToken())) {
            throw Fields.invalid(id, "a commit's welcome is sealed exactly when its send is, and never carries a token: "
                    + "the token on send pays for both");
        }
        if (!sealed) {
            refuseTokenOnUnsealed(id, request.getSend());
        }
        VerifiedToken token = sealed ? verifiedToken(id, request.getSend()) : null;
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
        if (!sealed) {
            checkRate(session);
            checkUnsealedRecipients(session, envelopes);
        }
        byte[] signed = CommitAuthority.signedContent(groupId, epoch, request.getSend().getPayload().toByteArray(),
                request.hasWelcome() ? request.getWelcome().getPayload().toByteArray() : new byte[0], nextEpochKey);
        GroupCommit commit = verifiedBeforeTheWriter(new GroupCommit(RoutingId.of(groupId), epoch,
                CommitId.of(request.getSend().getMessageId().toByteArray()), request.getNextEpochKey(),
                UnsafeByteOperations.unsafeWrap(signed), request.getSignature()));
        Precondition epochChange = groups.commit(commit);
        write(new Delivery(envelopes, sealed ? tokens.spend(token, epochChange) : epochChange),
                outcome -> answerCommit(session, id, epoch, skipped, outcome));
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
            metrics.sendAccepted(stored.envelopes().size()); // the writer already announced the copies
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
            session.fail(id, ErrorCode.MAILBOX_FULL, full.getMessage() + " The group did not change.", MAILBOX_FULL_RETRY);
        } else if (reason instanceof SpentTokenException spent) {
            session.fail(id, ErrorCode.ACCESS_DENIED, spent.getMessage() + "; the group did not change");
        } else {
            session.fail(id, ErrorCode.INTERNAL, "the server could not store the commit; the group did not change, commit again");
        }
    }
}
