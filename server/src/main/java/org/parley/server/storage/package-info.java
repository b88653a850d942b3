/**
 * Shared storage infrastructure for the capabilities' adapters: connection pools and transactions
 * ({@link org.parley.server.storage.Database}), the SQLite and PostgreSQL dialects, schema
 * migrations, SQL helpers, opaque ids, secret hashing, UTC days and the store exceptions. It knows
 * no capability: each capability owns its store interface and adapters, and
 * {@link org.parley.server.ServerStores} composes them.
 */
package org.parley.server.storage;
