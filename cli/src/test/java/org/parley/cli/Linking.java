package org.parley.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives both halves of device linking through Main.run, as two people at two terminals would:
 * {@code parley link} on the new profile runs in the background until it prints its code, then
 * {@code parley link-accept CODE} runs on the approving profile.
 */
final class Linking {
    private static final Pattern CODE = Pattern.compile("link-accept (\\S+)");

    /** The waiting new device: its output so far, and its result once it ends. */
    record Waiting(String code, CompletableFuture<MainTest.Result> result) {
        MainTest.Result finish() throws Exception {
            return result.get(60, TimeUnit.SECONDS);
        }
    }

    /** Both sides' results. */
    record Linked(MainTest.Result newDevice, MainTest.Result approver) {
    }

    private Linking() {
    }

    /** Starts {@code parley --profile NEW link --server URL [extra...]} and waits until it shows its code. */
    static Waiting start(String newProfile, String serverUrl, String... extra) throws InterruptedException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[5 + extra.length];
        args[0] = "--profile";
        args[1] = newProfile;
        args[2] = "link";
        args[3] = "--server";
        args[4] = serverUrl;
        System.arraycopy(extra, 0, args, 5, extra.length);
        CompletableFuture<MainTest.Result> result = CompletableFuture.supplyAsync(() -> {
            int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new MainTest.Result(code, out.toString(), err.toString());
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Matcher code = CODE.matcher(out.toString());
            if (code.find()) {
                return new Waiting(code.group(1), result);
            }
            assertThat(result).as("'parley link' ended before showing a code: %s", err).isNotDone();
            assertThat(System.nanoTime()).as("waiting for the link code in %s", out).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Links {@code newProfile} by approving its code from {@code approverProfile}. */
    static Linked link(String newProfile, String approverProfile, String serverUrl) throws Exception {
        Waiting waiting = start(newProfile, serverUrl);
        MainTest.Result approver = MainTest.parley("--profile", approverProfile, "link-accept", waiting.code());
        return new Linked(waiting.finish(), approver);
    }
}
