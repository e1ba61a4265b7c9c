//! Exports read back by real readers: the claim's CSV by Python's `csv` module in both
//! encodings and by LibreOffice (headless) importing it; the `.xlsx` opened by LibreOffice and
//! written out again as CSV. Expected values are worked out by hand from the sessions recorded.

use std::path::Path;
use std::process::Command;

use carebook_core::export::{claim_table, to_csv, to_xlsx, CsvEncoding};
use carebook_domain::{DoctorInstruction, GuardianConfirmation, MonthlyClaim, VisitStatus};
use carebook_testkit::{child, respite, TempDevice};

/// 見本 はな (Bunkyo's built-in settings: 3,750 yen a 30-minute unit, doctor's instruction
/// 3,000 yen, Tokyo half): two approved, confirmed sessions in November 2026 — 3 h on 11/2 and
/// 3 h from 22:00 on 11/5 into 11/6 — and one not confirmed; an instruction from 11/1.
async fn november(name: &str) -> (TempDevice, MonthlyClaim) {
    let dev = TempDevice::new().await.unwrap();
    let mut c = child("13105");
    c.name = name.into();
    c.doctor_instruction = Some(DoctorInstruction {
        doctor: "架空 医師".into(),
        institution: "架空病院".into(),
        valid_from: "2026-11-01".parse().unwrap(),
        valid_until: "2027-03-31".parse().unwrap(),
    });
    let c = dev.app.add_child(c).await.unwrap().id;
    for (start, end, confirmed) in [
        ("2026-11-02T09:00", "2026-11-02T12:00", true),
        ("2026-11-05T22:00", "2026-11-06T01:00", true),
        ("2026-11-20T09:00", "2026-11-20T11:00", false),
    ] {
        let mut v = respite(c, start, end);
        v.guardian = Some(if confirmed {
            GuardianConfirmation::Confirmed { name: "見本 母".into(), at: end.parse().unwrap(), signature: String::new() }
        } else {
            GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() }
        });
        let id = dev.app.record_visit(v).await.unwrap().id;
        dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        dev.app.set_visit_status(id, VisitStatus::Approved).await.unwrap();
    }
    let claim = dev.app.monthly_claim("13105", "2026-11".parse().unwrap()).await.unwrap();
    (dev, claim)
}

