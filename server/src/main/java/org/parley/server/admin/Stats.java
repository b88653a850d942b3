package org.parley.server.admin;

/** Server-wide counts for {@code parley admin stats}. */
public record Stats(long accounts, long devices, long keyPackages, long pendingMessages, long pendingBytes,
                    long groups, long attachments, long attachmentBytes) {
}
