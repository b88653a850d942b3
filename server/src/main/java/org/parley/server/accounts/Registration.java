package org.parley.server.accounts;

/** The result of a registration: the new account and its first device. */
public record Registration(AccountId account, DeviceId device) {
}
