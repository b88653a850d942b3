// A conversation's settings as every member reads them from the MLS group context (RFC 9420
// section 8.1): content.proto's GroupSettings in an extension of type GROUP_SETTINGS_EXTENSION,
// changed only by a GroupContextExtensions proposal (section 12.1.7). Port of the Java client's
// ConversationSettings: a value is always well-formed (a group has a name and at least one admin;
// a 1:1 has exactly two distinct accounts, and neither name nor admins).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { encodeRequiredCapabilities, type Extension } from "ts-mls";
import { GroupSettingsSchema } from "../../gen/parley/content/v1/content_pb";
import { toHex } from "../bytes";
import { ACCOUNT_ID_BYTES } from "./credential";
import { MlsPolicyError } from "./errors";
import { GROUP_SETTINGS_EXTENSION } from "./suite";

export const MAX_NAME_CHARS = 64;

export class ConversationSettings {
  private constructor(
    readonly name: string,
    readonly direct: boolean,
    readonly directAccounts: readonly Uint8Array[],
    readonly admins: readonly Uint8Array[],
  ) {
    if (direct) {
      if (directAccounts.length !== 2 || !distinctAccounts(directAccounts)) {
        throw new MlsPolicyError(`a 1:1's settings must name exactly two different accounts, found ${directAccounts.length}`);
      }
      if (name !== "" || admins.length > 0) throw new MlsPolicyError("a 1:1's settings must have no name and no admins");
    } else {
      if (name.trim() === "" || name.length > MAX_NAME_CHARS) {
        throw new MlsPolicyError(`a group's name must have 1 to ${MAX_NAME_CHARS} characters`);
      }
      if (directAccounts.length > 0) throw new MlsPolicyError("a group that is not a 1:1 must list no 1:1 accounts");
      if (admins.length === 0 || !distinctAccounts(admins)) {
        throw new MlsPolicyError("a group's settings must list at least one admin, each once");
      }
    }
  }

  /** A group called `name` whose first admin is its creator's account. */
  static group(name: string, creator: Uint8Array): ConversationSettings {
    return new ConversationSettings(name, false, [], [creator]);
  }

  static directBetween(one: Uint8Array, other: Uint8Array): ConversationSettings {
    return new ConversationSettings("", true, [one, other], []);
  }

  /** The settings in a group context's extensions; throws MlsPolicyError when missing, undecodable or not well-formed. */
  static from(extensions: readonly Extension[]): ConversationSettings {
    const extension = extensions.find((e) => e.extensionType === GROUP_SETTINGS_EXTENSION);
    if (!extension) throw new MlsPolicyError("the conversation carries no Parley settings (name, members' roles)");
    let decoded;
    try {
      decoded = fromBinary(GroupSettingsSchema, extension.extensionData);
    } catch {
      throw new MlsPolicyError(`the conversation's settings cannot be read (${extension.extensionData.length} bytes)`);
    }
    return new ConversationSettings(decoded.name, decoded.direct, decoded.directAccounts, decoded.admins);
  }

  isAdmin(account: Uint8Array): boolean {
    const hex = toHex(account);
    return this.admins.some((a) => toHex(a) === hex);
  }

  isDirectAccount(account: Uint8Array): boolean {
    const hex = toHex(account);
    return this.directAccounts.some((a) => toHex(a) === hex);
  }

  /** The other account of a 1:1, seen from `self`'s; undefined when `self` is not one of the two. */
  otherDirectAccount(self: Uint8Array): Uint8Array | undefined {
    if (!this.direct || !this.isDirectAccount(self)) return undefined;
    return toHex(this.directAccounts[0]) === toHex(self) ? this.directAccounts[1] : this.directAccounts[0];
  }

  withName(newName: string): ConversationSettings {
    return new ConversationSettings(newName, this.direct, this.directAccounts, this.admins);
  }

  withAdmin(account: Uint8Array): ConversationSettings {
    return this.isAdmin(account) ? this : new ConversationSettings(this.name, this.direct, this.directAccounts, [...this.admins, account]);
  }

  withoutAdmin(account: Uint8Array): ConversationSettings {
    const hex = toHex(account);
    return new ConversationSettings(this.name, this.direct, this.directAccounts, this.admins.filter((a) => toHex(a) !== hex));
  }

  /**
   * A new group's context extensions: required_capabilities naming the settings type (RFC 9420
   * section 11.1), so only a device that can apply later changes is added, then the settings.
   */
  initialExtensions(): Extension[] {
    return [
      {
        extensionType: "required_capabilities",
        extensionData: encodeRequiredCapabilities({ extensionTypes: [GROUP_SETTINGS_EXTENSION], proposalTypes: [], credentialTypes: [] }),
      },
      this.toExtension(),
    ];
  }

  /** `current` with these settings in place of the old ones; every other extension is kept. */
  replaceIn(current: readonly Extension[]): Extension[] {
    return current.map((e) => (e.extensionType === GROUP_SETTINGS_EXTENSION ? this.toExtension() : e));
  }

  toExtension(): Extension {
    const proto = create(GroupSettingsSchema, {
      name: this.name,
      direct: this.direct,
      directAccounts: [...this.directAccounts],
      admins: [...this.admins],
    });
    return { extensionType: GROUP_SETTINGS_EXTENSION, extensionData: toBinary(GroupSettingsSchema, proto) };
  }
}

function distinctAccounts(accounts: readonly Uint8Array[]): boolean {
  return accounts.every((a) => a.length === ACCOUNT_ID_BYTES) && new Set(accounts.map(toHex)).size === accounts.length;
}
