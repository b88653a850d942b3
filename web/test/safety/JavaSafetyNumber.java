// Runs the Java client's real SafetyNumber for the web interop test (safety-number.test.ts): reads
// lines "LOCAL_USERNAME_HEX LOCAL_KEY_HEX REMOTE_USERNAME_HEX REMOTE_KEY_HEX" (usernames as UTF-8
// hex, so any name survives) and prints, one line each, the 60 digits and, after a space, the
// formatted number with its spaces written as '_' and its line breaks as '/'.
//   java -cp cli/target/parley.jar JavaSafetyNumber.java < pairs
import org.parley.client.safety.SafetyNumber;
import org.parley.mls.codec.Bytes;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

public class JavaSafetyNumber {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.split(" ");
            String number = SafetyNumber.compute(side(f[0], f[1]), side(f[2], f[3]));
            System.out.println(number + " " + SafetyNumber.format(number).replace(" ", "_").replace("\n", "/"));
        }
    }

    private static SafetyNumber.Side side(String usernameHex, String keyHex) {
        return new SafetyNumber.Side(new String(Bytes.fromHex(usernameHex).toByteArray(), StandardCharsets.UTF_8), Bytes.fromHex(keyHex));
    }
}
