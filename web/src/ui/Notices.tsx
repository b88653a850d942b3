// The notices above the panes: what the core tells the user in passing (a dropped message, a member
// who joined). The same sentence again (a burst of dropped frames, one per event) is not stacked: the
// notice already shown counts it and moves to the bottom, so a few different notices stay readable.
import { useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { announce } from "./announce";
import { Icon } from "./Icon";

/** Different notices kept on screen at once; the oldest goes first. */
const NOTICES_SHOWN = 5;

export interface Notice {
  id: number;
  text: string;
  /** How many times this very sentence was noticed since it was first shown (and not closed). */
  count: number;
}

/** `current` with `text` noticed once more: counted on the notice already showing it, else added as `id`. */
export function withNotice(current: readonly Notice[], text: string, id: number): Notice[] {
  const same = current.find((n) => n.text === text);
  if (same) return [...current.filter((n) => n !== same), { ...same, count: same.count + 1 }];
  return [...current.slice(-(NOTICES_SHOWN - 1)), { id, text, count: 1 }];
}

/** A notice as read: its sentence, and how often it happened when more than once. */
export function noticeLine(notice: Notice): string {
  return notice.count > 1 ? `${notice.text} ${t("noticeRepeated", { count: notice.count })}` : notice.text;
}

/** The notices shown, a function that notices (and announces) one more, and one that closes one. */
export function useNotices(): [Notice[], (text: string) => void, (id: number) => void] {
  const [notices, setNotices] = useState<Notice[]>([]);
  // The list as last set, so that a burst of notices within one render each counts on the one before.
  const latest = useRef<Notice[]>([]);
  const update = (next: Notice[]) => {
    latest.current = next;
    setNotices(next);
  };
  const notice = (text: string) => {
    const next = withNotice(latest.current, text, Date.now() + Math.random());
    update(next);
    announce(noticeLine(next.at(-1)!));
  };
  const close = (id: number) => update(latest.current.filter((n) => n.id !== id));
  return [notices, notice, close];
}

export function Notices(props: { notices: Notice[]; onClose: (id: number) => void }) {
  if (props.notices.length === 0) return null;
  return (
    <ul class="notices">
      {props.notices.map((notice) => (
        <li key={notice.id} class="notice">
          <span>
            {notice.text}
            {notice.count > 1 && (
              <>
                {" "}
                <span class="notice__count" data-testid="notice-count">
                  {t("noticeRepeated", { count: notice.count })}
                </span>
              </>
            )}
          </span>
          <button type="button" class="icon-button" aria-label={t("close")} onClick={() => props.onClose(notice.id)}>
            <Icon name="close" />
          </button>
        </li>
      ))}
    </ul>
  );
}