/// The rows Python's csv module reads from `path` in `encoding`.
fn python_rows(path: &Path, encoding: &str) -> Vec<Vec<String>> {
    let script = "import csv, json, sys\nwith open(sys.argv[1], encoding=sys.argv[2], newline='') as f:\n    print(json.dumps(list(csv.reader(f)), ensure_ascii=False))";
    let out = Command::new("python3").args(["-c", script]).arg(path).arg(encoding).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// LibreOffice, headless, converting `input` to `to` (a filter spec) in `dir`; its profile in
/// `dir` too, so tests running at once do not share one.
fn soffice(dir: &Path, input: &Path, to: &str, infilter: Option<&str>) -> std::path::PathBuf {
    let out_dir = dir.join(format!("out-{}", to.split(':').next().unwrap()));
    let mut cmd = Command::new("soffice");
    cmd.arg(format!("-env:UserInstallation=file://{}/profile", dir.display())).args(["--headless", "--norestore"]);
    if let Some(f) = infilter {
        cmd.arg(format!("--infilter={f}"));
    }
    let out = cmd
        .args(["--convert-to", to, "--outdir"])
        .arg(&out_dir)
        .arg(input)
        .output()
        .expect("LibreOffice (soffice) runs: scripts/test.sh installs it");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stem = input.file_stem().unwrap().to_string_lossy().to_string();
    let ext = to.split(':').next().unwrap();
    let path = out_dir.join(format!("{stem}.{ext}"));
    assert!(path.exists(), "LibreOffice wrote nothing: {}", String::from_utf8_lossy(&out.stderr));
    path
}

/// What each row of the November claim must say, in the columns 区分, 児童氏名, 利用日, 開始,
/// 終了, 請求時間, 金額, 都負担, 区市町村負担, 備考.
fn expected() -> Vec<[&'static str; 10]> {
    // 6 units × 3,750 = 22,500 yen a session, halves 11,250; the instruction 3,000, halves 1,500;
    // the child's total 22,500 × 2 + 3,000 = 48,000, halves 24,000.
    vec![
        ["請求", "見本 はな", "2026-11-02", "09:00", "12:00", "3", "22500", "11250", "11250", ""],
        ["請求", "見本 はな", "2026-11-05", "22:00", "01:00（翌日）", "3", "22500", "11250", "11250", ""],
        ["指示書料", "見本 はな", "2026-11-01", "", "", "", "3000", "1500", "1500", "医師指示書（架空 医師・架空病院）"],
        ["対象外", "見本 はな", "2026-11-20", "09:00", "11:00", "2", "", "", "", "保護者の確認なし"],
        ["児童計", "見本 はな", "", "", "", "6", "48000", "24000", "24000", "年間上限 288時間、残り 280時間"],
        ["合計", "", "", "", "", "", "48000", "24000", "24000", ""],
    ]
}

/// The columns of [`expected`] out of a full row (the money without thousands separators).
fn picked(row: &[String]) -> [String; 10] {
    let money = |s: &str| s.replace(',', "");
    [
        row[0].clone(),
        row[1].clone(),
        row[2].clone(),
        row[3].clone(),
        row[4].clone(),
        row[5].clone(),
        money(&row[11]),
        money(&row[12]),
        money(&row[13]),
        row[15].clone(),
    ]
}

fn assert_claim_rows(rows: &[Vec<String>], what: &str) {
    assert_eq!(rows[0][1], "児童氏名", "{what}: the header");
    assert_eq!(rows[0].len(), 16, "{what}");
    let got: Vec<[String; 10]> = rows[1..].iter().map(|r| picked(r)).collect();
    let want: Vec<[String; 10]> = expected().iter().map(|r| r.map(String::from)).collect();
    assert_eq!(got, want, "{what}");
}

#[tokio::test]
async fn the_claim_csv_reads_back_in_utf8_and_shift_jis_with_japanese_intact() {
    let (_dev, claim) = november("見本 はな").await;
    let table = claim_table(&claim);
    let dir = tempfile::tempdir().unwrap();

    let utf8 = to_csv(&table, CsvEncoding::Utf8Bom).unwrap();
    assert_eq!(&utf8[..3], &[0xEF, 0xBB, 0xBF], "a byte-order mark, so Excel reads UTF-8");
    assert!(utf8.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    let utf8_path = dir.path().join("claim-utf8.csv");
    std::fs::write(&utf8_path, &utf8).unwrap();
    assert_claim_rows(&python_rows(&utf8_path, "utf-8-sig"), "UTF-8");

    let sjis = to_csv(&table, CsvEncoding::ShiftJis).unwrap();
    let sjis_path = dir.path().join("claim-sjis.csv");
    std::fs::write(&sjis_path, &sjis).unwrap();
    assert!(std::str::from_utf8(&sjis).is_err(), "not UTF-8");
    assert_claim_rows(&python_rows(&sjis_path, "shift_jis"), "Shift_JIS");

    // LibreOffice imports each (charset 76: UTF-8, 64: Shift_JIS; every column as text, so a
    // time stays as written rather than in the machine's locale) and writes it out as UTF-8.
    let as_text = (1..=16).map(|c| format!("{c}/2")).collect::<Vec<_>>().join("/");
    for (path, charset) in [(&utf8_path, 76), (&sjis_path, 64)] {
        let xlsx = soffice(dir.path(), path, "xlsx", Some(&format!("CSV:44,34,{charset},1,{as_text}")));
        let back = soffice(dir.path(), &xlsx, "csv:Text - txt - csv (StarCalc):44,34,76,1", None);
        assert_claim_rows(&python_rows(&back, "utf-8"), &format!("LibreOffice from charset {charset}"));
    }
}

#[tokio::test]
async fn a_name_shift_jis_cannot_write_is_refused_with_its_row_and_column() {
    // 𠮷 (U+20BB7) has no Shift_JIS code.
    let (_dev, claim) = november("見本 𠮷子").await;
    let table = claim_table(&claim);
    let err = to_csv(&table, CsvEncoding::ShiftJis).unwrap_err();
    assert_eq!(err.code(), "invalid");
    let m = err.message();
    assert!(m.ja.contains("1行目「児童氏名」") && m.ja.contains("𠮷") && m.en.contains("U+20BB7"), "{m:?}");
    assert!(to_csv(&table, CsvEncoding::Utf8Bom).is_ok(), "UTF-8 writes it");
}

#[tokio::test]
async fn the_claim_workbook_opens_in_libreoffice_with_the_same_rows() {
    let (_dev, claim) = november("見本 はな").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claim.xlsx");
    std::fs::write(&path, to_xlsx(&claim_table(&claim)).unwrap()).unwrap();
    let back = soffice(dir.path(), &path, "csv:Text - txt - csv (StarCalc):44,34,76,1", None);
    assert_claim_rows(&python_rows(&back, "utf-8"), "xlsx through LibreOffice");
}

#[tokio::test]
async fn the_printed_claim_has_its_japanese_headings_lines_and_totals_as_text_and_renders() {
    let (_dev, claim) = november("見本 はな").await;
    let dir = tempfile::tempdir().unwrap();
    let font = carebook_core::export::japanese_font().expect("Noto Sans CJK (fonts-noto-cjk) is installed by the scripts");
    let pdf = carebook_core::export::to_pdf(&carebook_core::export::claim_heading(&claim), &claim_table(&claim), &font).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 2_000_000, "the font is subsetted, not embedded whole: {} bytes", pdf.len());
    let path = dir.path().join("claim.pdf");
    std::fs::write(&path, &pdf).unwrap();

    // The text as poppler extracts it (layout kept, so a row reads left to right).
    let out =
        Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "在宅レスパイト・訪問看護事業 月次請求書",
        "文京区（13105） 2026年11月分（令和8年度）",
        "請求額 48,000 円（都負担 24,000 円、区市町村負担 24,000 円）",
        "児童氏名",
        "区市町村負担（円）",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let row = |first: &str, date: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(first) && l.contains(date))
            .unwrap_or_else(|| panic!("{first} {date} in:\n{text}"))
            .to_string()
    };
    let session = row("請求", "2026-11-05");
    for cell in ["見本 はな", "22:00", "01:00（翌日）", "22,500", "11,250"] {
        assert!(session.contains(cell), "{cell:?} in {session:?}");
    }
    assert!(row("対象外", "2026-11-20").contains("保護者の確認なし"));
    let total = text.lines().find(|l| l.trim_start().starts_with("合計")).expect("the total line").to_string();
    assert!(total.contains("48,000") && total.matches("24,000").count() == 2, "{total:?}");

    // Rendered to an image, as a reader would see it: a page with ink on it.
    let png = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(&png)
        .output()
        .expect("pdftoppm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let image = std::fs::read(dir.path().join("page.png")).unwrap();
    assert!(image.starts_with(b"\x89PNG") && image.len() > 2_000, "{} bytes", image.len());
}

