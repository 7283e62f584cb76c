//! How the plugin reads layouts the fixtures do not show, and how it fails:
//! every error must name the file, the row and the column, and say what was
//! expected.

use std::path::Path;

use vitrina_plugin_budget::error::ParseError;
use vitrina_plugin_budget::report::{self, Line, Parsed};
use vitrina_plugin_budget::source;

fn source(url: &str) -> source::Source {
    source::parse(url)
        .expect("a valid source")
        .pop()
        .expect("one source")
}

fn parse(url: &str, csv: &str) -> Result<Parsed, ParseError> {
    report::parse(&source(url), csv.as_bytes())
}

fn summary(line: &Line) -> String {
    format!(
        "{} {} {} {} {} {} {}",
        line.phase.as_str(),
        line.direction.as_str(),
        line.fund.as_str(),
        line.activity_code(),
        line.paragraph,
        line.amount,
        line.source.row
    )
}

fn summaries(parsed: &Parsed) -> Vec<String> {
    parsed.lines.iter().map(summary).collect()
}

const TITLE: &str = "ОБЩИНА БУРГАС;;;;;\nОТЧЕТ КЪМ 31.12.2024 г.;;;;;\n(в лева);;;;;\n";
const HEADER: &str = "Функция;Дейност;§§;Наименование;Уточнен план;Отчет\n";

#[test]
fn a_file_without_a_header_is_a_changed_source() {
    let err = parse(
        "file:///otchet.csv",
        "ОТЧЕТ КЪМ 31.12.2024 г.\nКод;Име;Сума\n1;2;3\n",
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ParseError::HeaderNotFound { .. }), "{err:?}");
    assert!(
        message.starts_with("file:///otchet.csv: no header found"),
        "{message}"
    );
    assert!(
        message.contains("a paragraph column (§§, Параграф, Код)"),
        "{message}"
    );
    assert!(!err.is_config());
}

#[test]
fn a_workbook_without_a_table_lists_the_sheets_searched() {
    let annex = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/burgas-budget/fixtures/2026/byudzhet-2026.xlsx");
    let bytes = std::fs::read(annex).expect("the 2026 annex");
    let notes =
        source("file:///2026/byudzhet-2026.xlsx#sheet=%D0%91%D0%B5%D0%BB%D0%B5%D0%B6%D0%BA%D0%B8");
    let err = report::parse(&notes, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("file:///2026/byudzhet-2026.xlsx: no header found in sheets Бележки"),
        "{err}"
    );
    let missing = source("file:///2026/byudzhet-2026.xlsx#sheet=Annex");
    let err = report::parse(&missing, &bytes).unwrap_err();
    assert!(err.is_config());
    assert_eq!(
        err.to_string(),
        "file:///2026/byudzhet-2026.xlsx has no sheet „Annex“ (it has Приходи, Разходи, \
         Бележки); fix #sheet= in sources"
    );
}

#[test]
fn a_bad_amount_names_file_row_and_column() {
    let csv = format!("{TITLE}{HEADER}1;1122;01-00;Заплати;9 845 2OO,00;9 712 418,36\n");
    let err = parse("file:///2024.csv", &csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "file:///2024.csv, row 5, column „Уточнен план“ (E): \"9 845 2OO,00\" is not an amount \
         (unexpected character 'o')"
    );
}

#[test]
fn a_function_that_contradicts_its_activity_is_refused() {
    let csv = format!("{TITLE}{HEADER}3;1122;01-00;Заплати;100,00;90,00\n");
    let err = parse("file:///2024.csv", &csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "file:///2024.csv, row 5, column „Функция“ (A): function 3 does not match activity 122"
    );
    let csv = format!("{TITLE}{HEADER}3;3422;01-00;Заплати;100,00;90,00\n");
    let err = parse("file:///2024.csv", &csv).unwrap_err();
    assert!(
        err.to_string()
            .contains("column „Дейност“ (B): \"3422\" is not an activity code (function 3 does not match activity 422)"),
        "{err}"
    );
}

