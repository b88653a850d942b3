/**
 * In-memory token buckets for rate limits (registrations per source address, sends per account,
 * frames per connection). Keys are never written anywhere.
 */
package org.parley.server.ratelimit;
