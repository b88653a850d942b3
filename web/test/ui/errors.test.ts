// Errors of the core reach the Russian UI in Russian (issue 14): errorText translates by code and
// the English message stays on the error for logs.
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { register } from "../../src/core/account/accounts";
import { CoreError } from "../../src/core/net/errors";
import { serverErrorOf } from "../../src/core/net/connection";
import { IndexedDbVault } from "../../src/core/store/vault";
import { ErrorCode, ErrorSchema, ServerFrameSchema } from "../../src/gen/parley/v1/parley_pb";
import { setLanguage } from "../../src/i18n";
import { errorText } from "../../src/ui/lazy";
import { noticeText } from "../../src/ui/Messenger";

afterEach(() => setLanguage("en"));

async function refusal(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (e) {
    return e;
  }
  throw new Error("the action did not fail");
}

describe("core errors in the UI", () => {
  it("an unreachable server, in Russian when Russian is chosen, in English otherwise", async () => {
    // Port 9 on loopback: nothing listens there in a test machine (discard), so the connection is refused.
    const error = await refusal(async () => register(await IndexedDbVault.create(`errors-${Date.now()}`), "http://127.0.0.1:9", "someone"));
    expect((error as Error).message).not.toMatch(/[а-я]/i); // the log keeps English
    setLanguage("ru");
    expect(errorText(error)).toBe("Сервер недоступен. Проверьте подключение; сообщения отправятся, когда он вернётся.");
    setLanguage("en");
    expect(errorText(error)).toBe("The server cannot be reached. Check your connection; messages are sent once it is back.");
  });

  it("a rate limit with the server's wait, rounded up to seconds", () => {
    const frame = create(ServerFrameSchema, {
      body: { case: "error", value: create(ErrorSchema, { code: ErrorCode.RATE_LIMITED, message: "slow down", retryAfterMs: 2_100n }) },
    });
    const error = serverErrorOf(frame);
    setLanguage("ru");
    expect(errorText(error)).toBe("Слишком много запросов: сервер просит подождать 3 с и повторить.");
    expect(error?.message).toBe("slow down");
  });

  it("a refused link, and a user who does not exist, with the name filled in", () => {
    setLanguage("ru");
    expect(errorText(new CoreError("LINK_REFUSED", "the approval ... link again"))).toMatch(/^Подтверждение, пришедшее на это устройство/);
    expect(errorText(new CoreError("NO_SUCH_USER", "there is no user 'zoe'", { username: "zoe" })))
      .toBe("На этом сервере нет пользователя «zoe»; проверьте написание.");
  });

  it("shows a sentence, never an exception's name or message, for an error without a known code", () => {
    const thrown = [
      new DOMException("The operation failed for an operation-specific reason", "OperationError"),
      new TypeError("Cannot read properties of undefined (reading 'epoch')"),
      Object.assign(new Error("odd"), { code: "SOMETHING_NEW" }),
      "text",
      undefined,
    ];
    for (const language of ["en", "ru"] as const) {
      setLanguage(language);
      for (const error of thrown) {
        const shown = errorText(error);
        expect(shown).toBe(language === "en" ? "That did not work. Try again; if it keeps failing, reload the page." : "Не получилось. Попробуйте ещё раз; если не выходит, перезагрузите страницу.");
      }
    }
  });

  it("has a sentence in both languages for what a person may ask that cannot be done", () => {
    const error = new CoreError("NOT_ADMIN", "only an admin of 'team' can add members; ask bob", { conversation: "team", admins: "bob" });
    expect(errorText(error)).toBe("Only an admin of team can do that; its admins: bob.");
    setLanguage("ru");
    expect(errorText(error)).toBe("Это может сделать только администратор «team»; администраторы: bob.");
  });
});

describe("notices of the core in the UI", () => {
  it("say who set disappearing messages, and that a conversation forked, in the chosen language", () => {
    const timer = { kind: "notice" as const, message: "carl set disappearing messages to 1 hour.", code: "TIMER" as const, params: { name: "carl", seconds: 3600 } };
    expect(noticeText(timer)).toBe("carl set disappearing messages to 1 hour.");
    setLanguage("ru");
    expect(noticeText(timer)).toBe("carl: исчезающие сообщения — 1 час.");
    expect(noticeText({ ...timer, params: { name: "carl", seconds: 0 } })).toBe("carl: исчезающие сообщения выключены.");
    expect(noticeText({ kind: "notice", message: "x", code: "FORKED", params: { conversation: "team" } }))
      .toBe("Сервер показал участникам «team» разные версии разговора; начните новый разговор.");
  });

  it("never show the English detail of a notice, which may name an exception", () => {
    const dropped = { kind: "notice" as const, code: "MESSAGE_DROPPED" as const, message: "A message was dropped: a message that does not decrypt: OperationError" };
    expect(noticeText(dropped)).toBe("A message that could not be read or broke the rules was dropped.");
    setLanguage("ru");
    expect(noticeText(dropped)).toBe("Сообщение, которое не удалось прочесть или которое нарушало правила, отброшено.");
    expect(noticeText({ kind: "notice", code: "LEFT", message: "x", params: { names: "bob", conversation: "team" } })).toBe("Из «team» вышли: bob.");
  });
});
