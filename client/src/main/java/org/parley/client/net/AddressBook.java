package org.parley.client.net;

import org.parley.protocol.v1.Challenge;

import java.util.List;
import java.util.Optional;

/**
 * The endpoints a {@link Session} may dial, in the profile's order, and what the session tells it
 * while dialling: which endpoint signed in, and what each server says of itself (its key and
 * announced addresses) before this device signs anything for it.
 */
public interface AddressBook {
    /** The endpoints in the profile's order; never empty. */
    List<Endpoint> endpoints();

    /** The endpoint that signed in last, where the first attempt starts. */
    Optional<Endpoint> lastWorking();

    /** Remembers {@code endpoint} as the one that signed in (called on the connecting thread; returns quickly). */
    void worked(Endpoint endpoint);

    /**
     * Reads a fresh connection's Challenge before anything is signed for the server.
     *
     * @throws ServerKeyChangedException when the server shows another key than the one pinned: the connection must not be used
     */
    void checkServer(Challenge challenge);

    /** One server, nothing pinned or remembered: for connections made before a profile exists. */
    static AddressBook of(ServerAddress server) {
        return of(Endpoint.direct(server));
    }

    /** One endpoint (a server, maybe through a bridge), nothing pinned or remembered. */
    static AddressBook of(Endpoint only) {
        return new AddressBook() {
            @Override
            public List<Endpoint> endpoints() {
                return List.of(only);
            }

            @Override
            public Optional<Endpoint> lastWorking() {
                return Optional.empty();
            }

            @Override
            public void worked(Endpoint endpoint) {
            }

            @Override
            public void checkServer(Challenge challenge) {
            }
        };
    }
}
