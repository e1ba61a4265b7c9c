// The parent screens (placeholder until built).
import { t } from "../../i18n";

export function ParentApp() {
  return <h1>{t("parent_title")}</h1>;
}
