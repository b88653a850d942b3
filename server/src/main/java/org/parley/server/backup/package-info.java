/**
 * Encrypted backups of a server's data folder ({@code parley admin backup} and {@code restore}):
 * a consistent SQLite snapshot, the server key and the attachments, in one passphrase-encrypted file.
 */
package org.parley.server.backup;
