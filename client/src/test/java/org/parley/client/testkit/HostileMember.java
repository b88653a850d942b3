package org.parley.client.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.ParleyClient;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.Text;
import org.parley.client.content.v1.GroupSettings;
import org.parley.client.conversations.PayloadWrap;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.mls.codec.Bytes;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.Member;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClaimedKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a modified client does, past its own SDK's checks: it builds groups and commits with the
 * MLS API under no rules but the RFC's, and sends them straight to other devices' mailboxes (as a
 * server that delivers anything would, too). Tests use it to attack the group rules.
 */
public final class HostileMember {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ParleyClient client;

    public HostileMember(ParleyClient client) {
        this.client = client;
    }

    /** A device's key package as the server hands it out, with whom it belongs to. */
    public record Device(byte[] keyPackage, Bytes account, Bytes device) {
    }

    /** One key package of every device of {@code username}, claimed from the server. */
    public List<Device> claim(String username) {
        ClaimedKeyPackages answer = client.session().call(ClientFrame.newBuilder().setClaimKeyPackages(
                ClaimKeyPackages.newBuilder().setUsername(username))).getClaimedKeyPackages();
        List<Device> claimed = new ArrayList<>();
        for (DeviceKeyPackage device : answer.getPackagesList()) {
            claimed.add(new Device(device.getKeyPackage().toByteArray(), Bytes.copyOf(answer.getAccountId().toByteArray()),
                    Bytes.copyOf(device.getDeviceId().toByteArray())));
        }
        return claimed;
    }

    /** Sends a payload (a wrapped MLS message, see {@link PayloadWrap}) straight to these devices' mailboxes. */
    public void deliver(List<Device> to, byte[] payload) {
        byte[] messageId = new byte[16];
        RANDOM.nextBytes(messageId);
        Send.Builder send = Send.newBuilder().setMessageId(ByteString.copyFrom(messageId)).setPayload(ByteString.copyFrom(payload));
        for (Device device : to) {
            send.addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(device.account().toByteArray()))
                    .addDeviceIds(ByteString.copyFrom(device.device().toByteArray())));
        }
        client.session().call(ClientFrame.newBuilder().setSend(send));
    }

    /** Sends a commit (or any MLS message) of {@code group}, wrapped as clients wrap it, to every other member's device. */
    public void deliverToOthers(Group group, byte[] mlsMessage) {
        deliver(group.members().stream().filter(m -> m.leafIndex() != group.ownLeafIndex())
                .map(m -> MemberCredential.from(m.credential())).map(c -> new Device(null, c.account(), c.device())).toList(),
                PayloadWrap.wrapGroupMessage(group.groupId(), mlsMessage, RANDOM));
    }

    /** A copy of this client's state of a group, obeying no rules but the RFC's. */
    public Group unruledCopy(byte[] groupId) throws InvalidProtocolBufferException {
        ConversationRecord record = ConversationRecord.parseFrom(client.store().get("conversation:" + HexFormat.of().formatHex(groupId)));
        return Group.fromBytes(GroupConfig.defaults(RANDOM), record.getGroupState().toByteArray());
    }

    /** The leaves of {@code username}'s devices in a group. */
    public static List<Integer> leavesOf(Group group, String username) {
        return group.members().stream().filter(m -> MemberCredential.from(m.credential()).username().equals(username))
                .map(Member::leafIndex).toList();
    }

    /**
     * A group with the lowest group id holding this client and every device of {@code one} and
     * {@code other}, whose settings call it the 1:1 of those two; its Welcome and a first message
     * are delivered to them.
     */
    public Group falseDirect(String one, String other) {
        List<Device> victims = new ArrayList<>(claim(one));
        List<Device> others = claim(other);
        victims.addAll(others);
        GroupSettings claim = GroupSettings.newBuilder().setDirect(true)
                .addDirectAccounts(ByteString.copyFrom(victims.get(0).account().toByteArray()))
                .addDirectAccounts(ByteString.copyFrom(others.get(0).account().toByteArray())).build();
        List<Extension> extensions = List.of(
                new RequiredCapabilities(List.of(KeyPackages.GROUP_SETTINGS_EXTENSION), List.of(), List.of()).toExtension(),
                new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, claim.toByteArray()));
        Group group = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[16], client.keyPackages().credential().toCredential(),
                client.keyPackages().signatureKeys(), KeyPackages.CAPABILITIES, extensions);
        CommitResult add = group.addMembers(victims.stream().map(Device::keyPackage).toList());
        group.mergePendingCommit(add.pending());
        deliver(victims, PayloadWrap.wrapWelcome(add.welcome().orElseThrow().toByteArray()));
        deliver(victims, PayloadWrap.wrapGroupMessage(group.groupId(), group.encrypt("a message in the false 1:1".getBytes(StandardCharsets.UTF_8)),
                RANDOM));
        return group;
    }

    /**
     * A genuine 1:1 of this client's account and {@code victim}'s, in which this client's leaf
     * calls itself {@code claimedName}: its credential names this account and device, and this
     * account's key certifies the leaf, as for any device of it; only the username is not its own.
     * The Welcome and a text message are delivered to the victim's devices.
     */
    public Group directAs(String claimedName, String victim, String text) {
        List<Device> victims = claim(victim);
        MemberCredential own = client.keyPackages().credential();
        MemberCredential impostor = new MemberCredential(claimedName, own.account(), own.device(), own.accountKey(), own.certificate());
        GroupSettings direct = GroupSettings.newBuilder().setDirect(true)
                .addDirectAccounts(ByteString.copyFrom(own.account().toByteArray()))
                .addDirectAccounts(ByteString.copyFrom(victims.get(0).account().toByteArray())).build();
        List<Extension> extensions = List.of(
                new RequiredCapabilities(List.of(KeyPackages.GROUP_SETTINGS_EXTENSION), List.of(), List.of()).toExtension(),
                new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, direct.toByteArray()));
        byte[] groupId = new byte[16];
        RANDOM.nextBytes(groupId);
        Group group = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, groupId, impostor.toCredential(),
                client.keyPackages().signatureKeys(), KeyPackages.CAPABILITIES, extensions);
        CommitResult add = group.addMembers(victims.stream().map(Device::keyPackage).toList());
        group.mergePendingCommit(add.pending());
        deliver(victims, PayloadWrap.wrapWelcome(add.welcome().orElseThrow().toByteArray()));
        byte[] messageId = new byte[16];
        RANDOM.nextBytes(messageId);
        Content content = Content.newBuilder().setId(ByteString.copyFrom(messageId)).setSentAt(System.currentTimeMillis())
                .setSenderDevice(ByteString.copyFrom(own.device().toByteArray())).setText(Text.newBuilder().setText(text)).build();
        deliver(victims, PayloadWrap.wrapGroupMessage(group.groupId(), group.encrypt(content.toByteArray()), RANDOM));
        return group;
    }
}
