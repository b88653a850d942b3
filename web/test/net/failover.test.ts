// The link over a profile's several addresses (issue 15): a round tries them in order from the
// last that worked, moving on at once; a server showing another key than the pinned one is left
// before this device signs anything there; the address that worked is remembered.
import { create } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterEach, describe, expect, it } from "vitest";
import { AuthenticatedSchema, ChallengeSchema } from "../../src/gen/parley/v1/parley_pb";
import { NO_TRUST, checkServer, type ServerTrust } from "../../src/core/net/addresses";
import type { ServerClaims } from "../../src/core/net/announcement";
import { LastingLink, type AddressBook } from "../../src/core/net/session";
import { frame, pong, scriptedServer, type ScriptedServer } from "./scripted";
import { until } from "./until";

const serverPrivate = ed25519.utils.randomSecretKey();
const impostorPrivate = ed25519.utils.randomSecretKey();

/** A server that greets with `key`'s Challenge and answers pings; it records what it was sent. */
async function server(key: Uint8Array, requests: string[] = []): Promise<ScriptedServer> {
  return scriptedServer(
    (request) => {
      requests.push(request.body.case ?? "");
      return request.body.case === "authenticate" ? { case: "authenticated", value: create(AuthenticatedSchema) } : pong;
    },
    { greet: (socket) => socket.send(frame({ case: "challenge", value: create(ChallengeSchema, { nonce: new Uint8Array(32).fill(1), serverKey: ed25519.getPublicKey(key) }) })) },
  );
}

/** An address book as a profile's: its addresses, a pinned key checked with the app's own rule, the last that worked. */
class Book implements AddressBook {
  last: string | undefined;
  trust: ServerTrust = { ...NO_TRUST, serverKey: ed25519.getPublicKey(serverPrivate) };
  constructor(private readonly urls: string[]) {}
  endpoints = () => [...this.urls];
  serverKey = () => this.trust.serverKey;
  lastWorking = () => this.last;
  worked = (endpoint: string) => void (this.last = endpoint);
  checkServer = (claims: ServerClaims) => void (this.trust = checkServer(this.trust, claims).trust);
}

const device = { accountId: new Uint8Array(16), deviceId: new Uint8Array(16), signChallenge: () => new Uint8Array(64) };
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

describe("a link over several addresses", () => {
  it("moves on at once from an address that refuses connections, and remembers the one that worked", async () => {
    const second = await server(serverPrivate);
    open.push(second);
    const book = new Book(["http://127.0.0.1:1", second.httpUrl]);
    const started = Date.now();
    const link = await LastingLink.open(book, device, { timeoutMs: 5000 });
    open.push(link);
    expect(Date.now() - started).toBeLessThan(2000); // no back-off between addresses of one round
    expect(link.endpoint).toBe(second.httpUrl);
    expect(book.last).toBe(second.httpUrl);
  });

  it("leaves a server that shows another key before signing anything there, and signs in at the next address", async () => {
    const impostorSaw: string[] = [];
    const impostor = await server(impostorPrivate, impostorSaw);
    const real = await server(serverPrivate);
    open.push(impostor, real);
    const link = await LastingLink.open(new Book([impostor.httpUrl, real.httpUrl]), device, { timeoutMs: 5000 });
    open.push(link);
    expect(link.endpoint).toBe(real.httpUrl);
    expect(impostor.connections).toBe(1);
    expect(impostorSaw).toEqual([]); // not even an Authenticate: nothing was signed for it
  });

  it("fails with the changed key when no address shows the pinned one", async () => {
    const impostor = await server(impostorPrivate);
    open.push(impostor);
    const error = await LastingLink.open(new Book(["http://127.0.0.1:1", impostor.httpUrl]), device, { timeoutMs: 3000 }).catch((e) => e);
    expect(error).toMatchObject({ code: "SERVER_KEY_CHANGED" });
  });

  it("starts a round from the address that worked last, and after a drop tries the others", async () => {
    const first = await server(serverPrivate);
    const second = await server(serverPrivate);
    open.push(first, second);
    const book = new Book([first.httpUrl, second.httpUrl]);
    book.last = second.httpUrl;
    const link = await LastingLink.open(book, device, { timeoutMs: 5000 });
    open.push(link);
    expect(link.endpoint).toBe(second.httpUrl);
    expect(first.connections).toBe(0);
    await second.close();
    await until(() => link.endpoint === first.httpUrl && link.state === "online", "the link on the first address", 5000);
    expect(book.last).toBe(first.httpUrl);
  });
});
