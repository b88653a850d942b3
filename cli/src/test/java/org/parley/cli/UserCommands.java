package org.parley.cli;

import org.parley.client.testkit.TempProfiles;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@code parley} commands as a user, each user with their own temporary profile. */
final class UserCommands {
    private final TempProfiles profiles;

    UserCommands(TempProfiles profiles) {
        this.profiles = profiles;
    }

    /** {@code parley --profile PROFILE-OF-user args…}. */
    MainTest.Result as(String user, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--profile";
        all[1] = profiles.path(user).toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return MainTest.parley(all);
    }

    /** As {@link #as}, asserting that the command succeeded. */
    MainTest.Result ok(String user, String... args) {
        MainTest.Result r = as(user, args);
        assertThat(r.code()).as("%s %s: %s", user, List.of(args), r.err()).isZero();
        return r;
    }
}
