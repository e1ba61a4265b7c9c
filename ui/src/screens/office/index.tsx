// The office screens (placeholder until built).
import { t } from "../../i18n";

export function OfficeApp() {
  return <h1>{t("office_title")}</h1>;
}
