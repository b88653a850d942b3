/**
 * MLS (RFC 9420) benchmarks: {@code parley bench large-group} (commits, joins and messages in
 * groups of up to 50,000 members, and against ts-mls with {@code --ts-mls}) and
 * {@code parley bench fuzz} (the long fuzz run over every decoder and validation target).
 */
package org.parley.bench.mls;
