package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * New devices waiting for a signed-in device to approve their link code, keyed by the SHA-256 of
 * the code. {@link MemoryPendingLinks} holds them on a single node; {@link JdbcPendingLinks} in
 * PostgreSQL, so that a code shown by a device connected to one node is approved on any other.
 */
interface PendingLinkStore {

    /** The keys a signed-in device compares with the new device's fingerprint before approving. */
    record Keys(ByteString identityKey, ByteString provisioningKey) {
    }

    /** What an approval tells the waiting device: its account and id, the account's username, the approver's message. */
    record Approval(AccountId account, DeviceId device, String username, ByteString provisioning) {
        @Override
        public String toString() {
            return "Approval[(hidden)]";
        }
    }

    /** A code taken for approval: the new device's keys, and how to hand it the approval wherever it waits. */
    record Taken(ByteString identityKey, byte[] mailboxKey, Consumer<Approval> deliver) {
        @Override
        public String toString() {
            return "Taken[(hidden)]";
        }
    }

    /** Remembers {@code waiter} under a fresh code and returns when the code expires; null when too many devices are waiting. */
    Instant add(String code, LinkWaiter waiter, ByteString identityKey, ByteString provisioningKey);

    /** The keys of the still valid request for {@code canonicalCode}, left in place for {@link #take}. */
    Optional<Keys> peek(String canonicalCode);

    /** Removes the still valid request for {@code canonicalCode}, for its approval. */
    Optional<Taken> take(String canonicalCode);

    /** Hands this node's waiting devices the approvals other nodes wrote for them; a single node has none. */
    void deliverApprovals();

    /** Forgets expired requests and those whose device went away. */
    void evictStale();
}
