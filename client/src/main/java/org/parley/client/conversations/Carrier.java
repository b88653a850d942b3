package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.net.AnonymousConnection;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.tokens.NoTokenException;
import org.parley.client.tokens.TokenWallet;
import org.parley.mls.codec.Bytes;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Which connection a send or commit travels on (parley.proto, header): sealed ones on the
 * anonymous connection, each paid for with one send token, so the server cannot tell which account
 * sent them; unsealed ones on the signed-in session. When a sealed send is refused with
 * ACCESS_DENIED because a recipient rotated its access key, it goes unsealed instead (the server
 * then refuses it if that recipient accepts sealed mail only).
 *
 * <p>Every answer names the recipient devices the server no longer has (SendAccepted and
 * CommitResult {@code unknown_device_ids}). When one is a device of this account, another device
 * unlinked it and nobody has removed it from this group yet: the carrier tells its listener, which
 * removes it by the rules of {@code OwnDevices} (the server's word alone removes nothing that the
 * server's device list does not drop too).
 */
public final class Carrier {
    private static final Logger log = LoggerFactory.getLogger(Carrier.class);

    private final Session session;
    private final AnonymousConnection anonymous;
    private final TokenWallet wallet;
    private final ByteString ownAccount;
    private final Consumer<List<Bytes>> ownDevicesGone;

    /**
     * @param ownAccount     this device's account id
     * @param ownDevicesGone told, on the sending thread, the devices of {@code ownAccount} that a
     *                       send or commit named and the server no longer has; it should return quickly
     */
    public Carrier(Session session, AnonymousConnection anonymous, TokenWallet wallet, Bytes ownAccount,
                   Consumer<List<Bytes>> ownDevicesGone) {
        this.session = session;
        this.anonymous = anonymous;
        this.wallet = wallet;
        this.ownAccount = ByteString.copyFrom(ownAccount.asReadOnlyBuffer());
        this.ownDevicesGone = ownDevicesGone;
    }

    /**
     * Delivers one Send, as sealed as it says.
     *
     * @throws ServerException  when the server refuses it (RATE_LIMITED and MAILBOX_FULL say when to retry)
     * @throws NoTokenException when it is sealed and no send token can be had
     */
    void deliver(Send send) {
        ServerFrame answer;
        if (!send.getSealed()) {
            answer = session.call(ClientFrame.newBuilder().setSend(send));
        } else {
            try {
                answer = anonymous.call(ClientFrame.newBuilder().setSend(send.toBuilder().setToken(wallet.take())));
            } catch (ServerException e) {
                if (e.code() != ErrorCode.ACCESS_DENIED) {
                    throw e;
                }
                log.info("a sealed send was refused (an access key may have changed); sending it unsealed");
                answer = session.call(ClientFrame.newBuilder().setSend(unsealed(send)));
            }
        }
        noticeOwnDevicesGone(send, answer.getSendAccepted().getUnknownDeviceIdsList());
    }

    /**
     * Submits a commit, sealed when its fan-out is; every submission of a sealed commit spends a
     * fresh token (one lost with a dropped connection may have been spent). Error answers are
     * returned, not thrown, as {@link Session#exchange} does.
     *
     * @throws NoTokenException when it is sealed and no send token can be had
     */
    ServerFrame submitCommit(SubmitCommit.Builder submit) {
        ServerFrame answer = submitted(submit);
        noticeOwnDevicesGone(submit.getSend(), answer.getCommitResult().getUnknownDeviceIdsList());
        return answer;
    }

    private ServerFrame submitted(SubmitCommit.Builder submit) {
        Predicate<List<ServerFrame>> oneFrame = frames -> true;
        if (!submit.getSend().getSealed()) {
            return session.exchange(ClientFrame.newBuilder().setSubmitCommit(submit), oneFrame).get(0);
        }
        SubmitCommit.Builder paid = submit.clone();
        paid.setSend(paid.getSend().toBuilder().setToken(wallet.take()));
        ServerFrame answer = anonymous.exchange(ClientFrame.newBuilder().setSubmitCommit(paid), oneFrame).get(0);
        if (answer.hasError() && answer.getError().getCode() == ErrorCode.ACCESS_DENIED) {
            log.info("a sealed commit was refused (an access key may have changed); submitting it unsealed");
            SubmitCommit.Builder open = submit.clone().setSend(unsealed(submit.getSend()));
            if (submit.hasWelcome()) {
                open.setWelcome(unsealed(submit.getWelcome()));
            }
            return session.exchange(ClientFrame.newBuilder().setSubmitCommit(open), oneFrame).get(0);
        }
        return answer;
    }

    /** Tells the listener which of {@code unknown} the send addressed as devices of this account. */
    private void noticeOwnDevicesGone(Send send, List<ByteString> unknown) {
        if (unknown.isEmpty()) {
            return;
        }
        List<Bytes> own = send.getRecipientsList().stream().filter(r -> r.getAccountId().equals(ownAccount))
                .flatMap(r -> r.getDeviceIdsList().stream()).filter(unknown::contains).map(d -> Bytes.copyOf(d.toByteArray())).toList();
        if (!own.isEmpty()) {
            ownDevicesGone.accept(own);
        }
    }

    /** The same send for the signed-in connection: no token, no access keys. */
    static Send unsealed(Send send) {
        Send.Builder open = send.toBuilder().setSealed(false).clearToken().clearRecipients();
        for (RecipientAccount account : send.getRecipientsList()) {
            open.addRecipients(account.toBuilder().clearAccessKey());
        }
        return open.build();
    }
}
