//! Normalization for the formats Bulgarian municipal sources actually use.
//!
//! Budgets, council decisions, procurement registers and EU project pages
//! print numbers with a decimal comma and assorted thousands separators, dates
//! with `г.` suffixes, Cyrillic month names or Roman months, amounts in лева
//! or (from 2026) euro, text in Windows-1251 or UTF-8, and company numbers
//! (ЕИК) with a checksum. Every plugin needs the same careful parsing, so it
//! lives here once: pure functions, no I/O, no clock, no threads, so that the
//! crate builds both natively and for `wasm32-wasip2`. Parsers never panic;
//! malformed input yields an error value or `None`. Error values carry the
//! offending input, cut at 200 characters so a hostile cell cannot bloat logs.

pub mod date;
pub mod eik;
pub mod encoding;
pub mod money;
pub mod number;
pub mod text;

pub use chrono::NaiveDate;
pub use rust_decimal::Decimal;

/// Longest input, in characters, copied into an error value.
///
/// Errors are logged and stored; a hostile multi-megabyte cell must not be
/// copied wholesale into every error built from it.
const ERROR_INPUT_MAX_CHARS: usize = 200;

/// The input as recorded in an error: verbatim when short, else its first
/// [`ERROR_INPUT_MAX_CHARS`] characters followed by `…`.
pub(crate) fn error_input(s: &str) -> String {
    match s.char_indices().nth(ERROR_INPUT_MAX_CHARS) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_input_keeps_short_inputs_verbatim() {
        assert_eq!(error_input("454 090, 00 лв."), "454 090, 00 лв.");
        assert_eq!(error_input(""), "");
    }

    #[test]
    fn error_input_truncates_long_inputs_on_a_char_boundary() {
        let long = "ж".repeat(ERROR_INPUT_MAX_CHARS + 50);
        let recorded = error_input(&long);
        assert_eq!(recorded.chars().count(), ERROR_INPUT_MAX_CHARS + 1);
        assert!(recorded.ends_with('…'));
    }
}

#[cfg(test)]
mod fuzz_tests {
    //! Feeds a few thousand deterministic pseudo-random strings to every
    //! parser: the only assertion is that nothing panics.

    use super::*;

