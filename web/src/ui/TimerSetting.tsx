// The chat header's disappearing-messages setting: the choice everyone in the conversation gets
// (ParleyApp.setTimer). Compact, so that the conversation's name keeps the header's room at 360 px:
// a timer icon with the current value in short ("1h"), over which the native select lies unseen,
// so that keyboard, screen reader and a phone's own picker work as with any select. A value set
// elsewhere (the CLI takes any duration) is shown as itself.
import type { ConversationSummary, ParleyApp } from "../core/api";
import { language, type MessageKey, t } from "../i18n";
import { ErrorText } from "./ErrorText";
import { useAction } from "./hooks";
import { Icon } from "./Icon";

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

/** Units for the short value, largest first: a duration is shown in the largest one that divides it. */
const UNITS: [seconds: number, unit: string][] = [
  [7 * 24 * 60 * 60, "week"],
  [24 * 60 * 60, "day"],
  [60 * 60, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "5m", "1h", "1w" (in Russian "5 мин", "1 ч"...): the timer's value in the header, by Intl's narrow units. */
export function shortDuration(seconds: number): string {
  const [size, unit] = UNITS.find(([s]) => seconds % s === 0) ?? UNITS[UNITS.length - 1];
  return new Intl.NumberFormat(language(), { style: "unit", unit, unitDisplay: "narrow" }).format(seconds / size);
}

export function TimerSetting(props: { app: ParleyApp; conversation: ConversationSummary }) {
  const { app, conversation } = props;
  const { run, busy, error } = useAction();
  const seconds = conversation.timerSeconds ?? 0;
  const choices = CHOICES.some(([s]) => s === seconds) ? CHOICES.map(([s]) => s) : [...CHOICES.map(([s]) => s), seconds];
  return (
    <div class="timer-setting">
      <span class="timer-setting__control icon-button" data-on={seconds > 0}>
        <Icon name="timer" />
        {seconds > 0 && (
          <span class="timer-setting__value" aria-hidden="true">
            {shortDuration(seconds)}
          </span>
        )}
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
      </span>
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
