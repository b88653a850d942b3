/**
 * Per-device mailboxes: at-least-once, ordered by a per-device sequence, deleted on acknowledgement,
 * expired after the retention period, with a quota per device. A copy keeps no sender and no time
 * finer than the hour, and is sealed to its device before it gets here. An acknowledged send is on disk.
 * {@link org.parley.server.mailbox.MailboxStore} and its SQL adapter
 * {@link org.parley.server.mailbox.JdbcMailboxStore}.
 */
package org.parley.server.mailbox;
