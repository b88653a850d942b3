package org.parley.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.Optional;

/**
 * An unknown command name ({@code parley frobnicate}, {@code parley bench no-such}) is a usage
 * error, exit code 2, with one line that names it and points to {@code --help}, whatever follows
 * it. Picocli alone ignores unmatched arguments once help is requested, so {@code parley
 * frobnicate --help} would print the top-level usage and succeed; {@link #install} closes that
 * gap for a command tree. Public because the benchmarks' own main ({@code parley bench}) uses it.
 */
public final class UnknownCommands {
    private UnknownCommands() {
    }

    /**
     * Makes {@code commandLine} refuse unknown command names even when help is requested, and
     * report them in one line; every other usage error still goes to the parameter exception
     * handler it had. Call it after that handler is set.
     */
    public static void install(CommandLine commandLine) {
        IParameterExceptionHandler otherwise = commandLine.getParameterExceptionHandler();
        commandLine.setParameterExceptionHandler((e, args) -> {
            Optional<String> unknown = message(e);
            if (unknown.isEmpty()) {
                return otherwise.handleParseException(e, args);
            }
            e.getCommandLine().getErr().println(unknown.get());
            return CommandLine.ExitCode.USAGE;
        });
        commandLine.setExecutionStrategy(UnknownCommands::execute);
    }

    /**
     * Picocli's usual strategy (run the last command given, or its help), after refusing unknown
     * command names; other unmatched arguments beside a help request are left as picocli treats them.
     */
    private static int execute(ParseResult parseResult) {
        for (ParseResult level = parseResult; level != null; level = level.subcommand()) {
            CommandLine command = level.commandSpec().commandLine();
            if (!level.unmatched().isEmpty()) {
                UnmatchedArgumentException unmatched = new UnmatchedArgumentException(command, level.unmatched());
                if (message(unmatched).isPresent()) {
                    throw unmatched;
                }
            }
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    /**
     * The one-line report when {@code e} is about an unknown command name, as in
     * {@code parley: unknown command 'sedn'; see 'parley --help'}.
     */
    static Optional<String> message(ParameterException e) {
        CommandLine command = e.getCommandLine();
        if (!(e instanceof UnmatchedArgumentException unmatched) || unmatched.isUnknownOption() || !takesCommandNames(command)
                || unmatched.getUnmatched().isEmpty()) {
            return Optional.empty();
        }
        // No "did you mean": picocli's suggestions for a name that is not a typo are noise.
        return Optional.of(command.getCommandSpec().root().name() + ": unknown command '" + unmatched.getUnmatched().get(0)
                + "'; see '" + command.getCommandSpec().qualifiedName() + " --help'");
    }

    /** A command whose first argument names one of its subcommands (it has no positional parameters of its own). */
    private static boolean takesCommandNames(CommandLine command) {
        return !command.getSubcommands().isEmpty() && command.getCommandSpec().positionalParameters().isEmpty();
    }
}
