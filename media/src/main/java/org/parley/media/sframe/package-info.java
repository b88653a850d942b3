/**
 * SFrame (RFC 9605): cipher suites (4.5), the header (4.3), key and salt derivation (4.4.2),
 * encryption and decryption (4.4.3, 4.4.4), and keys from MLS exporters per epoch and sender
 * (5.2). {@link org.parley.media.sframe.SFrameKnownAnswers} exposes the intermediates that the
 * RFC's test vectors list, for conformance checks.
 */
package org.parley.media.sframe;
