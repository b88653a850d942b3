package org.parley.dist;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package as an operator meets it, in a clean Debian 12 root ({@link CleanRoot}): dpkg -i
 * creates the user and the data folder and enables the unit; the server runs the unit's command
 * line as the unit would (its user, working folder and umask; systemd itself does not run in a
 * chroot) with the installed settings and answers /healthz and /readyz; the README's admin
 * commands work as user parley, and its restore as root; an upgrade to a higher version keeps
 * the data and an edited settings file; dpkg -r keeps the data; dpkg -P deletes it, the settings
 * and the user.
 *
 * <p>Needs root, debootstrap and Debian's package tools; skipped with the reason otherwise (a
 * failure with PARLEY_REQUIRE_DEB=1, as in CI).
 */
@Tag("deb")
class CleanRootInstallTest {
    /** The shipped settings file's loopback port. */
    private static final int PORT = 7878;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
    /** The JVM's exit code after its shutdown hook ran on SIGTERM (the unit's SuccessExitStatus). */
    private static final int SIGTERM_EXIT = 143;
    private static final String ADMIN = "runuser -u parley -- parley admin ";

    @TempDir
    Path temp;

    @Test
    void installsServesUpgradesKeepsDataOnRemoveAndPurgesInACleanDebian() throws Exception {
        Commands.requireOrSkip(CleanRoot.unavailable().isEmpty(), CleanRoot.unavailable().orElse(""));
        Commands.requireOrSkip(Commands.find("/usr/bin/dpkg-deb").isPresent(), "dpkg-deb is not installed");
        Path deb = BuiltPackage.file();
        String version = BuiltPackage.version();
        String upgradeVersion = version + "+upgrade1";
        Path upgrade = BuiltPackage.withVersion(upgradeVersion, temp.resolve("repack"));
        try (CleanRoot root = CleanRoot.start(temp.resolve("clean-root"), List.of(deb, upgrade))) {
            install(root, deb);
            String serverKey = firstServe(root);
            restore(root, serverKey);
            upgrade(root, upgrade, upgradeVersion, serverKey);
            remove(root);
            purge(root);
        }
    }

    private void install(CleanRoot root, Path deb) {
        Commands.Result installed = root.run("dpkg", "-i", "/parley-test/" + deb.getFileName()).ok();
        assertThat(installed.err()).as(installed.toString()).doesNotContainIgnoringCase("warning");

        String passwd = root.run("getent", "passwd", "parley").ok().out().strip();
        Matcher user = Pattern.compile("parley:x:(\\d+):(\\d+):[^:]*:/var/lib/parley:/usr/sbin/nologin").matcher(passwd);
        assertThat(user.matches()).as("a system user without a login: %s", passwd).isTrue();
        assertThat(Integer.parseInt(user.group(1))).as("a system uid").isLessThan(1000);
        root.run("getent", "group", "parley").ok();
        assertThat(root.run("stat", "-c", "%U:%G %a %n", "/var/lib/parley", "/etc/parley/parley.toml").ok().out())
                .isEqualTo("parley:parley 750 /var/lib/parley\nroot:parley 640 /etc/parley/parley.toml\n");
        assertThat(root.run("readlink", "/etc/systemd/system/multi-user.target.wants/parley.service").ok().out().strip())
                .as("enabled, to start at boot").isEqualTo("/lib/systemd/system/parley.service");

        Commands.Result verify = root.run("systemd-analyze", "verify", "/lib/systemd/system/parley.service");
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(verify.out() + verify.err()).as(verify.toString()).doesNotContain("parley");

        assertThat(root.run("parley", "--version").ok().out()).contains(System.getProperty("parley.version"));
    }

    /** The first start: a user registers, the admin commands run; returns the server key's hash. */
    private String firstServe(CleanRoot root) throws Exception {
        Process server = startServer(root, "first");
        try {
            root.run("parley", "--profile", "/root/alice", "register", "alice", "--server", "http://127.0.0.1:" + PORT).ok();
            assertThat(root.sh(ADMIN + "invite --data /var/lib/parley").ok().out()).as("an invite code").isNotBlank();
            assertThat(root.sh(ADMIN + "stats --data /var/lib/parley").ok().out()).containsPattern("\"accounts\"\\s*:\\s*1\\b");
            root.sh("install -d -o parley -g parley -m 0700 /var/backups/parley"
                    + " && (umask 027 && echo 'correct horse battery staple' > /etc/parley/backup-passphrase)"
                    + " && chgrp parley /etc/parley/backup-passphrase").ok();
            assertThat(root.sh(ADMIN + "backup /var/backups/parley/first.backup --data /var/lib/parley"
                    + " --passphrase-file /etc/parley/backup-passphrase").ok().out())
                    .contains("Backed up the database, the server key");
        } finally {
            stopServer(server);
        }
        assertThat(root.run("stat", "-c", "%U:%G %a", "/var/lib/parley/parley.db", "/var/lib/parley/server-key").ok().out())
                .as("written by user parley under UMask=0077").isEqualTo("parley:parley 600\nparley:parley 600\n");
        return root.run("sha256sum", "/var/lib/parley/server-key").ok().out();
    }

    /** The README's restore: data moved aside, restored by root, given back to parley; the upgrade then serves it. */
    private static void restore(CleanRoot root, String serverKey) {
        root.run("mv", "/var/lib/parley", "/var/lib/parley.before-restore").ok();
        assertThat(root.sh("parley admin restore /var/backups/parley/first.backup --data /var/lib/parley"
                + " --passphrase-file /etc/parley/backup-passphrase").ok().out()).contains("Restored the database, the server key");
        root.sh("chown -R parley:parley /var/lib/parley && chmod 0750 /var/lib/parley && rm -rf /var/lib/parley.before-restore").ok();
        assertThat(root.run("sha256sum", "/var/lib/parley/server-key").ok().out()).as("the restored server key").isEqualTo(serverKey);
    }

