package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code parley unlink ID}: removes another device of this account (an unambiguous prefix of its id will do). */
@Command(name = "unlink", mixinStandardHelpOptions = true, description = "Remove a device of this account (see 'parley devices').")
final class UnlinkCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The device id, or enough of its start to be unique.")
    String id;

    @Override
    public Integer call() {
        String prefix = id.toLowerCase(Locale.ROOT);
        return Main.profiles(spec).withClient(client -> {
            List<Accounts.DeviceInfo> matches = Accounts.devices(client.session(), client.identity()).stream()
                    .filter(d -> d.deviceId().toHex().startsWith(prefix)).toList();
            if (prefix.isEmpty() || matches.isEmpty()) {
                throw new IllegalArgumentException("no device of this account has an id starting with '" + id + "'; see 'parley devices'");
            }
            if (matches.size() > 1) {
                throw new IllegalArgumentException("'" + id + "' matches " + matches.size() + " devices; give more of the id");
            }
            Accounts.DeviceInfo device = matches.get(0);
            if (device.thisDevice()) {
                throw new IllegalArgumentException("that is this device; unlink it from another device of the account");
            }
            Accounts.removeDevice(client.session(), device.deviceId());
            // Until it is committed out of each conversation, the unlinked device could still read them.
            client.syncOwnDevices();
            spec.commandLine().getOut().println("Removed device " + device.deviceId().toHex() + "; it has left your conversations");
            return 0;
        });
    }
}
