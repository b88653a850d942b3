package org.parley.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ParleyServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built package as dpkg-deb shows it: control fields, the files with their owners and modes,
 * the conffile, the maintainer scripts, the systemd unit's sandbox, and a settings file the
 * packaged server accepts. Needs dpkg-deb (skipped with the reason without it; a failure with
 * PARLEY_REQUIRE_DEB=1).
 */
class DebianPackageContentsTest {
    private static final String UNIT = "lib/systemd/system/parley.service";
    private static final String SETTINGS = "etc/parley/parley.toml";
    /** What every line of "dpkg-deb -c" for a file of the package must be: mode, owner, path. */
    private static final Map<String, String> FILES = Map.of(
            "./usr/bin/parley", "-rwxr-xr-x root/root",
            "./usr/share/parley/parley.jar", "-rw-r--r-- root/root",
            "./" + UNIT, "-rw-r--r-- root/root",
            "./" + SETTINGS, "-rw-r----- root/root",
            "./usr/share/doc/parley/copyright", "-rw-r--r-- root/root");
    /** The sandbox the unit must ask systemd for, setting by setting. */
    private static final Map<String, String> SANDBOX = new LinkedHashMap<>();

    static {
        SANDBOX.put("User", "parley");
        SANDBOX.put("Group", "parley");
        SANDBOX.put("ExecStart", "/usr/bin/parley server --config /etc/parley/parley.toml");
        SANDBOX.put("StateDirectory", "parley");
        SANDBOX.put("StateDirectoryMode", "0750");
        SANDBOX.put("UMask", "0077");
        SANDBOX.put("Restart", "on-failure");
        SANDBOX.put("SuccessExitStatus", "143");
        SANDBOX.put("NoNewPrivileges", "yes");
        SANDBOX.put("ProtectSystem", "strict");
        SANDBOX.put("ProtectHome", "yes");
        SANDBOX.put("PrivateTmp", "yes");
        SANDBOX.put("PrivateDevices", "yes");
        SANDBOX.put("ProtectKernelTunables", "yes");
        SANDBOX.put("ProtectKernelModules", "yes");
        SANDBOX.put("ProtectKernelLogs", "yes");
        SANDBOX.put("ProtectControlGroups", "yes");
        SANDBOX.put("ProtectClock", "yes");
        SANDBOX.put("ProtectHostname", "yes");
        SANDBOX.put("RestrictNamespaces", "yes");
        SANDBOX.put("RestrictRealtime", "yes");
        SANDBOX.put("RestrictSUIDSGID", "yes");
        SANDBOX.put("LockPersonality", "yes");
        SANDBOX.put("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX");
        SANDBOX.put("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE");
        SANDBOX.put("AmbientCapabilities", "CAP_NET_BIND_SERVICE");
        SANDBOX.put("SystemCallFilter", "@system-service");
        SANDBOX.put("SystemCallArchitectures", "native");
    }

    /** {@code key = value}, or {@code # key = value} for one that is commented out. */
    private static final Pattern SETTING = Pattern.compile("(# )?([a-z][a-z-]*) = (.+)");
    /** systemd-analyze's --threshold counts tenths: 20 is an exposure of 2.0 (of 10). */
    private static final int EXPOSURE_THRESHOLD = 20;

    @TempDir
    static Path temp;
    private static Path deb;
    private static Path tree;
    private static Path control;

    @BeforeAll
    static void unpack() {
        Commands.requireOrSkip(Commands.find("/usr/bin/dpkg-deb").isPresent(), "dpkg-deb is not installed");
        deb = BuiltPackage.file();
        tree = temp.resolve("tree");
        control = temp.resolve("control");
        Commands.run("dpkg-deb", "-x", deb.toString(), tree.toString()).ok();
        Commands.run("dpkg-deb", "-e", deb.toString(), control.toString()).ok();
    }

    @Test
    void controlFieldsNameTheArchitectureFreePackageAndItsJavaAndAdduser() throws IOException {
        String version = Commands.run("dpkg-deb", "-f", deb.toString(), "Version").ok().out().strip();
        assertThat(version).as("the version in the file name").isEqualTo(BuiltPackage.version());
        String release = System.getProperty("parley.version").replace("-SNAPSHOT", "");
        assertThat(version).as("a snapshot sorts below its release and above the build before it")
                .matches(Pattern.quote(release) + "(~\\d{14})?");
        assertThat(field("Package")).isEqualTo("parley");
        assertThat(field("Architecture")).isEqualTo("all");
        assertThat(field("Depends")).isEqualTo("default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser");
        assertThat(field("Maintainer")).isNotBlank();
        assertThat(field("Description")).startsWith("end-to-end encrypted messenger");
        assertThat(Long.parseLong(field("Installed-Size"))).as("KiB, the jar included")
                .isGreaterThan(Files.size(BuiltPackage.cliJar()) / 1024);
    }

    @Test
    void filesHaveTheirOwnersAndModesAndNothingElseIsInstalled() {
        Map<String, String> files = new LinkedHashMap<>();
        for (String line : Commands.run("dpkg-deb", "-c", deb.toString()).ok().out().lines().toList()) {
            // -rw-r--r-- root/root   1234 2026-12-06 02:40 ./usr/bin/parley
            String[] fields = line.trim().split("\\s+", 6);
            if (!fields[0].startsWith("d")) {
                files.put(fields[5], fields[0] + " " + fields[1]);
            }
        }
        assertThat(files).isEqualTo(FILES);
    }

