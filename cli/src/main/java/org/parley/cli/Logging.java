package org.parley.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log levels for the command line: quiet by default, informative for the server, detailed with --verbose. */
public final class Logging {
    private static final Logger PARLEY = (Logger) LoggerFactory.getLogger("org.parley");
    private static final Logger ROOT = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

    private Logging() {
    }

    /** --verbose: Parley's own debug messages, and what libraries report at info level. */
    public static void verbose() {
        PARLEY.setLevel(Level.DEBUG);
        ROOT.setLevel(Level.INFO);
    }

    public static boolean isVerbose() {
        return PARLEY.isDebugEnabled();
    }

    /** Long-running services (the server) report what they do at info level unless --verbose asked for more. */
    public static void atLeastInfo() {
        if (!PARLEY.isInfoEnabled()) {
            PARLEY.setLevel(Level.INFO);
        }
    }
}
