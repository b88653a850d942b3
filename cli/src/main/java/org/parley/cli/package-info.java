/**
 * The {@code parley} command: {@link org.parley.cli.Main} is the picocli root, and each subcommand
 * (register, send, receive, chat, group, call, daemon, server, admin, demo, vectors, …) lives in a
 * class of its own on top of the client SDK and, for {@code server} and {@code admin}, the server.
 * Usage errors exit 2 (an unknown command in one line, {@link org.parley.cli.UnknownCommands}),
 * failures exit 1 with one line that says what to do.
 */
package org.parley.cli;
