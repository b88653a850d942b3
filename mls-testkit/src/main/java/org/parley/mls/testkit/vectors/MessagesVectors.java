package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.GroupSecrets;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.Proposal;
import org.parley.mls.messages.ProposalType;
import org.parley.mls.messages.Welcome;
import org.parley.mls.tree.RatchetTreeCodec;

import java.util.function.Function;

/**
 * The "Messages" vectors (test-vectors.md): every field decodes with its structure and re-encodes
 * to the same bytes.
 */
public final class MessagesVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "messages.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        encodedBody(testCase, "mls_welcome", WireFormat.MLS_WELCOME, Welcome::decode);
        encodedBody(testCase, "mls_group_info", WireFormat.MLS_GROUP_INFO, GroupInfo::decode);
        encodedBody(testCase, "mls_key_package", WireFormat.MLS_KEY_PACKAGE, KeyPackage::decode);
        byte[] tree = Check.hex(testCase, "ratchet_tree");
        Check.equal("ratchet_tree re-encoding", tree, RatchetTreeCodec.encode(RatchetTreeCodec.decode(tree)));
        roundTrip(testCase, "group_secrets", GroupSecrets::decode);
        proposal(testCase, "add_proposal", ProposalType.ADD);
        proposal(testCase, "update_proposal", ProposalType.UPDATE);
        proposal(testCase, "remove_proposal", ProposalType.REMOVE);
        proposal(testCase, "pre_shared_key_proposal", ProposalType.PSK);
        proposal(testCase, "re_init_proposal", ProposalType.REINIT);
        proposal(testCase, "external_init_proposal", ProposalType.EXTERNAL_INIT);
        proposal(testCase, "group_context_extensions_proposal", ProposalType.GROUP_CONTEXT_EXTENSIONS);
        roundTrip(testCase, "commit", Commit::decode);
        framed(testCase, "public_message_application", WireFormat.MLS_PUBLIC_MESSAGE);
        framed(testCase, "public_message_proposal", WireFormat.MLS_PUBLIC_MESSAGE);
        framed(testCase, "public_message_commit", WireFormat.MLS_PUBLIC_MESSAGE);
        framed(testCase, "private_message", WireFormat.MLS_PRIVATE_MESSAGE);
    }

    private static void proposal(JsonNode testCase, String field, int type) {
        byte[] bytes = Check.hex(testCase, field);
        Proposal p = TlsReader.decodeExactly(bytes, r -> Proposal.decodeBody(type, r), field);
        Check.equal(field + " type", type, p.proposalType());
        Check.equal(field + " re-encoding", bytes, p.bodyBytes());
    }

    private static void roundTrip(JsonNode testCase, String field, Function<TlsReader, ? extends TlsEncodable> decoder) {
        byte[] bytes = Check.hex(testCase, field);
        TlsEncodable value = TlsReader.decodeExactly(bytes, decoder, field);
        Check.equal(field + " re-encoding", bytes, value.toBytes());
    }

    /** An MLSMessage whose body this package decodes: the body and the whole message re-encode exactly. */
    private static void encodedBody(JsonNode testCase, String field, WireFormat format,
                                    Function<TlsReader, ? extends TlsEncodable> decoder) {
        byte[] bytes = Check.hex(testCase, field);
        MlsMessage message = MlsMessage.decode(bytes, HandshakeBodies.INSTANCE);
        Check.isTrue(field + " has wire format " + message.wireFormat(), message.wireFormat() == format);
        Bytes body = ((MlsMessage.EncodedBody) message.body()).bytes();
        TlsEncodable value = TlsReader.decodeExactly(body, decoder, field);
        Check.equal(field + " body re-encoding", body.toByteArray(), value.toBytes());
        Check.equal(field + " re-encoding", bytes, new MlsMessage(new MlsMessage.EncodedBody(format, value.toBytes())).toBytes());
    }

    /** A PublicMessage or PrivateMessage, decoded by the framing package with this package's Proposal and Commit. */
    private static void framed(JsonNode testCase, String field, WireFormat format) {
        byte[] bytes = Check.hex(testCase, field);
        MlsMessage message = MlsMessage.decode(bytes, HandshakeBodies.INSTANCE);
        Check.isTrue(field + " has wire format " + message.wireFormat(), message.wireFormat() == format);
        Check.equal(field + " re-encoding", bytes, message.toBytes());
    }
}
