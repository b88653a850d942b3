package org.parley.mls.group;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.schedule.PskSecret;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Looks up the PSKs a Commit or Welcome names and computes psk_secret (RFC 9420 Section 8.4). */
final class Psks {
    private Psks() {
    }

    /**
     * psk_secret for the PSKs in order. Resumption PSKs of {@code groupId} come from
     * {@code ownResumptionPsks} (epoch to resumption_psk), others from the store; a PSK found
     * nowhere rejects the message.
     */
    static byte[] pskSecret(CipherSuite suite, List<PreSharedKeyID> ids, PskStore store, byte[] groupId,
                            Map<Long, byte[]> ownResumptionPsks) {
        List<PskSecret.Psk> psks = new ArrayList<>(ids.size());
        for (PreSharedKeyID id : ids) {
            byte[] psk;
            if (id.pskType() == PreSharedKeyID.EXTERNAL) {
                psk = store.externalPsk(id.pskId().toByteArray());
            } else if (groupId != null && id.pskGroupId().equals(Bytes.copyOf(groupId)) && ownResumptionPsks.containsKey(id.pskEpoch())) {
                psk = ownResumptionPsks.get(id.pskEpoch());
            } else {
                psk = store.resumptionPsk(id.pskGroupId().toByteArray(), id.pskEpoch());
            }
            if (psk == null) {
                throw new MlsProtocolException(id.pskType() == PreSharedKeyID.EXTERNAL
                        ? "the external PSK this message names is not available"
                        : "the resumption PSK of epoch " + Long.toUnsignedString(id.pskEpoch()) + " this message names is not available");
            }
            psks.add(new PskSecret.Psk(id, Secret.copyOf(psk)));
        }
        return PskSecret.compute(suite, psks);
    }
}