#[test]
fn a_year_comes_from_the_title_the_file_name_or_the_url() {
    let csv = format!("(в лева);;;;;\n{HEADER}1;1122;01-00;Заплати;100,00;90,00\n");
    let err = parse("file:///otchet.csv", &csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "file:///otchet.csv: cannot tell the fiscal year: no year in the title rows, the sheet \
         name or the file name; add #year=YYYY to the source URL"
    );
    let by_name = parse("file:///otchet-2023.csv", &csv).unwrap();
    assert_eq!(by_name.lines[0].fiscal_year, 2023);
    let by_option = parse("file:///otchet.csv#year=2022", &csv).unwrap();
    assert_eq!(by_option.lines[0].fiscal_year, 2022);
}

#[test]
fn revenue_needs_a_heading_a_title_or_an_option() {
    let csv = "БЮДЖЕТ 2024 г.\n§§;Наименование;План\n13-01;Данък върху недвижимите имоти;100,00\n";
    let err = parse("file:///b.csv", csv).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "file:///b.csv, row 3: cannot tell whether this line is revenue or expenditure"
        ),
        "{err}"
    );
    let parsed = parse("file:///b.csv#direction=revenue", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        ["approved revenue all 000 13-01 100.00 3"]
    );
}

#[test]
fn a_line_printed_twice_is_refused_with_both_rows() {
    let csv = format!(
        "{TITLE}{HEADER}1;1122;01-00;Заплати;100,00;90,00\n1;1122;01-00;Заплати;100,00;90,00\n"
    );
    let err = parse("file:///2024.csv", &csv).unwrap_err();
    assert!(!err.is_config());
    assert_eq!(
        err.to_string(),
        "file:///2024.csv, row 5 and file:///2024.csv, row 6 are the same budget line (2024 \
         adjusted expenditure fund all activity 122 paragraph 01-00 as of 2024-12-31); the report \
         lists it twice"
    );
}

#[test]
fn reports_of_one_year_made_up_to_different_dates_stay_apart() {
    let line = "1;1122;01-00;Заплати;100,00;40,00\n";
    let half = format!("ОТЧЕТ КЪМ 30.06.2024 г.\n(в лева)\n{HEADER}{line}");
    let year = format!("{TITLE}{HEADER}{line}");
    let mut lines = parse("file:///half.csv", &half).unwrap().lines;
    lines.extend(parse("file:///year.csv", &year).unwrap().lines);
    report::ensure_unique(&lines).expect("two dates, two keys");
    let dates: Vec<String> = lines.iter().map(|l| l.report_date.to_string()).collect();
    assert_eq!(
        dates,
        ["2024-06-30", "2024-06-30", "2024-12-31", "2024-12-31"]
    );

    // The same report listed twice is still one report too many.
    let mut twice = parse("file:///year.csv", &year).unwrap().lines;
    twice.extend(parse("file:///copy.csv", &year).unwrap().lines);
    let err = report::ensure_unique(&twice).unwrap_err();
    assert!(err.is_config(), "{err}");
    assert!(err.to_string().contains("as of 2024-12-31"), "{err}");
}

#[test]
fn an_undated_report_is_the_years_closing_report_unless_the_url_says_otherwise() {
    let csv = format!("ОТЧЕТ 2024 г.\n(в лева)\n{HEADER}1;1122;01-00;Заплати;100,00;40,00\n");
    let parsed = parse("file:///otchet.csv", &csv).unwrap();
    assert!(
        parsed
            .lines
            .iter()
            .all(|l| l.report_date.to_string() == "2024-12-31")
    );
    assert_eq!(
        parsed.warnings,
        [
            "file:///otchet.csv: the title gives no report date (към 30.06.2024); its amounts are \
             published as of 2024-12-31, the year's closing report: add #date= to the source URL \
             if the report covers part of the year"
        ]
    );
    let dated = parse("file:///otchet.csv#date=30.06.2024", &csv).unwrap();
    assert_eq!(dated.lines[0].report_date.to_string(), "2024-06-30");
    assert!(dated.warnings.is_empty(), "{:?}", dated.warnings);
}

