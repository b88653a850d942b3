package org.parley.mls.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.keypackages.KeyPackage;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.GroupSecrets;
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
    private static final int MLS10 = 1;
    private static final int WIRE_WELCOME = 3;
    private static final int WIRE_GROUP_INFO = 4;
    private static final int WIRE_KEY_PACKAGE = 5;

    @Override
    public String fileName() {
        return "messages.json";
    }

    @Override
    public void verify(JsonNode testCase) {
        roundTrip(testCase, "mls_welcome", r -> mlsMessageBody(r, WIRE_WELCOME, Welcome::decode));
        roundTrip(testCase, "mls_key_package", r -> mlsMessageBody(r, WIRE_KEY_PACKAGE, KeyPackage::decode));
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
        for (String field : new String[] {"mls_group_info", "public_message_application", "public_message_proposal",
                "public_message_commit", "private_message"}) {
            throw new AssertionError(field + " is not checked yet: GroupContext and the framing structs come from the mls-crypto branch");
        }
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

    /** An MLSMessage (Section 6) of a wire format whose body is one of this package's structs. */
    private static TlsEncodable mlsMessageBody(TlsReader reader, int wireFormat, Function<TlsReader, ? extends TlsEncodable> body) {
        int start = reader.position();
        int version = reader.readUint16();
        int format = reader.readUint16();
        if (version != MLS10 || format != wireFormat) {
            throw new DecodeException("expected MLSMessage mls10 wire format " + wireFormat + ", got version "
                    + version + " wire format " + format, start);
        }
        TlsEncodable value = body.apply(reader);
        return w -> w.writeUint16(version).writeUint16(format).writeFixed(value.toBytes());
    }
}
