package org.parley.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.parley.server.bus.MessageBus;
import org.parley.server.transport.HttpResponses;
import org.parley.server.transport.ReadinessRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The readiness check ({@code /readyz}): ready while the database answers within {@link #DATABASE_TIMEOUT},
 * the message bus is connected and the node is not shutting down. {@code /healthz} (liveness) waits for
 * neither, so a database or bus outage takes nodes out of a load balancer without an orchestrator
 * restarting them. The answer's first line says ready or why not; one line each for the database and
 * the bus follows. {@link #refusal()} tells request handlers, without waiting, whether to take new work.
 *
 * <p>Probes that arrive while a check runs share it, so a flood of probes costs one database query at a
 * time. The public answer names the failing part only; the database's own error goes to the log,
 * once per change, as it may name hosts and users.
 */
public final class Readiness implements ReadinessRoute {
    private static final Logger log = LoggerFactory.getLogger(Readiness.class);
    public static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(2);
    private static final String CONTENT_TYPE = "text/plain; charset=utf-8";

    private final Runnable databaseCheck;
    private final MessageBus bus;
    private final Executor executor;
    private volatile boolean shuttingDown;
    private CompletableFuture<Optional<String>> running;
    /** What the last finished database check found: empty when it answered. */
    private volatile Optional<String> database = Optional.empty();
    private Optional<String> lastReason = Optional.empty();

    /**
     * @param databaseCheck a small query that throws when the database cannot answer
     * @param bus           the node's message bus, whose connection is part of readiness
     * @param executor      where the check runs (it blocks)
     */
    public Readiness(Runnable databaseCheck, MessageBus bus, Executor executor) {
        this.databaseCheck = databaseCheck;
        this.bus = bus;
        this.executor = executor;
    }

    /** From now on every probe answers 503 "shutting down", so load balancers send new clients elsewhere. */
    public void shuttingDown() {
        shuttingDown = true;
    }

    /** Empty when ready, else why not (for the operator: it names no host, user or database). */
    public synchronized CompletableFuture<Optional<String>> check() {
        if (shuttingDown) {
            return CompletableFuture.completedFuture(Optional.of("shutting down"));
        }
        if (running == null || running.isDone()) {
            running = CompletableFuture.supplyAsync(this::checkDatabase, executor)
                    .completeOnTimeout(Optional.of("the database did not answer within " + DATABASE_TIMEOUT.toSeconds() + " s"),
                            DATABASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(databaseReason -> {
                        database = databaseReason;
                        return databaseReason.or(bus::unavailable);
                    })
                    .whenComplete((reason, failure) -> noteChange(reason));
        }
        return running;
    }

    /**
     * Why this node takes no new work now, or empty: shutting down, or {@link #cutOff()}.
     */
    public Optional<String> refusal() {
        if (shuttingDown) {
            return Optional.of("shutting down");
        }
        return cutOff();
    }

    /**
     * Why this node cannot serve its devices now, or empty: the bus disconnected (as of now), or the
     * database unavailable at its last check (the server checks it every few seconds).
     */
    public Optional<String> cutOff() {
        return bus.unavailable().or(() -> database);
    }

    private Optional<String> checkDatabase() {
        try {
            databaseCheck.run();
            return Optional.empty();
        } catch (RuntimeException e) {
            log.warn("readiness: the database check failed: {}", e.getMessage());
            return Optional.of("the database is unavailable");
        }
    }

    private synchronized void noteChange(Optional<String> reason) {
        if (reason != null && !reason.equals(lastReason)) {
            if (reason.isPresent()) {
                log.warn("not ready: {}", reason.get());
            } else {
                log.info("ready again: the database answers and the bus is connected");
            }
            lastReason = reason;
        }
    }

    @Override
    public void answer(ChannelHandlerContext ctx, boolean keepAlive) {
        check().whenComplete((reason, failure) -> ctx.executor().execute(() -> {
            String parts = "database: " + (database.isEmpty() ? "ok" : "failing") + "\nbus: " + bus.describe() + "\n";
            if (failure == null && reason.isEmpty()) {
                HttpResponses.text(ctx, keepAlive, HttpResponseStatus.OK, CONTENT_TYPE, "ready\n" + parts);
            } else {
                String why = failure != null ? "the check failed" : reason.get();
                HttpResponses.text(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, CONTENT_TYPE, "not ready: " + why + "\n" + parts);
            }
        }));
    }
}
