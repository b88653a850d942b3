// Drives ts-mls members for Parley's interop tests and benchmark over line-delimited JSON:
// one request object per stdin line, one response object per stdout line, in order.
// Every byte string is hex. Each request names the ts-mls member ("member") it acts as;
// a member's group state stays in this process. Responses carry {"ok": true, ...} or
// {"ok": false, "error": "..."}; state-changing responses carry the member's epoch and
// epoch authenticator so the caller can compare them with its own after every step.
import { createInterface } from "node:readline";
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  processMessage,
  acceptAll,
  ciphersuites,
} from "ts-mls";
import { createGroupInfo } from "ts-mls/createCommit.js";

const members = new Map(); // name -> { suite, impl, keyPackage?, privatePackage?, state? }
const impls = new Map();

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const bytes = (h) => new Uint8Array(Buffer.from(h, "hex"));

async function impl(suiteId) {
  if (!impls.has(suiteId)) {
    const name = Object.keys(ciphersuites).find((n) => ciphersuites[n] === suiteId);
    if (!name) throw new Error(`ts-mls has no cipher suite ${suiteId}`);
    impls.set(suiteId, await getCiphersuiteImpl(getCiphersuiteFromName(name)));
  }
  return impls.get(suiteId);
}

function member(name) {
  const m = members.get(name);
  if (!m) throw new Error(`no ts-mls member ${name}`);
  return m;
}

function decode(h, wireformat) {
  const decoded = decodeMlsMessage(bytes(h), 0);
  if (!decoded) throw new Error(`cannot decode MLSMessage ${h.slice(0, 16)}...`);
  const message = decoded[0];
  if (wireformat && message.wireformat !== wireformat) {
    throw new Error(`expected ${wireformat}, got ${message.wireformat}`);
  }
  return message;
}

const encode = (message) => hex(encodeMlsMessage({ version: "mls10", ...message }));

function status(m) {
  return { epoch: Number(m.state.groupContext.epoch), epochAuthenticator: hex(m.state.keySchedule.epochAuthenticator) };
}

async function commit(m, proposals) {
  const result = await createCommit({ state: m.state, cipherSuite: m.impl, pskIndex: emptyPskIndex },
    { extraProposals: proposals, ratchetTreeExtension: true });
  m.state = result.newState;
  return {
    commit: hex(encodeMlsMessage(result.commit)),
    welcome: result.welcome ? encode({ wireformat: "mls_welcome", welcome: result.welcome }) : null,
    ...status(m),
  };
}

function leafIndexOf(m, identity) {
  const nodes = m.state.ratchetTree;
  for (let i = 0; i < nodes.length; i += 2) {
    const node = nodes[i];
    if (node && node.nodeType === "leaf" && Buffer.from(node.leaf.credential.identity).toString("utf8") === identity) {
      return i / 2;
    }
  }
  throw new Error(`no member with identity ${identity}`);
}

