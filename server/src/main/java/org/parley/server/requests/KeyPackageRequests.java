package org.parley.server.requests;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClaimedKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.KeyPackageCount;
import org.parley.protocol.v1.Ok;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.UploadKeyPackages;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.AccountRecord;
import org.parley.server.accounts.AccountStore;
import org.parley.server.accounts.InvalidUsernameException;
import org.parley.server.accounts.Username;
import org.parley.server.keys.ClaimedKeyPackage;
import org.parley.server.keys.KeyPackageLimitException;
import org.parley.server.keys.KeyPackageStore;
import org.parley.server.ratelimit.Limiters;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The KeyPackage directory (RFC 9750 section 5.2): devices upload one-time packages and a last
 * resort; anyone signed in claims one package per device of an account, atomically; a device
 * asks how many it has left. Packages are opaque: the server never parses them.
 *
 * <p>Claims are rate-limited per claiming account (nobody sweeps usernames to learn who exists
 * and how many devices they have) and per target (nobody drains someone's packages, which would
 * leave only the last resort). An unknown username or account costs a claimer the same as a real
 * one and gets the same answer as an account without packages: the same limiter, the same error,
 * and a claim transaction of its own.
 */
public final class KeyPackageRequests {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NO_PACKAGES = "no key packages for that account (unknown, or none uploaded)";

    private final AccountStore accounts;
    private final KeyPackageStore keyPackages;
    /** Keyed by claiming account. */
    private final RateLimiter<AccountId> claimers;
    /** Keyed by the target's username (or its id when no account has it). */
    private final RateLimiter<Object> targets;

    public KeyPackageRequests(AccountStore accounts, KeyPackageStore keyPackages, Limiters limiters, int claimsPerHour,
                              int claimsPerTargetPerHour) {
        this.accounts = accounts;
        this.keyPackages = keyPackages;
        this.claimers = limiters.perHour("claims", claimsPerHour, AccountId::bytes);
        this.targets = limiters.perHour("claim-targets", claimsPerTargetPerHour, KeyPackageRequests::targetKey);
    }

    /** A username as "u" and its text, an account id as "a" and its bytes: one cannot pass for the other. */
    private static byte[] targetKey(Object target) {
        byte[] body = target instanceof AccountId id ? id.bytes()
                : ((Username) target).value().getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[body.length + 1];
        key[0] = (byte) (target instanceof AccountId ? 'a' : 'u');
        System.arraycopy(body, 0, key, 1, body.length);
        return key;
    }

    /** Forgets the claim counts that have refilled. */
    public void evictIdle() {
        claimers.evictIdle();
        targets.evictIdle();
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.UPLOAD_KEY_PACKAGES, this::upload);
        handlers.put(ClientFrame.BodyCase.CLAIM_KEY_PACKAGES, this::claim);
        handlers.put(ClientFrame.BodyCase.COUNT_KEY_PACKAGES, this::count);
    }

    private void upload(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        UploadKeyPackages request = frame.getUploadKeyPackages();
        if (request.getKeyPackagesCount() > KeyPackageStore.MAX_KEY_PACKAGES_PER_DEVICE) {
            throw Fields.invalid(id, "at most " + KeyPackageStore.MAX_KEY_PACKAGES_PER_DEVICE
                    + " key packages per upload, got " + request.getKeyPackagesCount());
        }
        List<byte[]> packages = new ArrayList<>(request.getKeyPackagesCount());
        for (int i = 0; i < request.getKeyPackagesCount(); i++) {
            packages.add(Fields.between(id, "key_packages[" + i + "]", request.getKeyPackages(i), 1, KeyPackageStore.MAX_KEY_PACKAGE_BYTES));
        }
        ByteString lastResort = request.getLastResort();
        if (packages.isEmpty() && lastResort.isEmpty()) {
            throw Fields.invalid(id, "an upload needs key_packages, a last_resort package, or both");
        }
        byte[] lastResortBytes = lastResort.isEmpty() ? null
                : Fields.between(id, "last_resort", lastResort, 1, KeyPackageStore.MAX_KEY_PACKAGE_BYTES);
        var device = session.signedIn().device();
        try {
            if (!packages.isEmpty()) {
                keyPackages.upload(device, packages);
            }
        } catch (KeyPackageLimitException e) {
            throw new RequestFailure(ErrorCode.INVALID_ARGUMENT, e.getMessage());
        }
        if (lastResortBytes != null) {
            keyPackages.setLastResort(device, lastResortBytes);
        }
        session.reply(id, ServerFrame.newBuilder().setOk(Ok.getDefaultInstance()));
    }

    private void claim(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        ClaimKeyPackages request = frame.getClaimKeyPackages();
        Object target = switch (request.getAccountCase()) {
            case ACCOUNT_ID -> AccountId.of(Fields.exactly(id, "account_id", request.getAccountId(), Limits.ACCOUNT_ID_BYTES));
            case USERNAME -> username(id, request.getUsername());
            case ACCOUNT_NOT_SET -> throw Fields.invalid(id, "name the account by username or account_id");
        };
        Duration wait = claimers.acquire(session.signedIn().account());
        if (!wait.isZero()) {
            throw RequestFailure.rateLimited("your account claimed too many key packages; try again in "
                    + seconds(wait) + " s", wait);
        }
        Optional<AccountRecord> account = target instanceof Username name ? accounts.findByUsername(name)
                : accounts.account((AccountId) target);
        // One bucket per account whichever way it is named; unknown names and ids get buckets of their own.
        wait = targets.acquire(account.<Object>map(AccountRecord::username).orElse(target));
        if (!wait.isZero()) {
            throw RequestFailure.rateLimited("too many claims of that account's key packages; try again in "
                    + seconds(wait) + " s", wait);
        }
        // An unknown account still costs a claim transaction, so that timing does not tell it apart.
        AccountId claimedAccount = account.map(AccountRecord::id).orElseGet(() -> AccountId.of(randomAccountId()));
        List<ClaimedKeyPackage> claimed = keyPackages.claim(claimedAccount);
        if (claimed.isEmpty()) {
            throw new RequestFailure(ErrorCode.NOT_FOUND, NO_PACKAGES);
        }
        ClaimedKeyPackages.Builder answer = ClaimedKeyPackages.newBuilder().setAccountId(UnsafeByteOperations.unsafeWrap(claimedAccount.bytes()));
        for (ClaimedKeyPackage each : claimed) {
            answer.addPackages(DeviceKeyPackage.newBuilder().setDeviceId(UnsafeByteOperations.unsafeWrap(each.device().bytes()))
                    .setKeyPackage(each.keyPackage()).setLastResort(each.lastResort()));
        }
        session.reply(id, ServerFrame.newBuilder().setClaimedKeyPackages(answer));
    }

    private static Username username(long id, String text) {
        try {
            return Username.parse(text);
        } catch (InvalidUsernameException e) {
            throw Fields.invalid(id, e.getMessage());
        }
    }

    private static byte[] randomAccountId() {
        byte[] bytes = new byte[Limits.ACCOUNT_ID_BYTES];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    private void count(Session session, ClientFrame frame) {
        int left = keyPackages.count(session.signedIn().device());
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setKeyPackageCount(KeyPackageCount.newBuilder().setCount(left)));
    }
}
