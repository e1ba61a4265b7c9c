// The office's people screen: the station's accounts (name, kana, role, profession, state, devices
// and when each was last seen); add one (its one-time password shown once, to hand over in
// person), change name/kana/role/profession, disable (every device stops at once) and enable,
// and issue a new one-time password. Everything goes to the server: offline it fails and says so.
import { useState } from "preact/hooks";
import type { OneTimePassword, PersonDetail, Profession, Role } from "../../bindings";
import { ApiError, call, problemText } from "../../api";
import { fmtUnix, label, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";

/** The roles an office may give (administrators are made elsewhere). */
const ROLES: Role[] = ["nurse", "parent", "office"];

type State = "active" | "disabled" | "one_time";
const stateOf = (p: PersonDetail): State => (p.disabled_at !== null ? "disabled" : p.one_time_until !== null ? "one_time" : "active");
const STATE_KEY = { active: "o_p_state_active", disabled: "o_p_state_disabled", one_time: "o_p_state_one_time" } as const;

/** The problems of `error` for `field`, shown next to the field. */
export function FieldProblems({ error, field }: { error: unknown; field: string }) {
  if (!error) return null;
  const ps = ApiError.from(error).problems().filter((p) => p.field === field);
  return (
    <>
      {ps.map((p) => (
        <p class="field-problem" role="alert" data-testid="o-field-problem" data-field={field} data-code={p.code}>
          {problemText(p)}
        </p>
      ))}
    </>
  );
}

type Notice = { kind: "otp"; name: string; otp: OneTimePassword } | { kind: "text"; text: string };

export function People() {
  const { status } = useApp();
  const people = useLoad(() => call("people", {}), []);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [error, setError] = useState<unknown>(null);
  const me = status.user?.username;

  const act = async (f: () => Promise<Notice | null>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await f());
      people.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };

  return (
    <section class="o-people" data-testid="o-people">
      <div class="card">
        <div class="row">
          <h2 class="o-month-title">{t("o_people_title")}</h2>
          <span class="spacer" />
          <button class="primary" onClick={() => (setAdding(!adding), setNotice(null))} aria-expanded={adding} data-testid="o-person-add">
            ＋ {t("o_people_add")}
          </button>
        </div>
        <p class="muted">{t("o_people_lead")}</p>
        {adding && (
          <PersonForm
            onCancel={() => setAdding(false)}
            onAdded={(name, otp) => {
              setAdding(false);
              setNotice({ kind: "otp", name, otp });
              people.reload();
            }}
          />
        )}
      </div>
      {notice?.kind === "otp" && <OtpBox name={notice.name} otp={notice.otp} onClose={() => setNotice(null)} />}
      {notice?.kind === "text" && (
        <div class="ok" role="status" data-testid="o-people-notice">
          {notice.text}
        </div>
      )}
      <ErrorBox error={people.error || error} />
      {!people.data && !people.error && <p class="muted">{t("loading")}</p>}
      <ul class="o-person-list">
        {people.data?.map((p) => (
          <PersonCard key={p.username} p={p} me={p.username === me} act={act} />
        ))}
      </ul>
    </section>
  );
}

function OtpBox({ name, otp, onClose }: { name: string; otp: OneTimePassword; onClose: () => void }) {
  return (
    <div class="card o-otp" role="alert" data-testid="o-otp">
      <h3>{t("o_p_otp_title", { name })}</h3>
      <dl class="o-fields">
        <div>
          <dt>{t("o_p_otp_account")}</dt>
          <dd data-testid="o-otp-username">{otp.username}</dd>
        </div>
        <div>
          <dt>{t("o_p_otp_password")}</dt>
          <dd class="o-otp-password" data-testid="o-otp-password">
            {otp.password}
          </dd>
        </div>
      </dl>
      <p data-testid="o-otp-expires">{t("o_p_otp_expires", { at: fmtUnix(otp.expires_at) })}</p>
      <p class="warning">{t("o_p_otp_note")}</p>
      <button onClick={onClose} data-testid="o-otp-close">
        {t("close")}
      </button>
    </div>
  );
}

function RoleSelect({ value, onChange }: { value: Role; onChange: (r: Role) => void }) {
  const { labels } = useApp();
  return (
    <select name="role" value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as Role)}>
      {ROLES.map((r) => (
        <option value={r}>{label(labels.role, r)}</option>
      ))}
    </select>
  );
}

