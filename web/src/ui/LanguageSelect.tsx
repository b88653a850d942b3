import { useState } from "preact/hooks";
import { language, LANGUAGES, setLanguage, t, type Language } from "../i18n";

let nextId = 0;

export function LanguageSelect() {
  const [id] = useState(() => `language-${++nextId}`);
  return (
    <div class="field field--inline">
      <label for={id}>{t("language")}</label>
      <select id={id} value={language()} onChange={(e) => setLanguage(e.currentTarget.value as Language)}>
        {LANGUAGES.map((l) => (
          <option value={l.code} lang={l.code} key={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}
