/**
 * Voice and video calls in a conversation: signalling as MLS application messages of the
 * conversation's group ({@link org.parley.client.calls.Calls}, {@link org.parley.client.calls.Call}),
 * media encrypted with SFrame (RFC 9605) under keys from the MLS exporter, sent through the
 * server's relay over UDP with fallback to the WebSocket ({@link org.parley.client.calls.CallMedia}
 * and the parts it is made of), and live audio from a microphone to a speaker.
 */
package org.parley.client.calls;