    @Test
    void theJarIsTheCommandLineJarOfThisBuild() throws Exception {
        assertThat(sha256(tree.resolve("usr/share/parley/parley.jar"))).isEqualTo(sha256(BuiltPackage.cliJar()));
    }

    @Test
    void theSettingsFileIsTheOneConffileAndMaintainerScriptsAreExecutableShellThatParses() throws IOException {
        assertThat(Files.readAllLines(control.resolve("conffiles"))).containsExactly("/" + SETTINGS);
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path file = control.resolve(script);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(script).isEqualTo("rwxr-xr-x");
            assertThat(Files.readString(file)).as(script).startsWith("#!/bin/sh\n").contains("\nset -e\n");
            Commands.run("sh", "-n", file.toString()).ok();
        }
        Commands.run("sh", "-n", tree.resolve("usr/bin/parley").toString()).ok();
    }

    @Test
    void theUnitRunsTheServerAsParleyInTheSandbox() throws IOException {
        Map<String, String> service = serviceSettings(Files.readString(tree.resolve(UNIT)));
        assertThat(service).containsAllEntriesOf(SANDBOX);
        assertThat(service).as("the JIT writes code it then runs: MemoryDenyWriteExecute would stop the JVM")
                .doesNotContainKey("MemoryDenyWriteExecute");
        assertThat(Duration.ofSeconds(Long.parseLong(service.get("TimeoutStopSec"))))
                .as("systemd must wait for the drain on SIGTERM")
                .isGreaterThan(ParleyServer.DEFAULT_DRAIN_TIMEOUT.multipliedBy(2));
    }

    @Test
    void systemdRatesTheSandboxLockedDown() {
        Commands.requireOrSkip(Commands.find("/usr/bin/systemd-analyze").isPresent(), "systemd-analyze is not installed");
        // systemd's own exposure score of the unit, from 0 (locked down) to 10 (exposed); 1.8 when written.
        Commands.Result security = Commands.run("systemd-analyze", "security", "--offline=true", "--root=" + tree,
                "--threshold=" + EXPOSURE_THRESHOLD, "/" + UNIT);
        assertThat(security.code()).as(security.toString()).isZero();
        assertThat(security.out()).contains("Overall exposure level for parley.service");
    }

    /**
     * The settings file as shipped, and with each paragraph of commented settings switched on
     * (they are alternatives: ACME or a certificate of one's own), is one the packaged server takes.
     */
    @Test
    void theSettingsFileAndEachOfItsCommentedChoicesAreAcceptedByThePackagedServer() throws IOException {
        String shipped = Files.readString(tree.resolve(SETTINGS));
        Map<String, String> active = new LinkedHashMap<>();
        List<Map<String, String>> choices = new ArrayList<>();
        for (String paragraph : shipped.split("\n\s*\n")) {
            Map<String, String> commented = new LinkedHashMap<>();
            for (String line : paragraph.lines().toList()) {
                Matcher setting = SETTING.matcher(line);
                if (setting.matches()) {
                    (setting.group(1) == null ? active : commented).put(setting.group(2), setting.group(3));
                }
            }
            if (!commented.isEmpty()) {
                choices.add(commented);
            }
        }
        assertThat(active).containsEntry("data", "\"/var/lib/parley\"").containsEntry("listen", "\"127.0.0.1:7878\"");
        assertThat(choices).as("commented settings to choose from").hasSizeGreaterThan(3);
        assertAccepted(active);
        for (Map<String, String> choice : choices) {
            Map<String, String> settings = new LinkedHashMap<>(active);
            settings.putAll(choice);
            assertAccepted(settings);
        }
    }

    private static void assertAccepted(Map<String, String> settings) throws IOException {
        Path file = Files.createTempFile(temp, "settings", ".toml");
        StringBuilder toml = new StringBuilder();
        settings.forEach((key, value) -> toml.append(key).append(" = ").append(value).append('\n'));
        Files.writeString(file, toml);
        Commands.Result printed = Commands.run(Duration.ofMinutes(2), List.of(java(), "-jar",
                tree.resolve("usr/share/parley/parley.jar").toString(), "server", "--config", file.toString(), "--print-config"));
        assertThat(printed.code()).as("%s\n%s", toml, printed).isZero();
        for (String key : settings.keySet()) {
            assertThat(printed.out()).as("%s\n%s", toml, printed).containsPattern("(?m)^" + Pattern.quote(key) + " = .*# file ");
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String field(String name) {
        return Commands.run("dpkg-deb", "-f", deb.toString(), name).ok().out().strip();
    }

    /** The [Service] section's Key=Value lines; comments and other sections left out. */
    static Map<String, String> serviceSettings(String unit) {
        Map<String, String> settings = new LinkedHashMap<>();
        String section = "";
        for (String line : unit.lines().map(String::strip).toList()) {
            if (line.startsWith("[")) {
                section = line;
            } else if (section.equals("[Service]") && !line.isEmpty() && !line.startsWith("#")) {
                int equals = line.indexOf('=');
                assertThat(equals).as("a Key=Value line: %s", line).isPositive();
                assertThat(settings.put(line.substring(0, equals), line.substring(equals + 1))).as("set twice: %s", line).isNull();
            }
        }
        return settings;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
