package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.parley.client.account.AccountKey;
import org.parley.client.testkit.Forgeries;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;
import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;
import org.parley.server.accounts.Username;
import org.parley.server.keys.KeyPackageStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/** Drives register, link, link-accept, devices, unlink, safety-number, verify and trust through Main.run against a real server. */
class AccountCommandsTest {
    @TempDir
    Path temp;
    private LiveServer server;

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String profile(String name) {
        return temp.resolve(name).toString();
    }

    private static void assertFailsWith(MainTest.Result r, String text) {
        assertThat(r.code()).as("exit code; err=%s", r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("parley: ").contains(text);
        assertThat(r.err().strip().lines()).as("one line").hasSize(1);
    }

    private static String digits(String out) {
        Matcher m = Pattern.compile("((\\d{5}[ \\n]?){12})").matcher(out);
        assertThat(m.find()).as("a safety number in %s", out).isTrue();
        return m.group(1).replaceAll("\\s", "");
    }

    @Test
    void registerLinkDevicesUnlink() throws Exception {
        MainTest.Result alice = parley("--profile", profile("alice"), "register", "alice", "--server", server.url());
        assertThat(alice.code()).as(alice.err()).isZero();
        assertThat(alice.out()).contains("Registered alice on " + server.url());
        MainTest.Result bob = parley("register", "bob", "--server", server.url().replace("http", "ws"), "--profile", profile("bob"));
        assertThat(bob.code()).as(bob.err()).isZero();

        assertFailsWith(parley("--profile", profile("alice"), "register", "alice2", "--server", server.url()), "already holds alice");
        assertFailsWith(parley("--profile", profile("x"), "register", "alice", "--server", server.url()), "is taken");
        assertThat(temp.resolve("x")).doesNotExist();
        assertFailsWith(parley("--profile", profile("x"), "register", "zed", "--server", "http://127.0.0.1:1"), "cannot reach");
        assertFailsWith(parley("--profile", profile("x"), "register", "zed", "--server", "127.0.0.1:7878"), "http://HOST:PORT");
        assertFailsWith(parley("--profile", profile("nobody-here"), "devices"), "parley register");

        Linking.Waiting waiting = Linking.start(profile("laptop"), server.url());
        assertThat(waiting.code()).as("the server's code and the new device's fingerprint").matches("([0-9A-Z]{4}-){6}[0-9A-Z]{4}");
        String code = waiting.code();
        char first = code.charAt(0);
        assertFailsWith(parley("--profile", profile("alice"), "link-accept", (first == 'A' ? 'B' : 'A') + code.substring(1)),
                "not a valid link code");
        assertFailsWith(parley("--profile", profile("alice"), "link-accept", "ABCD"), "not a valid link code");
        assertFailsWith(parley("--profile", profile("alice"), "link-accept", code.substring(0, 14)), "type the whole code");
        char last = code.charAt(code.length() - 1);
        assertFailsWith(parley("--profile", profile("alice"), "link-accept", code.substring(0, code.length() - 1) + (last == 'A' ? 'B' : 'A')),
                "is not the one showing it: do not link");
        assertFailsWith(parley("--profile", profile("nobody-here"), "link-accept", code), "parley register");
        MainTest.Result accept = parley("--profile", profile("alice"), "link-accept", code.toLowerCase());
        assertThat(accept.code()).as(accept.err()).isZero();
        assertThat(accept.out()).contains("is now linked to alice");
        MainTest.Result linked = waiting.finish();
        assertThat(linked.code()).as(linked.err()).isZero();
        assertThat(linked.out()).contains("of alice on " + server.url());
        // The code works once.
        assertFailsWith(parley("--profile", profile("alice"), "link-accept", code), "no new device is waiting with that code");
        assertFailsWith(parley("--profile", profile("laptop"), "link", "--server", server.url()), "already holds alice");

        MainTest.Result devices = parley("--profile", profile("laptop"), "devices");
        assertThat(devices.out().lines()).hasSize(2);
        String other = devices.out().lines().filter(l -> !l.contains("this device")).findFirst().orElseThrow();
        assertFailsWith(parley("--profile", profile("alice"), "unlink", "zz"), "no device");
        MainTest.Result unlink = parley("--profile", profile("laptop"), "unlink", other.substring(0, 8));
        assertThat(unlink.code()).as(unlink.err()).isZero();
        assertThat(parley("--profile", profile("laptop"), "devices").out().lines()).hasSize(1);
        assertFailsWith(parley("--profile", profile("alice"), "devices"), "");
    }

    @Test
    void aNewDeviceThatIsNotApprovedInTimeGivesUpAndLeavesNoProfile() throws Exception {
        assertThat(parley("--profile", profile("alice"), "register", "alice", "--server", server.url()).code()).isZero();
        Linking.Waiting waiting = Linking.start(profile("laptop"), server.url(), "--wait", "1");
        MainTest.Result gaveUp = waiting.finish();
        assertFailsWith(gaveUp, "no device approved the link code within 1 s");
        assertThat(temp.resolve("laptop")).doesNotExist();
        assertFailsWith(parley("--profile", profile("laptop"), "link", "--server", "http://127.0.0.1:1"), "cannot reach");
        assertThat(temp.resolve("laptop")).doesNotExist();
        assertThat(parley("--profile", profile("alice"), "devices").out().lines()).hasSize(1);
    }

    @Test
    void safetyNumbersMatchVerifyAndWarnOnChange() throws Exception {
        assertThat(parley("--profile", profile("alice"), "register", "alice", "--server", server.url()).code()).isZero();
        assertThat(parley("--profile", profile("bob"), "register", "bob", "--server", server.url()).code()).isZero();

        MainTest.Result fromAlice = parley("--profile", profile("alice"), "safety-number", "bob");
        MainTest.Result fromBob = parley("--profile", profile("bob"), "safety-number", "alice");
        assertThat(fromAlice.code()).as(fromAlice.err()).isZero();
        assertThat(digits(fromAlice.out())).hasSize(60).isEqualTo(digits(fromBob.out()));
        assertThat(fromBob.out()).contains("Not verified").doesNotContain("WARNING");

        String wrong = digits(fromBob.out()).substring(1) + "0";
        assertFailsWith(parley("--profile", profile("bob"), "verify", "alice", wrong), "the numbers differ");
        MainTest.Result verified = parley("--profile", profile("bob"), "verify", "alice", fromAlice.out().split("\n")[0],
                fromAlice.out().split("\n")[1], fromAlice.out().split("\n")[2]);
        assertThat(verified.code()).as(verified.err()).isZero();
        assertThat(parley("--profile", profile("bob"), "safety-number", "alice").out()).contains("alice is verified");

        Linking.Linked linked = Linking.link(profile("alice2"), profile("alice"), server.url());
        assertThat(linked.newDevice().code()).as(linked.newDevice().err()).isZero();
        assertThat(linked.approver().code()).as(linked.approver().err()).isZero();
        MainTest.Result afterLink = parley("--profile", profile("bob"), "safety-number", "alice");
        assertThat(afterLink.out()).as("a device alice's account signed is no change").doesNotContain("WARNING")
                .contains("alice is verified");
        assertThat(digits(afterLink.out())).isEqualTo(digits(fromBob.out()))
                .isEqualTo(digits(parley("--profile", profile("alice2"), "safety-number", "bob").out()));

        assertFailsWith(parley("--profile", profile("bob"), "safety-number", "nobody"), "there is no 'nobody'");
    }

    @Test
    void aSwappedAccountKeyIsShownLoudlyAndBlocksSendingToAVerifiedContactUntilTrusted() throws Exception {
        assertThat(parley("--profile", profile("alice"), "register", "alice", "--server", server.url()).code()).isZero();
        assertThat(parley("--profile", profile("carol"), "register", "carol", "--server", server.url()).code()).isZero();
        String number = digits(parley("--profile", profile("carol"), "safety-number", "alice").out());
        assertThat(parley("--profile", profile("alice"), "verify", "carol", number).code()).isZero();
        assertThat(parley("--profile", profile("alice"), "send", "carol", "before").code()).isZero();
        assertFailsWith(parley("--profile", profile("alice"), "trust", "nobody"), "parley safety-number nobody");

        // The operator serves its own key package for carol's device, under a fresh account key.
        KeyPackageStore keyPackages = server.store().keyPackages();
        AccountId carolAccount = server.store().accounts().findByUsername(Username.parse("carol")).orElseThrow().id();
        DeviceId carolDevice = server.store().accounts().devices(carolAccount).get(0).id();
        while (keyPackages.count(carolDevice) > 0) {
            keyPackages.claim(carolAccount);
        }
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        keyPackages.setLastResort(carolDevice, Forgeries.keyPackage("carol", Bytes.copyOf(carolAccount.bytes()),
                Bytes.copyOf(carolDevice.bytes()), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, carolAccount.bytes(), deviceKey)).publicBytes());

        MainTest.Result changed = parley("--profile", profile("alice"), "safety-number", "carol");
        assertThat(changed.out()).contains("WARNING: carol's account key CHANGED").contains("Not verified")
                .contains("parley trust carol");
        assertThat(digits(changed.out())).isNotEqualTo(number);
        assertFailsWith(parley("--profile", profile("alice"), "send", "carol", "during"),
                "carol's account key changed since you verified it");
        MainTest.Result trusted = parley("--profile", profile("alice"), "trust", "carol");
        assertThat(trusted.code()).as(trusted.err()).isZero();
        assertThat(trusted.out()).contains("carol is not verified");
        assertThat(parley("--profile", profile("alice"), "send", "carol", "after").code()).isZero();
        assertThat(parley("--profile", profile("carol"), "accept", "alice").code()).isZero();
        assertThat(parley("--profile", profile("carol"), "receive").out()).contains("before").contains("after").doesNotContain("during");
    }

