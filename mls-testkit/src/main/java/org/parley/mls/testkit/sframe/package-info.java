/**
 * The runner for the official SFrame test vectors (RFC 9605 Appendix C): every header,
 * AES-CTR+HMAC and full SFrame case.
 */
package org.parley.mls.testkit.sframe;