#[test]
fn a_budget_as_adopted_stands_at_the_first_day_of_its_year() {
    let csv = "БЮДЖЕТ 2026 г.\n(в евро)\nФункция;Дейност;§§;Наименование;План\n\
               6;606;51-00;Основен ремонт;6 200 000,00\n\
               6;606;52-06;Изграждане на инфраструктурни обекти;3 000 000,00\n";
    let parsed = parse("file:///byudzhet.csv", csv).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let line = &parsed.lines[1];
    assert_eq!(line.report_date.to_string(), "2026-01-01");
    assert_eq!(line.paragraph_group().to_string(), "52-00");
    assert!(line.capital(), "52-06 is an acquisition of fixed assets");
}

#[test]
fn an_html_page_instead_of_a_report() {
    let err = parse(
        "file:///2024.csv",
        "<!DOCTYPE html><html><body>Страницата не е намерена",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "file:///2024.csv is an HTML page, not a CSV file or a spreadsheet"
    );
}

#[test]
fn fund_markers_and_merged_activity_cells() {
    let csv = "БЮДЖЕТ 2025 г.\nВид;Дейност;§;Наименование;Уточнен план\n\
               Д;322;01-00;Заплати;1 000,00\n\
               Д;;10-16;Вода;200,00\n\
               М;;10-16;Вода;50,00\n\
               Доф;;10-16;Вода;25,00\n";
    let parsed = parse("file:///b.csv", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "adjusted expenditure delegated 322 01-00 1000.00 3",
            "adjusted expenditure delegated 322 10-16 200.00 4",
            "adjusted expenditure local 322 10-16 50.00 5",
            "adjusted expenditure cofinancing 322 10-16 25.00 6",
        ]
    );
    let err = parse(
        "file:///b.csv",
        "БЮДЖЕТ 2025 г.\nВид;Дейност;§;Уточнен план\nZ;322;01-00;1,00\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("row 3, column „Вид“ (A): \"Z\" is not a fund"),
        "{err}"
    );
}

#[test]
fn a_paragraph_over_its_subparagraphs_is_a_checked_subtotal() {
    let csv = format!(
        "{TITLE}{HEADER}\
         1;1122;10-00;Издръжка;1 000,00;900,00\n\
         1;1122;10-16;Вода, горива и енергия;600,00;500,00\n\
         1;1122;10-20;Външни услуги;400,00;390,00\n"
    );
    let parsed = parse("file:///2024.csv", &csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "adjusted expenditure all 122 10-16 600.00 6",
            "executed expenditure all 122 10-16 500.00 6",
            "adjusted expenditure all 122 10-20 400.00 7",
            "executed expenditure all 122 10-20 390.00 7",
        ]
    );
    assert_eq!(
        parsed.warnings,
        [
            "file:///2024.csv, row 5: paragraph 10-00 (executed) says 900.00 but its subparagraphs \
          add up to 890.00 (difference 10.00); the subparagraphs are published"
        ]
    );
}

#[test]
fn totals_are_checked_within_their_fund_and_activity() {
    let csv = "ОТЧЕТ КЪМ 31.12.2025 г.\n(хил. лв.)\nКод;Показатели;Отчет\n\
               ;РАЗХОДИ;\n\
               ;ДЕЛЕГИРАНИ ОТ ДЪРЖАВАТА ДЕЙНОСТИ;\n\
               ;Дейност 322 Неспециализирани училища;\n\
               1016;Вода, горива и енергия;1,5\n\
               ;Всичко за дейност 322;1,5\n\
               ;МЕСТНИ ДЕЙНОСТИ;\n\
               ;Дейност 322 Неспециализирани училища;\n\
               1016;Вода, горива и енергия;0,25\n\
               ;Всичко за дейност 322;0,25\n\
               ;ВСИЧКО МЕСТНИ ДЕЙНОСТИ;0,3\n\
               ;ВСИЧКО РАЗХОДИ;1,75\n";
    let parsed = parse("file:///2025.csv", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "executed expenditure delegated 322 10-16 1500.00 7",
            "executed expenditure local 322 10-16 250.00 11",
        ]
    );
    assert_eq!(
        parsed.warnings,
        [
            "file:///2025.csv, row 13: „ВСИЧКО МЕСТНИ ДЕЙНОСТИ“ in column „Отчет“ (C) says 300.00 \
          but the lines it covers add up to 250.00 (difference 50.00)"
        ]
    );
    assert_eq!(
        parsed.lines[0].activity_name.as_deref(),
        Some("Неспециализирани училища")
    );
}

