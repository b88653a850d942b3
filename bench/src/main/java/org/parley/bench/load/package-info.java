/**
 * {@code parley bench load}: the open-loop load generator. N device connections over loopback
 * source addresses send opaque messages at a fixed aggregate rate; it measures delivered msgs/s,
 * send-to-receive latency and the server's CPU and memory. The server protocol is a
 * {@link org.parley.bench.load.LoadDriver}: Parley's in {@code load.parley}, XMPP's in {@code load.xmpp}.
 */
package org.parley.bench.load;
