// A Commit (RFC 9420 section 12.4) that always carries an UpdatePath. ts-mls 1.6.4's createCommit
// adds one only for empty commits, Updates and Removes, but section 17.4 requires a path for
// GroupContextExtensions too, and the Java client refuses such a commit without one. A path is
// allowed in any commit (section 12.4: "MAY be populated"), and it also refreshes the committer's
// leaf key (post-compromise security), so Parley's commits made here always have one. This is
// ts-mls's own createCommit (PrivateMessage, ratchet_tree in the Welcome) with that one change,
// built from the library's exported steps.
import type { CiphersuiteImpl, ClientState, MLSMessage, Proposal, Welcome } from "ts-mls";
import { addHistoricalReceiverData, applyProposals, checkCanSendHandshakeMessages, nextEpochContext } from "ts-mls/clientState.js";
import { createGroupInfoWithRatchetTree } from "ts-mls/createCommit.js";
import { createConfirmationTag, createContentCommitSignature } from "ts-mls/framedContent.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { initializeEpoch } from "ts-mls/keySchedule.js";
import { protect } from "ts-mls/messageProtection.js";
import { getCommitSecret, pathToPathSecrets } from "ts-mls/pathSecrets.js";
import { emptyPskIndex } from "ts-mls";
import { mergePrivateKeyPaths, toPrivateKeyPath, updateLeafKey } from "ts-mls/privateKeyPath.js";
import { createSecretTree } from "ts-mls/secretTree.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { leafToNodeIndex, leafWidth, toLeafIndex, toNodeIndex } from "ts-mls/treemath.js";
import { createUpdatePath, firstCommonAncestor } from "ts-mls/updatePath.js";
import { base64ToBytes } from "ts-mls/util/byteArray.js";
import { encryptGroupInfo, encryptGroupSecrets } from "ts-mls/welcome.js";

export interface CommitWithPath {
  newState: ClientState;
  commit: MLSMessage;
  welcome: Welcome | undefined;
}

export async function commitWithPath(state: ClientState, extraProposals: Proposal[], cs: CiphersuiteImpl): Promise<CommitWithPath> {
  checkCanSendHandshakeMessages(state);
  const ownLeaf = toLeafIndex(state.privatePath.leafIndex);
  // Proposals received this epoch go in by reference (section 12.2), then this device's by value.
  const allProposals = [
    ...Object.keys(state.unappliedProposals).map((ref) => ({ proposalOrRefType: "reference" as const, reference: base64ToBytes(ref) })),
    ...extraProposals.map((proposal) => ({ proposalOrRefType: "proposal" as const, proposal })),
  ];
  const res = await applyProposals(state, allProposals, ownLeaf, emptyPskIndex, true, cs);
  if (res.additionalResult.kind !== "memberCommit") throw new Error("Parley commits neither ReInit nor external joins");
  const added = res.additionalResult.addedLeafNodes;
  // New members get the path secret in the Welcome, not through the UpdatePath (section 12.4.2).
  const excludeNodes = added.map(([leafIndex]) => leafToNodeIndex(leafIndex));
  const extensions = res.additionalResult.extensions.length > 0 ? res.additionalResult.extensions : state.groupContext.extensions;
  const groupContext = { ...state.groupContext, extensions };
  // The path is encrypted to the provisional context, with the new extensions (section 12.4.1).
  const [tree, updatePath, pathSecrets, newPrivateKey] = await createUpdatePath(res.tree, ownLeaf, groupContext,
    state.signaturePrivateKey, cs, excludeNodes);
  const privatePath = mergePrivateKeyPaths(updateLeafKey(state.privatePath, await cs.hpke.exportPrivateKey(newPrivateKey)),
    await toPrivateKeyPath(pathToPathSecrets(pathSecrets), state.privatePath.leafIndex, cs));
  const lastPathSecret = pathSecrets.at(-1);
  const commitSecret = lastPathSecret === undefined
    ? new Uint8Array(cs.kdf.size)
    : await getCommitSecret(tree, toNodeIndex(lastPathSecret.nodeIndex), lastPathSecret.secret, cs.kdf);
  const authenticatedData = new Uint8Array();
  const { signature, framedContent } = await createContentCommitSignature(state.groupContext, "mls_private_message",
    { proposals: allProposals, path: updatePath }, { senderType: "member", leafIndex: state.privatePath.leafIndex },
    authenticatedData, state.signaturePrivateKey, cs.signature);
  const treeHash = await treeHashRoot(tree, cs.hash);
  const nextContext = await nextEpochContext(groupContext, "mls_private_message", framedContent, signature, treeHash,
    state.confirmationTag, cs.hash);
  const epochSecrets = await initializeEpoch(state.keySchedule.initSecret, commitSecret, nextContext, res.pskSecret, cs.kdf);
  const confirmationTag = await createConfirmationTag(epochSecrets.keySchedule.confirmationKey, nextContext.confirmedTranscriptHash, cs.hash);
  const auth = { contentType: framedContent.contentType, signature, confirmationTag };
  const protectedCommit = await protect(state.keySchedule.senderDataSecret, authenticatedData, state.groupContext, state.secretTree,
    { ...framedContent, auth }, state.privatePath.leafIndex, state.clientConfig.paddingConfig, cs);
  let welcome: Welcome | undefined;
  if (added.length > 0) {
    const groupInfo = await createGroupInfoWithRatchetTree(nextContext, confirmationTag, state, tree, [], cs);
    const encryptedGroupInfo = await encryptGroupInfo(groupInfo, epochSecrets.welcomeSecret, cs);
    const secrets = await Promise.all(added.map(async ([leafIndex, keyPackage]) => {
      const pathSecret = pathSecrets.find((ps) => ps.nodeIndex === firstCommonAncestor(tree, leafIndex, ownLeaf));
      const sealed = await encryptGroupSecrets(await cs.hpke.importPublicKey(keyPackage.initKey), encryptedGroupInfo,
        { joinerSecret: epochSecrets.joinerSecret, pathSecret: pathSecret?.secret, psks: res.pskIds }, cs.hpke);
      return {
        newMember: await makeKeyPackageRef(keyPackage, cs.hash),
        encryptedGroupSecrets: { kemOutput: sealed.enc, ciphertext: sealed.ct },
      };
    }));
    welcome = { cipherSuite: nextContext.cipherSuite, secrets, encryptedGroupInfo };
  }
  const [historicalReceiverData] = addHistoricalReceiverData(state);
  const newState: ClientState = {
    groupContext: nextContext,
    ratchetTree: tree,
    secretTree: await createSecretTree(leafWidth(tree.length), epochSecrets.encryptionSecret, cs.kdf),
    keySchedule: epochSecrets.keySchedule,
    privatePath,
    unappliedProposals: {},
    historicalReceiverData,
    confirmationTag,
    signaturePrivateKey: state.signaturePrivateKey,
    groupActiveState: res.selfRemoved ? { kind: "removedFromGroup" } : { kind: "active" },
    clientConfig: state.clientConfig,
  };
  return {
    newState,
    commit: { version: "mls10", wireformat: "mls_private_message", privateMessage: protectedCommit.privateMessage },
    welcome,
  };
}
