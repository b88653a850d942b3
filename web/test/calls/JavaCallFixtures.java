// The Java side of test/calls/call-keys.test.ts: Parley's own media classes (from the CLI jar) as
// one member of a call, driven line by line on stdin, so that the TypeScript CallKeys and packet
// code are checked against the Java they port. Run: java -cp cli/target/parley.jar THIS_FILE
//   epoch EPOCH OWN_LEAF MEMBER_LEAVES(comma) SECRET_HEX  -> enters the epoch's keys as Java CallKeys does
//   seal CALL_ID_HEX PARTICIPANT SEQUENCE TIMESTAMP PAYLOAD_HEX -> the encoded media packet (audio, one fragment)
//   open PACKET_HEX                                          -> the plaintext, or "error ..."
import org.parley.media.packet.CallId;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

public class JavaCallFixtures {
    public static void main(String[] args) throws Exception {
        HexFormat hex = HexFormat.of();
        // The suite and epoch bits of client/calls/CallKeys.
        MlsSFrameKeys keys = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 4);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.trim().split(" ");
            try {
                switch (f[0]) {
                    case "epoch" -> {
                        List<Integer> members = Arrays.stream(f[3].split(",")).map(Integer::valueOf).toList();
                        int leafCount = members.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
                        byte[] secret = hex.parseHex(f[4]);
                        keys.enterEpoch(Long.parseLong(f[1]), Integer.parseInt(f[2]), members, leafCount, (label, context, length) -> {
                            if (!label.equals(MlsSFrameKeys.EXPORTER_LABEL) || context.length != 0 || length != secret.length) {
                                throw new IllegalStateException("unexpected export " + label + "/" + length);
                            }
                            return secret;
                        });
                        System.out.println("ok");
                    }
                    case "seal" -> {
                        ByteBuffer id = ByteBuffer.wrap(hex.parseHex(f[1]));
                        CallId callId = new CallId(id.getLong(), id.getLong());
                        long participant = Long.parseLong(f[2]);
                        long sequence = Long.parseLong(f[3]);
                        long timestamp = Long.parseLong(f[4]);
                        byte[] sealed = keys.encrypt(MediaFrame.metadata(0, callId, participant, 0, sequence, timestamp), hex.parseHex(f[5]));
                        System.out.println(hex.formatHex(new MediaPacket(0, callId, participant, 0, sequence, timestamp, 0, 1, sealed).encode()));
                    }
                    case "open" -> {
                        byte[] bytes = hex.parseHex(f[1]);
                        MediaPacket p = MediaPacket.decode(bytes, 0, bytes.length);
                        byte[] metadata = MediaFrame.metadata(p.flags(), p.callId(), p.participantId(), p.streamId(), p.sequence(), p.timestamp());
                        System.out.println(hex.formatHex(keys.decrypt(metadata, p.payload())));
                    }
                    default -> System.out.println("error unknown command " + f[0]);
                }
            } catch (Exception e) {
                System.out.println("error " + e.getMessage());
            }
            System.out.flush();
        }
    }
}
