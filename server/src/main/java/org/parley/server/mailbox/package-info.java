/**
 * Per-device mailboxes: at-least-once, ordered by arrival, deleted on acknowledgement, expired
 * after 30 days, with a quota per device. An acknowledged send is on disk.
 * {@link org.parley.server.mailbox.MailboxStore} and its SQL adapter
 * {@link org.parley.server.mailbox.JdbcMailboxStore}.
 */
package org.parley.server.mailbox;
