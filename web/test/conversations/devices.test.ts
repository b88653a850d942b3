// This account's devices in its conversations: a web device linked to a CLI account joins the
// CLI's conversations (link-accept adds it) and sees new messages; a second web device linked to
// a web account is added by the first one's syncOwnDevices, adopts the account's profile key, and
// reads and writes there too.
import { describe, expect, it } from "vitest";
import { approveLink, requestLink } from "../../src/core/account/accounts";
import { randomBytes, toHex } from "../../src/core/bytes";
import { IndexedDbVault } from "../../src/core/store/vault";
import { realServer } from "./realServer";
import { cliUser } from "./cliUser";
import { eventually, signIn, webUser, type WebUser } from "./webUser";

describe("linked devices in conversations", () => {
  const server = realServer();
  const { web, cli } = server;

  async function linkedDevice(username: string, approve: (code: string) => Promise<unknown>): Promise<WebUser> {
    const profile = `test-linked-${username}-${toHex(randomBytes(4))}`;
    const vault = await IndexedDbVault.create(profile);
    const pending = await requestLink(vault, server.url, username);
    const approving = approve(pending.code);
    const identity = await pending.approved;
    const device = await signIn(server.url, profile, identity, vault);
    // As the app does right after a link: its key packages, so that the approver can add it.
    await device.app.publishKeyPackages(10);
    await approving;
    web.push(device);
    return device;
  }

  it("a web device linked to a CLI account joins its conversations and sees new messages", async () => {
    const bea = await cliUser(server.url, "bea");
    const xena = await webUser(server.url, "xena");
    cli.push(bea);
    web.push(xena);
    const id = await xena.app.openDirect("bea");
    await xena.app.send(id, "before the link");
    await bea.run(["receive", "--wait=3"]);
    await bea.run(["accept", "xena"]);
    const second = await linkedDevice("bea", (code) => bea.run(["link-accept", code, "--wait=30"]));
    const joined = await eventually(() => second.app.conversations().find((c) => c.id === id), 60_000, "the 1:1 on the linked device");
    expect(joined).toMatchObject({ name: "xena", direct: true, request: false });
    await xena.app.send(id, "after the link");
    await eventually(() => second.app.messages(id).some((m) => m.text === "after the link" && m.sender === "xena"), 60_000, "xena's message");
    await second.app.send(id, "from bea's browser");
    await eventually(() => xena.app.messages(id).some((m) => m.text === "from bea's browser" && m.sender === "bea"), 60_000, "bea's web message");
    expect(await bea.run(["receive", "--wait=3"])).toMatch(/bea → xena: from bea's browser|from bea's browser/);
  }, 240_000);

  it("a second web device is added by the first one's syncOwnDevices and adopts the profile key", async () => {
    const yuri = await webUser(server.url, "yuri");
    const zoe = await webUser(server.url, "zoe");
    web.push(yuri, zoe);
    const id = await yuri.app.openDirect("zoe");
    await yuri.app.send(id, "hi zoe");
    await eventually(() => zoe.app.conversations().some((c) => c.id === id), 60_000, "zoe's request");
    await zoe.app.accept(id);
    const second = await linkedDevice("yuri", (code) => approveLink(yuri.ctx.session, yuri.identity, code));
    expect(await yuri.app.syncOwnDevices()).toBe(true);
    await eventually(() => second.app.conversations().some((c) => c.id === id), 60_000, "the 1:1 on yuri's second device");
    // The first device shared the account's profile key in the conversation: the second adopted it.
    await eventually(() => toHex(second.ctx.identity.profileKey!) === toHex(yuri.ctx.identity.profileKey!), 60_000, "the profile key");
    await zoe.app.send(id, "both your devices read this");
    for (const device of [yuri, second]) {
      await eventually(() => device.app.messages(id).some((m) => m.text === "both your devices read this"), 60_000, "zoe's message");
    }
    await second.app.send(id, "from the second device");
    await eventually(() => zoe.app.messages(id).some((m) => m.text === "from the second device" && m.sender === "yuri"), 60_000, "at zoe");
    // Yuri's first device shows its own account's message as its own.
    await eventually(() => yuri.app.messages(id).find((m) => m.text === "from the second device")?.outgoing, 60_000, "at yuri's first device");
  }, 240_000);
});
