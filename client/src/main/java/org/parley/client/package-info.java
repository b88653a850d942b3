/**
 * The client SDK for a registered device: {@link org.parley.client.ParleyClient} opens a profile,
 * signs its device in and runs the inbox thread that processes server pushes in arrival order;
 * the sub-packages hold the services built on it (accounts, keys, conversations as MLS groups of
 * RFC 9420, calls, attachments, safety numbers, the encrypted local store, the connection).
 */
package org.parley.client;
