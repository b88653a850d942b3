/**
 * Video for calls: where outgoing frames come from, and a synthetic source whose frames carry
 * their own sequence number and digest, so that a receiver can prove it got what was sent.
 */
package org.parley.media.video;
