/**
 * The load generator's driver for a Parley server: one WebSocket per device speaking
 * {@code parley.v1} frames, each client registering a fresh account when it connects.
 */
package org.parley.bench.load.parley;
