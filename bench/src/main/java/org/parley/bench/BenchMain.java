package org.parley.bench;

import org.parley.bench.bridge.BridgeBench;
import org.parley.bench.mls.FuzzMain;
import org.parley.bench.mls.JoinBench;
import org.parley.bench.mls.LargeGroupBench;
import org.parley.bench.relay.RelayBench;
import org.parley.bench.relay.RelayCoreBench;
import org.parley.bench.report.ReportCommand;
import org.parley.bench.spam.SpamCommand;
import org.parley.cli.UnknownCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code parley bench}: the benchmarks, in their own jar so that the shipped {@code parley.jar} does
 * not carry them. The launcher hands {@code ./parley bench ARGS} to this main with {@code ARGS}.
 */
@Command(name = "parley bench",
        description = "Parley's benchmarks.",
        subcommands = {LoadCommand.class, SpamCommand.class, ReportCommand.class, LargeGroupBench.class, JoinBench.class, FuzzMain.class, RelayBench.class,
                RelayCoreBench.class, BridgeBench.class, CommandLine.HelpCommand.class})
public final class BenchMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs with the given streams; returns 0 ok, 1 failure, 2 usage. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("parley bench: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return CommandLine.ExitCode.SOFTWARE;
        });
        UnknownCommands.install(cl);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
