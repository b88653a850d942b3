package org.parley.mls.framing;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/**
 * {@code Sender} (RFC 9420 Section 6): who sent a message, by SenderType. Leaf and sender indices
 * are uint32 on the wire; values above {@link Integer#MAX_VALUE} cannot name a leaf and are rejected.
 */
public sealed interface Sender extends TlsEncodable {
    int MEMBER = 1;
    int EXTERNAL = 2;
    int NEW_MEMBER_PROPOSAL = 3;
    int NEW_MEMBER_COMMIT = 4;

    int senderType();

    /** A member, by the LeafIndex of its leaf in the ratchet tree. */
    record Member(int leafIndex) implements Sender {
        public Member {
            if (leafIndex < 0) {
                throw new IllegalArgumentException("leaf index " + leafIndex + " is negative");
            }
        }

        @Override
        public int senderType() {
            return MEMBER;
        }

        @Override
        public void writeTo(TlsWriter w) {
            w.writeUint8(MEMBER).writeUint32(leafIndex);
        }
    }

    /** An external sender, by its index in the external_senders extension. */
    record External(int senderIndex) implements Sender {
        public External {
            if (senderIndex < 0) {
                throw new IllegalArgumentException("sender index " + senderIndex + " is negative");
            }
        }

        @Override
        public int senderType() {
            return EXTERNAL;
        }

        @Override
        public void writeTo(TlsWriter w) {
            w.writeUint8(EXTERNAL).writeUint32(senderIndex);
        }
    }

    /** A new member proposing its own Add. */
    record NewMemberProposal() implements Sender {
        @Override
        public int senderType() {
            return NEW_MEMBER_PROPOSAL;
        }

        @Override
        public void writeTo(TlsWriter w) {
            w.writeUint8(NEW_MEMBER_PROPOSAL);
        }
    }

    /** A new member joining by an external Commit. */
    record NewMemberCommit() implements Sender {
        @Override
        public int senderType() {
            return NEW_MEMBER_COMMIT;
        }

        @Override
        public void writeTo(TlsWriter w) {
            w.writeUint8(NEW_MEMBER_COMMIT);
        }
    }

    static Sender read(TlsReader r) {
        int at = r.position();
        int type = r.readUint8();
        return switch (type) {
            case MEMBER -> new Member(readIndex(r, "leaf_index"));
            case EXTERNAL -> new External(readIndex(r, "sender_index"));
            case NEW_MEMBER_PROPOSAL -> new NewMemberProposal();
            case NEW_MEMBER_COMMIT -> new NewMemberCommit();
            default -> throw new DecodeException("unknown sender type " + type, at);
        };
    }

    private static int readIndex(TlsReader r, String what) {
        int at = r.position();
        long index = r.readUint32();
        if (index > Integer.MAX_VALUE) {
            throw new DecodeException(what + " " + index + " is beyond any tree", at);
        }
        return (int) index;
    }
}
