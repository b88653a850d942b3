package org.parley.server.requests;

import com.google.protobuf.ByteString;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BiConsumer;

/** {@link PendingLinkStore} of a single node: in memory only ({@link PendingLinks}), approvals handed over at once. */
final class MemoryPendingLinks implements PendingLinkStore {
    private final PendingLinks<LinkWaiter> links;
    private final BiConsumer<LinkWaiter, Approval> onApproved;

    MemoryPendingLinks(Duration validity, int maxPending, Clock clock, BiConsumer<LinkWaiter, Approval> onApproved) {
        this.links = new PendingLinks<>(validity, maxPending, clock, LinkWaiter::waiting);
        this.onApproved = onApproved;
    }

    @Override
    public Instant add(String code, LinkWaiter waiter, ByteString identityKey, ByteString provisioningKey) {
        PendingLinks.Pending<LinkWaiter> pending = links.add(code, waiter, identityKey, provisioningKey);
        return pending == null ? null : pending.expires();
    }

    @Override
    public Optional<Keys> peek(String canonicalCode) {
        return Optional.ofNullable(links.peek(canonicalCode)).map(p -> new Keys(p.identityKey(), p.provisioningKey()));
    }

    @Override
    public Optional<Taken> take(String canonicalCode) {
        return Optional.ofNullable(links.take(canonicalCode)).map(p -> new Taken(p.identityKey(), p.waiter().mailboxKey(),
                approval -> onApproved.accept(p.waiter(), approval)));
    }

    @Override
    public void deliverApprovals() {
        // every waiter is on this node and got its approval at once
    }

    @Override
    public void evictStale() {
        links.evictStale();
    }
}
