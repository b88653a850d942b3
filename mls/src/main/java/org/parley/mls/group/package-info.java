/**
 * The MLS group layer (RFC 9420 Sections 11 and 12) and the {@link org.parley.mls.group.Group}
 * API the client SDK uses.
 *
 * <p>Typical use:
 * <pre>
 * GroupConfig config = GroupConfig.defaults(secureRandom).withPskStore(psks);
 * KeyPackageBundle kp = KeyPackageBundle.create(suite, credential, signatureKeys, null, random);
 * // publish kp.publicBytes(), store kp.privateBytes() as a secret
 *
 * Group group = Group.create(config, suite, groupId, credential, signatureKeys, List.of());
 * CommitResult r = group.addMembers(List.of(theirKeyPackage));
 * // hand r.commitMessage() (and r.welcome()) to the delivery service; when it accepts:
 * group.mergePendingCommit(r.pending());   // or, when another Commit won: discardPendingCommit
 *
 * ProcessedMessage m = group.process(incoming);   // ApplicationMessage | ProposalReceived | CommitApplied
 * // or UnreadableMessageException: a copy, an epoch missed or left, a forked group
 * byte[] ciphertext = group.encrypt(plaintext);
 * byte[] saved = group.toBytes();  Group again = Group.fromBytes(config, saved);
 * </pre>
 *
 * <p>The application's rules (who may be a member, who may change the group) are a
 * {@link org.parley.mls.group.GroupPolicy} in the config, asked on every join and before every
 * Commit takes effect (5.3.1, 12.4.2).
 *
 * <p>Internals: {@code ProposalList} (12.2, 12.3), {@code Commits} (12.4),
 * {@code Welcomes} (12.4.3.1), {@code Processing} (reading incoming messages, 6.2, 6.3),
 * {@code GroupState} (one epoch's state, copied before every change).
 * {@link org.parley.mls.group.WelcomeKnownAnswers} runs the first Welcome steps alone, for
 * conformance checks.
 */
package org.parley.mls.group;
