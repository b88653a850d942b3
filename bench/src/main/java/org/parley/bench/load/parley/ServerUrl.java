package org.parley.bench.load.parley;

import org.parley.client.net.ServerAddress;
import picocli.CommandLine;

/** {@code --server}: a malformed URL is a usage error that says what a server URL looks like. */
public final class ServerUrl implements CommandLine.ITypeConverter<ServerAddress> {
    @Override
    public ServerAddress convert(String value) {
        try {
            return ServerAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
