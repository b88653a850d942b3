// The tunnel's cryptography against the Java side's known answer (protocol TunnelTest
// knownAnswerSharedWithTheBrowser): the same fixed keys must give the same bytes here, so a browser
// and the server agree on every handshake and record.
import { describe, expect, it } from "vitest";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { concat, fromHex, toHex, utf8 } from "../../src/core/bytes";
import { ClientHandshake, FRAME, OPEN_SESSION, TunnelError } from "../../src/core/net/tunnel";
import { bridgeLinkText, bridgeTunnelUrl, checkTypedAddress, dialTarget, parseBridgeLink } from "../../src/core/net/address";

const filled = (value: number) => new Uint8Array(32).fill(value);
const KNOWN_CLIENT_HELLO = "01a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209";
const KNOWN_SERVER_HELLO =
  "01ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d597613c4547350d3ab2308d84c5edf05c44f465bcd645eea45551f64cff5273385d35e5dd43a7a82aa055a585bb57b188c57fbb08c6ac8e41519e6f983a64ab10d";
const KNOWN_UP0 = "3e88574c1e244fd2e4c047b319f91f4361";
const KNOWN_UP1 = "926448a585b7729cb26842c661180f595ac708f7918a";
const KNOWN_DOWN0 = "d1f3a249f52d54533f8d15e105b6a6479f3c647e1aca";

/** The server's hello as protocol/Tunnel.accept makes it, from the fixed server keys. */
function serverHello(clientHello: Uint8Array, shareSecret = filled(2), signingKey = filled(3)): Uint8Array {
  const serverShare = x25519.getPublicKey(shareSecret);
  const signature = ed25519.sign(concat(utf8("parley-v1-tunnel"), clientHello.subarray(1), serverShare), signingKey);
  return concat(Uint8Array.of(1), serverShare, signature);
}

