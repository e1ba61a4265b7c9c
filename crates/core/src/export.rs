//! Exports people open: a claim as a table, written as CSV that Excel in Japan opens as it is
//! (UTF-8 with a byte-order mark, or Shift_JIS for older Excel — `encoding_rs`) or as an `.xlsx`
//! workbook (`rust_xlsxwriter`). One table feeds both, so they say the same.

use carebook_domain::{hours_minutes_ja, DaytimeClaim, Fee, Message, MonthlyClaim};
use rust_xlsxwriter::{Format, Workbook};

use crate::CoreError;

/// A file format the office exports in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// CSV, UTF-8 with a byte-order mark.
    Csv,
    /// CSV in Shift_JIS (older Excel).
    CsvShiftJis,
    /// An Excel workbook.
    Xlsx,
    /// A printed report (PDF, A4 landscape, in a Japanese font).
    Pdf,
}

impl ExportFormat {
    /// The file name's extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv | ExportFormat::CsvShiftJis => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Pdf => "pdf",
        }
    }

    /// `table` in this format; a printed report opens with the `heading` lines.
    pub fn write(self, table: &Table, heading: &[String]) -> Result<Vec<u8>, CoreError> {
        match self {
            ExportFormat::Csv => to_csv(table, CsvEncoding::Utf8Bom),
            ExportFormat::CsvShiftJis => to_csv(table, CsvEncoding::ShiftJis),
            ExportFormat::Xlsx => to_xlsx(table),
            ExportFormat::Pdf => to_pdf(heading, table, &japanese_font()?),
        }
    }
}

/// A file written for the user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportedFile {
    /// Where it was written.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// Its size.
    pub bytes: u64,
}

/// Writes the claim of `municipality` for `month` into `dir` as `claim-CODE-YYYY-MM.ext` (the
/// directory is made if missing; a file of that name is replaced).
pub async fn write_claim(
    app: &crate::Carebook,
    municipality: &str,
    month: carebook_domain::YearMonth,
    format: ExportFormat,
    dir: &std::path::Path,
) -> Result<ExportedFile, CoreError> {
    let claim = app.monthly_claim(municipality, month).await?;
    let bytes = format.write(&claim_table(&claim), &claim_heading(&claim))?;
    let file = save(dir, format!("claim-{}-{month}.{}", plain_name(municipality), format.extension()), bytes).await?;
    app.note_export(&format!("claim {municipality} {month} {}", format.extension())).await?;
    Ok(file)
}

/// Writes the daytime-care claim of `municipality` for `month` into `dir` as
/// `daytime-claim-CODE-YYYY-MM.ext` (the directory is made if missing; a file of that name is
/// replaced).
pub async fn write_daytime_claim(
    app: &crate::Carebook,
    municipality: &str,
    month: carebook_domain::YearMonth,
    format: ExportFormat,
    dir: &std::path::Path,
) -> Result<ExportedFile, CoreError> {
    let claim = app.daytime_claim(municipality, month).await?;
    let bytes = format.write(&daytime_claim_table(&claim), &daytime_claim_heading(&claim))?;
    let file = save(dir, format!("daytime-claim-{}-{month}.{}", plain_name(municipality), format.extension()), bytes).await?;
    app.note_export(&format!("daytime claim {municipality} {month} {}", format.extension())).await?;
    Ok(file)
}

