/**
 * Conversations as MLS groups (RFC 9420), 1:1 included, every device a leaf:
 * {@link org.parley.client.conversations.Conversations} is the SDK's face over parts with one
 * concern each (store, commit coordinator ordering commits by the server as in RFC 9750 section
 * 5.2, outbox with sealed sender, inbox, content handling, membership, own-device sync, receipts).
 * A conversation's name, 1:1 accounts and admins are in its group context
 * ({@link org.parley.client.conversations.ConversationSettings}), and every member enforces them
 * through {@link org.parley.client.conversations.GroupRules}. Every MLS message is wrapped before it
 * leaves and unwrapped before MLS sees it ({@link org.parley.client.conversations.PayloadWrap}), so
 * the server sees no group id, epoch or exact size. What happens is reported as typed {@link org.parley.client.conversations.ConversationEvent}s that
 * each front end words itself.
 */
package org.parley.client.conversations;
