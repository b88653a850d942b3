package org.parley.mls.extensions;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;

/** The {@code required_capabilities} extension (RFC 9420 Section 11.1). */
public record RequiredCapabilities(List<Integer> extensionTypes, List<Integer> proposalTypes,
                                   List<Integer> credentialTypes) implements TlsEncodable {
    public RequiredCapabilities {
        extensionTypes = List.copyOf(extensionTypes);
        proposalTypes = List.copyOf(proposalTypes);
        credentialTypes = List.copyOf(credentialTypes);
    }

    public static RequiredCapabilities decode(TlsReader reader) {
        return new RequiredCapabilities(
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16));
    }

    public static RequiredCapabilities from(Extension extension) {
        return TlsReader.decodeExactly(extension.data(), RequiredCapabilities::decode, "RequiredCapabilities");
    }

    /** Whether a leaf with these capabilities meets the requirements (Section 7.3, third check). */
    public boolean isMetBy(Capabilities capabilities) {
        return extensionTypes.stream().allMatch(capabilities::supportsExtension)
                && proposalTypes.stream().allMatch(capabilities::supportsProposal)
                && credentialTypes.stream().allMatch(capabilities.credentials()::contains);
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.REQUIRED_CAPABILITIES, toBytes());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeVector(extensionTypes, TlsWriter::writeUint16)
                .writeVector(proposalTypes, TlsWriter::writeUint16)
                .writeVector(credentialTypes, TlsWriter::writeUint16);
    }
}
