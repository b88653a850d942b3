/**
 * Shared test set-up, published in the client's test-jar for the cli's tests too: a real server
 * in process ({@link org.parley.client.testkit.LiveServer}), profiles and clients in a temporary
 * folder ({@link org.parley.client.testkit.TempProfiles}), a clock tests move forward
 * ({@link org.parley.client.testkit.AdjustableClock}), polling for a condition
 * ({@link org.parley.client.testkit.Eventually}), and a member whose client breaks the group rules
 * ({@link org.parley.client.testkit.HostileMember}).
 */
package org.parley.client.testkit;
