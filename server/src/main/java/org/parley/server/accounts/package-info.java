/**
 * Accounts and devices: usernames, account and device ids, identity keys, access keys for sealed
 * sender and invite codes. {@link org.parley.server.accounts.AccountStore} is
 * the capability's store; {@link org.parley.server.accounts.JdbcAccountStore} implements it on
 * SQLite and PostgreSQL. Secrets are stored only as their hash.
 */
package org.parley.server.accounts;
