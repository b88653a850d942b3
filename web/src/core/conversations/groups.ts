// The MLS groups of this device's conversations, loaded from and saved to the Vault, their
// wrapping keys (PayloadWrap), and the one lock under which every group changes: processing,
// sending and committing are asynchronous, and two of them interleaved on one group would reuse
// a key or lose a state.
import { fromHex, toHex } from "../bytes";
import { CoreError } from "../net/errors";
import type { Vault, VaultWrite } from "../contracts";
import { MlsGroup } from "../mls/group";
import type { GroupPolicy } from "../mls/policy";
import { type GroupKey, groupKey } from "../wire/payloadWrap";
import { GROUPS } from "./store";

export class Groups {
  private readonly groups = new Map<string, MlsGroup>();
  private readonly wrapKeys = new Map<string, GroupKey>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly epochWaiters = new Set<() => void>();

  constructor(
    private readonly vault: Vault,
    readonly policy: GroupPolicy,
  ) {}

  async load(): Promise<void> {
    for (const [id, bytes] of await this.vault.entries(GROUPS)) {
      this.groups.set(id, await MlsGroup.fromBytes(bytes, this.policy));
    }
  }

  /** Runs `task` once every task queued before it has finished: one change of groups at a time. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  ids(): string[] {
    return [...this.groups.keys()];
  }

  get(id: string): MlsGroup | undefined {
    return this.groups.get(id);
  }

  /** The active group of a conversation; throws a message for people otherwise. */
  active(id: string): MlsGroup {
    const group = this.groups.get(id);
    if (!group || !group.active) throw new CoreError("NOT_IN_CONVERSATION", "this device is no longer in that conversation");
    return group;
  }

  /**
   * Persists a group whose state moved (before anything made with the new state leaves this
   * device), in one transaction with `also`.
   */
  async save(group: MlsGroup, also: VaultWrite[] = []): Promise<void> {
    this.groups.set(toHex(group.groupId), group);
    await this.vault.putAll([this.stateWrite(group), ...also]);
    this.wakeEpochWaiters();
  }

  /** The write that persists a group's state, for a transaction that holds more (Vault.putAll). */
  stateWrite(group: MlsGroup): VaultWrite {
    return [GROUPS, toHex(group.groupId), group.toBytes()];
  }

  private wakeEpochWaiters(): void {
    for (const wake of this.epochWaiters) wake();
  }

  /** Drops the in-memory state: the group is reloaded from the Vault (after a failed processing). */
  async reload(id: string): Promise<void> {
    const bytes = await this.vault.get(GROUPS, id);
    if (bytes) this.groups.set(id, await MlsGroup.fromBytes(bytes, this.policy));
    else this.groups.delete(id);
  }

  async forget(id: string): Promise<void> {
    this.groups.delete(id);
    await this.vault.delete(GROUPS, id);
  }

  /**
   * The wrapping keys to try on arrival: those of every conversation of this device, the ones it
   * left included, so that their late messages are recognized and dropped quietly.
   */
  async wrapKeysOf(conversationIds: string[]): Promise<GroupKey[]> {
    return Promise.all(conversationIds.map((id) => this.keyOf(id)));
  }

  async wrapKey(id: string): Promise<GroupKey> {
    this.active(id);
    return this.keyOf(id);
  }

  private async keyOf(id: string): Promise<GroupKey> {
    let key = this.wrapKeys.get(id);
    if (!key) {
      key = await groupKey(fromHex(id));
      this.wrapKeys.set(id, key);
    }
    return key;
  }

  /** Resolves once the group reached `epoch` (the inbox processed the winning commit), or false after `timeoutMs`. */
  waitForEpoch(id: string, epoch: bigint, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const group = this.groups.get(id);
        if (!group || group.epoch >= epoch) finish(true);
      };
      const finish = (reached: boolean) => {
        clearTimeout(timer);
        this.epochWaiters.delete(check);
        resolve(reached);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.epochWaiters.add(check);
      check();
    });
  }
}