#[test]
fn an_overall_column_beside_fund_columns_is_checked_not_published() {
    let csv = "БЮДЖЕТ 2026 г.\n(в евро)\n§§;Наименование;Държавни дейности;Местни дейности;Общо\n\
               ;РАЗХОДИ;;;\n\
               ;Дейност 623 Чистота;;;\n\
               10-20;Външни услуги;x;1 000,00;1 000,00\n\
               10-30;Текущ ремонт;10,00;20,00;31,00\n";
    let parsed = parse("file:///2026.csv", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "approved expenditure local 623 10-20 1000.00 6",
            "approved expenditure delegated 623 10-30 10.00 7",
            "approved expenditure local 623 10-30 20.00 7",
        ]
    );
    assert_eq!(parsed.lines[0].currency.code(), "EUR");
    assert_eq!(
        parsed.warnings,
        [
            "file:///2026.csv, row 7: column „Общо“ (E) says 31.00 but the fund columns beside it \
          add up to 30.00 (difference 1.00); the fund columns are published"
        ]
    );
}

#[test]
fn fund_columns_without_a_phase_need_the_title_or_an_option() {
    let csv = "ОБЩИНА БУРГАС 2026 г.\n§§;Държавни дейности;Местни дейности\n10-16;1,00;2,00\n";
    let err = parse("file:///2026.csv", csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "file:///2026.csv, row 2: column „Държавни дейности“ (B) names no phase (план, уточнен \
         план, отчет) and the title rows do not say which either; add #phase=approved (or \
         adjusted, executed) to the source URL"
    );
    let parsed = parse("file:///2026.csv#phase=executed&direction=expenditure", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "executed expenditure delegated 000 10-16 1.00 3",
            "executed expenditure local 000 10-16 2.00 3"
        ]
    );
}

#[test]
fn a_header_repeated_on_a_new_page_is_skipped() {
    let csv = format!(
        "{TITLE}{HEADER}1;1122;01-00;Заплати;100,00;90,00\n{HEADER}3;3322;10-16;Вода;50,00;40,00\n"
    );
    let parsed = parse("file:///2024.csv", &csv).unwrap();
    assert_eq!(parsed.lines.len(), 4);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn a_currency_that_contradicts_the_year_is_kept_and_flagged() {
    let csv =
        format!("ОТЧЕТ КЪМ 31.03.2026 г.\n(в лева)\n{HEADER}1;1122;01-00;Заплати;195,58;100,00\n");
    let parsed = parse("file:///2026.csv", &csv).unwrap();
    assert_eq!(parsed.lines[0].currency.code(), "BGN");
    assert_eq!(parsed.lines[0].amount_eur.to_string(), "100.00");
    assert_eq!(
        parsed.warnings,
        [
            "file:///2026.csv: the title gives amounts in BGN although 2026 was counted in EUR; kept \
          in BGN"
        ]
    );
}

#[test]
fn an_activity_code_alone_in_the_code_column_heads_its_lines() {
    let csv = "ОТЧЕТ КЪМ 31.12.2025 г.\nКод;Показатели;Отчет\n\
               ;РАЗХОДИ;\n\
               122;Общинска администрация;2 000,00\n\
               01-00;Заплати;1 500,00\n\
               10-16;Вода, горива и енергия;500,00\n\
               311 Детски градини;;\n\
               10-16;Вода, горива и енергия;40,00\n";
    let parsed = parse("file:///2025.csv", csv).unwrap();
    assert_eq!(
        summaries(&parsed),
        [
            "executed expenditure all 122 01-00 1500.00 5",
            "executed expenditure all 122 10-16 500.00 6",
            "executed expenditure all 311 10-16 40.00 8",
        ]
    );
    assert!(
        parsed.warnings.is_empty(),
        "the heading's 2 000,00 is checked: {:?}",
        parsed.warnings
    );
    assert_eq!(
        parsed.lines[0].activity_name.as_deref(),
        Some("Общинска администрация")
    );
}
