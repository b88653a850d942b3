package org.parley.cli;

import org.parley.client.net.Route;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The {@code parley} command. Subcommands are registered in {@link #commandLine()}; each lives in
 * its own class so that later capabilities plug in without touching the others.
 */
@Command(
        name = "parley",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Parley: an end-to-end encrypted messenger you can host yourself.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Path profile;
    private Path passphraseFile;
    private Route proxy;

    @Option(names = "--profile", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "The profile directory (default: $PARLEY_PROFILE, else ~/.parley).")
    void setProfile(Path dir) {
        this.profile = dir;
    }

    @Option(names = "--passphrase-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Encrypt the profile with the passphrase in FILE (first line) instead of a key file;"
                    + " for 'parley admin backup' and 'restore', the backup's passphrase.")
    void setPassphraseFile(Path file) {
        this.passphraseFile = file;
    }

    @Option(names = "--proxy", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT, converter = RouteConverter.class,
            description = "Reach the server through this proxy: socks5://HOST:PORT (e.g. Tor) or http://HOST:PORT (HTTP CONNECT)"
                    + " (default: $PARLEY_PROXY, else straight). Calls then carry their media over the WebSocket.")
    void setProxy(Route route) {
        this.proxy = route;
    }

    /** The global options of whichever (sub)command is running. */
    static Profiles profiles(CommandLine.Model.CommandSpec spec) {
        Main main = (Main) spec.root().userObject();
        return new Profiles(main.profile, main.passphraseFile, main.proxy != null ? main.proxy : proxyFromEnvironment());
    }

    private static Route proxyFromEnvironment() {
        try {
            return Route.parse(System.getenv("PARLEY_PROXY"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PARLEY_PROXY: " + e.getMessage(), e);
        }
    }

    /** Reads {@code --proxy}; a malformed value is a usage error that says what to write. */
    static final class RouteConverter implements CommandLine.ITypeConverter<Route> {
        @Override
        public Route convert(String value) {
            try {
                return Route.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print detailed log messages (debug level).")
    void setVerbose(boolean verbose) {
        if (verbose) {
            Logging.verbose();
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with the given streams and returns the exit code (0 ok, 1 failure, 2 usage). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new ServerCommand());
        cl.addSubcommand(new AdminCommand());
        cl.addSubcommand(new ProxyCommand());
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::failure);
        cl.addSubcommand(new RegisterCommand());
        cl.addSubcommand(new LinkCommand());
        cl.addSubcommand(new LinkAcceptCommand());
        cl.addSubcommand(new DevicesCommand());
        cl.addSubcommand(new ServersCommand());
        cl.addSubcommand(new UnlinkCommand());
        cl.addSubcommand(new SafetyNumberCommand());
        cl.addSubcommand(new VerifyCommand());
        cl.addSubcommand(new TrustCommand());
        cl.addSubcommand(new SettingsCommand());
        cl.addSubcommand(new TimerCommand());
        cl.addSubcommand(new SendCommand());
        cl.addSubcommand(new SendFileCommand());
        cl.addSubcommand(new ReceiveCommand());
        cl.addSubcommand(new GroupCommand());
        RequestCommands.all().forEach(cl::addSubcommand);
        cl.addSubcommand(new ChatCommand());
        cl.addSubcommand(new CallCommand());
        cl.addSubcommand(new AnswerCommand());
        cl.addSubcommand(new DaemonCommand());
        cl.addSubcommand(new DemoCommand());
        cl.addSubcommand(new VectorsCommand());
        UnknownCommands.install(cl);
        return cl;
    }

    @Override
    public void run() {
        // A bare "parley" shows what it can do instead of doing nothing silently.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Bad flags and arguments: one short line, the usage of the command concerned, exit 2. Unknown
     * commands get one line alone ({@link UnknownCommands}).
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("parley: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        cl.usage(err, CommandLine.Help.Ansi.OFF);
        return CommandLine.ExitCode.USAGE;
    }

    /**
     * A failure while running a command: the message is meant for the user, so it is printed alone;
     * the stack trace only with --verbose.
     */
    private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        err.println("parley: " + message);
        if (Logging.isVerbose()) {
            e.printStackTrace(err);
        }
        return CommandLine.ExitCode.SOFTWARE;
    }

    /** Reads the version that Maven wrote into the jar's resources at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            var props = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("/parley-version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            }
            return new String[] {"parley " + props.getProperty("version", "unknown")
                    + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