    @Test
    void aDeviceTheServerInsertsIntoAnAccountIsReportedAndNeverAdded() throws Exception {
        assertThat(parley("--profile", profile("alice"), "register", "alice", "--server", server.url()).code()).isZero();
        assertThat(parley("--profile", profile("bob"), "register", "bob", "--server", server.url()).code()).isZero();
        assertThat(parley("--profile", profile("alice"), "send", "bob", "hello").code()).isZero();

        // The operator adds a device row to alice's account and publishes a key package for it.
        AccountId aliceAccount = server.store().accounts().findByUsername(Username.parse("alice")).orElseThrow().id();
        DeviceId ghost = server.store().accounts().addDevice(aliceAccount,
                new Ed25519PrivateKeyParameters(new SecureRandom()).generatePublicKey().getEncoded(),
                org.parley.protocol.MailboxSeal.generateKeyPair()[1]).id();
        Ed25519PrivateKeyParameters operatorKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        server.store().keyPackages().upload(ghost, java.util.List.of(Forgeries.keyPackage("alice", Bytes.copyOf(aliceAccount.bytes()),
                Bytes.copyOf(ghost.bytes()), Bytes.copyOf(operatorKey.generatePublicKey().getEncoded()),
                deviceKey -> AccountKey.certify(operatorKey, aliceAccount.bytes(), deviceKey)).publicBytes()));

        MainTest.Result received = parley("--profile", profile("alice"), "receive");
        assertThat(received.code()).as(received.err()).isZero();
        assertThat(received.out()).contains("WARNING: the server lists a device of your account (" + Bytes.copyOf(ghost.bytes()).toHex()
                + ") that none of your devices approved; it was not added");
        assertThat(parley("--profile", profile("alice"), "devices").out().lines()).as("the server still lists it").hasSize(2);
        assertThat(server.store().mailbox().pending(ghost, 0, 100)).as("nothing reached the ghost").isEmpty();
        assertThat(parley("--profile", profile("alice"), "send", "bob", "still private").code()).isZero();
        assertThat(parley("--profile", profile("bob"), "accept", "alice").code()).isZero();
        assertThat(parley("--profile", profile("bob"), "receive").out()).contains("still private").doesNotContain("WARNING");
        assertThat(server.store().mailbox().pending(ghost, 0, 100)).isEmpty();
    }