    private void upgrade(CleanRoot root, Path upgrade, String upgradeVersion, String serverKey) throws Exception {
        // The operator's change to the settings file survives, without a question (the package's copy did not change).
        root.sh("echo 'retention-days = 14' >> /etc/parley/parley.toml").ok();
        root.run("dpkg", "-i", "/parley-test/" + upgrade.getFileName()).ok();
        assertThat(root.run("dpkg-query", "-W", "-f=${Version}", "parley").ok().out()).isEqualTo(upgradeVersion);
        assertThat(root.run("tail", "-n", "1", "/etc/parley/parley.toml").ok().out()).isEqualTo("retention-days = 14\n");
        assertThat(root.sh("ls /etc/parley").ok().out()).isEqualTo("backup-passphrase\nparley.toml\n");
        assertThat(root.run("sha256sum", "/var/lib/parley/server-key").ok().out()).as("the same server key").isEqualTo(serverKey);
        assertThat(root.run("stat", "-c", "%U:%G %a", "/var/lib/parley").ok().out()).isEqualTo("parley:parley 750\n");

        Process server = startServer(root, "upgraded");
        try {
            assertThat(root.sh(ADMIN + "stats --data /var/lib/parley").ok().out()).as("alice is still there")
                    .containsPattern("\"accounts\"\\s*:\\s*1\\b");
        } finally {
            stopServer(server);
        }
    }

    private void remove(CleanRoot root) {
        Commands.Result removed = root.run("dpkg", "-r", "parley").ok();
        assertThat(removed.out()).contains("the server's data is kept in /var/lib/parley");
        root.sh("test ! -e /usr/bin/parley && test ! -e /usr/share/parley/parley.jar && test ! -e /lib/systemd/system/parley.service").ok();
        root.sh("test -s /var/lib/parley/parley.db && test -s /var/lib/parley/server-key && test -f /etc/parley/parley.toml").ok();
        assertThat(root.run("dpkg-query", "-W", "-f=${Status}", "parley").ok().out()).isEqualTo("deinstall ok config-files");
        root.run("getent", "passwd", "parley").ok();
        assertThat(root.run("readlink", "/etc/systemd/system/parley.service").ok().out().strip())
                .as("masked, so the settings left behind start nothing").isEqualTo("/dev/null");
    }

    private void purge(CleanRoot root) {
        Commands.Result purged = root.run("dpkg", "-P", "parley").ok();
        assertThat(purged.out()).contains("deleted /var/lib/parley");
        root.sh("test ! -e /var/lib/parley && test ! -e /etc/parley && test ! -e /etc/systemd/system/parley.service"
                + " && test ! -e /etc/systemd/system/multi-user.target.wants/parley.service").ok();
        assertThat(root.run("getent", "passwd", "parley").code()).as("the user is gone").isEqualTo(2);
        assertThat(root.run("getent", "group", "parley").code()).as("the group is gone").isEqualTo(2);
        assertThat(root.run("dpkg-query", "-W", "parley").code()).as("dpkg forgot the package").isNotZero();
    }

    /**
     * Runs the unit's ExecStart as the unit would: as its User, in its WorkingDirectory, with its
     * UMask; then waits for /healthz and /readyz.
     */
    private Process startServer(CleanRoot root, String name) throws Exception {
        Map<String, String> unit = DebianPackageContentsTest.serviceSettings(root.run("cat", "/lib/systemd/system/parley.service").ok().out());
        List<String> argv = new ArrayList<>(List.of("sh", "-c",
                "cd \"$1\" && umask \"$2\" && export HOME=\"$1\" && user=$3 && shift 3"
                        + " && exec setpriv --reuid=\"$user\" --regid=\"$user\" --init-groups -- \"$@\"",
                "sh", unit.get("WorkingDirectory"), unit.get("UMask"), unit.get("User")));
        argv.addAll(List.of(unit.get("ExecStart").split(" ")));
        Path log = temp.resolve(name + "-server.log");
        Process server = root.spawn(argv, log);
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String health = "";
        while (!health.startsWith("HTTP/1.1 200")) {
            if (!server.isAlive() || Instant.now().isAfter(deadline)) {
                server.destroyForcibly().waitFor();
                throw new AssertionError("the installed server did not answer /healthz within " + START_TIMEOUT.toSeconds()
                        + " s (last answer: " + health + "); its log:\n" + Files.readString(log));
            }
            Thread.sleep(500);
            health = root.get(PORT, "/healthz");
        }
        assertThat(root.get(PORT, "/readyz")).startsWith("HTTP/1.1 200 OK ready").contains("database: ok");
        String uid = root.run("id", "-u", "parley").ok().out().strip();
        assertThat(Files.readString(Path.of("/proc/" + server.pid() + "/status")))
                .as("the server process is java, run by user parley")
                .containsPattern("(?m)^Name:\\s+java$").containsPattern("(?m)^Uid:\\s+" + uid + "\\s+" + uid + "\\s");
        return server;
    }

    /** SIGTERM, as systemctl stop sends: the server drains and exits by itself. */
    private static void stopServer(Process server) throws InterruptedException, IOException {
        server.destroy();
        if (!server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor();
            throw new AssertionError("the server did not stop within " + STOP_TIMEOUT.toSeconds() + " s of SIGTERM");
        }
        assertThat(server.exitValue()).as("exit code after SIGTERM").isEqualTo(SIGTERM_EXIT);
    }
}
