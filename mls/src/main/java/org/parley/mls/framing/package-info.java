/**
 * Message framing (RFC 9420 Section 6): {@code MLSMessage}, {@code FramedContent}, senders,
 * content authentication (6.1), {@code PublicMessage} with its membership tag (6.2) and
 * {@code PrivateMessage} with sender-data encryption and padding (6.3).
 */
package org.parley.mls.framing;
