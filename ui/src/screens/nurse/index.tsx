// The nurse screens: home (today, upcoming, children) → face sheet → record a visit.
import { useState } from "preact/hooks";
import type { Problem, Visit, VisitKind, VisitRow } from "../../bindings";
import { call } from "../../api";
import { ErrorBox } from "../../ui";
import { t } from "../../i18n";
import { Home } from "./home";
import { FaceSheet } from "./sheet";
import { VisitForm } from "./visit";
import "./nurse.css";

type View = { v: "home" } | { v: "sheet"; id: string } | { v: "visit"; visit: Visit; saved: boolean; row: VisitRow | null; warnings: Problem[] };

export function NurseApp() {
  const [view, setView] = useState<View>({ v: "home" });
  const [error, setError] = useState<unknown>(null);
  // The search stays as it was when a result is opened and the nurse comes back.
  const [query, setQuery] = useState("");
  const home = () => {
    setError(null);
    setView({ v: "home" });
  };
  const record = (childId: string, kind: VisitKind = "nursing") => {
    setError(null);
    call("new_visit", { childId, kind }).then((visit) => setView({ v: "visit", visit, saved: false, row: null, warnings: [] }), setError);
  };
  const open = (id: string) => {
    setError(null);
    call("visit_detail", { id }).then((d) => setView({ v: "visit", visit: d.visit, saved: true, row: d.row, warnings: d.warnings }), setError);
  };
  return (
    <div class="nurse">
      {view.v !== "home" && (
        <button class="back" onClick={home} data-testid="n-home">
          ← {t("n_home")}
        </button>
      )}
      <ErrorBox error={error} />
      {view.v === "home" && <Home onChild={(id) => setView({ v: "sheet", id })} onVisit={open} onRecord={record} query={query} setQuery={setQuery} />}
      {view.v === "sheet" && <FaceSheet id={view.id} onRecord={record} />}
      {view.v === "visit" && <VisitForm key={view.visit.id} initial={view.visit} saved={view.saved} row={view.row} warnings={view.warnings} onDone={home} />}
    </div>
  );
}
