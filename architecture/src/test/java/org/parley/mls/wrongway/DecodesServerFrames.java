package org.parley.mls.wrongway;

import org.parley.protocol.v1.ServerFrame;

/**
 * A deliberate wrong-way arrow, for the architecture tests' own test: a class in the MLS
 * library's namespace that reads the client–server protocol. The layering rule must reject it.
 * It lives in test sources, so the rules that check the shipped code never see it.
 */
public final class DecodesServerFrames {
    private DecodesServerFrames() {
    }

    public static boolean isDeliver(byte[] frame) throws Exception {
        return ServerFrame.parseFrom(frame).hasDeliver();
    }
}
