// The chat header's disappearing-messages setting: the choice everyone in the conversation gets
// (ParleyApp.setTimer), shown as the current value. A value set elsewhere (the CLI takes any
// duration) is shown as itself.
import type { ConversationSummary, ParleyApp } from "../core/api";
import { type MessageKey, t } from "../i18n";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";

const CHOICES: [seconds: number, label: MessageKey][] = [
  [0, "timerOff"],
  [5 * 60, "timer5m"],
  [60 * 60, "timer1h"],
  [24 * 60 * 60, "timer1d"],
  [7 * 24 * 60 * 60, "timer1w"],
];

export function timerLabel(seconds: number): string {
  const choice = CHOICES.find(([s]) => s === seconds);
  return choice ? t(choice[1]) : t("timerSeconds", { seconds });
}

export function TimerSetting(props: { app: ParleyApp; conversation: ConversationSummary }) {
  const { app, conversation } = props;
  const { run, busy, error } = useAction();
  const seconds = conversation.timerSeconds ?? 0;
  const choices = CHOICES.some(([s]) => s === seconds) ? CHOICES.map(([s]) => s) : [...CHOICES.map(([s]) => s), seconds];
  return (
    <div class="timer-setting">
      <select
        class="timer-setting__select"
        aria-label={t("timerLabel")}
        title={seconds > 0 ? t("timerShown", { time: timerLabel(seconds) }) : t("timerLabel")}
        disabled={busy || conversation.request}
        value={String(seconds)}
        onChange={(e) => {
          const next = Number((e.currentTarget as HTMLSelectElement).value);
          if (next !== seconds) void run(() => app.setTimer(conversation.id, next));
        }}
        data-testid="timer-setting"
      >
        {choices.map((s) => (
          <option value={String(s)} key={s}>
            {timerLabel(s)}
          </option>
        ))}
      </select>
      <ErrorText error={error} />
    </div>
  );
}

/** The warning a forked conversation shows above its messages (core: a member's fork tag differed). */
export function ForkWarning(props: { conversation: ConversationSummary }) {
  if (!props.conversation.forked) return null;
  return (
    <p class="banner banner--error" role="alert" data-testid="fork-warning">
      {t("forkWarning")}
    </p>
  );
}
