/**
 * Audio for calls: Opus (RFC 6716) encoding and decoding with in-band FEC through concentus,
 * 16-bit PCM WAV files, and signal helpers that tests and benchmarks use to compare audio.
 */
package org.parley.media.audio;
