/**
 * The server's own identity: an Ed25519 key made on its first start ({@link org.parley.server.identity.ServerKey}),
 * which clients pin at registration, and the signed announcement of the server's alternate
 * addresses that opens every connection ({@link org.parley.server.identity.ServerIdentity}), which the
 * nodes of a PostgreSQL deployment share ({@link org.parley.server.identity.JdbcAnnouncementStore}).
 */
package org.parley.server.identity;
