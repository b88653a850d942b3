package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.content.v1.GroupSettings;
import org.parley.client.keys.KeyPackages;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.protocol.Limits;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * A conversation's settings as every member reads them from the MLS group context (RFC 9420
 * section 8.1): the {@code GroupSettings} of content.proto in an extension of type
 * {@link KeyPackages#GROUP_SETTINGS_EXTENSION}, changed only by a GroupContextExtensions proposal
 * (section 12.1.7). A value is always well-formed: a group has a name and at least one admin; a
 * 1:1 has exactly two distinct accounts, and neither name nor admins.
 *
 * @param name           the group's name; empty for a 1:1
 * @param direct         whether this is a 1:1
 * @param directAccounts the two accounts of a 1:1, as listed; empty for a group
 * @param admins         the accounts that may change a group (they may have left); empty for a 1:1
 */
record ConversationSettings(String name, boolean direct, List<Bytes> directAccounts, List<Bytes> admins) {
    ConversationSettings {
        Objects.requireNonNull(name, "name");
        directAccounts = List.copyOf(directAccounts);
        admins = List.copyOf(admins);
    }

    /** A group called {@code name} whose first admin is its creator's account. */
    static ConversationSettings group(String name, Bytes creator) {
        return checked(new ConversationSettings(name, false, List.of(), List.of(creator)));
    }

    /** The 1:1 between two accounts. */
    static ConversationSettings directBetween(Bytes one, Bytes other) {
        return checked(new ConversationSettings("", true, List.of(one, other), List.of()));
    }

    /**
     * The settings in a group context's extensions.
     *
     * @throws MlsProtocolException when they are missing, undecodable or not well-formed
     */
    static ConversationSettings from(List<Extension> extensions) {
        Extension extension = Extension.find(extensions, KeyPackages.GROUP_SETTINGS_EXTENSION);
        if (extension == null) {
            throw new MlsProtocolException("the conversation carries no Parley settings (name, members' roles)");
        }
        GroupSettings decoded;
        try {
            decoded = GroupSettings.parseFrom(extension.data().asReadOnlyBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new MlsProtocolException("the conversation's settings cannot be read (" + extension.data().length() + " bytes)");
        }
        return checked(new ConversationSettings(decoded.getName(), decoded.getDirect(),
                decoded.getDirectAccountsList().stream().map(b -> Bytes.copyOf(b.toByteArray())).toList(),
                decoded.getAdminsList().stream().map(b -> Bytes.copyOf(b.toByteArray())).toList()));
    }

    private static ConversationSettings checked(ConversationSettings settings) {
        if (settings.direct) {
            if (settings.directAccounts.size() != 2 || !distinctAccounts(settings.directAccounts)) {
                throw new MlsProtocolException("a 1:1's settings must name exactly two different accounts, found "
                        + settings.directAccounts.size());
            }
            if (!settings.name.isEmpty() || !settings.admins.isEmpty()) {
                throw new MlsProtocolException("a 1:1's settings must have no name and no admins");
            }
        } else {
            if (settings.name.isBlank() || settings.name.length() > ConversationStore.MAX_NAME_CHARS) {
                throw new MlsProtocolException("a group's name must have 1 to " + ConversationStore.MAX_NAME_CHARS + " characters");
            }
            if (!settings.directAccounts.isEmpty()) {
                throw new MlsProtocolException("a group that is not a 1:1 must list no 1:1 accounts");
            }
            if (settings.admins.isEmpty() || !distinctAccounts(settings.admins)) {
                throw new MlsProtocolException("a group's settings must list at least one admin, each once");
            }
        }
        return settings;
    }

    private static boolean distinctAccounts(List<Bytes> accounts) {
        return accounts.stream().allMatch(a -> a.length() == Limits.ACCOUNT_ID_BYTES) && new HashSet<>(accounts).size() == accounts.size();
    }

    boolean isAdmin(Bytes account) {
        return admins.contains(account);
    }

    /** The other account of a 1:1, seen from {@code self}'s; null when {@code self} is not one of the two. */
    Bytes otherDirectAccount(Bytes self) {
        if (!direct || !directAccounts.contains(self)) {
            return null;
        }
        return directAccounts.get(0).equals(self) ? directAccounts.get(1) : directAccounts.get(0);
    }

    ConversationSettings withName(String newName) {
        return checked(new ConversationSettings(newName, direct, directAccounts, admins));
    }

    ConversationSettings withAdmin(Bytes account) {
        List<Bytes> more = new ArrayList<>(admins);
        if (!more.contains(account)) {
            more.add(account);
        }
        return checked(new ConversationSettings(name, direct, directAccounts, more));
    }

    /**
     * A new group's context extensions: these settings, and required_capabilities naming their type
     * (RFC 9420 section 11.1), so that only a device that can apply later changes of them is added.
     */
    List<Extension> initialExtensions() {
        return List.of(new RequiredCapabilities(List.of(KeyPackages.GROUP_SETTINGS_EXTENSION), List.of(), List.of()).toExtension(),
                toExtension());
    }

    /** {@code current} with these settings in place of the old ones; every other extension is kept. */
    List<Extension> replaceIn(List<Extension> current) {
        List<Extension> out = new ArrayList<>();
        for (Extension e : current) {
            out.add(e.extensionType() == KeyPackages.GROUP_SETTINGS_EXTENSION ? toExtension() : e);
        }
        return out;
    }

    Extension toExtension() {
        GroupSettings.Builder proto = GroupSettings.newBuilder().setName(name).setDirect(direct);
        directAccounts.forEach(a -> proto.addDirectAccounts(ByteString.copyFrom(a.toByteArray())));
        admins.forEach(a -> proto.addAdmins(ByteString.copyFrom(a.toByteArray())));
        return new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, proto.build().toByteArray());
    }
}