/// A name kept to letters, digits, `-` and `_` for a file name (anything else becomes `_`).
fn plain_name(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Writes `bytes` as `dir/file_name` (the directory made if missing, a file of that name replaced).
async fn save(dir: &std::path::Path, file_name: String, bytes: Vec<u8>) -> Result<ExportedFile, CoreError> {
    let path = dir.join(&file_name);
    tokio::fs::create_dir_all(dir).await?;
    tokio::fs::write(&path, &bytes).await?;
    Ok(ExportedFile { path: path.display().to_string(), file_name, bytes: bytes.len() as u64 })
}

/// A cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number (yen, counts).
    Int(i64),
    /// A number with decimals (hours).
    Num(f64),
    /// Nothing.
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => format!("{x}"),
            Cell::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A table: a title (the sheet's name), a header row and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// What it is (at most 31 characters: an Excel sheet name).
    pub title: String,
    /// The column headings.
    pub header: Vec<String>,
    /// The rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

/// How a CSV is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark (Excel then reads it as UTF-8).
    Utf8Bom,
    /// Shift_JIS (Windows-31J as `encoding_rs` writes it), for older Excel.
    ShiftJis,
}

fn hours(minutes: i64) -> Cell {
    Cell::Num(minutes as f64 / 60.0)
}

fn yen(fee: Fee) -> [Cell; 3] {
    [Cell::Int(fee.total_yen.into()), Cell::Int(fee.tokyo_yen.into()), Cell::Int(fee.municipality_yen.into())]
}

/// The columns of a claim table.
pub const CLAIM_HEADER: [&str; 16] = [
    "区分",
    "児童氏名",
    "利用日",
    "開始",
    "終了",
    "請求時間（時間）",
    "利用回数",
    "担当看護師",
    "世帯区分",
    "単位数",
    "単価（円）",
    "金額（円）",
    "都負担（円）",
    "区市町村負担（円）",
    "年度の利用（時間）",
    "備考",
];

/// A time of day as a table shows it (`09:00`).
fn time(t: carebook_domain::DateTime) -> String {
    t.time.to_string()
}

/// An end time, marked （翌日） when it falls on the day after the start (a session across
/// midnight).
fn end_time(start: carebook_domain::DateTime, end: carebook_domain::DateTime) -> String {
    if end.date == start.date {
        time(end)
    } else {
        format!("{}（翌日）", time(end))
    }
}

/// A monthly claim as one table: per child its claimed sessions (請求), its doctor's
/// instruction fees (指示書料), the sessions not claimed with every reason (対象外), and a
/// subtotal (児童計) with the year's hours used and the cap; then the total (合計).
pub fn claim_table(c: &MonthlyClaim) -> Table {
    let mut rows = Vec::new();
    for k in &c.children {
        for l in &k.lines {
            let [total, tokyo, muni] = yen(l.fee);
            rows.push(vec![
                "請求".into(),
                k.name.clone().into(),
                l.start.date.to_string().into(),
                time(l.start).into(),
                end_time(l.start, l.end).into(),
                hours(l.billable_minutes.into()),
                Cell::Int(l.uses.into()),
                l.lead.clone().into(),
                l.tier.label().ja.into(),
                Cell::Int(l.units.into()),
                Cell::Int(l.unit_yen.into()),
                total,
                tokyo,
                muni,
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        for i in &k.instructions {
            let [total, tokyo, muni] = yen(i.fee);
            rows.push(vec![
                "指示書料".into(),
                k.name.clone().into(),
                i.issued.to_string().into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                total,
                tokyo,
                muni,
                Cell::Empty,
                format!("医師指示書（{}・{}）", i.doctor, i.institution).into(),
            ]);
        }
        for u in &k.unclaimed {
            rows.push(vec![
                "対象外".into(),
                k.name.clone().into(),
                u.start.date.to_string().into(),
                time(u.start).into(),
                time(u.end).into(),
                hours(u.billable_minutes.into()),
                Cell::Empty,
                u.lead.clone().into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                u.reasons.iter().map(|r| r.label().ja).collect::<Vec<_>>().join("、").into(),
            ]);
        }
        let [total, tokyo, muni] = yen(k.total);
        rows.push(vec![
            "児童計".into(),
            k.name.clone().into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            hours(k.month_minutes.into()),
            Cell::Int(k.lines.iter().map(|l| i64::from(l.uses)).sum()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            total,
            tokyo,
            muni,
            hours(k.year_used_minutes.into()),
            format!("年間上限 {}、残り {}", hours_minutes_ja(k.cap_minutes.into()), hours_minutes_ja(k.remaining_minutes)).into(),
        ]);
    }
    let [total, tokyo, muni] = yen(c.total);
    let mut last = vec![Cell::from("合計"); 1];
    last.extend(std::iter::repeat_n(Cell::Empty, 10));
    last.extend([total, tokyo, muni, Cell::Empty, Cell::Empty]);
    rows.push(last);
    Table { title: format!("{} {}", c.municipality_name, c.month), header: CLAIM_HEADER.iter().map(|h| h.to_string()).collect(), rows }
}

/// The heading of a printed claim: what it is, whose and for when, and when it was made.
pub fn claim_heading(c: &MonthlyClaim) -> Vec<String> {
    vec![
        "在宅レスパイト・訪問看護事業 月次請求書".to_string(),
        format!(
            "{}（{}） {}年{}月分（{}）　請求額 {} 円（都負担 {} 円、区市町村負担 {} 円）",
            c.municipality_name,
            c.municipality,
            c.month.year,
            c.month.month,
            c.fiscal_year.japanese_label(),
            Cell::Int(c.total.total_yen.into()).text_for_print(),
            Cell::Int(c.total.tokyo_yen.into()).text_for_print(),
            Cell::Int(c.total.municipality_yen.into()).text_for_print()
        ),
        format!("作成 {}（Carebook）", crate::clock::now_jst().date),
    ]
}

/// The columns of a results report table.
pub const RESULTS_HEADER: [&str; 9] =
    ["区分", "日付", "児童氏名", "引継ぐ事業所", "引継ぎを受ける事業所", "内容", "状態", "金額（円）", "備考"];

/// A results report as one table: the accompanied handover visits (同行訪問: day, child, both
/// stations, everyone present with profession, role and station; the signers and topics), each
/// child's first-visit equipment checklist (物品チェック: the counts, then the items with a
/// problem, absent and not checked, by name), the equipment purchases (物品購入) and their total
/// (合計), then the amount granted (交付決定額) and what is left of it (残額, negative when the
/// purchases exceed it), or a row saying no grant is recorded.
pub fn results_table(r: &carebook_domain::ResultsReport) -> Table {
    use carebook_domain::CheckStatus;
    let mut rows = Vec::new();
    for h in &r.handovers {
        let people: Vec<String> = h
            .people
            .iter()
            .map(|p| format!("{}（{}・{}・{}）", p.name, p.profession.label().ja, p.role.label().ja, p.station.name))
            .collect();
        let signed = |s: &Option<String>| s.clone().unwrap_or_else(|| "署名なし".into());
        let mut note = format!("署名：{}／{}", signed(&h.from_signed_by), signed(&h.to_signed_by));
        if !h.topics.is_empty() {
            note.push_str(&format!("\n引継ぎ：{}", h.topics.join("、")));
        }
        rows.push(vec![
            "同行訪問".into(),
            h.date.to_string().into(),
            h.child_name.clone().into(),
            h.from_station.name.clone().into(),
            h.to_station.name.clone().into(),
            people.join("\n").into(),
            h.status.label().ja.into(),
            Cell::Empty,
            note.into(),
        ]);
    }
    for c in &r.checklists {
        let names = |status: Option<CheckStatus>| -> Vec<String> {
            c.items
                .iter()
                .filter(|i| i.status == status)
                .map(|i| if i.note.is_empty() { i.ja.clone() } else { format!("{}（{}）", i.ja, i.note) })
                .collect()
        };
        let mut note = Vec::new();
        for (label, status) in [
            (CheckStatus::Problem.label().ja, Some(CheckStatus::Problem)),
            (CheckStatus::Absent.label().ja, Some(CheckStatus::Absent)),
            ("未確認", None),
        ] {
            let items = names(status);
            if !items.is_empty() {
                note.push(format!("{label}：{}", items.join("、")));
            }
        }
        rows.push(vec![
            "物品チェック".into(),
            c.date.map_or(Cell::Empty, |d| d.to_string().into()),
            c.child_name.clone().into(),
            Cell::Empty,
            Cell::Empty,
            if c.visit_id.is_none() {
                "初回訪問時の物品チェックの記録なし".to_string()
            } else {
                format!("問題なし {}・問題あり {}・なし {}・未確認 {}", c.ok, c.problem, c.absent, c.unchecked)
            }
            .into(),
            Cell::Empty,
            Cell::Empty,
            note.join("\n").into(),
        ]);
    }
    for p in &r.purchases {
        rows.push(vec![
            "物品購入".into(),
            p.date.to_string().into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            p.item.clone().into(),
            Cell::Empty,
            Cell::Int(p.cost_yen.into()),
            p.note.clone().into(),
        ]);
    }
    let mut last = vec![Cell::from("合計")];
    last.extend(std::iter::repeat_n(Cell::Empty, 4));
    last.push(format!("物品購入 {} 件", r.purchases.len()).into());
    last.push(Cell::Empty);
    last.push(Cell::Int(r.purchases_total_yen as i64));
    last.push(format!("同行訪問 {} 件", r.handovers.len()).into());
    rows.push(last);
    // The grant and what is left of it after the purchases (交付決定額, 残額).
    let row = |kind: &str, date: Cell, what: String, yen: Cell, note: String| {
        let mut row = vec![Cell::from(kind), date];
        row.extend(std::iter::repeat_n(Cell::Empty, 3));
        row.extend([what.into(), Cell::Empty, yen, note.into()]);
        row
    };
    match (&r.grant, r.remaining_yen) {
        (Some(g), Some(left)) => {
            rows.push(row(
                "交付決定額",
                g.decided_on.to_string().into(),
                "交付決定額".into(),
                Cell::Int(g.granted_yen.into()),
                g.note.clone(),
            ));
            let note = if left < 0 {
                format!("購入合計が交付決定額を {} 円超えています", Cell::Int(-left).text_for_print())
            } else {
                String::new()
            };
            rows.push(row("残額", Cell::Empty, "交付決定額 − 物品購入の合計".into(), Cell::Int(left), note));
        }
        _ => rows.push(row("交付決定額", Cell::Empty, "交付決定額の記録なし".into(), Cell::Empty, String::new())),
    }
    Table {
        title: format!("実績報告 {}", r.fiscal_year.english_label()),
        header: RESULTS_HEADER.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// The heading of a printed results report: the programme, the station and year, the counts
/// and total, and when it was made.
pub fn results_heading(r: &carebook_domain::ResultsReport) -> Vec<String> {
    vec![
        "医療的ケア児訪問看護ステーション体制整備事業 実績報告".to_string(),
        format!(
            "{}（{}） {}（{}〜{}）　同行訪問 {} 件、物品購入 {} 件 計 {} 円",
            r.station.name,
            r.station.id,
            r.fiscal_year.japanese_label(),
            r.fiscal_year.first_day(),
            r.fiscal_year.last_day(),
            r.handovers.len(),
            r.purchases.len(),
            Cell::Int(r.purchases_total_yen as i64).text_for_print()
        ),
        match (&r.grant, r.remaining_yen) {
            (Some(g), Some(left)) => format!(
                "交付決定額 {} 円（{} 決定）　残額 {} 円",
                Cell::Int(g.granted_yen.into()).text_for_print(),
                g.decided_on,
                Cell::Int(left).text_for_print()
            ),
            _ => "交付決定額 未記録".to_string(),
        },
        format!("作成 {}（Carebook）", crate::clock::now_jst().date),
    ]
}

/// The file name of a results report: `results-STATION-FY2026.ext`, the station id kept to
/// letters, digits, `-` and `_` (anything else becomes `_`).
pub fn results_file_name(station: &str, fy: carebook_domain::FiscalYear, format: ExportFormat) -> String {
    format!("results-{}-{}.{}", plain_name(station), fy.english_label(), format.extension())
}

/// Writes the results report of `station` for `fy` into `dir` as [`results_file_name`] (the
/// directory is made if missing; a file of that name is replaced).
pub async fn write_results_report(
    app: &crate::Carebook,
    station: &str,
    fy: carebook_domain::FiscalYear,
    format: ExportFormat,
    dir: &std::path::Path,
) -> Result<ExportedFile, CoreError> {
    let report = app.results_report(station, fy).await?;
    let bytes = format.write(&results_table(&report), &results_heading(&report))?;
    let file = save(dir, results_file_name(station, fy, format), bytes).await?;
    app.note_export(&format!("results report {station} FY{} {}", fy.0, format.extension())).await?;
    Ok(file)
}

/// The columns of a daytime-care claim table.
pub const DAYTIME_CLAIM_HEADER: [&str; 16] = [
    "区分",
    "児童氏名",
    "利用日",
    "開始",
    "終了",
    "預かり時間（時間）",
    "担当",
    "実施機関",
    "世帯区分",
    "補助基準額の区分",
    "基準額（円）",
    "利用者負担（円）",
    "補助額（円）",
    "都負担（円）",
    "区市町村負担（円）",
    "備考",
];

/// A daytime-care claim as one table: per child its paid days (請求: base amount, user charge,
/// subsidy and its split), the records not paid with every reason (対象外), and a subtotal
/// (児童計) with the score on the face sheet; then the total (合計).
pub fn daytime_claim_table(c: &DaytimeClaim) -> Table {
    let mut rows = Vec::new();
    for k in &c.children {
        for l in &k.lines {
            let [total, tokyo, muni] = yen(l.subsidy);
            rows.push(vec![
                "請求".into(),
                k.name.clone().into(),
                l.start.date.to_string().into(),
                time(l.start).into(),
                end_time(l.start, l.end).into(),
                hours(l.minutes.into()),
                l.lead.clone().into(),
                l.provider.label().ja.into(),
                l.tier.label().ja.into(),
                l.band.label_ja().into(),
                Cell::Int(l.fee_yen.into()),
                Cell::Int(l.user_charge_yen.into()),
                total,
                tokyo,
                muni,
                Cell::Empty,
            ]);
        }
        for u in &k.unclaimed {
            rows.push(vec![
                "対象外".into(),
                k.name.clone().into(),
                u.start.date.to_string().into(),
                time(u.start).into(),
                u.end.map(|e| end_time(u.start, e)).unwrap_or_default().into(),
                hours(u.minutes.into()),
                u.lead.clone().into(),
                u.provider.map(|k| k.label().ja).unwrap_or_default().into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                u.reasons.iter().map(|r| r.label().ja).collect::<Vec<_>>().join("、").into(),
            ]);
        }
        let [total, tokyo, muni] = yen(k.subsidy);
        rows.push(vec![
            "児童計".into(),
            k.name.clone().into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            hours(k.lines.iter().map(|l| i64::from(l.minutes)).sum()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Int(k.fee_yen.into()),
            Cell::Int(k.user_charge_yen.into()),
            total,
            tokyo,
            muni,
            match k.score {
                Some(s) => format!("{}日、医療的ケア判定スコア {s}点", k.lines.len()),
                None => format!("{}日、医療的ケア判定スコア未登録", k.lines.len()),
            }
            .into(),
        ]);
    }
    let [total, tokyo, muni] = yen(c.subsidy);
    let mut last = vec![Cell::from("合計")];
    last.extend(std::iter::repeat_n(Cell::Empty, 9));
    last.extend([Cell::Int(c.fee_yen.into()), Cell::Int(c.user_charge_yen.into()), total, tokyo, muni, Cell::Empty]);
    rows.push(last);
    Table {
        title: format!("日中預かり {} {}", c.municipality_name, c.month),
        header: DAYTIME_CLAIM_HEADER.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// The heading of a printed daytime-care claim.
pub fn daytime_claim_heading(c: &DaytimeClaim) -> Vec<String> {
    vec![
        "医療的ケア児日中預かり支援事業 月次請求書".to_string(),
        format!(
            "{}（{}） {}年{}月分　補助額 {} 円（都負担 {} 円、区市町村負担 {} 円）　基準額 {} 円、利用者負担 {} 円",
            c.municipality_name,
            c.municipality,
            c.month.year,
            c.month.month,
            Cell::Int(c.subsidy.total_yen.into()).text_for_print(),
            Cell::Int(c.subsidy.tokyo_yen.into()).text_for_print(),
            Cell::Int(c.subsidy.municipality_yen.into()).text_for_print(),
            Cell::Int(c.fee_yen.into()).text_for_print(),
            Cell::Int(c.user_charge_yen.into()).text_for_print()
        ),
        format!("作成 {}（Carebook）", crate::clock::now_jst().date),
    ]
}

/// The table as CSV in `encoding`. Shift_JIS cannot write every character: the first that it
/// cannot is refused with its row and column (nothing is written), so the export is UTF-8.
pub fn to_csv(t: &Table, encoding: CsvEncoding) -> Result<Vec<u8>, CoreError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let step = |e: csv::Error| CoreError::step(Message::new("CSV の書き出し", "writing the CSV"), e);
    w.write_record(&t.header).map_err(step)?;
    for r in &t.rows {
        w.write_record(r.iter().map(Cell::text)).map_err(step)?;
    }
    let text = String::from_utf8(w.into_inner().map_err(|e| step(e.into_error().into()))?)
        .map_err(|e| CoreError::step(Message::new("CSV の書き出し", "writing the CSV"), e))?;
    match encoding {
        CsvEncoding::Utf8Bom => Ok([&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()),
        CsvEncoding::ShiftJis => {
            let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&text);
            if had_errors {
                return Err(unmappable(t));
            }
            Ok(bytes.into_owned())
        }
    }
}

/// The first cell Shift_JIS cannot write, named.
fn unmappable(t: &Table) -> CoreError {
    let mut problems = carebook_domain::Problems::new();
    let cells = t
        .header
        .iter()
        .map(|h| (0, h.clone(), h.clone()))
        .chain(t.rows.iter().enumerate().flat_map(|(i, r)| r.iter().zip(&t.header).map(move |(c, h)| (i + 1, h.clone(), c.text()))));
    for (row, column, text) in cells {
        if let Some(ch) = text.chars().find(|ch| encoding_rs::SHIFT_JIS.encode(&ch.to_string()).2) {
            problems.push(
                "encoding",
                "shift_jis",
                format!("{row}行目「{column}」の文字「{ch}」は Shift_JIS で書けません。UTF-8 で書き出してください"),
                format!("row {row}, column {column}: the character {ch:?} (U+{:04X}) has no Shift_JIS code: export as UTF-8", ch as u32),
            );
            break;
        }
    }
    CoreError::Invalid(problems)
}

/// The table as an `.xlsx` workbook of one sheet: the header bold, numbers as numbers.
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, CoreError> {
    let step = |e: rust_xlsxwriter::XlsxError| CoreError::step(Message::new("Excel ファイルの書き出し", "writing the workbook"), e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name: String = t.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    sheet.set_name(if name.trim().is_empty() { "Carebook" } else { name.trim() }).map_err(step)?;
    let bold = Format::new().set_bold();
    let yen = Format::new().set_num_format("#,##0");
    for (col, h) in t.header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, h, &bold).map_err(step)?;
    }
    for (i, r) in t.rows.iter().enumerate() {
        let row = (i + 1) as u32;
        for (col, c) in r.iter().enumerate() {
            let col = col as u16;
            match c {
                Cell::Text(s) => sheet.write_string(row, col, s).map(|_| ()),
                Cell::Int(n) => sheet.write_number_with_format(row, col, *n as f64, &yen).map(|_| ()),
                Cell::Num(x) => sheet.write_number(row, col, *x).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(step)?;
        }
    }
    book.save_to_buffer().map_err(step)
}

/// Where a Japanese font is looked for when `CAREBOOK_PDF_FONT` does not name one: Noto Sans CJK
/// as Debian (`fonts-noto-cjk`) and other systems install it.
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
];

/// The Japanese font PDFs are set in: `CAREBOOK_PDF_FONT` (a `.ttf`, `.otf` or `.ttc`; its first
/// face), else the first Noto Sans CJK (or Hiragino) of the usual places that exists.
pub fn japanese_font() -> Result<std::path::PathBuf, CoreError> {
    let named = std::env::var_os("CAREBOOK_PDF_FONT").filter(|p| !p.is_empty()).map(std::path::PathBuf::from);
    let found = named.clone().or_else(|| FONT_CANDIDATES.iter().map(std::path::PathBuf::from).find(|p| p.exists()));
    match found {
        Some(p) if p.exists() => Ok(p),
        _ => Err(CoreError::step(
            Message::new(
                "PDF 用の日本語フォントが見つかりません（Noto Sans CJK を入れるか、CAREBOOK_PDF_FONT でフォントを指定してください）",
                "no Japanese font for the PDF (install Noto Sans CJK, or name a font in CAREBOOK_PDF_FONT)",
            ),
            named.map_or_else(|| format!("looked in {}", FONT_CANDIDATES.join(", ")), |p| format!("{} does not exist", p.display())),
        )),
    }
}

/// The table as a printed report: A4 landscape, `heading` lines at the top of the first page,
/// the header repeated on every page, page numbers, set in the Japanese font at `font`. Text is
/// real text (selectable, searchable); the font is embedded, subsetted to the characters used.
pub fn to_pdf(heading: &[String], t: &Table, font: &std::path::Path) -> Result<Vec<u8>, CoreError> {
    use krilla::color::rgb;
    use krilla::geom::{PathBuilder, Point};
    use krilla::page::PageSettings;
    use krilla::paint::{Fill, Stroke};
    use krilla::text::Font;
    use krilla::Document;

    let step = |what: &str| CoreError::step(Message::new("PDF の書き出し", "writing the PDF"), what.to_string());
    let data = std::fs::read(font).map_err(|e| CoreError::step(Message::new("PDF 用フォントの読み込み", "reading the PDF font"), e))?;
    let data = std::sync::Arc::new(data);
    let font = Font::new(data.clone().into(), 0).ok_or_else(|| step("the font file is not a font krilla can read"))?;
    let shaper = Shaper::new(&data, 0).ok_or_else(|| step("the font file is not a font the shaper can read"))?;

    const W: f32 = 842.0;
    const H: f32 = 595.0;
    const MARGIN: f32 = 28.0;
    const SIZE: f32 = 7.0;
    // Column widths in characters of the text size, from the longest cell (at most 24), then
    // scaled to the page; longer text wraps within its column.
    let widths: Vec<f32> = {
        let mut w: Vec<f32> = t.header.iter().map(|h| text_width(h).min(10.0)).collect();
        for r in &t.rows {
            for (w, c) in w.iter_mut().zip(r) {
                *w = w.max(c.text_for_print().lines().map(text_width).fold(0.0, f32::max).min(24.0));
            }
        }
        w
    };
    let scale = (W - 2.0 * MARGIN) / widths.iter().map(|w| w * SIZE + 6.0).sum::<f32>();
    let cols: Vec<f32> = widths.iter().map(|w| (w * SIZE + 6.0) * scale).collect();
    let size = SIZE * scale.min(1.4);
    let line_h = size * 1.55;

    // Each row's cells as wrapped lines, whether they are numbers (right-aligned), and whether
    // a rule follows it (after a child's subtotal and the total).
    let lay = |cells: Vec<(String, bool)>| -> Vec<LaidCell> {
        cells.into_iter().zip(&cols).map(|((text, right), w)| (wrap(&text, (w - 6.0 * scale) / size + 0.01), right)).collect()
    };
    let header = lay(t.header.iter().map(|h| (h.clone(), false)).collect());
    let rows: Vec<(Vec<LaidCell>, bool)> = t
        .rows
        .iter()
        .map(|r| {
            let cells = r.iter().map(|c| (c.text_for_print(), matches!(c, Cell::Int(_) | Cell::Num(_)))).collect();
            (lay(cells), matches!(r.first(), Some(Cell::Text(k)) if k == "児童計" || k == "合計"))
        })
        .collect();
    let height = |cells: &[LaidCell]| cells.iter().map(|(l, _)| l.len().max(1)).max().unwrap_or(1) as f32 * line_h;

    // Pages: the heading on the first, the header on every one, rows until the bottom.
    let heading_h: f32 = heading.iter().enumerate().map(|(i, _)| if i == 0 { 19.0 } else { 15.0 }).sum::<f32>() + 6.0;
    let bottom = H - MARGIN - 12.0;
    let mut pages: Vec<Vec<usize>> = vec![vec![]];
    let mut y = MARGIN + heading_h + height(&header) + 3.0;
    for (i, (cells, _)) in rows.iter().enumerate() {
        let h = height(cells);
        if y + h > bottom && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(vec![]);
            y = MARGIN + height(&header) + 3.0;
        }
        y += h;
        pages.last_mut().expect("a page").push(i);
    }

    let mut doc = Document::new();
    doc.set_metadata(krilla::metadata::Metadata::new().title(heading.first().cloned().unwrap_or_default()).language("ja".into()));
    let black = || Fill { paint: rgb::Color::new(0, 0, 0).into(), ..Fill::default() };
    let total = pages.len();
    for (n, page_rows) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(PageSettings::new(W, H));
        let mut s = page.surface();
        s.set_fill(Some(black()));
        let mut y = MARGIN;
        if n == 0 {
            for (i, line) in heading.iter().enumerate() {
                let sz = if i == 0 { 13.0 } else { 9.0 };
                y += sz + 6.0;
                s.draw_glyphs(Point::from_xy(MARGIN, y - 6.0), &shaper.shape(line), font.clone(), line, sz, false);
            }
            y += 6.0;
        }
        let draw = |s: &mut krilla::surface::Surface<'_>, top: f32, cells: &[LaidCell]| {
            let mut x = MARGIN;
            for ((lines, right), w) in cells.iter().zip(&cols) {
                for (k, text) in lines.iter().enumerate() {
                    let glyphs = shaper.shape(text);
                    let at = if *right { x + w - 3.0 * scale - Shaper::width(&glyphs) * size } else { x + 3.0 * scale };
                    s.draw_glyphs(Point::from_xy(at, top + size + k as f32 * line_h), &glyphs, font.clone(), text, size, false);
                }
                x += w;
            }
        };
        let rule = |s: &mut krilla::surface::Surface<'_>, y: f32| {
            let mut pb = PathBuilder::new();
            pb.move_to(MARGIN, y);
            pb.line_to(W - MARGIN, y);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke { paint: rgb::Color::new(120, 120, 120).into(), width: 0.4, ..Stroke::default() }));
                s.draw_path(&path);
                s.set_stroke(None);
                s.set_fill(Some(black()));
            }
        };
        draw(&mut s, y, &header);
        y += height(&header) + 1.0;
        rule(&mut s, y);
        y += 2.0;
        for &i in page_rows {
            let (cells, rule_after) = &rows[i];
            draw(&mut s, y, cells);
            y += height(cells);
            if *rule_after {
                rule(&mut s, y);
            }
        }
        let footer = format!("{} / {}", n + 1, total);
        let glyphs = shaper.shape(&footer);
        s.draw_glyphs(
            Point::from_xy(W - MARGIN - Shaper::width(&glyphs) * 8.0, H - MARGIN / 2.0),
            &glyphs,
            font.clone(),
            &footer,
            8.0,
            false,
        );
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| step(&format!("{e:?}")))
}

/// Shapes text, left to right, with one face of the font for the whole document (building a
/// face reads the font's lookup tables, which for a CJK font costs far more than shaping a
/// cell).
struct Shaper<'a> {
    face: rustybuzz::Face<'a>,
    units_per_em: f32,
}

