package org.parley.server.accounts;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A username in canonical form: case-folded to lower case, then 3 to 32 characters of
 * {@code a-z 0-9 _ .}. Two spellings that differ only in case are the same username.
 */
public record Username(String value) {
    public static final int MIN_LENGTH = 3;
    public static final int MAX_LENGTH = 32;
    private static final Pattern ALLOWED = Pattern.compile("[a-z0-9_.]{" + MIN_LENGTH + "," + MAX_LENGTH + "}");

    /** Rejects anything that is not already canonical; use {@link #parse} for user input. */
    public Username {
        if (value == null || !ALLOWED.matcher(value).matches()) {
            throw new InvalidUsernameException(value);
        }
    }

    /** Case-folds {@code text} and validates it. */
    public static Username parse(String text) {
        if (text == null) {
            throw new InvalidUsernameException(null);
        }
        return new Username(text.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return value;
    }
}
