package org.parley.bench.spam;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.parley.bench.load.parley.DeviceKeys;
import org.parley.bench.load.parley.ParleyConnection;
import org.parley.bench.load.parley.ParleyEndpoint;
import org.parley.bench.load.parley.SendTokenWallet;
import org.parley.bench.load.parley.ServerRefusal;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.ServerFrame;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One account of the spam wave (honest user or bot): a device registered over its signed-in
 * connection with fresh keys, optionally an anonymous connection and a wallet of send tokens.
 * Every copy delivered to it is acknowledged and opened with its mailbox key, and the opened
 * payload handed to {@code onDelivered} (null when it did not open).
 */
final class SpamAccount {

    private final DeviceKeys keys;
    private final SendTokenWallet wallet;
    private final ParleyConnection signedIn;
    private volatile ParleyConnection anonymous;
    private volatile RecipientAccount address;
    private final AtomicBoolean toppingUp = new AtomicBoolean();

    private SpamAccount(DeviceKeys keys, SecureRandom random, ParleyConnection signedIn) {
        this.keys = keys;
        this.wallet = new SendTokenWallet(random);
        this.signedIn = signedIn;
    }

    /**
     * Connects from {@code source} and registers {@code username} (with {@code inviteCode} on an
     * invite-only server); fails with a {@link ServerRefusal} when the server refuses.
     */
    static CompletableFuture<SpamAccount> register(ParleyEndpoint endpoint, EventLoopGroup group, Class<? extends Channel> channelClass,
                                                   InetAddress source, String username, String inviteCode,
                                                   SecureRandom random, Consumer<byte[]> onDelivered) {
        DeviceKeys keys = new DeviceKeys(random);
        SpamAccount[] self = new SpamAccount[1];
        return ParleyConnection.open(endpoint, group, channelClass, source, frame -> {
                    if (frame.hasDeliver() && self[0] != null) {
                        self[0].delivered(frame, onDelivered);
                    }
                })
                .thenCompose(connection -> {
                    self[0] = new SpamAccount(keys, random, connection);
                    return connection.request(ClientFrame.newBuilder().setRegister(keys.register(username, connection.challenge(), inviteCode)));
                })
                .thenApply(answer -> {
                    if (!answer.hasAuthenticated()) {
                        self[0].close();
                        throw new CompletionException(new ServerRefusal("Register", answer.getError()));
                    }
                    self[0].address = RecipientAccount.newBuilder().setAccountId(answer.getAuthenticated().getAccountId())
                            .addDeviceIds(answer.getAuthenticated().getDeviceId()).build();
                    return self[0];
                });
    }

    private void delivered(ServerFrame frame, Consumer<byte[]> onDelivered) {
        signedIn.post(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(frame.getDeliver().getEnvelopeId())).build());
        signedIn.flush();
        byte[] opened;
        try {
            opened = keys.openDelivered(frame.getDeliver().getPayload());
        } catch (IllegalArgumentException e) {
            opened = null;
        }
        onDelivered.accept(opened);
    }

    /** Opens the anonymous connection (from the signed-in one's source address) and fills the wallet with {@code tokens}. */
    CompletableFuture<Integer> goAnonymous(ParleyEndpoint endpoint, int tokens) {
        Channel channel = signedIn.channel();
        InetAddress source = ((InetSocketAddress) channel.localAddress()).getAddress();
        return ParleyConnection.open(endpoint, channel.eventLoop(), channel.getClass(), source, frame -> {
        }).thenCompose(connection -> {
            anonymous = connection;
            return fillTokens(tokens);
        });
    }

    CompletableFuture<Integer> fillTokens(int tokens) {
        return wallet.fill(signedIn::request, anonymous, tokens);
    }

    /**
     * Fetches {@code batch} more tokens in the background when at most {@code lowWater} are left
     * and no fetch is under way; a refusal goes to {@code onFailure}.
     */
    void topUp(int lowWater, int batch, Consumer<Throwable> onFailure) {
        if (wallet.size() > lowWater || !toppingUp.compareAndSet(false, true)) {
            return;
        }
        fillTokens(batch).whenComplete((added, failure) -> {
            toppingUp.set(false);
            if (failure != null) {
                onFailure.accept(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
            }
        });
    }

    SendTokenWallet wallet() {
        return wallet;
    }

    ParleyConnection signedIn() {
        return signedIn;
    }

    ParleyConnection anonymous() {
        return anonymous;
    }

    /** Its account and device as a Send names them, without an access key. */
    RecipientAccount address() {
        return address;
    }

    /** Its account and device with its access key at this moment, as its contacts know it. */
    RecipientAccount addressForContacts() {
        return address.toBuilder().setAccessKey(keys.accessKey()).build();
    }

    DeviceKeys keys() {
        return keys;
    }

    /** Takes {@code newKey} as the account's access key once the server confirmed it. */
    void accessKeyChanged(ByteString newKey) {
        keys.accessKey(newKey);
    }

    void close() {
        signedIn.close();
        ParleyConnection a = anonymous;
        if (a != null) {
            a.close();
        }
    }
}
