// A profile's server addresses and what it trusts of its server (port of account/ServerAddresses.java
// for the browser): the ordered list (the origin this app was loaded from, then the https/wss
// addresses the server announced, signed by the key pinned at registration, without repeats), the
// address that signed in last, and the pinned key, against which every connection's Challenge is
// checked before this device signs anything for it. Bridge links are dialled through the tunnel
// (tunnel.ts), whose handshake the server signs with that key; plain-http addresses are kept and
// shown but never dialled (the app's page may only reach https/wss alternates: its CSP names them).
import { constantTimeEquals } from "../bytes";
import { CoreError } from "./errors";
import { SERVER_KEY_BYTES, checkAnnouncement, type ServerClaims } from "./announcement";
import { bridgeLinkText, canonicalEndpoint, isBridgeLink, parseBridgeLink, usesTls } from "./address";

/** What a profile holds about its server (DeviceRecord fields 30-32). */
export interface ServerTrust {
  /** The pinned Ed25519 key; empty until pinned. */
  readonly serverKey: Uint8Array;
  /** The newest verified announcement's addresses, as announced. */
  readonly announcedAddresses: readonly string[];
  /** Its issued_at_ms; 0 when there is none. */
  readonly announcedAtMs: bigint;
}

export const NO_TRUST: ServerTrust = { serverKey: new Uint8Array(0), announcedAddresses: [], announcedAtMs: 0n };

/** What a Challenge changed, and what the user must be told. */
export interface TrustCheck {
  trust: ServerTrust;
  changed: boolean;
  /** The announcement was refused (not signed by the pinned key, malformed): a warning to show. */
  refused?: string;
  /** An announcement older than the one held (a replay, or another node's): logged only. */
  older?: boolean;
}

/** The server showed another key than the pinned one: the connection must not be used. */
export function serverKeyChanged(): CoreError {
  return new CoreError("SERVER_KEY_CHANGED", "the server's key changed: this may be an attacker's server; this device did not sign in there");
}

/**
 * Checks a fresh connection's Challenge against what the profile trusts (ServerAddresses.checkServer):
 * pins the key when none is pinned yet, refuses a connection that shows another, and takes a
 * verified announcement newer than the one held.
 *
 * @throws CoreError SERVER_KEY_CHANGED when the server shows a key other than the pinned one
 */
export function checkServer(trust: ServerTrust, claims: ServerClaims): TrustCheck {
  let pinned = trust.serverKey;
  let changed = false;
  if (pinned.length === 0) {
    if (claims.serverKey.length !== SERVER_KEY_BYTES) return { trust, changed }; // a server from before server keys
    pinned = claims.serverKey.slice();
    changed = true;
  } else if (!constantTimeEquals(pinned, claims.serverKey)) {
    throw serverKeyChanged();
  }
  const next = { ...trust, serverKey: pinned };
  const announcement = checkAnnouncement(claims, pinned);
  if (announcement.kind === "refused") return { trust: next, changed, refused: announcement.why };
  if (announcement.kind === "verified") {
    if (announcement.issuedAtMs > trust.announcedAtMs) {
      return { trust: { ...next, announcedAddresses: [...announcement.addresses], announcedAtMs: announcement.issuedAtMs }, changed: true };
    }
    if (announcement.issuedAtMs < trust.announcedAtMs) return { trust: next, changed, older: true };
  }
  return { trust: next, changed };
}

/**
 * What a new device trusts (ServerAddresses.pinAtStart): the key it was given (at registration
 * the one its connection showed, when linked the approving device's, if it had one), and the
 * Challenge of the connection it came through checked against it.
 *
 * @throws CoreError SERVER_KEY_CHANGED when that connection showed another key than the one given
 */
export function trustAtStart(givenKey: Uint8Array, claims: ServerClaims): TrustCheck {
  return checkServer(givenKey.length === SERVER_KEY_BYTES ? { ...NO_TRUST, serverKey: givenKey.slice() } : NO_TRUST, claims);
}

export type AddressSource = "registered" | "added" | "announced";

/** One address of the list as Settings shows it. */
export interface AddressEntry {
  /** Canonical (https://HOST:PORT[/PATH], or a bridge link) when it parses; as given otherwise. */
  address: string;
  source: AddressSource;
  /** Whether it is a bridge link, reached through the tunnel. */
  bridge: boolean;
  /** Why this browser does not dial it: a plain-http address, or one that does not parse. */
  unusable?: "plain" | "malformed";
  lastWorking: boolean;
  /** The last try of it in this session did not get through (filled in by the profile's address book). */
  failedLast?: boolean;
}

/**
 * The list in order (ServerAddresses.entries): `home` (the origin this app was loaded from), the
 * addresses the user added (bridge links), then each announced address, each once. Only entries
 * without `unusable` are dialled.
 */
export function addressList(home: string, added: readonly string[], announced: readonly string[], lastWorking: string): AddressEntry[] {
  const seen = new Set<string>();
  const entries: AddressEntry[] = [];
  const add = (address: string, source: AddressSource, bridge: boolean, unusable?: AddressEntry["unusable"]) => {
    if (seen.has(address)) return;
    seen.add(address);
    entries.push({ address, source, bridge, unusable, lastWorking: !unusable && address === lastWorking });
  };
  add(canonicalEndpoint(home), "registered", false);
  const read = (text: string, source: AddressSource) => {
    try {
      if (isBridgeLink(text)) add(bridgeLinkText(parseBridgeLink(text)), source, true);
      else {
        const address = canonicalEndpoint(text);
        add(address, source, false, usesTls(address) ? undefined : "plain");
      }
    } catch {
      add(text, source, isBridgeLink(text), "malformed");
    }
  };
  for (const text of added) read(text, "added");
  for (const text of announced) read(text, "announced");
  return entries;
}
