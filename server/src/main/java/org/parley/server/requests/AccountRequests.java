package org.parley.server.requests;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.Authenticate;
import org.parley.protocol.v1.ApproveLink;
import org.parley.protocol.v1.Authenticated;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Device;
import org.parley.protocol.v1.DeviceList;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.LinkApproved;
import org.parley.protocol.v1.LinkPending;
import org.parley.protocol.v1.LinkRequested;
import org.parley.protocol.v1.Ok;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.RequestLink;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.DeviceLimitException;
import org.parley.server.accounts.DeviceRecord;
import org.parley.server.accounts.InvalidInviteCodeException;
import org.parley.server.accounts.InvalidUsernameException;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.accounts.UsernameTakenException;
import org.parley.server.bus.MessageBus;
import org.parley.server.mailbox.MailboxStore;
import org.parley.server.metrics.Metrics;
import org.parley.server.ratelimit.Limiters;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.ratelimit.Network;
import org.parley.server.session.DeliveryStream;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;
import org.parley.server.session.SessionRegistry;
import org.parley.server.session.SignedIn;
import org.parley.server.storage.Database;
import org.parley.server.transport.ProtocolViolation;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Accounts and devices: registration (rate-limited per source address, optionally by invite),
 * sign-in by challenge signature, device linking (a new device's code, inspected and approved by a
 * signed-in device, which sends the new device its provisioning message through the server),
 * listing and removing devices, and replacing the sealed-sender access key. Every new device names
 * its mailbox key (Register, RequestLink), to which the server seals all mail it stores for the
 * device; a sign-in may replace it (Authenticate). A successful sign-in
 * starts the device's mail delivery.
 */
public final class AccountRequests {
    static final Duration LINK_CODE_VALIDITY = Duration.ofMinutes(10);
    /** Link codes one account may inspect or approve per hour: plenty for people, far too few to guess one. */
    static final int LINK_LOOKUPS_PER_HOUR = 30;
    /** Lookups of one code (known or not) over its validity, from all accounts together. */
    static final int LOOKUPS_PER_CODE = 10;
    /** Devices one account may have, as Signal allows: a sixth link is refused. */
    public static final int MAX_DEVICES_PER_ACCOUNT = 5;
    /** Length of a provisioning key: an X25519 public key (RFC 7748). */
    static final int PROVISIONING_KEY_BYTES = 32;
    /** Largest provisioning message the server forwards. */
    static final int MAX_PROVISIONING_BYTES = 4096;
    private static final String UNKNOWN_LINK_CODE =
            "unknown, used or expired link code: run 'parley link' on the new device again and type the code it prints";
    private static final int MAX_SECRET_BYTES = 64;
    /** Bounds the memory of waiting link requests; each source address is rate-limited too. */
    private static final int MAX_PENDING_LINKS = 10_000;

    private final AccountStore accounts;
    private final MailboxStore mailbox;
    private final MessageBus bus;
    private final Executor storePool;
    private final Metrics metrics;
    private final boolean inviteOnly;
    /** Keyed by the client's network (IPv4 address, IPv6 /64): never stored raw or logged (see {@link Limiters}). */
    private final RateLimiter<Network> registrations;
    private final SessionRegistry sessions;
    private final SecureRandom random;
    private final PendingLinkStore pendingLinks;
    /** Keyed by account. */
    private final RateLimiter<AccountId> linkLookups;
    /** Keyed by the SHA-256 of the canonical code. */
    private final RateLimiter<ByteBuffer> codeLookups;
    /** Serialises the device count check with the addition, per account (striped). */
    private final Object[] deviceLocks = new Object[64];