impl<'a> Shaper<'a> {
    fn new(data: &'a [u8], index: u32) -> Option<Self> {
        let face = rustybuzz::Face::from_slice(data, index)?;
        let units_per_em = f32::from(face.units_per_em() as u16);
        Some(Shaper { face, units_per_em })
    }

    /// The glyphs of `text`, each with the range of the text it shows (its cluster up to the
    /// next one), advances in ems.
    fn shape(&self, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        use krilla::text::{GlyphId, KrillaGlyph};
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let out = rustybuzz::shape(&self.face, &[], buffer);
        let (infos, positions) = (out.glyph_infos(), out.glyph_positions());
        let em = self.units_per_em;
        (0..out.len())
            .map(|i| {
                let start = infos[i].cluster as usize;
                let end = infos[i + 1..].iter().map(|g| g.cluster as usize).find(|&c| c != start).unwrap_or(text.len());
                let p = positions[i];
                KrillaGlyph::new(
                    GlyphId::new(infos[i].glyph_id),
                    p.x_advance as f32 / em,
                    p.x_offset as f32 / em,
                    p.y_offset as f32 / em,
                    p.y_advance as f32 / em,
                    start..end,
                    None,
                )
            })
            .collect()
    }

    /// The width of shaped glyphs in ems.
    fn width(glyphs: &[krilla::text::KrillaGlyph]) -> f32 {
        glyphs.iter().map(|g| g.x_advance).sum()
    }
}