fn pdf_text(path: &Path) -> String {
    let out =
        Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(path).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_visit_prints_as_a_record_with_every_part_and_a_long_note_wrapped_whole() {
    use carebook_domain::{CareGiven, CareItem, CheckEntry, CheckStatus, VitalReading};
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    let mut v = respite(c, "2026-11-02T09:00", "2026-11-02T12:00");
    v.vitals.push(VitalReading {
        id: "v1".into(),
        at: Some("2026-11-02T09:10".parse().unwrap()),
        pulse: Some(110),
        spo2: Some(97),
        temperature_c: Some(36.8),
        ..Default::default()
    });
    v.care.push(CareGiven {
        id: "c1".into(),
        item: CareItem::Suction,
        count: Some(6),
        amount_ml: None,
        rate_ml_per_h: None,
        oxygen_l_per_min: None,
        note: String::new(),
    });
    // A note far wider than the page: it must wrap, not run off the edge.
    let long = format!("（架空）{}最後まで読めること", "夜間の吸引回数が増えている。".repeat(12));
    v.note.plan.update(&long);
    v.checklist.template_id = "home_devices".into();
    v.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Problem, note: "回路に水滴".into() });
    v.checklist.items.insert("suction_unit".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
    v.guardian = Some(GuardianConfirmation::Confirmed {
        name: "見本 母".into(),
        at: "2026-11-02T12:00".parse().unwrap(),
        signature: "M 1 2 L 3 4".into(),
    });
    let id = dev.app.record_visit(v).await.unwrap().id;
    let dir = tempfile::tempdir().unwrap();
    let file = carebook_core::export::write_visit_pdf(&dev.app, id, dir.path()).await.unwrap();
    assert_eq!(file.file_name, format!("visit-2026-11-02-{}.pdf", &id.to_string()[..8]));
    let text = pdf_text(Path::new(&file.path));
    for needle in [
        "訪問看護記録書（在宅レスパイト）",
        "見本 はな",
        "体温 36.8℃",
        "脈拍 110/分",
        "SpO2 97%",
        "見本 母（2026-11-02 12:00）",
        "サインあり",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    // The problem item comes first and is marked.
    let problem = text.find("⚠").expect("the problem is marked");
    assert!(text[problem..].contains("回路に水滴"));
    // The note is there whole, across lines: every character in order once the layout is undone.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains(&long), "the whole note in:\n{text}");
    assert!(text.lines().all(|l| l.chars().count() < 200), "no line runs off the page");
}

#[tokio::test]
async fn a_claim_longer_than_a_page_repeats_the_header_and_numbers_the_pages() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    // 60 approved, confirmed sessions in November (two a day): more rows than one page holds.
    for (day, hour) in (1..=30).flat_map(|d| [(d, 9), (d, 13)]) {
        let (start, end) = (format!("2026-11-{day:02}T{hour:02}:00"), format!("2026-11-{day:02}T{:02}:00", hour + 2));
        let mut v = respite(c, &start, &end);
        v.guardian =
            Some(GuardianConfirmation::Confirmed { name: "見本 母".into(), at: end.parse().unwrap(), signature: String::new() });
        let id = dev.app.record_visit(v).await.unwrap().id;
        dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        dev.app.set_visit_status(id, VisitStatus::Approved).await.unwrap();
    }
    let claim = dev.app.monthly_claim("13105", "2026-11".parse().unwrap()).await.unwrap();
    let font = carebook_core::export::japanese_font().unwrap();
    let pdf = carebook_core::export::to_pdf(&carebook_core::export::claim_heading(&claim), &claim_table(&claim), &font).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = pdf_text(&path);
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    for (i, p) in pages.iter().enumerate() {
        assert!(p.contains("児童氏名"), "the header on page {}", i + 1);
        let flat: String = p.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains(&format!("{}/{}", i + 1, pages.len())), "page number on page {}:\n{p}", i + 1);
    }
    // Every session is printed once: 60 lines of 4 units × 3,750 = 15,000 yen.
    assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("請求") && l.contains("15,000")).count(), 60);
    assert!(text.contains(&format!("請求額 {} 円", "900,000")), "60 × 15,000");
}

