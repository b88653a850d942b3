package org.parley.server.requests;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Ok;
import org.parley.protocol.v1.RequestSendTokens;
import org.parley.protocol.v1.SendTokens;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.TokenKey;
import org.parley.protocol.v1.TokenKeys;
import org.parley.server.accounts.AccountStore;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;
import org.parley.server.tokens.DayKey;
import org.parley.server.tokens.TokenAuthority;
import org.parley.server.tokens.TokenQuotaException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an account controls about sealed sending: anonymous send tokens (RequestSendTokens on the
 * signed-in connection, GetTokenKeys on either) and its delivery policy (SetDeliveryPolicy).
 */
public final class TokenRequests {
    private final TokenAuthority tokens;
    private final AccountStore accounts;

    public TokenRequests(TokenAuthority tokens, AccountStore accounts) {
        this.tokens = tokens;
        this.accounts = accounts;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.REQUEST_SEND_TOKENS, this::requestSendTokens);
        handlers.put(ClientFrame.BodyCase.GET_TOKEN_KEYS, this::getTokenKeys);
        handlers.put(ClientFrame.BodyCase.SET_DELIVERY_POLICY, this::setDeliveryPolicy);
    }

    private void requestSendTokens(Session session, ClientFrame frame) {
        long id = frame.getRequestId();
        RequestSendTokens request = frame.getRequestSendTokens();
        int count = request.getBlindedMessagesCount();
        if (count < 1 || count > TokenAuthority.MAX_PER_REQUEST) {
            throw Fields.invalid(id, "ask for 1 to " + TokenAuthority.MAX_PER_REQUEST + " tokens at a time, got " + count);
        }
        int length = TokenAuthority.blindedMessageBytes();
        List<byte[]> blinded = new ArrayList<>(count);
        for (ByteString message : request.getBlindedMessagesList()) {
            blinded.add(Fields.exactly(id, "blinded_messages", message, length));
        }
        TokenAuthority.Issued issued;
        try {
            issued = tokens.issue(session.signedIn().account(), blinded);
        } catch (TokenQuotaException used) {
            throw RequestFailure.rateLimited(used.getMessage(), used.retryAfter());
        } catch (IllegalArgumentException notBelowModulus) {
            throw Fields.invalid(id, notBelowModulus.getMessage());
        }
        SendTokens.Builder answer = SendTokens.newBuilder().setKey(tokenKey(issued.key())).setLeftToday(issued.leftToday());
        issued.blindSignatures().forEach(signature -> answer.addBlindSignatures(UnsafeByteOperations.unsafeWrap(signature)));
        session.reply(id, ServerFrame.newBuilder().setSendTokens(answer));
    }

    private void getTokenKeys(Session session, ClientFrame frame) {
        TokenKeys.Builder keys = TokenKeys.newBuilder();
        tokens.acceptedKeys().forEach(key -> keys.addKeys(tokenKey(key)));
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setTokenKeys(keys));
    }

    private void setDeliveryPolicy(Session session, ClientFrame frame) {
        accounts.setSealedOnly(session.signedIn().account(), frame.getSetDeliveryPolicy().getSealedOnly());
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setOk(Ok.getDefaultInstance()));
    }

    private static TokenKey tokenKey(DayKey key) {
        return TokenKey.newBuilder().setDay(key.day()).setPublicKey(UnsafeByteOperations.unsafeWrap(key.encodedPublicKey())).build();
    }
}
