package org.parley.mls.extensions;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.credentials.BasicCredential;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TypedExtensionsTest {
    @Test
    void typedViewsRoundTripThroughTheirExtension() {
        List<Extension> list = List.of(
                new ApplicationId(Bytes.copyOf("device-7".getBytes())).toExtension(),
                new RequiredCapabilities(List.of(0xff00), List.of(0x0a0a), List.of(1)).toExtension(),
                new ExternalSenders(List.of(new ExternalSenders.ExternalSender(Bytes.fromHex("0909"),
                        new BasicCredential("ds".getBytes())))).toExtension());
        byte[] encoded = new TlsWriter().writeVector(list, (w, e) -> e.writeTo(w)).toByteArray();
        List<Extension> decoded = TlsReader.decodeExactly(encoded, Extension::decodeList, "extensions");
        assertThat(decoded).isEqualTo(list);

        assertThat(ApplicationId.from(Extension.find(decoded, ExtensionType.APPLICATION_ID)).applicationId())
                .isEqualTo(Bytes.copyOf("device-7".getBytes()));
        RequiredCapabilities required = RequiredCapabilities.from(Extension.find(decoded, ExtensionType.REQUIRED_CAPABILITIES));
        assertThat(required.isMetBy(new Capabilities(List.of(1), List.of(1), List.of(0xff00), List.of(0x0a0a), List.of(1)))).isTrue();
        assertThat(required.isMetBy(new Capabilities(List.of(1), List.of(1), List.of(), List.of(0x0a0a), List.of(1)))).isFalse();
        ExternalSenders senders = ExternalSenders.from(Extension.find(decoded, ExtensionType.EXTERNAL_SENDERS));
        assertThat(senders.senders().get(0).credential()).isEqualTo(new BasicCredential("ds".getBytes()));
        assertThat(Extension.find(decoded, ExtensionType.EXTERNAL_PUB)).isNull();
    }

    @Test
    void malformedExtensionDataIsRejected() {
        Extension trailing = new Extension(ExtensionType.APPLICATION_ID, new byte[] {1, 7, 0});
        assertThatThrownBy(() -> ApplicationId.from(trailing))
                .isInstanceOf(DecodeException.class).hasMessageContaining("unexpected bytes after ApplicationId");
    }
}