/// A results report made by hand: one purchase whose item Shift_JIS cannot write, one without a
/// note, no visits, no grant.
fn results_with_item(item: &str) -> carebook_domain::ResultsReport {
    results_with(item, None)
}

/// The same with the amount granted, when given (decided 2026-12-10).
fn results_with(item: &str, granted_yen: Option<u32>) -> carebook_domain::ResultsReport {
    let grant = granted_yen.map(|granted_yen| carebook_domain::Grant {
        station: "st-kakuu".into(),
        fiscal_year: carebook_domain::FiscalYear(2026),
        granted_yen,
        decided_on: "2026-12-10".parse().unwrap(),
        note: "見本 第7号".into(),
        by: "架空 事務".into(),
        at: 0,
    });
    let purchase = |id: i64, item: &str, date: &str, cost_yen: u32, note: &str| carebook_domain::Purchase {
        id,
        station: "st-kakuu".into(),
        item: item.into(),
        date: date.parse().unwrap(),
        cost_yen,
        note: note.into(),
        by: "架空 事務".into(),
        at: 0,
    };
    let purchases = vec![purchase(1, "小児用血圧計", "2026-10-01", 15_300, ""), purchase(2, item, "2027-01-15", 2_480, "見本")];
    carebook_domain::results_report(
        "st-kakuu",
        carebook_domain::FiscalYear(2026),
        &[],
        &[],
        &carebook_domain::builtin_templates(),
        &purchases,
        grant.as_ref(),
        &carebook_domain::Directory::default(),
    )
}

