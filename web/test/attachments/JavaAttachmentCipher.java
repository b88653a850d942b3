// Runs the Java client's real AttachmentCipher for the web interop test (attachments.test.ts):
//   java -cp cli/target/parley.jar JavaAttachmentCipher.java seal PLAIN BLOB_OUT
//     prints "KEY_HEX DIGEST_HEX SIZE"
//   java -cp cli/target/parley.jar JavaAttachmentCipher.java open BLOB KEY_HEX DIGEST_HEX SIZE PLAIN_OUT
//     writes the plaintext, or prints the AttachmentException's message and exits with 2
import org.parley.client.attachments.AttachmentCipher;
import org.parley.client.attachments.AttachmentException;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

public class JavaAttachmentCipher {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "seal" -> {
                AttachmentCipher.Sealed sealed = AttachmentCipher.seal(Files.readAllBytes(Path.of(args[1])), new SecureRandom());
                Files.write(Path.of(args[2]), sealed.blob());
                System.out.println(Bytes.copyOf(sealed.key().copyBytes()).toHex() + " " + sealed.digest().toHex() + " " + sealed.size());
            }
            case "open" -> {
                try {
                    byte[] plain = AttachmentCipher.open(Files.readAllBytes(Path.of(args[1])), Secret.copyOf(Bytes.fromHex(args[2]).toByteArray()),
                            Bytes.fromHex(args[3]), Long.parseLong(args[4]));
                    Files.write(Path.of(args[5]), plain);
                } catch (AttachmentException e) {
                    System.out.println(e.getMessage());
                    System.exit(2);
                }
            }
            default -> throw new IllegalArgumentException("seal or open");
        }
    }
}