describe("the tunnel", () => {
  it("gives the Java side's known answer, byte for byte", () => {
    const client = new ClientHandshake(filled(1));
    expect(toHex(client.hello())).toBe(KNOWN_CLIENT_HELLO);
    const hello = serverHello(client.hello());
    expect(toHex(hello)).toBe(KNOWN_SERVER_HELLO);
    const keys = client.finish(hello, ed25519.getPublicKey(filled(3)));
    expect(toHex(keys.toServer.seal(OPEN_SESSION, new Uint8Array(0)))).toBe(KNOWN_UP0);
    expect(toHex(keys.toServer.seal(FRAME, utf8("hello")))).toBe(KNOWN_UP1);
    expect(keys.fromServer.open(fromHex(KNOWN_DOWN0))).toEqual(concat(Uint8Array.of(FRAME), utf8("world")));
  });

  it("refuses a hello not signed by the pinned key, or for another client's share", () => {
    const client = new ClientHandshake();
    const pinned = ed25519.getPublicKey(filled(3));
    expect(() => client.finish(serverHello(client.hello(), filled(2), filled(9)), pinned)).toThrow(TunnelError);
    expect(() => client.finish(serverHello(new ClientHandshake().hello()), pinned)).toThrow(/not signed by the server's key/);
    const real = serverHello(client.hello());
    expect(() => client.finish(real.subarray(1), pinned)).toThrow(TunnelError);
    expect(() => client.finish(real, new Uint8Array(5))).toThrow(TunnelError);
    const wrongVersion = real.slice();
    wrongVersion[0] = 2;
    expect(() => client.finish(wrongVersion, pinned)).toThrow(TunnelError);
  });

  it("refuses a server share of low order even when signed", () => {
    const client = new ClientHandshake();
    const lowOrder = concat(Uint8Array.of(1), new Uint8Array(32), ed25519.sign(concat(utf8("parley-v1-tunnel"), client.hello().subarray(1), new Uint8Array(32)), filled(3)));
    expect(() => client.finish(lowOrder, ed25519.getPublicKey(filled(3)))).toThrow(/not usable/);
  });

  it("refuses records altered, repeated, out of order or out of bounds", () => {
    const client = new ClientHandshake(filled(1));
    const keys = client.finish(serverHello(client.hello()), ed25519.getPublicKey(filled(3)));
    const down0 = fromHex(KNOWN_DOWN0);
    const altered = down0.slice();
    altered[3] ^= 1;
    expect(() => keys.fromServer.open(altered)).toThrow(/does not open/);
    expect(() => keys.fromServer.open(down0)).toThrow(/does not open/); // sequence 0 is spent: a tunnel that saw a bad record is over
    const fresh = new ClientHandshake(filled(1)).finish(serverHello(client.hello()), ed25519.getPublicKey(filled(3)));
    expect(() => fresh.fromServer.open(new Uint8Array(16))).toThrow(/out of bounds/);
    expect(() => fresh.fromServer.open(new Uint8Array(400 * 1024))).toThrow(/out of bounds/);
  });
});

describe("bridge links in the browser", () => {
  const pin = "5zzGW9oB4P6uMS0o0StxHIpqfe4ApL-_vqRHm0rnA-4";

  it("reads a link as the CLI writes it, and writes it back the same", () => {
    const text = `parley://bridge?host=198.51.100.7&port=443&pin=${pin}&server=https%3A%2F%2Fchat.example.org%3A443`;
    const link = parseBridgeLink(` ${text} `);
    expect(link).toEqual({ host: "198.51.100.7", port: 443, pin, server: "https://chat.example.org:443" });
    expect(bridgeLinkText(link)).toBe(text);
    expect(parseBridgeLink("parley://bridge?host=%5B2001%3Adb8%3A%3A1%5D&port=8443")).toMatchObject({ host: "2001:db8::1", port: 8443 });
    expect(bridgeTunnelUrl(parseBridgeLink("parley://bridge?host=%5B2001%3Adb8%3A%3A1%5D&port=8443"))).toBe("wss://[2001:db8::1]:8443/v1/ws/tunnel");
  });

  it("is accepted where an address is typed, and dialled by the tunnel with the pinned key", () => {
    expect(checkTypedAddress(`parley://bridge?host=b.example&port=443&pin=${pin}`, ["https://chat.example.org:443"])).toBe(
      `parley://bridge?host=b.example&port=443&pin=${pin}`,
    );
    const pinned = ed25519.getPublicKey(filled(3));
    expect(dialTarget("parley://bridge?host=b.example&port=443", pinned)).toEqual({ url: "wss://b.example:443/v1/ws/tunnel", serverKey: pinned });
    expect(dialTarget("https://chat.example.org:443", pinned)).toBe("wss://chat.example.org:443/v1/ws");
    // No pinned key, and no page naming its server's: a bridge cannot be checked, so it is not used.
    expect(() => dialTarget("parley://bridge?host=b.example&port=443", new Uint8Array(0))).toThrow(expect.objectContaining({ code: "NO_SERVER_KEY" }));
  });

  it("refuses malformed and hostile links with why", () => {
    for (const [text, why] of [
      ["parley://bridge?host=h", /host and a port/],
      ["parley://bridge?host=h&port=70000", /out of range/],
      ["parley://bridge?host=h&port=1&port=2", /twice/],
      ["parley://bridge?host=h&port=1&x=1", /unknown part/],
      ["parley://bridge?host=h/evil&port=1", /not a host/],
      ["parley://bridge?host=h&port=1&pin=abc", /pin/],
      ["parley://bridge?host=%E0%A4%A&port=1", /escaped/],
      ["parley://bridge?host=h&port=1&server=javascript:alert(1)", /scheme/],
      [`parley://bridge?host=${"h".repeat(1100)}&port=1`, /not a bridge link/],
    ] as const) {
      expect(() => parseBridgeLink(text), text).toThrow(why);
    }
  });
});
