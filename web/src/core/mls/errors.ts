/** A message, Welcome or change that MLS or Parley's group policy refuses; the message is for people. */
export class MlsPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MlsPolicyError";
  }
}

/**
 * A PrivateMessage whose keys this member does not have (RFC 9420 section 6.3.2): damaged, or of
 * another version of the epoch. `authenticatedData` (sent in the clear) is kept when the message
 * names this member's own epoch, so that the fork tag in it can tell which (ForkTag.java).
 */
export class UndecryptableMessage extends MlsPolicyError {
  constructor(
    message: string,
    readonly ofCurrentEpoch: boolean,
    readonly authenticatedData: Uint8Array,
  ) {
    super(message);
    this.name = "UndecryptableMessage";
  }
}
