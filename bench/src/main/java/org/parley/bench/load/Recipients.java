package org.parley.bench.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Who receives a message: one random other connected client, or every other connected member of
 * the sender's group when clients are split into groups of a fixed size (client {@code i} is in
 * group {@code i / size}).
 */
final class Recipients {

    private final int[] connected;
    private final int[][] groupOthers;

    Recipients(List<ClientSession> ready, int groupSize) {
        this(ready.stream().mapToInt(ClientSession::index).toArray(), groupSize);
    }

    Recipients(int[] connected, int groupSize) {
        this.connected = connected.clone();
        if (groupSize <= 0) {
            groupOthers = null;
            return;
        }
        int maxIndex = 0;
        for (int c : connected) {
            maxIndex = Math.max(maxIndex, c);
        }
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int c : connected) {
            members.computeIfAbsent(c / groupSize, g -> new ArrayList<>()).add(c);
        }
        groupOthers = new int[maxIndex + 1][];
        for (int c : connected) {
            groupOthers[c] = members.get(c / groupSize).stream().mapToInt(Integer::intValue).filter(o -> o != c).toArray();
        }
    }

    /** The recipients of a message from client {@code sender}; empty when it is alone in its group. */
    int[] of(int sender, Random random) {
        if (groupOthers != null) {
            return groupOthers[sender];
        }
        int recipient;
        do {
            recipient = connected[random.nextInt(connected.length)];
        } while (recipient == sender);
        return new int[] {recipient};
    }
}