/// A cell laid out for print: its lines, and whether it is a number (right-aligned).
type LaidCell = (Vec<String>, bool);

/// A text's width in ems of the font size (Noto Sans CJK: full-width characters are 1 em, the
/// narrow Latin ones about 0.55).
fn text_width(s: &str) -> f32 {
    s.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum()
}

/// `text` broken into lines of at most `ems` wide: at its own line breaks, then by character
/// (Japanese has no spaces to break at).
fn wrap(text: &str, ems: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let cw = text_width(c.encode_utf8(&mut [0; 4]));
            if w + cw > ems && !line.is_empty() {
                out.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(c);
            w += cw;
        }
        out.push(line);
    }
    out
}

impl Cell {
    /// The text a printed page shows: yen with thousands separators, hours with one decimal.
    fn text_for_print(&self) -> String {
        match self {
            Cell::Int(n) => {
                let digits = n.unsigned_abs().to_string();
                let mut out = String::new();
                for (i, ch) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        out.push(',');
                    }
                    out.push(ch);
                }
                if *n < 0 {
                    format!("-{out}")
                } else {
                    out
                }
            }
            Cell::Num(x) => format!("{x:.1}"),
            other => other.text(),
        }
    }
}

/// One visit as a printed record (訪問看護記録書): 項目 | 内容, every part of the record in
/// Japanese, checklist items named from `templates`.
pub fn visit_table(v: &carebook_domain::Visit, child_name: &str, templates: &[carebook_domain::ChecklistTemplate]) -> Table {
    use carebook_domain::GuardianConfirmation;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut put = |k: &str, v: String| rows.push(vec![k.into(), v.into()]);
    let at = |t: Option<carebook_domain::DateTime>| t.map_or("—".to_string(), |t| format!("{} {}", t.date, t.time));
    put("利用者", child_name.to_string());
    put("種別", v.kind.label().ja.to_string());
    put("事業所", format!("{}（{}）", v.station.name, v.station.id));
    put("場所", v.place.clone());
    put("予定", format!("{} 〜 {}", at(v.scheduled_start), at(v.scheduled_end)));
    put("実績", format!("{} 〜 {}", at(v.actual_start), at(v.actual_end)));
    put("結果", v.outcome.label().ja.to_string());
    put("状態", v.status.label().ja.to_string());
    let staff: Vec<String> =
        v.staff.iter().map(|s| format!("{}（{}・{}・{}）", s.name, s.role.label().ja, s.profession.label().ja, s.station_id)).collect();
    put("訪問者", staff.join("\n"));
    let vitals: Vec<String> = v
        .vitals
        .iter()
        .map(|r| {
            let mut parts = vec![r.at.map_or("—".to_string(), |t| t.time.to_string())];
            if let Some(x) = r.temperature_c {
                parts.push(format!("体温 {x:.1}℃"));
            }
            if let Some(x) = r.pulse {
                parts.push(format!("脈拍 {x}/分"));
            }
            if let Some(x) = r.respiration {
                parts.push(format!("呼吸 {x}/分"));
            }
            if let Some(x) = r.spo2 {
                parts.push(format!("SpO2 {x}%"));
            }
            if let (Some(a), Some(b)) = (r.bp_systolic, r.bp_diastolic) {
                parts.push(format!("血圧 {a}/{b}"));
            }
            parts.join("　")
        })
        .collect();
    put("バイタルサイン", if vitals.is_empty() { "記録なし".into() } else { vitals.join("\n") });
    let care: Vec<String> = v
        .care
        .iter()
        .map(|c| {
            let mut parts = vec![c.item.label().ja.to_string()];
            if let Some(x) = c.count {
                parts.push(format!("{x}回"));
            }
            if let Some(x) = c.amount_ml {
                parts.push(format!("{x}mL"));
            }
            if let Some(x) = c.rate_ml_per_h {
                parts.push(format!("{x}mL/時"));
            }
            if let Some(x) = c.oxygen_l_per_min {
                parts.push(format!("酸素 {x}L/分"));
            }
            if !c.note.is_empty() {
                parts.push(c.note.clone());
            }
            parts.join("　")
        })
        .collect();
    put("実施したケア", if care.is_empty() { "記録なし".into() } else { care.join("\n") });
    for (k, text) in [
        ("S（主観）", &v.note.subjective),
        ("O（客観）", &v.note.objective),
        ("A（評価）", &v.note.assessment),
        ("P（計画）", &v.note.plan),
    ] {
        put(k, text.as_str().to_string());
    }
    if !v.checklist.items.is_empty() {
        let template = templates.iter().find(|t| t.id == v.checklist.template_id);
        let name = |id: &str| template.and_then(|t| t.items.iter().find(|i| i.id == id)).map_or(id.to_string(), |i| i.ja.clone());
        let mut items: Vec<_> = v.checklist.items.iter().collect();
        // Problems first: they are what the reader must see.
        items.sort_by_key(|(id, e)| (e.status != carebook_domain::CheckStatus::Problem, (*id).clone()));
        let lines: Vec<String> = items
            .iter()
            .map(|(id, e)| {
                let mark = if e.status == carebook_domain::CheckStatus::Problem { "⚠ " } else { "" };
                let note = if e.note.is_empty() { String::new() } else { format!("（{}）", e.note) };
                format!("{mark}{}：{}{note}", name(id), e.status.label().ja)
            })
            .collect();
        put("物品チェック", format!("{}\n{}", template.map_or(v.checklist.template_id.clone(), |t| t.title_ja.clone()), lines.join("\n")));
    }
    if let Some(h) = &v.handover {
        let sign = |s: &Option<carebook_domain::SignOff>| {
            s.as_ref().map_or("署名なし".to_string(), |s| format!("{}（{} {}）", s.name, s.at.date, s.at.time))
        };
        let topics: Vec<String> =
            h.topics.iter().map(|t| if t.detail.is_empty() { t.topic.clone() } else { format!("{}：{}", t.topic, t.detail) }).collect();
        put(
            "引継ぎ",
            format!(
                "{} → {}\n{}\n引継ぐ側の署名：{}\n受ける側の署名：{}",
                h.from_station.name,
                h.to_station.name,
                topics.join("\n"),
                sign(&h.from_sign_off),
                sign(&h.to_sign_off)
            ),
        );
    }
    put(
        "保護者確認",
        match &v.guardian {
            Some(GuardianConfirmation::Confirmed { name, at, signature }) => {
                format!("{name}（{} {}）{}", at.date, at.time, if signature.is_empty() { "" } else { "　サインあり" })
            }
            Some(GuardianConfirmation::NotConfirmed { reason }) => format!("確認なし：{reason}"),
            None => "未入力".into(),
        },
    );
    if let Some(r) = &v.returned {
        put("差し戻し", format!("{}（{} {}）：{}", r.by, r.at.date, r.at.time, r.reason));
    }
    Table { title: format!("訪問看護記録書 {child_name}"), header: vec!["項目".into(), "内容".into()], rows }
}

