// The Java side of test/calls/call-keys.test.ts: Parley's own media classes (from the CLI jar) as
// one member of a call, driven line by line on stdin, so that the TypeScript CallKeys and packet
// code are checked against the Java they port. Run: java -cp cli/target/parley.jar THIS_FILE
//   epoch EPOCH OWN_LEAF MEMBER_LEAVES(comma) SECRET_HEX  -> enters the epoch's keys as Java CallKeys does
//   seal CALL_ID_HEX PARTICIPANT SEQUENCE TIMESTAMP PAYLOAD_HEX -> the encoded media packet (audio, one fragment)
//   open PACKET_HEX                                          -> the plaintext, or "error ..."
//   sealvideo CALL_ID_HEX PARTICIPANT SEQUENCE TIMESTAMP KEY(0|1) PAYLOAD_HEX
//                                    -> the video frame's packets (MediaFrame.fragment at CallMedia.VIDEO_MTU), comma-separated
//   openvideo PACKET_HEX,PACKET_HEX… -> reassembled as VideoReception does (FrameReassembler(16, 2 MiB)) and
//                                       decrypted: the plaintext, "incomplete", or "error ..."
import org.parley.client.calls.CallMedia;
import org.parley.media.packet.CallId;
import org.parley.media.packet.FrameReassembler;
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
import java.util.Optional;
import java.util.stream.Collectors;

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
                        MediaFrame frame = sealFrame(keys, f, 0, 0, f[5]);
                        System.out.println(hex.formatHex(new MediaPacket(0, frame.callId(), frame.participantId(), 0, frame.sequence(),
                                frame.timestamp(), 0, 1, frame.payload()).encode()));
                    }
                    case "open" -> {
                        byte[] bytes = hex.parseHex(f[1]);
                        MediaPacket p = MediaPacket.decode(bytes, 0, bytes.length);
                        byte[] metadata = MediaFrame.metadata(p.flags(), p.callId(), p.participantId(), p.streamId(), p.sequence(), p.timestamp());
                        System.out.println(hex.formatHex(keys.decrypt(metadata, p.payload())));
                    }
                    case "sealvideo" -> {
                        int flags = MediaPacket.FLAG_VIDEO | (f[5].equals("1") ? MediaPacket.FLAG_KEY_FRAME : 0);
                        System.out.println(sealFrame(keys, f, flags, 1, f[6]).fragment(CallMedia.VIDEO_MTU)
                                .stream().map(p -> hex.formatHex(p.encode())).collect(Collectors.joining(",")));
                    }
                    case "openvideo" -> {
                        FrameReassembler reassembler = new FrameReassembler(16, 2L << 20);
                        Optional<MediaFrame> whole = Optional.empty();
                        for (String packet : f[1].split(",")) {
                            byte[] bytes = hex.parseHex(packet);
                            Optional<MediaFrame> completed = reassembler.accept(MediaPacket.decode(bytes, 0, bytes.length));
                            whole = whole.or(() -> completed);
                        }
                        System.out.println(whole.isEmpty() ? "incomplete" : hex.formatHex(keys.decrypt(whole.get().metadata(), whole.get().payload())));
                    }
                    default -> System.out.println("error unknown command " + f[0]);
                }
            } catch (Exception e) {
                System.out.println("error " + e.getMessage());
            }
            System.out.flush();
        }
    }

    /** The frame of a seal command (CALL_ID_HEX PARTICIPANT SEQUENCE TIMESTAMP in f[1..4]) with its payload SFrame-encrypted. */
    private static MediaFrame sealFrame(MlsSFrameKeys keys, String[] f, int flags, int stream, String payloadHex) throws Exception {
        HexFormat hex = HexFormat.of();
        ByteBuffer id = ByteBuffer.wrap(hex.parseHex(f[1]));
        CallId callId = new CallId(id.getLong(), id.getLong());
        long participant = Long.parseLong(f[2]);
        long sequence = Long.parseLong(f[3]);
        long timestamp = Long.parseLong(f[4]);
        byte[] sealed = keys.encrypt(MediaFrame.metadata(flags, callId, participant, stream, sequence, timestamp), hex.parseHex(payloadHex));
        return new MediaFrame(flags, callId, participant, stream, sequence, timestamp, sealed);
    }
}
