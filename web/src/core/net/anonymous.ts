// The device's second WebSocket, which never signs in (port of net/AnonymousConnection.java,
// parley.proto header): sealed sends, sealed commits and GetTokenKeys, so the server cannot tell
// which account made them. Opened on first use, kept open, reconnecting like the signed-in link.
// Frames that would name an account are refused here, before they leave.
import type { ServerFrame } from "../../gen/parley/v1/parley_pb";
import { ServerError, type AnonymousChannel, type ClientBody } from "../contracts";
import { LastingLink, type AddressBook, type LinkOptions } from "./session";

/** Throws unless the frame needs no account: signing in would tie every sealed send to the account. */
export function requireAnonymous(body: ClientBody): void {
  switch (body.case) {
    case "send":
      if (!body.value.sealed) throw new Error("an unsealed send needs the signed-in connection");
      return;
    case "submitCommit":
      if (!body.value.send?.sealed) throw new Error("an unsealed commit needs the signed-in connection");
      if (body.value.welcome && !body.value.welcome.sealed) throw new Error("an unsealed Welcome needs the signed-in connection");
      return;
    case "getTokenKeys":
    case "ping":
      return;
    default:
      throw new Error(`${body.case ?? "an empty frame"} does not belong on the anonymous connection`);
  }
}

export class AnonymousLink implements AnonymousChannel {
  private link: Promise<LastingLink> | undefined;
  private closed = false;

  constructor(
    private readonly addresses: AddressBook | string,
    private readonly options: LinkOptions = {},
  ) {}

  async request(body: ClientBody, timeoutMs?: number): Promise<ServerFrame> {
    requireAnonymous(body);
    return (await this.opened()).request(body, timeoutMs);
  }

  /** Whether a first request opened it and it is not closed since. */
  get isOpen(): boolean {
    return this.link !== undefined && !this.closed;
  }

  /** Closes the current connection as a network failure would; it reconnects. For tests of recovery. */
  async dropConnection(): Promise<void> {
    if (this.link) (await this.link).dropConnection();
  }

  close(): void {
    this.closed = true;
    this.link?.then((l) => l.close(), () => undefined);
  }

  private opened(): Promise<LastingLink> {
    if (this.closed) return Promise.reject(new ServerError("UNAVAILABLE", "the anonymous connection is closed"));
    if (!this.link) {
      // The server pushes nothing to a connection that never signed in; a failed first attempt is retried by the next request.
      this.link = LastingLink.open(this.addresses, undefined, this.options);
      this.link.catch(() => (this.link = undefined));
    }
    return this.link;
  }
}
