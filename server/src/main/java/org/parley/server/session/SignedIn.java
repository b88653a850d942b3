package org.parley.server.session;

import org.parley.server.accounts.AccountId;
import org.parley.server.accounts.DeviceId;

/** The device a connection proved it is, and its account. */
public record SignedIn(AccountId account, DeviceId device) {
}
