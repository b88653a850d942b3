// Parley's one MLS cipher suite and the capabilities every leaf declares, as the Java client's
// KeyPackages has them (RFC 9420 section 5.1 and 7.2).
import {
  type Capabilities,
  type CiphersuiteImpl,
  type ClientConfig,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import type { AuthenticationService } from "ts-mls";

/** X25519, AES-128-GCM, SHA-256, Ed25519 (the device identity key's scheme): suite 0x0001. */
export const SUITE_NAME = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519" as const;

/**
 * The group context extension holding a conversation's settings (content.proto GroupSettings),
 * a private-use type (RFC 9420 section 17.3).
 */
export const GROUP_SETTINGS_EXTENSION = 0xf0a0;

/** What this client's leaves declare: the defaults and the group settings extension (KeyPackageBundle.capabilities). */
export const CAPABILITIES: Capabilities = {
  versions: ["mls10"],
  ciphersuites: [SUITE_NAME],
  extensions: [GROUP_SETTINGS_EXTENSION],
  proposals: [],
  credentials: ["basic", "x509"],
};

/** The Java client's key packages live 90 days (KeyPackages.LIFETIME). */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90n * 24n * 3600n;

let implementation: Promise<CiphersuiteImpl> | undefined;

export function cipherSuite(): Promise<CiphersuiteImpl> {
  implementation ??= getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAME));
  return implementation;
}

/**
 * ts-mls's configuration with Parley's credential check. No padding inside MLS: every payload is
 * padded as a whole by wire/Padding before it leaves, as the Java client does.
 */
export function clientConfig(authService: AuthenticationService): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    // Java's packages live 90 days; lifetimes are checked on our own adds only (RFC 9420 section 10.1).
    lifetimeConfig: { maximumTotalLifetime: KEY_PACKAGE_LIFETIME_SECONDS + 24n * 3600n, validateLifetimeOnReceive: false },
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: { kind: "padUntilLength", padUntilLength: 0 },
    authService,
  };
}
