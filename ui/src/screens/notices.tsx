// お知らせ: what the app tells its user without being asked — instructions expiring or expired,
// records waiting for the guardian, a problem on a child's latest checklist, records sent back.
// Worked out on the tablet (Carebook::notices), so they are there offline too. A parent sees
// only the records waiting for them.
import { useEffect, useState } from "preact/hooks";
import type { Notice, Role } from "../bindings";
import { call } from "../api";
import { fmtDate, lang, t } from "../i18n";
import { ErrorBox } from "../ui";

/** The notices a role is shown. */
export function forRole(notices: Notice[], role: Role): Notice[] {
  return role === "parent" ? notices.filter((n) => n.kind === "awaiting_confirmation") : notices;
}

/** The header's お知らせ button with its count, and the list it opens. `stamp` reloads them. */
export function NoticesButton({ role, stamp }: { role: Role; stamp: string | null }) {
  const [notices, setNotices] = useState<Notice[] | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      call("notices", {}).then(
        (n) => live && setNotices(forRole(n, role)),
        (e) => live && setError(e),
      );
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [role, stamp]);
  const n = notices?.length ?? 0;
  return (
    <>
      <button class={n > 0 ? "notices-button has" : "notices-button"} aria-expanded={open} onClick={() => setOpen(!open)} data-testid="notices-open">
        {t("notices")}
        {n > 0 && (
          <span class="badge warn" data-testid="notices-count">
            {n}
          </span>
        )}
      </button>
      {open && (
        <div class="card notices" role="region" aria-label={t("notices")} data-testid="notices">
          <h2>{t("notices")}</h2>
          <ErrorBox error={error} />
          {notices && notices.length === 0 && <p class="muted">{t("notices_none")}</p>}
          <ul>
            {(notices ?? []).map((x) => (
              <li data-kind={x.kind} data-testid="notice" key={`${x.kind}-${x.child_id}-${x.visit_id ?? ""}`}>
                <strong>{t(`notice_${x.kind}` as "notices")}</strong> {noticeText(x)}
                {x.detail && <div class="muted">{lang.value === "ja" ? x.detail.ja : x.detail.en}</div>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

function noticeText(x: Notice): string {
  const on = x.on ? fmtDate(x.on) : "";
  return t(`notice_${x.kind}_text` as "notices", { child: x.child_name, on });
}
