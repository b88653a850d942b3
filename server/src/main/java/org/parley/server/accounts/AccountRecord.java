package org.parley.server.accounts;

import java.time.LocalDate;

/**
 * What the server keeps about an account besides its devices. Dates are whole UTC days on
 * purpose: the threat model allows the day of the last connection, not the time.
 */
public record AccountRecord(AccountId id, Username username, LocalDate created, LocalDate lastConnectionDay) {
}
