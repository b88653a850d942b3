package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.concurrent.Callable;

/**
 * {@code parley devices}: this account's devices, as the server lists them. The list is a hint: a
 * listed device that none of this account's devices approved is never added to a conversation.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List this account's devices as the server lists them (one that none of your devices approved is never added"
                + " to your conversations; remove it with 'parley unlink').")
final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return Main.profiles(spec).withClient(client -> {
            PrintWriter out = spec.commandLine().getOut();
            for (Accounts.DeviceInfo device : Accounts.devices(client.session(), client.identity())) {
                out.println(device.deviceId().toHex() + "  added " + LocalDate.ofEpochDay(device.createdDay())
                        + (device.thisDevice() ? "  (this device)" : ""));
            }
            return 0;
        });
    }
}
