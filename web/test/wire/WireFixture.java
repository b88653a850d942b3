// The Java side of the web wire tests: runs Parley's own Java classes (from the CLI jar) on hex
// inputs, one command per stdin line, one hex answer per stdout line. Run as a single-file
// program: java -cp cli/target/parley.jar web/test/wire/WireFixture.java
import org.parley.client.account.AccountKey;
import org.parley.client.conversations.PayloadWrap;
import org.parley.protocol.CommitAuthority;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.Padding;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

public class WireFixture {
    private static final HexFormat HEX = HexFormat.of();

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        SecureRandom random = new SecureRandom();
        for (String line; (line = in.readLine()) != null; ) {
            String[] a = line.trim().split(" ");
            byte[][] b = new byte[a.length][];
            for (int i = 1; i < a.length; i++) {
                b[i] = a[i].equals("-") ? new byte[0] : HEX.parseHex(a[i]);
            }
            String out;
            try {
                out = switch (a[0]) {
                    case "pad" -> HEX.formatHex(Padding.pad(b[1]));
                    case "unpad" -> HEX.formatHex(Padding.unpad(b[1]));
                    case "wrap-group" -> HEX.formatHex(PayloadWrap.wrapGroupMessage(b[1], b[2], random));
                    case "wrap-welcome" -> HEX.formatHex(PayloadWrap.wrapWelcome(b[1]));
                    case "unwrap" -> {
                        PayloadWrap.Unwrapped u = PayloadWrap.unwrap(b[2], List.of(PayloadWrap.GroupKey.of(b[1])));
                        yield u instanceof PayloadWrap.Unwrapped.GroupMessage g ? "group " + HEX.formatHex(g.mlsMessage())
                                : "welcome " + HEX.formatHex(((PayloadWrap.Unwrapped.Welcome) u).welcome());
                    }
                    case "mailbox-keys" -> {
                        byte[][] pair = MailboxSeal.generateKeyPair();
                        yield HEX.formatHex(pair[0]) + " " + HEX.formatHex(pair[1]);
                    }
                    case "seal" -> HEX.formatHex(MailboxSeal.seal(b[1], b[2]));
                    case "seal-window" -> {
                        MailboxSeal.Window window = new MailboxSeal.Window(b[1], Integer.parseInt(a[2], 16));
                        List<String> copies = new java.util.ArrayList<>();
                        for (int n = 0; n < Integer.parseInt(a[2], 16); n++) {
                            copies.add(HEX.formatHex(window.seal(b[3])));
                        }
                        yield String.join(" ", copies);
                    }
                    case "open" -> HEX.formatHex(MailboxSeal.open(b[1], b[2], b[3]));
                    case "routing" -> HEX.formatHex(CommitAuthority.routingId(b[1]));
                    case "commit-content" -> HEX.formatHex(CommitAuthority.signedContent(b[1], Long.parseLong(a[2], 16), b[3], b[4], b[5]));
                    case "certifies" -> String.valueOf(AccountKey.certifies(b[1], b[2], b[3], b[4]));
                    default -> "unknown command " + a[0];
                };
            } catch (Exception e) {
                out = "error " + e.getClass().getSimpleName();
            }
            System.out.println(out);
        }
    }
}
