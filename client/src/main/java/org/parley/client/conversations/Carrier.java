package org.parley.client.conversations;

import org.parley.client.net.AnonymousConnection;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.tokens.NoTokenException;
import org.parley.client.tokens.TokenWallet;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Predicate;

/**
 * Which connection a send or commit travels on (parley.proto, header): sealed ones on the
 * anonymous connection, each paid for with one send token, so the server cannot tell which account
 * sent them; unsealed ones on the signed-in session. When a sealed send is refused with
 * ACCESS_DENIED because a recipient rotated its access key, it goes unsealed instead (the server
 * then refuses it if that recipient accepts sealed mail only).
 */
public final class Carrier {
    private static final Logger log = LoggerFactory.getLogger(Carrier.class);

    private final Session session;
    private final AnonymousConnection anonymous;
    private final TokenWallet wallet;

    public Carrier(Session session, AnonymousConnection anonymous, TokenWallet wallet) {
        this.session = session;
        this.anonymous = anonymous;
        this.wallet = wallet;
    }

    /**
     * Delivers one Send, as sealed as it says.
     *
     * @throws ServerException  when the server refuses it (RATE_LIMITED and MAILBOX_FULL say when to retry)
     * @throws NoTokenException when it is sealed and no send token can be had
     */
    void deliver(Send send) {
        if (!send.getSealed()) {
            session.call(ClientFrame.newBuilder().setSend(send));
            return;
        }
        try {
            anonymous.call(ClientFrame.newBuilder().setSend(send.toBuilder().setToken(wallet.take())));
        } catch (ServerException e) {
            if (e.code() != ErrorCode.ACCESS_DENIED) {
                throw e;
            }
            log.info("a sealed send was refused (an access key may have changed); sending it unsealed");
            session.call(ClientFrame.newBuilder().setSend(unsealed(send)));
        }
    }

    /**
     * Submits a commit, sealed when its fan-out is; every submission of a sealed commit spends a
     * fresh token (one lost with a dropped connection may have been spent). Error answers are
     * returned, not thrown, as {@link Session#exchange} does.
     *
     * @throws NoTokenException when it is sealed and no send token can be had
     */
    ServerFrame submitCommit(SubmitCommit.Builder submit) {
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

    /** The same send for the signed-in connection: no token, no access keys. */
    static Send unsealed(Send send) {
        Send.Builder open = send.toBuilder().setSealed(false).clearToken().clearRecipients();
        for (RecipientAccount account : send.getRecipientsList()) {
            open.addRecipients(account.toBuilder().clearAccessKey());
        }
        return open.build();
    }
}
