/**
 * The composition root of a server node: {@link org.parley.server.ParleyServer} wires the
 * transport, sessions, request handlers and call relay together, {@link org.parley.server.ServerStores}
 * opens every capability's store from one {@link org.parley.server.StoreConfig}, and
 * {@link org.parley.server.ServerConfig} says how the node listens and what it tolerates. Only this package sees every
 * other one; none of them imports it.
 */
package org.parley.server;
