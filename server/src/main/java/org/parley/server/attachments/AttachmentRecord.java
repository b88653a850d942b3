package org.parley.server.attachments;

import java.time.LocalDate;

/** A stored blob: its size and the UTC day it was uploaded (a day, not a time, on purpose). */
public record AttachmentRecord(AttachmentId id, long size, LocalDate created) {
}