#[test]
fn the_results_report_table_has_a_cell_per_column_and_a_name_shift_jis_cannot_write_is_refused_where_it_is() {
    use carebook_core::export::{results_file_name, results_heading, results_table, ExportFormat, RESULTS_HEADER};
    let report = results_with_item("見本の吸引器");
    let table = results_table(&report);
    assert!(table.rows.iter().all(|r| r.len() == RESULTS_HEADER.len()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    std::fs::write(&path, to_csv(&table, CsvEncoding::ShiftJis).unwrap()).unwrap();
    let rows = python_rows(&path, "shift_jis");
    let kinds: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(kinds, ["区分", "物品購入", "物品購入", "合計", "交付決定額"]);
    // 15,300 + 2,480 = 17,780 yen.
    assert_eq!((rows[3][7].as_str(), rows[3][5].as_str()), ("17780", "物品購入 2 件"));
    // No grant recorded: said so, with no amount.
    assert_eq!((rows[4][5].as_str(), rows[4][7].as_str()), ("交付決定額の記録なし", ""));
    let heading = results_heading(&report);
    assert!(heading[1].contains("令和8年度（2026-04-01〜2027-03-31）") && heading[1].contains("17,780 円"), "{heading:?}");
    assert_eq!(heading[2], "交付決定額 未記録");

    // A grant of 50,000 yen: 50,000 − 17,780 = 32,220 left.
    let granted = results_with("見本の吸引器", Some(50_000));
    let table = results_table(&granted);
    assert!(table.rows.iter().all(|r| r.len() == RESULTS_HEADER.len()));
    std::fs::write(&path, to_csv(&table, CsvEncoding::Utf8Bom).unwrap()).unwrap();
    let rows = python_rows(&path, "utf-8-sig");
    let tail: Vec<(&str, &str, &str)> = rows[4..].iter().map(|r| (r[0].as_str(), r[1].as_str(), r[7].as_str())).collect();
    assert_eq!(tail, [("交付決定額", "2026-12-10", "50000"), ("残額", "", "32220")]);
    assert_eq!((rows[4][8].as_str(), rows[5][8].as_str()), ("見本 第7号", ""));
    assert_eq!(results_heading(&granted)[2], "交付決定額 50,000 円（2026-12-10 決定）　残額 32,220 円");
    // A grant of 10,000 yen: overspent by 17,780 − 10,000 = 7,780 yen, said in the note.
    let over = results_table(&results_with("見本の吸引器", Some(10_000)));
    std::fs::write(&path, to_csv(&over, CsvEncoding::ShiftJis).unwrap()).unwrap();
    let rows = python_rows(&path, "shift_jis");
    assert_eq!((rows[5][0].as_str(), rows[5][7].as_str()), ("残額", "-7780"));
    assert_eq!(rows[5][8], "購入合計が交付決定額を 7,780 円超えています");

    // 𠮷 (U+20BB7) has no Shift_JIS code: row 2 (the second purchase), column 内容.
    let table = results_table(&results_with_item("𠮷印の吸引器（見本）"));
    let m = to_csv(&table, CsvEncoding::ShiftJis).unwrap_err().message();
    assert!(m.ja.contains("2行目「内容」") && m.en.contains("U+20BB7"), "{m:?}");
    assert!(to_csv(&table, CsvEncoding::Utf8Bom).is_ok());
    // A station id that is no file name is kept out of the path.
    let fy = carebook_domain::FiscalYear(2026);
    assert_eq!(results_file_name("st/../x", fy, ExportFormat::Pdf), "results-st____x-FY2026.pdf");
}
