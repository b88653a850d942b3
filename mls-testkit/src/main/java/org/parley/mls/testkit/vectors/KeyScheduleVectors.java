package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.schedule.EpochSecrets;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.KeySchedule;

import java.util.List;

/** {@code key-schedule.json}: GroupContext encoding and every key schedule output over successive epochs (RFC 9420 Section 8). */
public final class KeyScheduleVectors implements VectorSuite {
    @Override
    public String fileName() {
        return "key-schedule.json";
    }

    @Override
    public void verify(JsonNode c) {
        CipherSuite suite = CipherSuite.fromId((int) Check.number(c, "cipher_suite"));
        byte[] groupId = Check.hex(c, "group_id");
        byte[] initSecret = Check.hex(c, "initial_init_secret");
        int epoch = 0;
        for (JsonNode e : c.get("epochs")) {
            String at = "epochs[" + epoch + "].";
            GroupContext context = new GroupContext(suite, groupId, epoch, Check.hex(e, "tree_hash"),
                    Check.hex(e, "confirmed_transcript_hash"), List.of());
            Check.equal(at + "group_context", Check.hex(e, "group_context"), context.toBytes());
            Check.equal(at + "group_context decoded", context.toBytes(), GroupContext.decode(context.toBytes()).toBytes());

            byte[] pskSecret = Check.hex(e, "psk_secret");
            byte[] joiner = KeySchedule.joinerSecret(suite, initSecret, Check.hex(e, "commit_secret"), context);
            Check.equal(at + "joiner_secret", Check.hex(e, "joiner_secret"), joiner);
            Check.equal(at + "welcome_secret", Check.hex(e, "welcome_secret"), KeySchedule.welcomeSecret(suite, joiner, pskSecret));
            EpochSecrets secrets = KeySchedule.fromJoinerSecret(suite, joiner, pskSecret, context);
            Check.equal(at + "init_secret", Check.hex(e, "init_secret"), secrets.initSecret());
            Check.equal(at + "sender_data_secret", Check.hex(e, "sender_data_secret"), secrets.senderDataSecret());
            Check.equal(at + "encryption_secret", Check.hex(e, "encryption_secret"), secrets.encryptionSecret());
            Check.equal(at + "exporter_secret", Check.hex(e, "exporter_secret"), secrets.exporterSecret());
            Check.equal(at + "epoch_authenticator", Check.hex(e, "epoch_authenticator"), secrets.epochAuthenticator());
            Check.equal(at + "external_secret", Check.hex(e, "external_secret"), secrets.externalSecret());
            Check.equal(at + "confirmation_key", Check.hex(e, "confirmation_key"), secrets.confirmationKey());
            Check.equal(at + "membership_key", Check.hex(e, "membership_key"), secrets.membershipKey());
            Check.equal(at + "resumption_psk", Check.hex(e, "resumption_psk"), secrets.resumptionPsk());
            Check.equal(at + "external_pub", Check.hex(e, "external_pub"), secrets.externalKeyPair().publicKey().bytes());

            JsonNode exporter = e.get("exporter");
            Check.equal(at + "exporter.secret", Check.hex(exporter, "secret"), secrets.exporter(exporter.get("label").asText(),
                    Check.hex(exporter, "context"), (int) Check.number(exporter, "length")));
            initSecret = secrets.initSecret().copyBytes();
            epoch++;
        }
    }
}
