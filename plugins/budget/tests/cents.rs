//! Every amount the plugin publishes has exactly two decimals, whatever the
//! scale the report prints: `хил. лв.` with three decimals becomes whole
//! leva with cents, and an amount with digits below the cent is rounded
//! half-up with a warning naming the file, the row and the column.

use vitrina_plugin_budget::line_values;
use vitrina_plugin_budget::report::{self, Parsed};
use vitrina_plugin_budget::source;
use vitrina_sdk::Value;

fn parse(url: &str, csv: &str) -> Parsed {
    let source = source::parse(url)
        .expect("a valid source")
        .pop()
        .expect("one source");
    report::parse(&source, csv.as_bytes()).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// `amount` and `amount_eur` of every line, as the row carries them.
fn money(parsed: &Parsed) -> Vec<(String, String)> {
    let text = |value: &Value| match value {
        Value::Decimal(d) => d.to_string(),
        other => panic!("not a decimal: {other:?}"),
    };
    parsed
        .lines
        .iter()
        .map(|line| {
            let values = line_values(line);
            let field = |name: &str| {
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| text(v))
                    .expect("field")
            };
            (field("amount"), field("amount_eur"))
        })
        .collect()
}

const HEADER: &str = "Функция;Дейност;§§;Наименование;Уточнен план;Отчет\n";

#[test]
fn thousands_with_three_decimals_become_leva_with_two() {
    let csv = format!(
        "ОТЧЕТ КЪМ 31.12.2024 г.;;;;;\n(хил. лв.);;;;;\n{HEADER}\
         1;1122;01-00;Заплати;3 000,125;2 999,9\n\
         1;1122;10-16;Вода, горива и енергия;0;0,001\n"
    );
    let parsed = parse("file:///2024.csv", &csv);
    assert_eq!(
        money(&parsed),
        [
            ("3000125.00".into(), "1533939.56".into()),
            ("2999900.00".into(), "1533824.51".into()),
            ("0.00".into(), "0.00".into()),
            ("1.00".into(), "0.51".into()),
        ]
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn digits_below_the_cent_are_rounded_half_up_with_a_warning() {
    let csv = format!(
        "ОТЧЕТ КЪМ 31.12.2024 г.;;;;;\n(в лева);;;;;\n{HEADER}\
         1;1122;01-00;Заплати;1 234,565;1 234,5649\n\
         1;1122;10-16;Вода, горива и енергия;12,5;(0,005)\n"
    );
    let parsed = parse("file:///2024.csv", &csv);
    assert_eq!(
        money(&parsed),
        [
            ("1234.57".into(), "631.23".into()),
            ("1234.56".into(), "631.22".into()),
            ("12.50".into(), "6.39".into()),
            ("-0.01".into(), "-0.01".into()),
        ]
    );
    assert_eq!(
        parsed.warnings,
        [
            "file:///2024.csv, row 4, column „Уточнен план“ (E): „1 234,565“ has digits below \
             the cent; published as 1234.57, rounded half-up",
            "file:///2024.csv, row 4, column „Отчет“ (F): „1 234,5649“ has digits below the \
             cent; published as 1234.56, rounded half-up",
            "file:///2024.csv, row 5, column „Отчет“ (F): „(0,005)“ has digits below the cent; \
             published as -0.01, rounded half-up",
        ]
    );
}

#[test]
fn the_warning_names_the_unit_a_rounded_amount_was_multiplied_by() {
    let csv = format!(
        "ОТЧЕТ КЪМ 31.12.2024 г.;;;;;\n(хил. лв.);;;;;\n{HEADER}\
         1;1122;01-00;Заплати;1,2345678;1,5\n"
    );
    let parsed = parse("file:///2024.csv", &csv);
    assert_eq!(
        money(&parsed),
        [
            ("1234.57".into(), "631.23".into()),
            ("1500.00".into(), "766.94".into()),
        ]
    );
    assert_eq!(
        parsed.warnings,
        [
            "file:///2024.csv, row 4, column „Уточнен план“ (E): „1,2345678“ × 1000 has digits \
          below the cent; published as 1234.57, rounded half-up"
        ]
    );
}

#[test]
fn totals_are_checked_on_the_amounts_as_published() {
    // Two lines of 0,0005 хил. лв. are 0.50 each; their total 0,001 is 1.00.
    let csv = "ОТЧЕТ КЪМ 31.12.2025 г.\n(хил. лв.)\nКод;Показатели;Отчет\n\
               ;РАЗХОДИ;\n\
               ;Дейност 322 Неспециализирани училища;\n\
               1016;Вода, горива и енергия;0,0005\n\
               1020;Външни услуги;0,0005\n\
               ;Всичко за дейност 322;0,001\n";
    let parsed = parse("file:///2025.csv", csv);
    assert_eq!(
        money(&parsed),
        [
            ("0.50".into(), "0.26".into()),
            ("0.50".into(), "0.26".into()),
        ]
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}
