/**
 * Limits: token buckets (registrations per network, sends, claims and link lookups per account,
 * frames per connection), each refusal with the wait until the next token, and daily quotas per
 * key. A single node keeps them in memory, where keys are never written anywhere and are
 * forgotten once their window has passed; nodes sharing PostgreSQL keep them there, keys only as
 * keyed hashes under secrets that are deleted an hour (buckets) or a day (quotas) later, rows
 * deleted once their window has passed ({@link org.parley.server.ratelimit.Limiters}).
 */
package org.parley.server.ratelimit;
