package org.parley.client.net;

import com.google.protobuf.ByteString;
import org.parley.protocol.v1.Authenticate;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Signs a fresh connection in: the device's signature over the server's challenge, and the server's answer checked. */
final class SignIn {
    private SignIn() {
    }

    /**
     * Sends Authenticate and waits for the answer; on any failure the connection is closed and the
     * failure thrown.
     *
     * @throws ServerException     when the server refuses this device (removed, or a bad signature)
     * @throws ConnectionException when no answer comes within the timeout
     */
    static void authenticate(Connection connection, Session.Credentials credentials, Duration timeout, Endpoint endpoint) {
        try {
            ServerFrame answer = connection.request(ClientFrame.newBuilder().setAuthenticate(Authenticate.newBuilder()
                    .setAccountId(ByteString.copyFrom(credentials.accountId()))
                    .setDeviceId(ByteString.copyFrom(credentials.deviceId()))
                    .setSignature(ByteString.copyFrom(credentials.signChallenge(connection.challenge())))))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (answer.hasError()) {
                throw ServerException.of(answer.getError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.close();
            throw new ConnectionException("interrupted while signing in");
        } catch (ExecutionException | TimeoutException e) {
            connection.close();
            throw new ConnectionException("signing in to " + endpoint + " failed: " + e, e);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }
}
