/**
 * Credentials (RFC 9420 Section 5.3): basic and X.509 credentials, and unknown types carried
 * untouched (Section 13). Whether a credential names the right person is the application's check.
 */
package org.parley.mls.credentials;