/// The heading of a printed visit record.
pub fn visit_heading(v: &carebook_domain::Visit, child_name: &str) -> Vec<String> {
    let day = v.actual_start.or(v.scheduled_start).map_or(String::new(), |t| t.date.to_string());
    vec![
        format!("訪問看護記録書（{}）", v.kind.label().ja),
        format!("{child_name}　{day}　{}", v.station.name),
        format!("作成 {}（Carebook）　記録ID {}", crate::clock::now_jst().date, v.id),
    ]
}

/// Writes one visit as a printed record into `dir` (`visit-YYYY-MM-DD-ID8.pdf`).
pub async fn write_visit_pdf(
    app: &crate::Carebook,
    id: carebook_domain::VisitId,
    dir: &std::path::Path,
) -> Result<ExportedFile, CoreError> {
    let visit = app.visit(id).await?;
    let child_name = match app.store().child_row(visit.child_id).await {
        Ok(row) => row.name,
        Err(CoreError::NotFound { .. }) => {
            app.directory().await?.transfer_of(&visit.child_id.to_string()).map_or(String::new(), |t| t.child_name.clone())
        }
        Err(e) => return Err(e),
    };
    let templates = app.templates().await?;
    let bytes = to_pdf(&visit_heading(&visit, &child_name), &visit_table(&visit, &child_name, &templates), &japanese_font()?)?;
    let day = visit.actual_start.or(visit.scheduled_start).map_or("undated".to_string(), |t| t.date.to_string());
    let file = save(dir, format!("visit-{day}-{}.pdf", &id.to_string()[..8]), bytes).await?;
    app.note_export(&format!("visit record {id} pdf")).await?;
    Ok(file)
}
