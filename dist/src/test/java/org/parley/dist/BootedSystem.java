package org.parley.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A clean root booted with its own systemd as PID 1 (systemd-nspawn); commands run inside it. */
final class BootedSystem implements Shell, AutoCloseable {
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration POWEROFF_TIMEOUT = Duration.ofSeconds(60);

    private final Process nspawn;
    /** The container's PID 1, as this machine numbers it. */
    private final long init;

    private BootedSystem(Process nspawn, long init) {
        this.nspawn = nspawn;
        this.init = init;
    }

    /** Waits for systemd-nspawn's child, the container's systemd. */
    static BootedSystem await(Process nspawn, Path log) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(INIT_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            // nspawn's first child is a helper that becomes, or forks, the container's systemd.
            Optional<ProcessHandle> init = nspawn.toHandle().children().filter(BootedSystem::isSystemd).findFirst();
            if (init.isPresent()) {
                return new BootedSystem(nspawn, init.get().pid());
            }
            if (!nspawn.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        nspawn.destroyForcibly().waitFor();
        throw new AssertionError("systemd-nspawn started no container within " + INIT_TIMEOUT.toSeconds() + " s:\n" + Files.readString(log));
    }

    private static boolean isSystemd(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc/" + process.pid() + "/comm")).strip().equals("systemd");
        } catch (IOException gone) {
            return false;
        }
    }

    /** Waits until systemd finished booting: "running", or "degraded" when a unit of the minimal system failed. */
    String awaitBoot() throws InterruptedException {
        Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
        String state = "";
        while (Instant.now().isBefore(deadline)) {
            // "offline" until systemd's manager answers; --wait then waits for the boot's end.
            state = run("systemctl", "is-system-running", "--wait").out().strip();
            if (!state.equals("offline") && !state.isEmpty()) {
                return state;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the container's systemd did not finish booting within " + BOOT_TIMEOUT.toSeconds() + " s: " + state);
    }

    @Override
    public Commands.Result run(String... argv) {
        List<String> command = new ArrayList<>(List.of("nsenter", "--target", Long.toString(init), "--all", "--",
                "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"));
        command.addAll(List.of(argv));
        return Commands.run(Duration.ofMinutes(5), command);
    }

    /** Powers the container off (SIGTERM to systemd-nspawn does that), or kills it after a minute. */
    @Override
    public void close() {
        nspawn.destroy();
        try {
            if (!nspawn.waitFor(POWEROFF_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                nspawn.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            nspawn.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
