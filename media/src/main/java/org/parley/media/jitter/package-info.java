/**
 * The receive-side jitter buffer: frames in arrival order in, frames in sequence order out at
 * their playout time, with a loss marker for each frame that did not arrive in time.
 */
package org.parley.media.jitter;
