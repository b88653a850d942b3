/**
 * {@code parley bench}: {@link org.parley.bench.BenchMain} gathers every benchmark as a picocli
 * subcommand, in a jar of its own ({@code parley-bench.jar}) so that the shipped {@code parley.jar}
 * does not carry them. Each benchmark lives in the subpackage of what it measures; the load
 * generator's command sits here because it picks one of the load drivers ({@code load.parley},
 * {@code load.xmpp}), which themselves build on {@code load}.
 */
package org.parley.bench;