    /// xorshift64*: deterministic, dependency-free and good enough to mix
    /// fragments; the point is coverage of odd combinations, not statistics.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            // Truncation is fine: only the low bits are used for picking.
            (self.next() % n as u64) as usize
        }
    }

    const FRAGMENTS: &[&str] = &[
        "0",
        "1",
        "2",
        "5",
        "9",
        "12",
        "31",
        "2016",
        "2026",
        "999",
        "000",
        "454",
        "090",
        ",",
        ".",
        ", ",
        " ",
        "\u{a0}",
        "\u{202f}",
        "\u{2009}",
        "\u{200b}",
        "\u{feff}",
        "\t",
        "\n",
        "\r\n",
        "-",
        "–",
        "—",
        "−",
        "+",
        "(",
        ")",
        "лв.",
        "лв",
        "лева",
        "€",
        "евро",
        "EUR",
        "BGN",
        "хил.",
        "хил. лв.",
        "млн.",
        "x",
        "X",
        "х",
        "Х",
        "e",
        "E",
        "г.",
        "год.",
        "година",
        "/",
        "Понеделник, ",
        "декември",
        "ДЕКЕМВРИ",
        "май",
        "яну",
        "септ.",
        "XII",
        "IV",
        "ХI",
        "Îáùèíà",
        "РћР±С‰",
        "Рѕ",
        "С‚",
        "„",
        "“",
        "”",
        "«",
        "»",
        "▶",
        "✓",
        "•",
        "*",
        "а)",
        "1)",
        "BG",
        "020469788",
        "1213961230342",
        "\u{0306}",
        "и",
        "🙂",
        "\u{0}",
        "\u{7f}",
        "\u{85}",
        "\u{2028}",
        "'",
        "%",
        "9999999999999999999999999999",
    ];

    fn random_string(rng: &mut Rng) -> String {
        let pieces = rng.below(12);
        (0..pieces)
            .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
            .collect()
    }

    fn random_bytes(rng: &mut Rng) -> Vec<u8> {
        let len = rng.below(24);
        // Truncation is the point: any byte value will do.
        (0..len).map(|_| rng.next() as u8).collect()
    }

    fn exercise_text(s: &str) {
        let _ = number::parse_number(s);
        let _ = number::parse_number_scaled(s, Decimal::MAX);
        let _ = number::parse_number_scaled(s, Decimal::from(1000));
        let _ = number::unit_multiplier(s);
        let _ = money::parse_money(s);
        let _ = money::Currency::from_code(s);
        let _ = date::parse_date(s);
        let _ = date::parse_month(s);
        let _ = date::month_from_name(s);
        let _ = date::month_from_roman(s);
        let _ = date::find_dates(s);
        let _ = date::find_months(s);
        let _ = encoding::looks_garbled(s);
        let _ = text::clean(s);
        let _ = text::clean_multiline(s);
        let _ = text::fold_quotes(s);
        let _ = text::fold_dashes(s);
        let _ = text::strip_list_marker(s);
        let _ = text::match_key(s);
        let _ = eik::parse_eik(s);
    }

    #[test]
    fn no_parser_panics_on_random_fragment_soup() {
        let mut rng = Rng(0x5EED_B0A7_1234_9876);
        for _ in 0..4000 {
            exercise_text(&random_string(&mut rng));
        }
    }

    #[test]
    fn no_decoder_panics_on_random_bytes() {
        let mut rng = Rng(0xDEC0_DE00_0000_0001);
        let labels = [
            None,
            Some("utf-8"),
            Some("cp1251"),
            Some("utf-16"),
            Some("bogus"),
        ];
        for _ in 0..4000 {
            let bytes = random_bytes(&mut rng);
            let _ = encoding::decode(&bytes);
            let _ = encoding::decode_with_label(&bytes, labels[rng.below(labels.len())]);
            if let Ok(text) = std::str::from_utf8(&bytes) {
                exercise_text(text);
            }
        }
    }

    #[test]
    fn no_parser_panics_on_very_long_inputs() {
        let long_inputs = [
            "1".repeat(50_000),
            "1 000".repeat(10_000),
            "05.2012г. - ".repeat(5_000),
            "Понеделник, 5 Декември 2016 ".repeat(2_000),
            "лв.".repeat(20_000),
            "(".repeat(20_000) + &")".repeat(20_000),
            "−".repeat(20_000),
            "РћР±С‰".repeat(10_000),
            "\u{0306}".repeat(20_000),
            "\n".repeat(20_000),
        ];
        for input in &long_inputs {
            exercise_text(input);
        }
    }

    #[test]
    fn money_conversion_survives_extreme_amounts() {
        for amount in [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::ZERO,
            Decimal::new(1, 28),
        ] {
            let _ = money::bgn_to_eur(amount);
            let _ = money::to_eur(amount, money::Currency::Eur);
            let _ = money::to_eur(amount, money::Currency::Bgn);
            let _ = money::to_cents(amount, Decimal::from(1000));
            let _ = money::to_cents(amount, amount);
            let _ = money::to_cents(amount, Decimal::new(1, 28));
        }
    }

    #[test]
    fn year_month_survives_hand_built_extremes() {
        for (year, month) in [(i32::MAX, 13), (i32::MIN, 0), (0, u32::MAX)] {
            let odd = date::YearMonth { year, month };
            let _ = odd.first_day();
            let _ = odd.to_string();
            let _ = odd.months_until(date::YearMonth {
                year: year.wrapping_neg(),
                month: 1,
            });
        }
    }
}
