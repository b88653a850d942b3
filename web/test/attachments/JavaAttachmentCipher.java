// Runs the Java client's real AttachmentCipher for the web interop tests (cipher.test.ts,
// server.test.ts), on files and over HTTP against a Parley server:
//   seal PLAIN BLOB_OUT                         prints "KEY_HEX DIGEST_HEX SIZE"
//   open BLOB KEY_HEX DIGEST_HEX SIZE PLAIN_OUT
//   upload SERVER_URL TICKET PLAIN              seals and POSTs as Attachments.upload does; prints "ID KEY_HEX DIGEST_HEX SIZE"
//   download SERVER_URL ID KEY_HEX DIGEST_HEX SIZE PLAIN_OUT   GETs and opens as Attachments.download does
// A refused blob prints the AttachmentException's message and exits with 2.
import org.parley.client.attachments.AttachmentCipher;
import org.parley.client.attachments.AttachmentException;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

public class JavaAttachmentCipher {
    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "seal" -> {
                    AttachmentCipher.Sealed sealed = AttachmentCipher.seal(Files.readAllBytes(Path.of(args[1])), new SecureRandom());
                    Files.write(Path.of(args[2]), sealed.blob());
                    System.out.println(describe(sealed));
                }
                case "open" -> Files.write(Path.of(args[5]), open(Files.readAllBytes(Path.of(args[1])), args[2], args[3], args[4]));
                case "upload" -> {
                    AttachmentCipher.Sealed sealed = AttachmentCipher.seal(Files.readAllBytes(Path.of(args[3])), new SecureRandom());
                    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(args[1] + "/v1/attachments"))
                            .header("Authorization", "Ticket " + args[2]).POST(HttpRequest.BodyPublishers.ofByteArray(sealed.blob())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 201) {
                        throw new IllegalStateException("upload refused: HTTP " + response.statusCode() + " " + response.body());
                    }
                    System.out.println(response.body().trim() + " " + describe(sealed));
                }
                case "download" -> {
                    HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
                            HttpRequest.newBuilder(URI.create(args[1] + "/v1/attachments/" + args[2])).GET().build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("download refused: HTTP " + response.statusCode());
                    }
                    Files.write(Path.of(args[6]), open(response.body(), args[3], args[4], args[5]));
                }
                default -> throw new IllegalArgumentException("seal, open, upload or download");
            }
        } catch (AttachmentException e) {
            System.out.println(e.getMessage());
            System.exit(2);
        }
    }

    private static byte[] open(byte[] blob, String keyHex, String digestHex, String size) {
        return AttachmentCipher.open(blob, Secret.copyOf(Bytes.fromHex(keyHex).toByteArray()), Bytes.fromHex(digestHex), Long.parseLong(size));
    }

    private static String describe(AttachmentCipher.Sealed sealed) {
        return Bytes.copyOf(sealed.key().copyBytes()).toHex() + " " + sealed.digest().toHex() + " " + sealed.size();
    }
}
