/** A message, Welcome or change that MLS or Parley's group policy refuses; the message is for people. */
export class MlsPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MlsPolicyError";
  }
}
