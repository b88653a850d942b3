/**
 * The TLS presentation language MLS encodes with (RFC 9420 Section 2.1, variable-length
 * vectors of Section 2.1.2): {@link org.parley.mls.codec.TlsReader} and
 * {@link org.parley.mls.codec.TlsWriter}, the {@link org.parley.mls.codec.Bytes} value type for
 * byte strings that are values, and the exceptions every malformed or invalid input ends in.
 */
package org.parley.mls.codec;
