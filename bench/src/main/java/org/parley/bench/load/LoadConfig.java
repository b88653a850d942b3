package org.parley.bench.load;

import java.util.List;

/**
 * What one {@code bench load} run does.
 *
 * @param clients            simulated devices, one connection each
 * @param rates              aggregate offered rates in messages/s, one step each, in order
 * @param size               payload bytes per message
 * @param durationSeconds    send time per rate step (or hold time with {@code idle})
 * @param groupSize          0 for one random recipient per message, else the group size to fan out to
 * @param idle               connect and hold, measure memory per connection, send nothing
 * @param threads            event-loop threads of the generator
 * @param firstSourceAddress number of the first loopback source address (0 is 127.0.0.1, see
 *                           {@link LoadRun#sourceAddresses})
 * @param sourceAddresses    how many loopback source addresses to spread connections over: ports per
 *                           address run out, and servers limit registrations per address
 * @param connectConcurrency logins in flight at once
 * @param warmupSeconds      unmeasured sending at the first rate before the first step
 * @param drainSeconds       longest wait after a step for messages still in flight
 * @param stopAboveP99Ms     stop stepping once two steps in a row have a p99 above this (0: run every step)
 * @param serverPid          the server's PID, or 0 to find the process listening on the port
 */
public record LoadConfig(int clients, List<Double> rates, int size, int durationSeconds, int groupSize,
                         boolean idle, int threads, int firstSourceAddress, int sourceAddresses, int connectConcurrency,
                         int warmupSeconds, int drainSeconds, double stopAboveP99Ms, long serverPid) {

    /** Source addresses available in 127.0.0.0/8 without host numbers 0 and 255. */
    public static final int MAX_SOURCE_ADDRESSES = 254 * 65_536;

    public LoadConfig {
        rates = List.copyOf(rates);
        require(clients >= 2, "--clients must be at least 2 (a message needs a sender and a recipient)");
        require(!rates.isEmpty() && rates.stream().allMatch(r -> r > 0), "--rate must be one or more positive messages/s");
        require(size >= Payload.MIN_SIZE && size <= 256 * 1024,
                "--size must be between " + Payload.MIN_SIZE + " and 262144 bytes (the payload holds a timestamp header)");
        require(durationSeconds >= 1 && durationSeconds <= 3600, "--duration must be 1 to 3600 seconds");
        require(groupSize == 0 || (groupSize >= 2 && groupSize <= clients), "--groups must be between 2 and --clients");
        require(threads >= 1, "--threads must be at least 1");
        require(sourceAddresses >= 1 && firstSourceAddress >= 0 && firstSourceAddress + sourceAddresses <= MAX_SOURCE_ADDRESSES,
                "--sources must be 1 to " + MAX_SOURCE_ADDRESSES + " loopback addresses");
        require(connectConcurrency >= 1, "--connect-concurrency must be at least 1");
        require(drainSeconds >= 0, "--drain must not be negative");
        require(warmupSeconds >= 0, "--warmup must not be negative");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
