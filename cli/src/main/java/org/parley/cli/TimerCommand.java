package org.parley.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code parley timer USERNAME DURATION} and {@code parley timer --group NAME DURATION}: disappearing
 * messages for everyone in a conversation (Conversations.setTimer), the same setting the web app's
 * chat header changes.
 */
@Command(name = "timer", mixinStandardHelpOptions = true,
        description = "Set disappearing messages for everyone in a conversation: USERNAME DURATION, or --group NAME DURATION."
                + " DURATION is off or a number with s, m, h, d or w (5m, 1h, 1d, 1w); messages sent from then on are deleted"
                + " that long after they were sent, on every member's device.")
final class TimerCommand implements Callable<Integer> {
    /** As the web app: at most a year. */
    static final long MAX_SECONDS = 365L * 24 * 60 * 60;
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smhdw])");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Target target = new Target();

    @Parameters(arity = "1..2", paramLabel = "WORDS", description = "USERNAME then DURATION, or only DURATION with --group.")
    List<String> words;

    @Override
    public Integer call() {
        if (words.size() != (target.group == null ? 2 : 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give USERNAME DURATION, or --group NAME DURATION");
        }
        String username = target.group == null ? words.get(0) : null;
        int seconds = seconds(words.get(words.size() - 1));
        return Main.profiles(spec).withClient(client -> {
            var conversation = target.resolve(client.conversations(), username);
            client.conversations().setTimer(conversation.groupId().toByteArray(), seconds);
            spec.commandLine().getOut().println(seconds == 0 ? "Disappearing messages are off in " + conversation.name() + "."
                    : "Messages in " + conversation.name() + " now disappear " + words.get(words.size() - 1) + " after they are sent.");
            return 0;
        });
    }

    /** off, or a count with a unit: s, m, h, d, w. */
    static int seconds(String duration) {
        String text = duration.strip().toLowerCase(Locale.ROOT);
        if (text.equals("off") || text.equals("0")) {
            return 0;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("a timer is off or a number with s, m, h, d or w (5m, 1h, 1d, 1w), not '" + duration + "'");
        }
        long unit = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3_600;
            case "d" -> 86_400;
            default -> 604_800;
        };
        long seconds = Long.parseLong(m.group(1)) * unit;
        if (seconds == 0 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("a timer is 1 s to 365 d, or off; '" + duration + "' is not");
        }
        return (int) seconds;
    }
}
