package org.parley.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

/** Log levels for the command line: quiet by default, informative for the server, detailed with --verbose. */
public final class Logging {
    private static final Logger PARLEY = (Logger) LoggerFactory.getLogger("org.parley");
    private static final Logger ROOT = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    /** The appender of logback.xml. */
    private static final String APPENDER = "STDERR";

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

    /**
     * {@code --log-format}: "text" keeps logback.xml's lines; "json" writes one JSON object per line
     * (timestamp, level, thread, logger, the formatted message, a thrown exception) for log collectors.
     */
    public static void useFormat(String format) {
        if (format.equals("text")) {
            return;
        }
        if (!format.equals("json")) {
            throw new IllegalArgumentException("--log-format is text or json, got '" + format + "'");
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(ROOT.getLoggerContext());
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false); // the pattern without its arguments: the formatted message says it all
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) ROOT.getAppender(APPENDER);
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }
}
