/**
 * Media packets on the wire: one SFrame-encrypted frame split into fragments that fit a
 * datagram, and the bounded reassembly of frames from fragments that arrive lost, duplicated or
 * out of order.
 */
package org.parley.media.packet;