function ProfessionSelect({ value, onChange }: { value: Profession | null; onChange: (p: Profession | null) => void }) {
  const { labels } = useApp();
  return (
    <select name="profession" value={value ?? ""} onChange={(e) => onChange(((e.target as HTMLSelectElement).value || null) as Profession | null)}>
      <option value="">{t("o_p_no_profession")}</option>
      {labels.profession.map((p) => (
        <option value={p.name}>{label(labels.profession, p.name)}</option>
      ))}
    </select>
  );
}

/** Name, reading, role and profession: the fields adding and changing a person share. */
function ProfileFields(p: {
  name: string;
  setName: (v: string) => void;
  kana: string;
  setKana: (v: string) => void;
  role: Role;
  setRole: (r: Role) => void;
  profession: Profession | null;
  setProfession: (v: Profession | null) => void;
  fieldErrors: unknown;
}) {
  return (
    <>
      <div>
        <Field label={t("o_p_name")}>
          <input name="name" value={p.name} onInput={(e) => p.setName(e.currentTarget.value)} />
        </Field>
        <FieldProblems error={p.fieldErrors} field="name" />
      </div>
      <div>
        <Field label={t("o_p_kana")}>
          <input name="kana" value={p.kana} onInput={(e) => p.setKana(e.currentTarget.value)} />
        </Field>
        <FieldProblems error={p.fieldErrors} field="kana" />
      </div>
      <Field label={t("o_p_role")}>
        <RoleSelect value={p.role} onChange={p.setRole} />
      </Field>
      <Field label={t("o_p_profession")}>
        <ProfessionSelect value={p.profession} onChange={p.setProfession} />
      </Field>
    </>
  );
}

