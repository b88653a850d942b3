/**
 * The load generator's driver for an XMPP server (the peer comparison, e.g. ejabberd): the RFC
 * 6120 stream flow with SASL PLAIN (RFC 4616), a streaming splitter of the stream into top-level
 * elements, and chat message stanzas.
 */
package org.parley.bench.load.xmpp;
