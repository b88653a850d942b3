package org.parley.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class ServerProcessTest {

    @Test
    void cpuSecondsAreUserPlusSystemTicksEvenWithParenthesesInTheName() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 30 0 100 5000000 3000";
        assertThat(ServerProcess.parseCpuSeconds(stat)).isEqualTo(3.0);
    }

    @Test
    void truncatedStatIsRejected() {
        assertThatThrownBy(() -> ServerProcess.parseCpuSeconds("4242 (java) S 1 2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fields");
        assertThatThrownBy(() -> ServerProcess.parseCpuSeconds("garbage"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rssComesFromVmRssInKibibytes() {
        assertThat(ServerProcess.parseRssBytes(List.of("Name:\tjava", "VmPeak:\t 9999 kB", "VmRSS:\t  2048 kB"))).isEqualTo(2 * 1024 * 1024);
        assertThatThrownBy(() -> ServerProcess.parseRssBytes(List.of("Name:\tzombie")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VmRSS");
    }

    @Test
    void compilerCpuIsTheSumOfTheJitCompilerThreadsOnly(@TempDir Path proc) throws Exception {
        thread(proc, 11, "java", 500, 100);
        thread(proc, 12, "C2 CompilerThre", 250, 50);
        thread(proc, 13, "C1 CompilerThre", 30, 20);
        thread(proc, 14, "C2 Compiler(x)", 7, 0); // a thread of another name that only starts alike
        thread(proc, 15, "parley-mailbox-", 900, 0);
        assertThat(new ServerProcess(42, proc).compilerCpuSeconds()).isEqualTo(3.5);
    }

    @Test
    void aProcessWithoutCompilerThreadsHasNoCompilerCpu(@TempDir Path proc) throws Exception {
        thread(proc, 21, "beam.smp", 500, 100);
        assertThat(new ServerProcess(42, proc).compilerCpuSeconds()).isZero();
        assertThatThrownBy(() -> new ServerProcess(7, proc).compilerCpuSeconds()).isInstanceOf(java.io.IOException.class);
    }

    private static void thread(Path proc, int tid, String name, int utime, int stime) throws Exception {
        Path task = Files.createDirectories(proc.resolve("42/task/" + tid));
        Files.writeString(task.resolve("stat"), tid + " (" + name + ") S 1 42 42 0 -1 4194560 1000 0 0 0 " + utime + " " + stime
                + " 0 0 20 0 30 0 100 5000000 3000");
    }

    @Test
    void listeningSocketsAreMatchedByPortAndState() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1EC6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11111 1",
                "   1: 0100007F:1EC6 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 22222 1",
                "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 33333 1",
                "   3: truncated");
        assertThat(ServerProcess.listeningInodes(table, 7878)).containsExactly("11111");
        assertThat(ServerProcess.listeningInodes(table, 9999)).isEmpty();
    }

    @Test
    void findsThisJvmByTheLoopbackPortItListensOn() throws Exception {
        assumeThat(java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/fd"))).as("needs Linux /proc").isTrue();
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServerProcess found = ServerProcess.listeningOn(socket.getLocalPort()).orElseThrow();
            assertThat(found.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(found.rssBytes()).isPositive();
            assertThat(found.cpuSeconds()).isPositive();
            assertThat(found.compilerCpuSeconds()).isBetween(0.0, found.cpuSeconds());
        }
    }
}
