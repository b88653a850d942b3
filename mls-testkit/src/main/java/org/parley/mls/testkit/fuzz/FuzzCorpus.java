package org.parley.mls.testkit.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.HandshakeBodies;
import org.parley.mls.messages.ProposalType;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.tree.Node;
import org.parley.mls.tree.RatchetTreeCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Seeds for the fuzz targets, taken from the official vectors in a folder laid out like
 * {@code ../shared/vectors/mls}: every message of {@code messages.json} (each MLSMessage wire
 * format, each proposal type, Commit, GroupSecrets, ratchet tree, and the leaf nodes and group
 * contexts inside them), the KeyPackages and Welcomes of {@code welcome.json}, the trees of
 * {@code tree-validation.json} and the protected messages of {@code message-protection.json};
 * plus the real messages of a live group for {@link LiveGroupTarget}. Files that are absent
 * contribute nothing.
 */
public final class FuzzCorpus {
    private static final Map<String, Integer> PROPOSALS = Map.of(
            "add_proposal", ProposalType.ADD, "update_proposal", ProposalType.UPDATE,
            "remove_proposal", ProposalType.REMOVE, "pre_shared_key_proposal", ProposalType.PSK,
            "re_init_proposal", ProposalType.REINIT, "external_init_proposal", ProposalType.EXTERNAL_INIT,
            "group_context_extensions_proposal", ProposalType.GROUP_CONTEXT_EXTENSIONS);
    private static final List<String> MESSAGES = List.of("mls_welcome", "mls_group_info", "mls_key_package",
            "public_message_application", "public_message_proposal", "public_message_commit", "private_message");

    /** The live group is built from a fixed DRBG seed, so its messages, and minimized inputs, reproduce. */
    private static final long LIVE_GROUP_SEED = 9420;

    private final ObjectMapper json = new ObjectMapper();
    private final List<FuzzSeed> seeds = new ArrayList<>();

    private FuzzCorpus() {
    }

    /** Loads the seeds from {@code mlsVectors} (the folder holding messages.json and the others). */
    public static List<FuzzSeed> load(Path mlsVectors) {
        FuzzCorpus corpus = new FuzzCorpus();
        corpus.messages(mlsVectors.resolve("messages.json"));
        corpus.welcomes(mlsVectors.resolve("welcome.json"));
        corpus.trees(mlsVectors.resolve("tree-validation.json"));
        corpus.protectedMessages(mlsVectors.resolve("message-protection.json"));
        corpus.seeds.addAll(LiveGroupTarget.seeds(LIVE_GROUP_SEED));
        return List.copyOf(corpus.seeds);
    }

    private JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            return json.createArrayNode();
        }
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] hex(JsonNode testCase, String field) {
        return HexFormat.of().parseHex(testCase.get(field).asText());
    }

    private void add(FuzzTarget target, byte[] bytes) {
        seeds.add(new FuzzSeed(target, bytes));
    }

    private void messages(Path file) {
        for (JsonNode c : read(file)) {
            for (String field : MESSAGES) {
                add(DecoderTargets.MLS_MESSAGE, hex(c, field));
            }
            MlsMessage keyPackage = MlsMessage.decode(hex(c, "mls_key_package"), HandshakeBodies.INSTANCE);
            add(DecoderTargets.KEY_PACKAGE, ((MlsMessage.EncodedBody) keyPackage.body()).bytes().toByteArray());
            add(DecoderTargets.WELCOME, body(hex(c, "mls_welcome")));
            byte[] groupInfo = body(hex(c, "mls_group_info"));
            add(DecoderTargets.GROUP_INFO, groupInfo);
            add(DecoderTargets.GROUP_CONTEXT,
                    TlsReader.decodeExactly(groupInfo, GroupInfo::decode, "GroupInfo").groupContext().toBytes());
            add(DecoderTargets.GROUP_SECRETS, hex(c, "group_secrets"));
            add(DecoderTargets.COMMIT, hex(c, "commit"));
            PROPOSALS.forEach((field, type) -> {
                byte[] body = hex(c, field);
                byte[] proposal = new byte[body.length + 2];
                proposal[0] = (byte) (type >>> 8);
                proposal[1] = (byte) (int) type;
                System.arraycopy(body, 0, proposal, 2, body.length);
                add(DecoderTargets.PROPOSAL, proposal);
            });
            byte[] tree = hex(c, "ratchet_tree");
            add(DecoderTargets.RATCHET_TREE, tree);
            leaves(tree);
        }
    }

    private void leaves(byte[] tree) {
        for (Node node : RatchetTreeCodec.decode(tree)) {
            if (node instanceof Node.Leaf leaf) {
                add(DecoderTargets.LEAF_NODE, leaf.leafNode().toBytes());
            }
        }
    }

    private static byte[] body(byte[] message) {
        return ((MlsMessage.EncodedBody) MlsMessage.decode(message, HandshakeBodies.INSTANCE).body()).bytes().toByteArray();
    }

    private void welcomes(Path file) {
        for (JsonNode c : read(file)) {
            add(DecoderTargets.MLS_MESSAGE, hex(c, "key_package"));
            add(DecoderTargets.MLS_MESSAGE, hex(c, "welcome"));
            add(DecoderTargets.KEY_PACKAGE_VALIDATION, body(hex(c, "key_package")));
            add(DecoderTargets.WELCOME, body(hex(c, "welcome")));
        }
    }

    private void trees(Path file) {
        for (JsonNode c : read(file)) {
            byte[] tree = hex(c, "tree");
            add(DecoderTargets.RATCHET_TREE, tree);
            add(DecoderTargets.treeValidation(CipherSuite.fromId(c.get("cipher_suite").asInt()), hex(c, "group_id")), tree);
            leaves(tree);
        }
    }

    private void protectedMessages(Path file) {
        for (JsonNode c : read(file)) {
            CipherSuite suite = CipherSuite.fromId(c.get("cipher_suite").asInt());
            GroupContext context = new GroupContext(suite, hex(c, "group_id"), c.get("epoch").asLong(),
                    hex(c, "tree_hash"), hex(c, "confirmed_transcript_hash"), List.of());
            SignaturePublicKey signer = new SignaturePublicKey(hex(c, "signature_pub"));
            add(DecoderTargets.GROUP_CONTEXT, context.toBytes());
            byte[] application = hex(c, "application_priv");
            add(DecoderTargets.privateMessage(suite, context, hex(c, "encryption_secret"), hex(c, "sender_data_secret"),
                    2, signer, application), application);
            List<byte[]> publicMessages = new ArrayList<>();
            for (String field : List.of("proposal_pub", "commit_pub")) {
                publicMessages.add(hex(c, field));
            }
            FuzzTarget unverified = DecoderTargets.publicMessage(suite, context, hex(c, "membership_key"), signer, publicMessages);
            List<byte[]> genuine = publicMessages.stream().filter(m -> accepts(unverified, m)).toList();
            FuzzTarget target = DecoderTargets.publicMessage(suite, context, hex(c, "membership_key"), signer, genuine);
            genuine.forEach(m -> add(target, m));
        }
    }

    /** Whether a target accepts its genuine message (the vectors' proposal and commit bodies are not all real structs). */
    private static boolean accepts(FuzzTarget target, byte[] message) {
        try {
            target.run(message);
            return true;
        } catch (MlsProtocolException e) {
            return false;
        }
    }
}
