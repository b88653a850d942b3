/**
 * Shared test set-up, published in the client's test-jar for the cli's tests too: a real server
 * in process ({@link org.parley.client.testkit.LiveServer}), profiles and clients in a temporary
 * folder ({@link org.parley.client.testkit.TempProfiles}), a clock tests move forward
 * ({@link org.parley.client.testkit.AdjustableClock}) and polling for a condition
 * ({@link org.parley.client.testkit.Eventually}).
 */
package org.parley.client.testkit;
