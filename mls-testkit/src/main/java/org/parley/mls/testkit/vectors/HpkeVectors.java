package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.Aead;
import org.parley.mls.crypto.Hpke;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.crypto.HpkeKnownAnswers;
import org.parley.mls.crypto.Kdf;
import org.parley.mls.crypto.Kem;

/**
 * The RFC 9180 test vectors ({@code test-vectors.json} of draft-irtf-cfrg-hpke): for each case,
 * DeriveKeyPair of every key, the encapsulation with the vector's ephemeral key, every
 * key-schedule value, every encryption in order (sender and receiver), and every export. The
 * intermediates come from {@link HpkeKnownAnswers}.
 */
public final class HpkeVectors implements VectorSuite {
    private static final byte[] EMPTY = new byte[0];

    @Override
    public String fileName() {
        return "test-vectors.json";
    }

    @Override
    public void verify(JsonNode c) {
        Hpke.Mode mode = Hpke.Mode.fromId((int) Check.number(c, "mode"));
        Kem kem = Kem.fromId((int) Check.number(c, "kem_id"));
        Hpke hpke = new Hpke(kem, Kdf.fromId((int) Check.number(c, "kdf_id")), Aead.fromId((int) Check.number(c, "aead_id")));

        HpkeKeyPair receiver = derive(kem, c, "R");
        HpkeKeyPair ephemeral = derive(kem, c, "E");
        HpkeKeyPair sender = HpkeKnownAnswers.usesAuth(mode) ? derive(kem, c, "S") : null;
        byte[] info = Check.hex(c, "info");
        byte[] psk = HpkeKnownAnswers.usesPsk(mode) ? Check.hex(c, "psk") : EMPTY;
        byte[] pskId = HpkeKnownAnswers.usesPsk(mode) ? Check.hex(c, "psk_id") : EMPTY;

        Hpke.SenderContext s = HpkeKnownAnswers.setupS(hpke, mode, receiver.publicKey(), info, psk, pskId, sender, ephemeral);
        Check.equal("enc", Check.hex(c, "enc"), s.enc().toByteArray());
        Hpke.Context senderContext = s.context();
        Hpke.Context receiverContext = hpke.setupR(mode, s.enc().toByteArray(), receiver.privateKey(), info, psk, pskId,
                sender == null ? null : sender.publicKey());
        for (Hpke.Context ctx : new Hpke.Context[] {senderContext, receiverContext}) {
            HpkeKnownAnswers.KeyScheduleValues values = HpkeKnownAnswers.keyScheduleValues(ctx);
            Check.equal("shared_secret", Check.hex(c, "shared_secret"), values.sharedSecret());
            Check.equal("key_schedule_context", Check.hex(c, "key_schedule_context"), values.keyScheduleContext().toByteArray());
            Check.equal("secret", Check.hex(c, "secret"), values.secret());
            Check.equal("key", Check.hex(c, "key"), values.key());
            Check.equal("base_nonce", Check.hex(c, "base_nonce"), values.baseNonce());
            Check.equal("exporter_secret", Check.hex(c, "exporter_secret"), values.exporterSecret());
        }

        JsonNode encryptions = c.get("encryptions");
        if (encryptions != null && !encryptions.isNull()) {
            int i = 0;
            for (JsonNode e : encryptions) {
                byte[] aad = Check.hex(e, "aad");
                byte[] pt = Check.hex(e, "pt");
                byte[] ct = Check.hex(e, "ct");
                Check.equal("encryptions[" + i + "].nonce", Check.hex(e, "nonce"), HpkeKnownAnswers.nextNonce(senderContext));
                Check.equal("encryptions[" + i + "].ct", ct, senderContext.seal(aad, pt));
                Check.equal("encryptions[" + i + "] opened", pt, receiverContext.open(aad, ct));
                i++;
            }
        }
        int i = 0;
        for (JsonNode x : c.get("exports")) {
            byte[] expected = Check.hex(x, "exported_value");
            byte[] context = Check.hex(x, "exporter_context");
            int length = (int) Check.number(x, "L");
            Check.equal("exports[" + i + "] (sender)", expected, senderContext.export(context, length));
            Check.equal("exports[" + i + "] (receiver)", expected, receiverContext.export(context, length));
            i++;
        }
    }

    /** DeriveKeyPair(ikmX) must give skXm and pkXm. */
    private static HpkeKeyPair derive(Kem kem, JsonNode c, String who) {
        HpkeKeyPair pair = kem.deriveKeyPair(Check.hex(c, "ikm" + who));
        Check.equal("sk" + who + "m", Check.hex(c, "sk" + who + "m"), pair.privateKey().bytes());
        Check.equal("pk" + who + "m", Check.hex(c, "pk" + who + "m"), pair.publicKey().bytes());
        return pair;
    }
}