function PersonForm({ onAdded, onCancel }: { onAdded: (name: string, otp: OneTimePassword) => void; onCancel: () => void }) {
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [kana, setKana] = useState("");
  const [role, setRole] = useState<Role>("nurse");
  const [profession, setProfession] = useState<Profession | null>("nurse");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await call("add_person", { person: { username: username.trim(), role, org_id: null, name, kana, profession } });
      onAdded(r.person.name || r.person.username, r.one_time_password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldErrors = error && ApiError.from(error).problems().length ? error : null;
  return (
    <form class="o-person-form" onSubmit={submit} data-testid="o-person-form">
      <div class="o-filter-grid">
        <div>
          <Field label={t("o_p_username")}>
            <input name="username" autoComplete="off" autoCapitalize="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </Field>
          <FieldProblems error={fieldErrors} field="username" />
        </div>
        <ProfileFields
          {...{ name, setName, kana, setKana, role, setRole, profession, setProfession }}
          fieldErrors={fieldErrors}
        />
      </div>
      {error && !fieldErrors && <ErrorBox error={error} />}
      <div class="row">
        <button class="primary" type="submit" disabled={busy} data-testid="o-person-create">
          {t("o_p_create")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}

function PersonCard({ p, me, act }: { p: PersonDetail; me: boolean; act: (f: () => Promise<Notice | null>) => Promise<boolean> }) {
  const { labels } = useApp();
  const [mode, setMode] = useState<"" | "edit" | "disable" | "reset">("");
  const state = stateOf(p);
  const shown = p.name || p.username;
  const live = p.devices.filter((d) => d.revoked_at === null).length;
  return (
    <li class={`card o-person o-person-${state}`} data-testid="o-person" data-username={p.username} data-state={state}>
      <div class="row">
        <div class="o-person-name">
          <strong data-testid="o-person-name">{shown}</strong> {me && <span class="muted">{t("o_p_me")}</span>}
          <div class="muted" data-testid="o-person-kana">
            {p.kana}
          </div>
        </div>
        <span class="badge" title={t("o_p_role")} data-testid="o-person-role">
          {label(labels.role, p.role)}
        </span>
        {p.profession && (
          <span class="muted" data-testid="o-person-profession">
            {t("o_p_profession")}: {label(labels.profession, p.profession)}
          </span>
        )}
        <span class={state === "active" ? "badge" : "badge warn"} data-testid="o-person-state" data-state={state}>
          {t(STATE_KEY[state])}
        </span>
        <span class="muted o-person-account">{p.username}</span>
      </div>
      <div class="o-person-devices" data-testid="o-person-devices">
        <span class="label">{t("o_p_devices")}:</span>{" "}
        {p.devices.length === 0 ? (
          <span class="muted">{t("o_p_no_devices")}</span>
        ) : (
          p.devices.map((d) => (
            <span class="o-device" data-testid="o-device" data-revoked={d.revoked_at !== null ? "true" : "false"}>
              {d.name} — {d.last_seen !== null ? t("o_p_last_seen", { at: fmtUnix(d.last_seen) }) : t("o_p_never")}
              {d.revoked_at !== null && <span class="badge warn">{t("o_p_revoked")}</span>}
            </span>
          ))
        )}
      </div>
      {!me && mode === "" && (
        <div class="row o-person-actions">
          <button onClick={() => setMode("edit")} data-testid="o-person-edit">
            {t("o_p_edit")}
          </button>
          <button onClick={() => setMode("reset")} data-testid="o-person-reset">
            {t("o_p_reset")}
          </button>
          {state === "disabled" ? (
            <button
              onClick={() =>
                act(async () => {
                  const r = await call("enable_person", { username: p.username });
                  return { kind: "text", text: t("o_p_enabled_done", { name: r.name || r.username }) };
                })
              }
              data-testid="o-person-enable"
            >
              {t("o_p_enable")}
            </button>
          ) : (
            <button class="danger" onClick={() => setMode("disable")} data-testid="o-person-disable">
              {t("o_p_disable")}
            </button>
          )}
        </div>
      )}
      {mode === "disable" && (
        <div class="warning o-confirm" role="alertdialog" aria-labelledby={`dis-${p.id}`} data-testid="o-disable-confirm">
          <strong id={`dis-${p.id}`}>{t("o_p_disable_title", { name: shown })}</strong>
          <p>{t("o_p_disable_body", { n: live })}</p>
          <div class="row">
            <button
              class="danger"
              onClick={async () => {
                const ok = await act(async () => {
                  const r = await call("disable_person", { username: p.username });
                  return { kind: "text", text: t("o_p_disabled_done", { name: shown, n: r.devices_revoked }) };
                });
                if (ok) setMode("");
              }}
              data-testid="o-disable-yes"
            >
              {t("o_p_disable_yes")}
            </button>
            <button onClick={() => setMode("")} data-testid="o-disable-no">
              {t("cancel")}
            </button>
          </div>
        </div>
      )}
      {mode === "reset" && (
        <div class="warning o-confirm" role="alertdialog" aria-labelledby={`reset-${p.id}`} data-testid="o-reset-confirm">
          <strong id={`reset-${p.id}`}>{t("o_p_reset_title", { name: shown })}</strong>
          <p>{t("o_p_reset_body")}</p>
          <div class="row">
            <button
              class="primary"
              onClick={async () => {
                const ok = await act(async () => ({ kind: "otp", name: shown, otp: await call("reset_person_password", { username: p.username }) }));
                if (ok) setMode("");
              }}
              data-testid="o-reset-yes"
            >
              {t("o_p_reset")}
            </button>
            <button onClick={() => setMode("")} data-testid="o-reset-no">
              {t("cancel")}
            </button>
          </div>
        </div>
      )}
      {mode === "edit" && <EditPerson p={p} onDone={() => setMode("")} act={act} />}
    </li>
  );
}

function EditPerson({ p, onDone, act }: { p: PersonDetail; onDone: () => void; act: (f: () => Promise<Notice | null>) => Promise<boolean> }) {
  const [name, setName] = useState(p.name);
  const [kana, setKana] = useState(p.kana);
  const [role, setRole] = useState<Role>(p.role);
  const [profession, setProfession] = useState<Profession | null>(p.profession);
  const [error, setError] = useState<unknown>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      // Only what changed is sent.
      const r = await call("change_person", {
        username: p.username,
        change: {
          name: name !== p.name ? name : null,
          kana: kana !== p.kana ? kana : null,
          role: role !== p.role ? role : null,
          profession: profession !== p.profession ? profession : null,
          org_id: null,
        },
      });
      await act(async () => ({ kind: "text", text: t("o_p_saved", { name: r.name || r.username }) }));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const fieldErrors = error && ApiError.from(error).problems().length ? error : null;
  return (
    <form class="o-person-form" onSubmit={save} data-testid="o-person-edit-form">
      <div class="o-filter-grid">
        <ProfileFields
          {...{ name, setName, kana, setKana, role, setRole, profession, setProfession }}
          fieldErrors={fieldErrors}
        />
      </div>
      {error && !fieldErrors && <ErrorBox error={error} />}
      <div class="row">
        <button class="primary" type="submit" data-testid="o-person-save">
          {t("save")}
        </button>
        <button type="button" onClick={onDone}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
