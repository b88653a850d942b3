package org.parley.dist;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unit under a real systemd: the package is installed into a clean Debian 12 root as in an
 * image build, the root boots (systemd-nspawn), and systemd starts the server at boot inside the
 * unit's sandbox, which the process shows (user parley, no new privileges, a seccomp filter, only
 * CAP_NET_BIND_SERVICE); the JVM serves /healthz and /readyz under it. Installing a higher version
 * into the running system restarts the server; "systemctl stop" drains it and systemd counts the
 * exit as a success; dpkg -r stops a running server and masks the unit.
 *
 * <p>Needs root, debootstrap and systemd-nspawn (Debian's systemd-container); skipped with the
 * reason otherwise (a failure with PARLEY_REQUIRE_DEB=1, as in CI).
 */
@Tag("deb")
class BootedUnitTest {
    private static final int PORT = 7878;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** CAP_NET_BIND_SERVICE (capability 10) alone, as /proc/PID/status shows a capability set. */
    private static final String BIND_SERVICE_ONLY = "0000000000000400";

    @TempDir
    Path temp;

    @Test
    void systemdStartsTheServerSandboxedRestartsItOnUpgradeAndStopsItCleanly() throws Exception {
        Commands.requireOrSkip(CleanRoot.unavailable().isEmpty(), CleanRoot.unavailable().orElse(""));
        Commands.requireOrSkip(Commands.find("/usr/bin/systemd-nspawn").isPresent(),
                "systemd-nspawn is not installed (apt-get install systemd-container)");
        Path deb = BuiltPackage.file();
        Path upgrade = BuiltPackage.withVersion(BuiltPackage.version() + "+upgrade1", temp.resolve("repack"));
        try (CleanRoot root = CleanRoot.start(temp.resolve("clean-root"), List.of(deb, upgrade))) {
            root.run("dpkg", "-i", "/parley-test/" + deb.getFileName()).ok();
            try (BootedSystem system = root.boot(temp.resolve("console.log"))) {
                assertThat(system.awaitBoot()).isIn("running", "degraded");

                long firstPid = awaitServing(system);
                assertSandboxed(system, firstPid);

                system.run("dpkg", "-i", "/parley-test/" + upgrade.getFileName()).ok();
                long upgradedPid = awaitServing(system);
                assertThat(upgradedPid).as("postinst restarted the server on the new version").isNotEqualTo(firstPid);

                system.run("systemctl", "stop", "parley").ok();
                assertThat(show(system, "ActiveState")).isEqualTo("inactive");
                assertThat(show(system, "Result")).as("SIGTERM's exit 143 is a clean stop").isEqualTo("success");
                assertThat(system.run("journalctl", "-u", "parley", "--no-pager").ok().out())
                        .contains("drained: every queued send is stored and answered");

                system.run("systemctl", "start", "parley").ok();
                awaitServing(system);
                system.run("dpkg", "-r", "parley").ok();
                assertThat(show(system, "ActiveState")).as("prerm stopped it").isEqualTo("inactive");
                assertThat(system.run("systemctl", "is-enabled", "parley").out().strip()).isEqualTo("masked");
            }
        }
    }

    /** Waits for systemd's parley.service to serve /healthz and /readyz; returns its main PID (in the container). */
    private static long awaitServing(BootedSystem system) throws InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String health = "";
        while (!health.startsWith("HTTP/1.1 200")) {
            String state = show(system, "ActiveState");
            if (state.equals("failed") || Instant.now().isAfter(deadline)) {
                throw new AssertionError("parley.service is " + state + " and /healthz answered '" + health + "'; its journal:\n"
                        + system.run("journalctl", "-u", "parley", "--no-pager").out());
            }
            Thread.sleep(500);
            health = system.get(PORT, "/healthz");
        }
        assertThat(system.get(PORT, "/readyz")).startsWith("HTTP/1.1 200 OK ready").contains("database: ok");
        return Long.parseLong(show(system, "MainPID"));
    }

    private static void assertSandboxed(BootedSystem system, long pid) {
        String uid = system.run("id", "-u", "parley").ok().out().strip();
        String status = system.run("cat", "/proc/" + pid + "/status").ok().out();
        assertThat(status).as("the server process under the unit's sandbox")
                .containsPattern("(?m)^Name:\\s+java$")
                .containsPattern("(?m)^Uid:\\s+" + uid + "\\s+" + uid + "\\s")
                .containsPattern("(?m)^NoNewPrivs:\\s+1$")
                .containsPattern("(?m)^Seccomp:\\s+2$")
                .containsPattern("(?m)^CapEff:\\s+" + BIND_SERVICE_ONLY + "$")
                .containsPattern("(?m)^CapBnd:\\s+" + BIND_SERVICE_ONLY + "$")
                .containsPattern("(?m)^CapAmb:\\s+" + BIND_SERVICE_ONLY + "$");
        Commands.Result security = system.run("systemd-analyze", "security", "--threshold=20", "parley.service");
        assertThat(security.code()).as("systemd's exposure score of the running unit, at most 2.0:\n%s", security).isZero();
    }

    private static String show(BootedSystem system, String property) {
        return system.run("systemctl", "show", "--property=" + property, "--value", "parley").ok().out().strip();
    }
}
