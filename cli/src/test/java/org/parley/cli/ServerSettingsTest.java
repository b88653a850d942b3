package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code parley server --config FILE}, PARLEY_* variables and --print-config, run as the {@code parley} command. */
class ServerSettingsTest {
    private static final String FILE_TOKEN = "file-metrics-token-0123456789";
    private static final String DB_PASSWORD = "hunter2-database-password";

    @TempDir
    Path dir;

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
        Path file = write("settings.toml", """
                # a comment
                listen = "127.0.0.1:9999"
                retention-days = 7
                max-attachment-mb = 5
                invite-only = true
                metrics-token = "%s"
                alternate = ["https://chat.example.org", "https://backup.example.org"]
                tls-cert = "certs/chain.pem"
                """.formatted(FILE_TOKEN));
        MainTest.Result result = parley(Map.of("PARLEY_RETENTION_DAYS", "9", "PARLEY_MAX_ATTACHMENT_MB", "6",
                        "PARLEY_DB", "postgresql://127.0.0.1:5432/parley?user=parley&password=" + DB_PASSWORD),
                "server", "--config", file.toString(), "--retention-days", "11", "--print-config");
        assertThat(result.code()).as(result.err()).isZero();
        String out = result.out();
        assertThat(out).contains("retention-days = 11  # flag --retention-days")
                .contains("max-attachment-mb = 6  # environment PARLEY_MAX_ATTACHMENT_MB")
                .contains("listen = '127.0.0.1:9999'  # file " + file)
                .contains("invite-only = true  # file " + file)
                .contains("alternate = ['https://chat.example.org', 'https://backup.example.org']  # file")
                .contains("tls-cert = '" + dir.resolve("certs/chain.pem") + "'") // relative to the file
                .contains("upload-timeout = 900  # default")
                .contains("# tls-key is not set (default)")
                .contains("metrics-token = '********'  # file")
                .contains("db = 'postgresql://127.0.0.1:5432/parley?user=parley&password=********'  # environment PARLEY_DB");
        assertThat(out).doesNotContain(FILE_TOKEN).doesNotContain(DB_PASSWORD);
        JsonNode printed = new TomlMapper().readTree(out);
        assertThat(printed.get("retention-days").intValue()).as("the output is itself a settings file").isEqualTo(11);
        assertThat(Files.exists(dir.resolve("parley-data"))).as("--print-config touches no data").isFalse();
    }

    @Test
    void theDataFoldersParleyTomlIsReadWhenThereIsOne() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("parley.toml"), "registration-limit = 3\nmetrics-token = \"" + FILE_TOKEN + "\"\n");
        MainTest.Result result = parley(Map.of("PARLEY_DATA", data.toString()), "server", "--print-config");
        assertThat(result.out()).contains("registration-limit = 3  # file " + data.resolve("parley.toml"))
                .contains("data = '" + data + "'  # environment PARLEY_DATA").doesNotContain(FILE_TOKEN);

        Files.writeString(data.resolve("parley.toml"), "data = \"/elsewhere\"\n");
        MainTest.Result moved = parley(Map.of(), "server", "--data", data.toString(), "--print-config");
        assertThat(moved.code()).isEqualTo(1);
        assertThat(moved.err()).contains("'data' cannot move the data folder from inside it");
    }

    @Test
    void theSettingsFileReallyConfiguresTheServer() throws Exception {
        Path file = write("parley.toml", "invite-only = true\nws-path = \"/chat/ws\"\n");
        MainTest.Result result = parley(Map.of("PARLEY_CONFIG", file.toString()), "server", "--print-config");
        assertThat(result.out()).contains("invite-only = true  # file").contains("ws-path = '/chat/ws'  # file");
    }

    @Test
    void theAcmeSettingsComeFromTheFileAndTheEnvironmentLikeAnyOther() throws Exception {
        Path file = write("parley.toml", """
                domain = "chat.example.org"
                acme-email = "admin@example.org"
                acme-http-port = 8080
                """);
        MainTest.Result single = parley(Map.of(), "server", "--config", file.toString(), "--print-config");
        assertThat(single.out()).as(single.err()).contains("domain = ['chat.example.org']  # file")
                .contains("acme-email = 'admin@example.org'  # file").contains("acme-http-port = 8080  # file")
                .contains("acme-directory = 'https://acme-v02.api.letsencrypt.org/directory'  # default");
        MainTest.Result several = parley(Map.of("PARLEY_DOMAIN", "chat.example.org, www.example.org"), "server", "--config",
                file.toString(), "--print-config");
        assertThat(several.out()).contains("domain = ['chat.example.org', 'www.example.org']  # environment PARLEY_DOMAIN");
    }

    @Test
    void anUnknownKeyIsNamedWithTheClosestKnownOne() throws Exception {
        assertFails("retension-days = 3\n", "unknown key 'retension-days' (the closest known key is 'retention-days'");
        assertFails("[server]\nlisten = \"127.0.0.1:1\"\n", "unknown key 'server' (the closest known key is");
        assertFails("\"evil\\u0000\\u001b[31mkey" + "x".repeat(5_000) + "\" = 1\n", "unknown key 'evil\\u0000\\u001b[31mkeyxxxxx");
        MainTest.Result longKey = parley(Map.of(), "server", "--config",
                write("long.toml", "\"" + "k".repeat(20_000) + "\" = 1\n").toString(), "--print-config");
        assertThat(longKey.err()).hasSizeLessThan(400).contains("...'");
    }

    @Test
    void aWrongTypeNamesTheKeyAndTheExpectedType() throws Exception {
        assertFails("retention-days = \"thirty\"\n", "'retention-days' must be an integer, got a string");
        assertFails("retention-days = 1.5\n", "'retention-days' must be an integer, got a decimal number");
        assertFails("retention-days = 99999999999\n", "'retention-days' must be an integer that fits, got an integer");
        assertFails("invite-only = \"yes\"\n", "'invite-only' must be a boolean (true or false), got a string");
        assertFails("listen = 7878\n", "'listen' must be a string, as in listen = \"...\", got an integer");
        assertFails("alternate = 5\n", "'alternate' must be a string or an array of strings, as in alternate = [");
        assertFails("alternate = [1]\n", "'alternate' must be an array of strings, got an integer");
        assertFails("listen = { host = \"x\" }\n", "'listen' must be a string");
        assertFails("tls-cert = \"a\\u0000b\"\n", "'tls-cert' is not a valid path");
        MainTest.Result env = parley(Map.of("PARLEY_RETENTION_DAYS", "thirty"), "server", "--print-config");
        assertThat(env.err()).contains("PARLEY_RETENTION_DAYS must be an integer, got 'thirty'");
        assertThat(parley(Map.of("PARLEY_INVITE_ONLY", "yes"), "server", "--print-config").err())
                .contains("PARLEY_INVITE_ONLY must be true or false");
    }

    @Test
    void malformedHostileAndOversizedFilesAreRefusedWithoutEchoingThem() throws Exception {
        assertFails("metrics-token = \"" + FILE_TOKEN + "\n", "is not valid TOML at line 1, column");
        assertThat(parley(Map.of(), "server", "--config", write("t.toml", "metrics-token = \"" + FILE_TOKEN + "\n").toString())
                .err()).doesNotContain(FILE_TOKEN);
        assertFails("listen = \"a\"\nlisten = \"b\"\n", "is not valid TOML at line 3, column 1: Duplicate key");
        assertFails("a = " + "[".repeat(30_000) + "]".repeat(30_000) + "\n", "not valid TOML");
        assertFails("x".repeat(ServerSettings.MAX_FILE_BYTES + 1), "is larger than 64 KiB");
        Path binary = dir.resolve("binary.toml");
        Files.write(binary, new byte[] {'a', ' ', '=', ' ', '"', (byte) 0xff, (byte) 0xfe, '"'});
        assertThat(parley(Map.of(), "server", "--config", binary.toString()).err()).contains("is not UTF-8 text");
        assertThat(parley(Map.of(), "server", "--config", "/dev/zero").err()).contains("/dev/zero: it is not a regular file");
        assertThat(parley(Map.of(), "server", "--config", dir.toString()).err()).contains("it is not a regular file");
        MainTest.Result missing = parley(Map.of(), "server", "--config", dir.resolve("absent.toml").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("absent.toml: it does not exist");
        assertThat(Files.exists(dir.resolve("parley-data"))).isFalse();
    }

    @Test
    void anEmptyFileChangesNothing() throws Exception {
        MainTest.Result result = parley(Map.of(), "server", "--config", write("empty.toml", "").toString(), "--print-config");
        assertThat(result.code()).isZero();
        assertThat(result.out()).contains("retention-days = 30  # default").doesNotContain("# file");
    }

    private void assertFails(String toml, String message) throws Exception {
        MainTest.Result result = parley(Map.of(), "server", "--config", write("bad.toml", toml).toString(), "--print-config");
        assertThat(result.code()).as(result.out()).isEqualTo(1);
        assertThat(result.err()).contains(message).startsWith("parley: ");
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    /** Runs {@code parley ARGS} in this JVM with {@code environment} as the server's PARLEY_* variables. */
    static MainTest.Result parley(Map<String, String> environment, String... args) {
        CommandLine cl = Main.commandLine();
        ((ServerCommand) cl.getSubcommands().get("server").getCommand()).environment = environment;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new MainTest.Result(code, out.toString(), err.toString());
    }
}
