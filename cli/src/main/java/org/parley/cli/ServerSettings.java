package org.parley.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where each {@code parley server} setting comes from. Every flag is also a TOML key (its long
 * name without the dashes: {@code retention-days = 30}) and a variable ({@code PARLEY_RETENTION_DAYS});
 * a later source wins: default &lt; file &lt; environment &lt; flag. The file is {@code --config FILE}
 * (or {@code $PARLEY_CONFIG}), else {@code parley.toml} in the data folder when there is one.
 */
final class ServerSettings {
    static final String DEFAULT_FILE_NAME = "parley.toml";
    static final String CONFIG_VARIABLE = "PARLEY_CONFIG";
    /** A settings file is a few hundred bytes; more is a mistake (or /dev/zero), refused before parsing. */
    static final int MAX_FILE_BYTES = 64 * 1024;
    private static final Set<String> NOT_SETTINGS = Set.of("config", "print-config");
    /** Masked in --print-config. */
    private static final Set<String> SECRETS = Set.of("metrics-token");
    private static final String MASK = "********";
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&]*");
    private static final Pattern URL_USER_INFO = Pattern.compile("(//[^/:@]*:)[^/@]*@");
    private static final TomlMapper TOML = new TomlMapper();

    /** One setting with its effective value's source: "default", "file PATH", "environment NAME" or "flag --NAME". */
    record Setting(OptionSpec option, String key, String source) {
    }

    private ServerSettings() {
    }

    /**
     * Gives every option of {@code spec} that the command line left out its value from the
     * environment or the settings file, and says where each value came from.
     *
     * @param explicitFile {@code --config}, or null
     * @throws IllegalArgumentException naming the file, key or variable that is wrong
     */
    static List<Setting> resolve(CommandSpec spec, Path explicitFile, Map<String, String> environment) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        for (OptionSpec option : spec.options()) {
            String key = option.longestName().substring(2);
            if (!option.inherited() && !option.usageHelp() && !option.versionHelp() && !NOT_SETTINGS.contains(key)) {
                options.put(key, option);
            }
        }
        Map<String, String> sources = new LinkedHashMap<>();
        options.forEach((key, option) -> {
            String variable = variable(key);
            if (parsed.hasMatchedOption(option)) {
                sources.put(key, "flag --" + key);
            } else if (environment.get(variable) != null) {
                option.setValue(fromText(option, environment.get(variable), variable));
                sources.put(key, "environment " + variable);
            }
        });
        Path file = explicitFile != null ? explicitFile
                : environment.get(CONFIG_VARIABLE) != null ? Path.of(environment.get(CONFIG_VARIABLE)) : null;
        boolean inDataFolder = file == null;
        if (inDataFolder) {
            Path candidate = ((Path) options.get("data").getValue()).resolve(DEFAULT_FILE_NAME);
            file = Files.exists(candidate) ? candidate : null;
        }
        if (file != null) {
            JsonNode root = read(file);
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String key = entry.getKey();
                OptionSpec option = options.get(key);
                if (option == null) {
                    throw new IllegalArgumentException(file + ": unknown key '" + printable(key) + "' (the closest known key is '"
                            + closest(key, options.keySet()) + "'; 'parley server --help' lists them as flags)");
                }
                if (key.equals("data") && inDataFolder) {
                    throw new IllegalArgumentException(file + ": 'data' cannot move the data folder from inside it;"
                            + " use --data, PARLEY_DATA or --config FILE");
                }
                if (!sources.containsKey(key)) {
                    option.setValue(fromToml(option, entry.getValue(), file, key));
                    sources.put(key, "file " + file);
                }
            }
        }
        List<Setting> settings = new ArrayList<>();
        options.forEach((key, option) -> settings.add(new Setting(option, key, sources.getOrDefault(key, "default"))));
        return settings;
    }

    /** The environment variable of a setting: {@code retention-days} is {@code PARLEY_RETENTION_DAYS}. */
    static String variable(String key) {
        return "PARLEY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The effective settings as a TOML file that would reproduce them, each with its source; secrets masked. */
    static void print(List<Setting> settings, PrintWriter out) {
        out.println("# parley server: effective settings; a later source wins: default < file < environment < flag");
        for (Setting setting : settings) {
            Object value = setting.option().getValue();
            if (value == null || (value instanceof List<?> list && list.isEmpty())) {
                out.println("# " + setting.key() + " is not set (" + setting.source() + ")");
                continue;
            }
            if (value instanceof Path path) {
                value = path.toString();
            }
            if (SECRETS.contains(setting.key())) {
                value = MASK;
            } else if (value instanceof String text) {
                value = maskUrlPassword(text);
            }
            try {
                out.println(TOML.writeValueAsString(Map.of(setting.key(), value)).strip() + "  # " + setting.source());
            } catch (JacksonException e) {
                throw new IllegalStateException("cannot print " + setting.key() + " as TOML", e);
            }
        }
        out.flush();
    }

    /** A database URL's password (user info or a password= parameter) replaced by a mask. */
    static String maskUrlPassword(String text) {
        String masked = URL_PASSWORD.matcher(text).replaceAll("$1" + MASK);
        return URL_USER_INFO.matcher(masked).replaceAll("$1" + MASK + "@");
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot read the settings file " + file + ": "
                    + (Files.exists(file) ? "it is not a regular file" : "it does not exist"));
        }
        byte[] bytes;
        try (var in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the settings file " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES / 1024 + " KiB: not a settings file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text: save it as UTF-8 (TOML requires it)");
        }
        try {
            return TOML.readTree(text);
        } catch (JacksonException e) {
            // The original message names the problem, never the text around it, which may be a secret.
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(file + " is not valid TOML" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException(file + " is not valid TOML: nested too deeply");
        }
    }

    private static Object fromToml(OptionSpec option, JsonNode node, Path file, String key) {
        Class<?> type = option.type();
        String where = file + ": '" + key + "'";
        if (option.isMultiValue()) {
            if (node.isTextual()) {
                return List.of(node.textValue()); // one value needs no brackets: domain = "chat.example.org"
            }
            if (!node.isArray()) {
                throw wrongType(where, "a string or an array of strings, as in " + key + " = [\"...\", \"...\"]", node);
            }
            List<String> values = new ArrayList<>();
            for (JsonNode element : node) {
                if (!element.isTextual()) {
                    throw wrongType(where, "an array of strings", element);
                }
                values.add(element.textValue());
            }
            return values;
        }
        if (type == boolean.class || type == Boolean.class) {
            if (!node.isBoolean()) {
                throw wrongType(where, "a boolean (true or false)", node);
            }
            return node.booleanValue();
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            boolean fits = type == int.class || type == Integer.class ? node.canConvertToInt() : node.canConvertToLong();
            if (!node.isIntegralNumber() || !fits) {
                throw wrongType(where, "an integer" + (node.isIntegralNumber() ? " that fits" : ""), node);
            }
            return type == int.class || type == Integer.class ? (Object) node.intValue() : (Object) node.longValue();
        }
        if (!node.isTextual()) {
            throw wrongType(where, "a string, as in " + key + " = \"...\"", node);
        }
        // A relative path in a file means next to the file, wherever the server was started from.
        return type == Path.class ? path(file.toAbsolutePath().getParent(), node.textValue(), where) : node.textValue();
    }

    private static Object fromText(OptionSpec option, String text, String variable) {
        Class<?> type = option.type();
        if (option.isMultiValue()) {
            return Arrays.stream(text.split(",")).map(String::strip).filter(value -> !value.isEmpty()).toList();
        }
        try {
            if (type == boolean.class || type == Boolean.class) {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new IllegalArgumentException(variable + " must be true or false");
                }
                return Boolean.parseBoolean(text);
            }
            if (type == int.class || type == Integer.class) {
                return Integer.parseInt(text.strip());
            }
            if (type == long.class || type == Long.class) {
                return Long.parseLong(text.strip());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be an integer, got '" + printable(text) + "'");
        }
        return type == Path.class ? path(null, text, variable) : text;
    }

    private static Path path(Path base, String text, String where) {
        try {
            return base == null ? Path.of(text) : base.resolve(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(where + " is not a valid path: " + e.getReason());
        }
    }

    private static IllegalArgumentException wrongType(String where, String expected, JsonNode got) {
        String kind = switch (got.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> got.isIntegralNumber() ? "an integer" : "a decimal number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "a table";
            default -> got.getNodeType().name().toLowerCase(Locale.ROOT);
        };
        return new IllegalArgumentException(where + " must be " + expected + ", got " + kind);
    }

    /** A key or value as the file had it, cut short and with control characters shown, for an error message. */
    private static String printable(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c)));
        return out.toString();
    }

    private static String closest(String key, Set<String> known) {
        String probe = key.length() > 64 ? key.substring(0, 64) : key;
        return known.stream().min(Comparator.comparingInt(candidate -> editDistance(probe, candidate))).orElseThrow();
    }

    /** Levenshtein distance: how many single-character edits turn one key into the other. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
