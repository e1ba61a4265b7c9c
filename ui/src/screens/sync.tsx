// The sync line on every screen: online/offline, last synced, a progress bar while syncing,
// records waiting, the records the server refused with its reason, and the children whose
// records left the tablet because the account may no longer read them.
import { useEffect, useState } from "preact/hooks";
import type { SyncView } from "../bindings";
import { call, errorText, pickLang } from "../api";
import { fmtDateTime, t } from "../i18n";

/** `onData` hears the time of each finished sync that brought records in; `onSignIn` opens the
 * login again when the server no longer takes the device's token (its age, or too long without
 * a sync: `token_expired`). */
export function SyncBar({ onData, onSignIn }: { onData?: (stamp: string) => void; onSignIn?: () => void }) {
  const [view, setView] = useState<SyncView | null>(null);
  const [open, setOpen] = useState<"rejected" | "removed" | null>(null);
  const stamp = view?.run.last_success_at ?? null;
  const received = view?.run.last_report?.received ?? 0;
  useEffect(() => {
    if (stamp && received > 0) onData?.(`${stamp}#${received}`);
  }, [stamp, received]);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const v = await call("sync_view", {});
        if (!live) return;
        setView(v);
        timer = setTimeout(poll, v.run.syncing ? 500 : 3000);
      } catch {
        if (live) timer = setTimeout(poll, 5000);
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  if (!view) return null;
  const p = view.run.progress;
  const rejected = view.status.rejected;
  const removed = view.status.removed;
  const toggle = (what: "rejected" | "removed") => setOpen(open === what ? null : what);
  const signInAgain = view.run.last_error?.code === "token_expired" || view.run.last_error?.code === "unknown_token";
  return (
    <div class={`sync ${view.online ? "online" : "offline"}`} data-testid="sync-bar">
      <span class="dot" aria-hidden="true" />
      <span data-testid="sync-online">{view.online ? t("sync_online") : t("sync_offline")}</span>
      <span data-testid="sync-last">{view.status.last_sync_at ? t("sync_last", { time: fmtDateTime(view.status.last_sync_at) }) : t("sync_never")}</span>
      {view.status.pending > 0 && <span class="badge" data-testid="sync-pending">{t("sync_pending", { n: view.status.pending })}</span>}
      {rejected.length > 0 && (
        <button class="badge warn" onClick={() => toggle("rejected")} data-testid="sync-rejected">
          {t("sync_rejected", { n: rejected.length })}
        </button>
      )}
      {removed.length > 0 && (
        <button class="badge" onClick={() => toggle("removed")} data-testid="sync-removed">
          {t("sync_removed", { n: removed.length })}
        </button>
      )}
      {view.run.syncing && (
        <span class="progress" data-testid="sync-progress">
          <progress max={p?.total || 1} value={p?.done ?? 0} />
          {p && t("sync_syncing", { done: p.done, total: p.total })} {p && (p.phase === "push" ? t("sync_push") : t("sync_pull"))}
        </span>
      )}
      {!view.online && view.run.last_error && <span class="muted" data-testid="sync-error">{errorText(view.run.last_error)}</span>}
      {signInAgain && (
        <span class="badge warn" role="alert" data-testid="sync-expired">
          {errorText(view.run.last_error!)}
        </span>
      )}
      {signInAgain && onSignIn && (
        <button class="primary" onClick={onSignIn} data-testid="sync-signin">
          {t("sync_signin")}
        </button>
      )}
      <span class="spacer" />
      <button onClick={() => call("sync_now", {}).then(setView)} disabled={view.run.syncing} data-testid="sync-now">
        {t("sync_now")}
      </button>
      {open === "removed" && (
        <div class="rejected-list" data-testid="removed-list">
          <strong>{t("sync_removed_title")}</strong>
          <ul>
            {removed.map((r) => (
              <li data-child={r.child_id}>
                {fmtDateTime(r.at)} {r.child_name ?? t("sync_removed_unnamed")} — {t("sync_removed_records", { n: r.records })}
                <br />
                <span class="muted">{pickLang(r.reason)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {open === "rejected" && (
        <div class="rejected-list" data-testid="rejected-list">
          <strong>{t("sync_rejected_title")}</strong>
          <p>{t("sync_rejected_lead")}</p>
          <ul>
            {rejected.map((r) => (
              <li data-id={r.id}>
                <code>{r.id.slice(0, 8)}</code> {r.code}: {pickLang(r.reason)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
