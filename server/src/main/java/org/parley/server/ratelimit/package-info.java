/**
 * In-memory limits: token buckets (registrations per network, sends, claims and link lookups per
 * account, frames per connection), each refusal with the wait until the next token, and daily
 * quotas per key. Keys are never written anywhere and are forgotten once their window has passed.
 */
package org.parley.server.ratelimit;
