import { t } from "../i18n";

/** An error under the control that caused it; role="alert" has screen readers read it at once. */
export function ErrorText(props: { error?: string }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {t("errorPrefix", { message: props.error })}
    </p>
  );
}
