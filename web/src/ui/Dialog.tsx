// A modal built on <dialog>: the browser traps focus inside it, Escape closes it, and focus
// returns to what opened it.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { Icon } from "./Icon";

let nextId = 0;

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [titleId] = useState(() => `dialog-title-${++nextId}`);
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "dialog dialog--wide" : "dialog"}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <header class="dialog__header">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="icon-button" onClick={props.onClose} aria-label={t("close")}>
          <Icon name="close" />
        </button>
      </header>
      <div class="dialog__body">{props.children}</div>
    </dialog>
  );
}
