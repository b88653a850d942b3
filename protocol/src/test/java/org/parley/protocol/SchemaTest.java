package org.parley.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaTest {

    @Test
    void sendFrameRoundTrips() throws Exception {
        ClientFrame frame = ClientFrame.newBuilder().setRequestId(7).setSend(Send.newBuilder()
                .setMessageId(ByteString.copyFrom(new byte[16]))
                .addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(new byte[16])).addDeviceIds(ByteString.copyFrom(new byte[] {1})).addDeviceIds(ByteString.copyFrom(new byte[] {2})))
                .setPayload(ByteString.copyFromUtf8("opaque"))).build();
        ClientFrame parsed = ClientFrame.parseFrom(frame.toByteArray());
        assertThat(parsed).isEqualTo(frame);
        assertThat(parsed.getBodyCase()).isEqualTo(ClientFrame.BodyCase.SEND);
        assertThat(parsed.getSend().getRecipients(0).getDeviceIdsList()).extracting(b -> b.byteAt(0)).containsExactly((byte) 1, (byte) 2);
    }

    @Test
    void truncatedFrameIsRejected() {
        byte[] bytes = ClientFrame.newBuilder().setRequestId(1).setSend(Send.newBuilder()
                .setPayload(ByteString.copyFrom(new byte[100]))).build().toByteArray();
        assertThatThrownBy(() -> ClientFrame.parseFrom(Arrays.copyOf(bytes, bytes.length - 10)))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }

    @Test
    void signedContentIsLabelThenChallenge() {
        byte[] nonce = new byte[Auth.CHALLENGE_LENGTH];
        Arrays.fill(nonce, (byte) 9);
        byte[] content = Auth.signedContent(nonce);
        assertThat(new String(content, 0, 14, StandardCharsets.US_ASCII)).isEqualTo("parley-v1-auth");
        assertThat(Arrays.copyOfRange(content, 14, content.length)).isEqualTo(nonce);
        assertThatThrownBy(() -> Auth.signedContent(new byte[5])).hasMessageContaining("32 bytes");
    }
}
