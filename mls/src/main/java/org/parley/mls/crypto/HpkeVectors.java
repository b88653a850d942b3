package org.parley.mls.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.vectors.Check;
import org.parley.mls.vectors.VectorSuite;

/**
 * The RFC 9180 test vectors ({@code test-vectors.json} of draft-irtf-cfrg-hpke): for each case,
 * DeriveKeyPair of every key, the encapsulation with the vector's ephemeral key, every
 * key-schedule value, every encryption in order (sender and receiver), and every export. It lives
 * beside {@link Hpke} because it checks intermediates that are not public API.
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
        HpkeKeyPair sender = mode.usesAuth() ? derive(kem, c, "S") : null;
        byte[] info = Check.hex(c, "info");
        byte[] psk = mode.usesPsk() ? Check.hex(c, "psk") : EMPTY;
        byte[] pskId = mode.usesPsk() ? Check.hex(c, "psk_id") : EMPTY;

        Hpke.SenderContext s = hpke.setupS(mode, receiver.publicKey(), info, psk, pskId, sender, ephemeral);
        Check.equal("enc", Check.hex(c, "enc"), s.enc());
        Hpke.Context senderContext = s.context();
        Hpke.Context receiverContext = hpke.setupR(mode, s.enc(), receiver.privateKey(), info, psk, pskId,
                sender == null ? null : sender.publicKey());
        for (Hpke.Context ctx : new Hpke.Context[] {senderContext, receiverContext}) {
            Check.equal("shared_secret", Check.hex(c, "shared_secret"), ctx.sharedSecret());
            Check.equal("key_schedule_context", Check.hex(c, "key_schedule_context"), ctx.keyScheduleContext());
            Check.equal("secret", Check.hex(c, "secret"), ctx.secret());
            Check.equal("key", Check.hex(c, "key"), ctx.key());
            Check.equal("base_nonce", Check.hex(c, "base_nonce"), ctx.baseNonce());
            Check.equal("exporter_secret", Check.hex(c, "exporter_secret"), ctx.exporterSecret());
        }

        JsonNode encryptions = c.get("encryptions");
        if (encryptions != null && !encryptions.isNull()) {
            int i = 0;
            for (JsonNode e : encryptions) {
                byte[] aad = Check.hex(e, "aad");
                byte[] pt = Check.hex(e, "pt");
                byte[] ct = Check.hex(e, "ct");
                Check.equal("encryptions[" + i + "].nonce", Check.hex(e, "nonce"), senderContext.computeNonce());
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