    @Test
    void passphraseAndDamagedProfilesFailCleanlyAndLeaveTheProfileIntact() throws Exception {
        Path secret = temp.resolve("secret.txt");
        Path wrong = temp.resolve("wrong.txt");
        Files.writeString(secret, "correct horse\n");
        Files.writeString(wrong, "battery staple\n");
        assertThat(parley("--profile", profile("carol"), "--passphrase-file", secret.toString(), "register", "carol",
                "--server", server.url()).code()).isZero();
        Path db = temp.resolve("carol").resolve("profile.db");
        byte[] before = Files.readAllBytes(db);
        assertFailsWith(parley("--profile", profile("carol"), "--passphrase-file", wrong.toString(), "devices"), "wrong passphrase");
        assertFailsWith(parley("--profile", profile("carol"), "devices"), "--passphrase-file");
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
        assertThat(parley("devices", "--profile", profile("carol"), "--passphrase-file", secret.toString()).code()).isZero();

        Path broken = temp.resolve("broken");
        Files.createDirectories(broken);
        byte[] garbage = "this is not a database at all, just text".repeat(100).getBytes(StandardCharsets.US_ASCII);
        Files.write(broken.resolve("profile.db"), garbage);
        assertFailsWith(parley("--profile", broken.toString(), "devices"), "damaged");
        assertThat(Files.readAllBytes(broken.resolve("profile.db"))).isEqualTo(garbage);
    }
}