    /**
     * @param registrations limits both registrations and link requests per client network: each
     *                      makes the server hold state for someone not yet known
     * @param sharedDatabase the PostgreSQL database that nodes share, where pending device links
     *                       are kept so that any node approves them; null on a single node, which
     *                       keeps them in memory
     */
    public AccountRequests(AccountStore accounts, MailboxStore mailbox, MessageBus bus, Executor storePool,
                           Metrics metrics, boolean inviteOnly, RateLimiter<Network> registrations, Limiters limiters,
                           Database sharedDatabase, SessionRegistry sessions, SecureRandom random, Clock clock) {
        this.accounts = accounts;
        this.mailbox = mailbox;
        this.bus = bus;
        this.storePool = storePool;
        this.metrics = metrics;
        this.inviteOnly = inviteOnly;
        this.registrations = registrations;
        this.linkLookups = limiters.perHour("link-lookups", LINK_LOOKUPS_PER_HOUR, AccountId::bytes);
        this.codeLookups = limiters.rate("code-lookups", (double) LOOKUPS_PER_CODE / LINK_CODE_VALIDITY.toSeconds(), LOOKUPS_PER_CODE,
                ByteBuffer::array);
        for (int i = 0; i < deviceLocks.length; i++) {
            deviceLocks[i] = new Object();
        }
        this.sessions = sessions;
        this.random = random;
        BiConsumer<LinkWaiter, PendingLinkStore.Approval> signInLinked = (waiter, approval) -> signIn(waiter.session(), 0,
                approval.account(), approval.device(), approval.username(), approval.provisioning());
        this.pendingLinks = sharedDatabase == null
                ? new MemoryPendingLinks(LINK_CODE_VALIDITY, MAX_PENDING_LINKS, clock, signInLinked)
                : new JdbcPendingLinks(sharedDatabase, LINK_CODE_VALIDITY, MAX_PENDING_LINKS, clock, signInLinked);
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.REGISTER, this::register);
        handlers.put(ClientFrame.BodyCase.AUTHENTICATE, this::authenticate);
        handlers.put(ClientFrame.BodyCase.REQUEST_LINK, this::requestLink);
        handlers.put(ClientFrame.BodyCase.INSPECT_LINK, this::inspectLink);
        handlers.put(ClientFrame.BodyCase.APPROVE_LINK, this::approveLink);
        handlers.put(ClientFrame.BodyCase.SET_ACCESS_KEY, this::setAccessKey);
        handlers.put(ClientFrame.BodyCase.LIST_DEVICES, this::listDevices);
        handlers.put(ClientFrame.BodyCase.REMOVE_DEVICE, this::removeDevice);
    }

    /** Forgets the link lookup counts that have refilled; the registrations limiter is the caller's. */
    public void evictIdle() {
        linkLookups.evictIdle();
        codeLookups.evictIdle();
        pendingLinks.evictStale();
    }

    /** Signs in this node's waiting devices that were approved on another node (run a few times a second). */
    public void deliverLinkApprovals() {
        pendingLinks.deliverApprovals();
    }

    private void register(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        Register request = frame.getRegister();
        byte[] identityKey = Fields.exactly(id, "identity_key", request.getIdentityKey(), Limits.IDENTITY_KEY_BYTES);
        byte[] mailboxKey = mailboxKey(id, request.getMailboxKey());
        byte[] accessKey = request.getAccessKey().isEmpty() ? null : Fields.between(id, "access_key",
                request.getAccessKey(), Limits.MIN_ACCESS_KEY_BYTES, Limits.MAX_ACCESS_KEY_BYTES);
        Username username;
        try {
            username = Username.parse(request.getUsername());
        } catch (InvalidUsernameException e) {
            throw Fields.invalid(id, e.getMessage());
        }
        requireSignature(id, identityKey, session, request.getSignature());
        byte[] invite = null;
        if (inviteOnly) {
            invite = Fields.hexOrNull(request.getInviteCode(), MAX_SECRET_BYTES);
            if (invite == null) {
                throw new RequestFailure(ErrorCode.INVITE_REQUIRED,
                        "this server registers by invitation only: ask its operator for a code (parley admin invite)");
            }
        }
        limitSource(session, "registrations");
        Registration registration;
        try {
            registration = accounts.register(username, identityKey, mailboxKey, accessKey, invite);
        } catch (UsernameTakenException e) {
            throw new RequestFailure(ErrorCode.USERNAME_TAKEN, e.getMessage());
        } catch (InvalidInviteCodeException e) {
            throw new RequestFailure(ErrorCode.INVITE_REQUIRED, e.getMessage());
        }
        signIn(session, id, registration.account(), registration.device());
    }

    /** A device's mailbox key: every device must send one, as all stored mail is sealed to it. */
    private static byte[] mailboxKey(long id, ByteString key) {
        if (!MailboxSeal.isValidPublicKey(key.toByteArray())) {
            throw Fields.invalid(id, "mailbox_key must be the device's X25519 public key (" + MailboxSeal.KEY_BYTES
                    + " bytes, not all zero), got " + key.size() + " bytes");
        }
        return key.toByteArray();
    }

    private void limitSource(Session session, String what) {
        InetAddress source = session.sourceAddress();
        if (source == null) {
            return;
        }
        Duration wait = registrations.acquire(Network.of(source));
        if (!wait.isZero()) {
            throw RequestFailure.rateLimited("too many " + what + " from your network; try again in "
                    + minutes(wait) + " min", wait);
        }
    }

    private static long minutes(Duration wait) {
        return Math.max(1, (wait.toSeconds() + 59) / 60);
    }

    private void authenticate(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        Authenticate request = frame.getAuthenticate();
        AccountId account = AccountId.of(Fields.exactly(id, "account_id", request.getAccountId(), Limits.ACCOUNT_ID_BYTES));
        DeviceId deviceId = DeviceId.of(Fields.exactly(id, "device_id", request.getDeviceId(), Limits.DEVICE_ID_BYTES));
        byte[] newMailboxKey = request.getMailboxKey().isEmpty() ? null : mailboxKey(id, request.getMailboxKey());
        Optional<DeviceRecord> device = accounts.device(deviceId).filter(d -> d.account().equals(account));
        // One answer for "no such device" and "wrong signature", so probing reveals nothing.
        if (device.isEmpty() || !IdentityProof.verify(device.get().identityPublicKey().toByteArray(), session.challenge(),
                request.getSignature().toByteArray())) {
            throw new ProtocolViolation(id, ErrorCode.BAD_SIGNATURE, "unknown device or wrong signature of the challenge");
        }
        if (newMailboxKey != null && !Arrays.equals(newMailboxKey, keyBytes(device.get().mailboxKey()))) {
            accounts.setMailboxKey(deviceId, newMailboxKey);
        }
        signIn(session, id, account, deviceId);
    }

    /** A new device asks to join an account: it gets a code to approve on a signed-in device, and waits. */
    private void requestLink(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        RequestLink request = frame.getRequestLink();
        byte[] identityKey = Fields.exactly(id, "identity_key", request.getIdentityKey(), Limits.IDENTITY_KEY_BYTES);
        Fields.exactly(id, "provisioning_key", request.getProvisioningKey(), PROVISIONING_KEY_BYTES);
        byte[] mailboxKey = mailboxKey(id, request.getMailboxKey());
        requireSignature(id, identityKey, session, request.getSignature());
        limitSource(session, "link requests");
        String code = DeviceLinkCode.generate(random);
        Instant expires = pendingLinks.add(code, new LinkWaiter(session, mailboxKey), request.getIdentityKey(), request.getProvisioningKey());
        if (expires == null) {
            throw RequestFailure.rateLimited("too many devices are waiting to be linked; try again in a few minutes",
                    Duration.ofMinutes(1));
        }
        session.reply(id, ServerFrame.newBuilder().setLinkRequested(LinkRequested.newBuilder()
                .setCode(code).setExpiresAt(expires.toEpochMilli())));
    }

    /**
     * A signed-in device fetches the keys of the device waiting with a code, to compare them with
     * the fingerprint the new device shows before approving. The code stays valid. Lookups are
     * limited per account, so that codes cannot be found by trying.
     */
    private void inspectLink(Session session, ClientFrame frame) {
        PendingLinkStore.Keys pending = pendingLinks.peek(linkCode(session, frame.getInspectLink().getCode()))
                .orElseThrow(() -> new RequestFailure(ErrorCode.ACCESS_DENIED, UNKNOWN_LINK_CODE));
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setLinkPending(LinkPending.newBuilder()
                .setIdentityKey(pending.identityKey()).setProvisioningKey(pending.provisioningKey())));
    }

    /**
     * A signed-in device approves a waiting device's code: that device joins this account, is
     * signed in, and receives the approver's provisioning message, which the server cannot read.
     */
    private void approveLink(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        ApproveLink request = frame.getApproveLink();
        if (request.getProvisioning().size() > MAX_PROVISIONING_BYTES) {
            throw Fields.invalid(id, "provisioning must be at most " + MAX_PROVISIONING_BYTES + " bytes, got "
                    + request.getProvisioning().size());
        }
        String code = linkCode(session, request.getCode());
        AccountId account = session.signedIn().account();
        DeviceRecord device;
        PendingLinkStore.Taken pending;
        synchronized (deviceLocks[Math.floorMod(account.hashCode(), deviceLocks.length)]) {
            // Checked before the code is taken: after an unlink, the same code still works.
            if (accounts.devices(account).size() >= MAX_DEVICES_PER_ACCOUNT) {
                throw tooManyDevices();
            }
            pending = pendingLinks.take(code).orElseThrow(() -> new RequestFailure(ErrorCode.ACCESS_DENIED, UNKNOWN_LINK_CODE));
            try {
                // Counted again with the insert: another node may have added a device since.
                device = accounts.addDevice(account, pending.identityKey().toByteArray(), pending.mailboxKey(), MAX_DEVICES_PER_ACCOUNT);
            } catch (DeviceLimitException e) {
                throw tooManyDevices();
            }
        }
        String username = accounts.account(device.account()).orElseThrow().username().value();
        session.reply(id, ServerFrame.newBuilder().setLinkApproved(LinkApproved.newBuilder()
                .setDeviceId(UnsafeByteOperations.unsafeWrap(device.id().bytes()))));
        pending.deliver().accept(new PendingLinkStore.Approval(device.account(), device.id(), username, request.getProvisioning()));
    }

    private static RequestFailure tooManyDevices() {
        return new RequestFailure(ErrorCode.ACCESS_DENIED, "your account already has " + MAX_DEVICES_PER_ACCOUNT
                + " devices, the most this server allows: remove one with 'parley unlink DEVICE' (see 'parley devices'), "
                + "then approve this code again");
    }

    /**
     * The canonical form of a typed link code, after the account's and the code's lookup
     * allowances are checked (a code nobody is waiting with costs the same as a real one).
     */
    private String linkCode(Session session, String typed) {
        Duration wait = linkLookups.acquire(session.signedIn().account());
        if (!wait.isZero()) {
            throw RequestFailure.rateLimited("too many link codes tried from your account; try again in " + minutes(wait) + " min", wait);
        }
        String code;
        try {
            code = DeviceLinkCode.canonical(typed);
        } catch (IllegalArgumentException e) {
            throw new RequestFailure(ErrorCode.ACCESS_DENIED, "not a link code (" + e.getMessage() + ")");
        }
        wait = codeLookups.acquire(ByteBuffer.wrap(DeviceLinkCode.digest(code)));
        if (!wait.isZero()) {
            throw RequestFailure.rateLimited("that link code was tried too often; run 'parley link' on the new device again "
                    + "for a fresh code, or try again in " + minutes(wait) + " min", wait);
        }
        return code;
    }

    /** Replaces the account's sealed-sender access key: sealed sends with the old one are refused from now on. */
    private void setAccessKey(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        byte[] accessKey = Fields.between(id, "access_key", frame.getSetAccessKey().getAccessKey(),
                Limits.MIN_ACCESS_KEY_BYTES, Limits.MAX_ACCESS_KEY_BYTES);
        accounts.setAccessKey(session.signedIn().account(), accessKey);
        session.reply(id, ServerFrame.newBuilder().setOk(Ok.getDefaultInstance()));
    }

    private void listDevices(Session session, ClientFrame frame) {
        DeviceList.Builder list = DeviceList.newBuilder();
        for (DeviceRecord device : accounts.devices(session.signedIn().account())) {
            list.addDevices(Device.newBuilder().setDeviceId(UnsafeByteOperations.unsafeWrap(device.id().bytes()))
                    .setIdentityKey(device.identityPublicKey())
                    .setCreatedDay(device.created().toEpochDay()));
        }
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setDeviceList(list));
    }

    private void removeDevice(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        DeviceId device = DeviceId.of(Fields.exactly(id, "device_id", frame.getRemoveDevice().getDeviceId(), Limits.DEVICE_ID_BYTES));
        if (!accounts.removeDevice(session.signedIn().account(), device)) {
            throw new RequestFailure(ErrorCode.NOT_FOUND, "your account has no device " + device);
        }
        session.reply(id, ServerFrame.newBuilder().setOk(Ok.getDefaultInstance()));
        sessions.closeDevice(device); // a removed device keeps no live connection, on this node
        bus.deviceRemoved(device); // nor on the others
    }

    private static byte[] keyBytes(ByteString key) {
        return key == null ? null : key.toByteArray();
    }

    private void requireSignature(long id, byte[] identityKey, Session session, ByteString signature) {
        if (!IdentityProof.verify(identityKey, session.challenge(), signature.toByteArray())) {
            throw new ProtocolViolation(id, ErrorCode.BAD_SIGNATURE,
                    "the signature does not verify: sign \"parley-v1-auth\" followed by this connection's challenge with identity_key");
        }
    }

    private void signIn(Session session, long requestId, AccountId account, DeviceId device) {
        signIn(session, requestId, account, device, "", ByteString.EMPTY);
    }

    /**
     * {@code username} and {@code provisioning} are set only for a linked device, which did not
     * know its account and receives the approving device's provisioning message (else empty).
     */
    private void signIn(Session session, long requestId, AccountId account, DeviceId device, String username, ByteString provisioning) {
        accounts.recordConnection(device);
        DeliveryStream delivery = new DeliveryStream(session.channel(), device, bus, mailbox, storePool, metrics);
        session.signIn(new SignedIn(account, device), delivery);
        // The answer is queued before the first pushed envelope.
        session.reply(requestId, ServerFrame.newBuilder().setAuthenticated(Authenticated.newBuilder()
                .setAccountId(UnsafeByteOperations.unsafeWrap(account.bytes()))
                .setDeviceId(UnsafeByteOperations.unsafeWrap(device.bytes())).setUsername(username).setProvisioning(provisioning)));
        delivery.start();
    }
}
