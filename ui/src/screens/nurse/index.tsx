// The nurse screens (placeholder until built).
import { t } from "../../i18n";

export function NurseApp() {
  return <h1>{t("nurse_title")}</h1>;
}
