package org.parley.server.admin;

import java.util.Optional;

import org.parley.server.accounts.Username;

/**
 * Read-only views for the operator: what the server holds about an account, and counts.
 * Database failures throw {@link org.parley.server.storage.StoreException}.
 */
public interface AdminStore {

    /** Everything held about the account, or empty if no account has that username. */
    Optional<Disclosure> disclose(Username username);

    Stats stats();
}