function withVarintLength(data) {
  const n = data.length;
  const prefix = n < 64 ? [n] : n < 16384 ? [0x40 | (n >> 8), n & 0xff]
    : [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([...prefix, ...data]);
}

function withoutVarintLength(data) {
  const size = 1 << (data[0] >> 6);
  let n = data[0] & 0x3f;
  for (let i = 1; i < size; i++) n = n * 256 + data[i];
  if (size + n !== data.length) throw new Error("external_pub is not an RFC 9420 ExternalPub");
  return data.subarray(size);
}

// The first read (ts-mls's key import) sees the bare key, later reads (signature check) the signed encoding.
function unwrapOnFirstRead(ext) {
  const signed = ext.extensionData;
  let reads = 0;
  return {
    extensionType: ext.extensionType,
    get extensionData() {
      return reads++ === 0 ? withoutVarintLength(signed) : signed;
    },
  };
}

// CPU milliseconds of this process: the machine the benchmark runs on is shared, so wall time
// would measure the other processes too (Parley's side measures its thread's CPU time likewise).
function cpuMillis() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Operations per CPU second of `op` over about `millis` of CPU time (after a fifth of that as warm-up); op returns false when done.
async function timedRate(millis, op) {
  const warmEnd = cpuMillis() + millis / 5;
  while (cpuMillis() < warmEnd) if ((await op()) === false) break;
  let count = 0;
  const start = cpuMillis();
  let now = start;
  while (now - start < millis) {
    const more = await op();
    now = cpuMillis();
    if (more === false) break;
    count++;
  }
  return count / ((now - start) / 1000);
}

const commands = {
  // A fresh member with a KeyPackage for the suite; returns it as an MLSMessage.
  async keyPackage({ member: name, suite }) {
    const cs = await impl(suite);
    const credential = { credentialType: "basic", identity: new TextEncoder().encode(name) };
    const kp = await generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], cs);
    members.set(name, { suite, impl: cs, keyPackage: kp.publicPackage, privatePackage: kp.privatePackage });
    return { keyPackage: encode({ wireformat: "mls_key_package", keyPackage: kp.publicPackage }) };
  },

  async createGroup({ member: name, suite, groupId }) {
    await commands.keyPackage({ member: name, suite });
    const m = member(name);
    m.state = await createGroup(bytes(groupId), m.keyPackage, m.privatePackage, [], m.impl);
    return status(m);
  },

  // Commits Adds for the given KeyPackage MLSMessages; the commit is merged at once.
  async add({ member: name, keyPackages }) {
    const m = member(name);
    const proposals = keyPackages.map((h) => ({
      proposalType: "add", add: { keyPackage: decode(h, "mls_key_package").keyPackage },
    }));
    return commit(m, proposals);
  },

  async remove({ member: name, identities }) {
    const m = member(name);
    const proposals = identities.map((identity) => ({
      proposalType: "remove", remove: { removed: leafIndexOf(m, identity) },
    }));
    return commit(m, proposals);
  },

  // An empty Commit: it carries an UpdatePath, so it updates the committer's leaf.
  async update({ member: name }) {
    return commit(member(name), []);
  },

  async join({ member: name, welcome }) {
    const m = member(name);
    m.state = await joinGroup(decode(welcome, "mls_welcome").welcome, m.keyPackage, m.privatePackage, emptyPskIndex, m.impl);
    return status(m);
  },

  async process({ member: name, message }) {
    const m = member(name);
    const decoded = decode(message);
    const result = await processMessage(decoded, m.state, emptyPskIndex, acceptAll, m.impl);
    m.state = result.newState;
    if (result.kind === "applicationMessage") {
      return { application: hex(result.message), ...status(m) };
    }
    return { active: m.state.groupActiveState.kind === "active", ...status(m) };
  },

  async send({ member: name, data }) {
    const m = member(name);
    const result = await createApplicationMessage(m.state, bytes(data), m.impl);
    m.state = result.newState;
    return { message: encode({ wireformat: "mls_private_message", privateMessage: result.privateMessage }) };
  },

  // ts-mls 1.6.4 writes external_pub's extension_data as the bare key and reads it that way,
  // where RFC 9420 Section 12.4.3.2 has struct { HPKEPublicKey external_pub; } with
  // HPKEPublicKey an opaque<V>, i.e. a length prefix inside extension_data (fixed upstream by
  // LukaJCB/ts-mls PR #449, not yet released). The harness converts at its boundary: the
  // GroupInfo it hands out is built and signed by ts-mls with the RFC encoding, and for an
  // external join the key is unwrapped only where ts-mls derives the init secret, while its
  // GroupInfo signature check still sees the bytes that were signed.
  async groupInfo({ member: name }) {
    const m = member(name);
    const plain = await createGroupInfoWithExternalPubAndRatchetTree(m.state, [], m.impl);
    const extensions = plain.extensions.map((ext) => ext.extensionType === "external_pub"
      ? { extensionType: "external_pub", extensionData: withVarintLength(ext.extensionData) } : ext);
    const info = await createGroupInfo(m.state.groupContext, m.state.confirmationTag, m.state, extensions, m.impl);
    return { groupInfo: encode({ wireformat: "mls_group_info", groupInfo: info }) };
  },

  // Joins by external Commit from a GroupInfo that carries the ratchet tree and external_pub.
  async externalJoin({ member: name, suite, groupInfo }) {
    await commands.keyPackage({ member: name, suite });
    const m = member(name);
    const info = decode(groupInfo, "mls_group_info").groupInfo;
    info.extensions = info.extensions.map((ext) => ext.extensionType === "external_pub" ? unwrapOnFirstRead(ext) : ext);
    const result = await joinGroupExternal(info, m.keyPackage, m.privatePackage, false, m.impl);
    m.state = result.newState;
    return { commit: encode({ wireformat: "mls_public_message", publicMessage: result.publicMessage }), ...status(m) };
  },

  // --- benchmark: the operations of Parley's LargeGroupBench, timed inside this process ---

  async benchKeyPackages({ suite, millis }) {
    const cs = await impl(suite);
    const credential = { credentialType: "basic", identity: new TextEncoder().encode("kp") };
    const rate = await timedRate(millis, () => generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], cs));
    return { perSecond: rate };
  },

  // A group of `members` built by one Commit adding everyone; then rounds of a Commit that adds
  // one member and removes another (the committer's path updates its own leaf), processed by a
  // second member, and the new member's join from the Welcome; then 1 KiB messages.
  async benchGroup({ suite, members, warmup, repeats }) {
    const cs = await impl(suite);
    const tag = `bench${members}-`;
    await commands.createGroup({ member: tag + "alice", suite, groupId: Buffer.from(tag).toString("hex") });
    const others = [];
    for (let i = 1; i < members; i++) others.push((await commands.keyPackage({ member: tag + i, suite })).keyPackage);
    const added = await commands.add({ member: tag + "alice", keyPackages: others });
    await commands.join({ member: tag + 1, welcome: added.welcome });
    const alice = member(tag + "alice");
    const bob = member(tag + 1);
    const create = [], processing = [], join = [];
    let victim = `${tag}${members - 1}`, commitBytes = 0, welcomeBytes = 0;
    for (let round = 0; round < warmup + repeats; round++) {
      const carol = `${tag}carol${round}`;
      const kp = (await commands.keyPackage({ member: carol, suite })).keyPackage;
      const identities = members > 2 ? [victim] : [];
      const t0 = cpuMillis();
      const proposals = [{ proposalType: "add", add: { keyPackage: decode(kp, "mls_key_package").keyPackage } },
        ...identities.map((id) => ({ proposalType: "remove", remove: { removed: leafIndexOf(alice, id) } }))];
      const c = await commit(alice, proposals);
      const t1 = cpuMillis();
      await commands.process({ member: tag + 1, message: c.commit });
      const t2 = cpuMillis();
      await commands.join({ member: carol, welcome: c.welcome });
      const t3 = cpuMillis();
      if (member(carol).state.keySchedule.epochAuthenticator.toString() !== alice.state.keySchedule.epochAuthenticator.toString()) {
        throw new Error("ts-mls members disagree after a benchmark commit");
      }
      if (round >= warmup) { create.push(t1 - t0); processing.push(t2 - t1); join.push(t3 - t2); }
      commitBytes = c.commit.length / 2;
      welcomeBytes = c.welcome.length / 2;
      victim = carol;
    }
    const kib = "00".repeat(1024);
    const messages = [];
    const encrypt = await timedRate(1000, async () => { messages.push((await commands.send({ member: tag + "alice", data: kib })).message); });
    let next = 0;
    const decrypt = await timedRate(1000, async () => {
      if (next === messages.length) return false;
      const m = decode(messages[next++]);
      const r = await processMessage(m, bob.state, emptyPskIndex, acceptAll, bob.impl);
      bob.state = r.newState;
    });
    return { create: median(create), process: median(processing), join: median(join), commitBytes, welcomeBytes, encrypt, decrypt };
  },

  async status({ member: name }) {
    return status(member(name));
  },

  async forget({ member: name }) {
    members.delete(name);
    return {};
  },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let response;
  try {
    const request = JSON.parse(line);
    const handler = commands[request.cmd];
    if (!handler) throw new Error(`unknown command ${request.cmd}`);
    response = { ok: true, ...(await handler(request)) };
  } catch (e) {
    response = { ok: false, error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(response) + "\n");
}
