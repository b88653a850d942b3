package org.parley.client.account;

import java.time.Duration;

/** No signed-in device approved this device's link code in time; nothing was saved. */
public final class LinkNotApprovedException extends RuntimeException {
    public LinkNotApprovedException(Duration waited) {
        super("no device approved the link code within " + describe(waited)
                + "; run 'parley link' again and type the new code with 'parley link-accept CODE' on a signed-in device");
    }

    private static String describe(Duration waited) {
        return waited.toMinutes() > 0 && waited.toSecondsPart() == 0 ? waited.toMinutes() + " min" : waited.toSeconds() + " s";
    }
}
