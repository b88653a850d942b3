package org.parley.dist;

/** Runs commands inside a Debian system under test: a chroot, or a booted container. */
interface Shell {
    /** A command as root, with a clean environment. */
    Commands.Result run(String... argv);

    /** {@code sh -c script} as root. */
    default Commands.Result sh(String script) {
        return run("sh", "-c", script);
    }

    /**
     * The status line and body of {@code GET path} on a loopback port, through bash's /dev/tcp
     * (a minimal Debian has no HTTP client); the error when nothing answers.
     */
    default String get(int port, String path) {
        Commands.Result answer = run("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                + " && printf 'GET " + path + " HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && cat <&3");
        if (answer.code() != 0) {
            return answer.err().strip();
        }
        String response = answer.out();
        int bodyStart = response.indexOf("\r\n\r\n");
        String statusLine = response.lines().findFirst().orElse("");
        return bodyStart < 0 ? statusLine : statusLine + " " + response.substring(bodyStart + 4).strip();
    }
}
