/**
 * {@code parley bench spam}: issue 13's spam wave. Bot accounts (with invite codes on an
 * invite-only server) flood honest users unsealed and sealed, with anonymous send tokens (RFC 9474)
 * and access keys they knew, before and after the honest users block them; the honest users write
 * to each other sealed and retry what is refused. The report counts the server's answers to the
 * bots by error code, the honest messages' delivery and latency, and the heap after GC.
 */
package org.parley.bench.spam;
