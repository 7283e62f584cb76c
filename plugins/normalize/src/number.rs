//! Numbers as Bulgarian budgets, registers and project pages print them.
//!
//! The decimal mark is a comma; thousands are grouped by a space, a
//! non-breaking or narrow space, or a dot; editors leave stray spaces around
//! the comma (`454 090, 00 лв.`); cells carry currency words and `хил.` units;
//! `x` or a dash marks "not applicable"; accountants write negatives in
//! parentheses. Everything is parsed into exact [`Decimal`]s, never floats,
//! because the amounts are money and must add up to the published totals.
//!
//! Ambiguity is resolved towards errors: `1,2,3`, `--5` or `1e5` are not
//! guessed at, so that a misread column surfaces instead of silently turning
//! into wrong figures.

use rust_decimal::Decimal;

use crate::money::Currency;
use crate::text::is_invisible;

/// Why a string is not a number. `input` is the text as given; inputs over
/// 200 characters are cut there and end in `…`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a number: {input:?} ({reason})")]
pub struct NumberError {
    pub input: String,
    pub reason: String,
}

/// Parses a Bulgarian-formatted number: decimal comma; thousands separated
/// by space, U+00A0, U+202F, U+2009 or dot (`1.250.000,00`); stray spaces
/// (`454 090, 00`); currency suffixes/prefixes stripped (`лв.`, `лв`, `лева`,
/// `€`, `евро`, `EUR`, `BGN`); a `хил. лв.`/`хил.лв.`/`хил.` unit multiplies
/// by 1000 (`млн.` by 1 000 000); `x`, `X`, `х`, `Х`, `-`, `–`, `—` and
/// empty/whitespace mean "no value" → `Ok(None)`; parentheses mean negative
/// `(1 200,50)`; minus as `-`, `–` (U+2013) or `−` (U+2212). Also accepts
/// plain `1234.56` (dot decimal when there is exactly one dot followed by
/// other than exactly 3 digits) and integers.
///
/// A single dot followed by exactly three digits is a thousands separator
/// (`1.250` = 1250), except after a leading zero (`0.250` = 0.25), since no
/// one writes a thousands group that way.
pub fn parse_number(s: &str) -> Result<Option<Decimal>, NumberError> {
    Ok(parse_amount(s)?.map(|amount| amount.value))
}

/// Same, but with the multiplier given by the caller (e.g. a table's
/// `(хил. лв.)` header): result = parsed × multiplier.
pub fn parse_number_scaled(s: &str, multiplier: Decimal) -> Result<Option<Decimal>, NumberError> {
    let Some(value) = parse_number(s)? else {
        return Ok(None);
    };
    value
        .checked_mul(multiplier)
        .map(Some)
        .ok_or_else(|| error(s, "too large after scaling"))
}

/// Detects a unit note like `(в лева)` → 1, `(хил. лв.)`/`в хиляди лева` →
/// 1000, `(млн. лв.)` → 1 000 000; `None` when the text names no unit.
///
/// Words are matched whole, so `хил` inside an unrelated word does not count;
/// `млрд.` (10⁹) is recognized as well.
pub fn unit_multiplier(s: &str) -> Option<Decimal> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has_any = |names: &[&str]| words.iter().any(|w| names.contains(w));
    if has_any(&["млрд", "милиард", "милиарда", "милиарди"]) {
        Some(Decimal::from(1_000_000_000))
    } else if has_any(&["млн", "милион", "милиона", "милиони"]) {
        Some(Decimal::from(1_000_000))
    } else if has_any(&["хил", "хиляда", "хиляди"]) {
        Some(Decimal::from(1000))
    } else if has_any(&["лв", "лев", "лева", "евро", "bgn", "eur", "euro"]) || lower.contains('€')
    {
        Some(Decimal::ONE)
    } else {
        None
    }
}

/// A parsed amount with the currency marker it carried, for `money`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount {
    pub value: Decimal,
    pub currency: Option<Currency>,
}

/// The full parser behind [`parse_number`] and `money::parse_money`.
pub(crate) fn parse_amount(s: &str) -> Result<Option<Amount>, NumberError> {
    let visible: String = s.chars().filter(|&c| !is_invisible(c)).collect();
    let lower = visible.to_lowercase();
    let mut affixes = Affixes::default();
    let rest = affixes
        .strip(lower.trim())
        .map_err(|reason| error(s, reason))?;
    if is_no_value(rest) && !(rest.is_empty() && affixes.any()) {
        return Ok(None);
    }
    let (negative, digits) = strip_signs(rest, &mut affixes).map_err(|reason| error(s, reason))?;
    let magnitude = parse_digits(digits).map_err(|reason| error(s, &reason))?;
    let scaled = match affixes.unit {
        // Multiplying even by one can drop the scale of a zero (`0,00`).
        None => magnitude,
        Some(factor) => magnitude
            .checked_mul(factor)
            .ok_or_else(|| error(s, "too large"))?,
    };
    // `-0` would print with its sign; a zero is a zero.
    let value = if negative && !scaled.is_zero() {
        -scaled
    } else {
        scaled
    };
    Ok(Some(Amount {
        value,
        currency: affixes.currency,
    }))
}

/// Removes at most one sign (a minus, a plus or enclosing parentheses) and
/// any currency or unit words inside it; returns whether it was negative.
fn strip_signs<'a>(s: &'a str, affixes: &mut Affixes) -> Result<(bool, &'a str), &'static str> {
    let Some(sign) = strip_sign(s) else {
        return Ok((false, s));
    };
    let rest = affixes.strip(sign.rest.trim())?;
    if strip_sign(rest).is_some() {
        return Err("more than one sign");
    }
    Ok((sign.negative, rest))
}

fn error(input: &str, reason: &str) -> NumberError {
    NumberError {
        input: crate::error_input(input),
        reason: reason.to_owned(),
    }
}

fn is_no_value(s: &str) -> bool {
    matches!(s, "" | "x" | "х" | "-" | "–" | "—")
}

/// Currency and unit words found around the digits.
#[derive(Debug, Default)]
struct Affixes {
    currency: Option<Currency>,
    /// The factor of a `хил.`/`млн.` unit, when there was one.
    unit: Option<Decimal>,
}

/// Affix spellings, lowercase, longest first within each kind so that `лв.`
/// is taken whole rather than leaving a stray dot.
const CURRENCY_AFFIXES: &[(&str, Currency)] = &[
    ("лева", Currency::Bgn),
    ("лев", Currency::Bgn),
    ("лв.", Currency::Bgn),
    ("лв", Currency::Bgn),
    ("bgn", Currency::Bgn),
    ("евро", Currency::Eur),
    ("eur", Currency::Eur),
    ("€", Currency::Eur),
];
const UNIT_AFFIXES: &[(&str, i64)] = &[
    ("хиляди", 1000),
    ("хил.", 1000),
    ("хил", 1000),
    ("млн.", 1_000_000),
    ("млн", 1_000_000),
];

enum Affix {
    Currency(Currency),
    Unit(i64),
}

impl Affixes {
    fn any(&self) -> bool {
        self.currency.is_some() || self.unit.is_some()
    }

    /// Strips currency and unit words from both ends until none is left.
    /// Each one may appear once: `лв. лв.` or `€ … лв.` is a garbled cell.
    fn strip<'a>(&mut self, mut s: &'a str) -> Result<&'a str, &'static str> {
        while let Some((affix, rest)) = take_affix(s) {
            match affix {
                Affix::Currency(_) if self.currency.is_some() => {
                    return Err("more than one currency marker");
                }
                Affix::Currency(currency) => self.currency = Some(currency),
                Affix::Unit(_) if self.unit.is_some() => return Err("more than one unit"),
                Affix::Unit(factor) => self.unit = Some(Decimal::from(factor)),
            }
            s = rest.trim();
        }
        Ok(s)
    }
}

fn take_affix(s: &str) -> Option<(Affix, &str)> {
    let currencies = CURRENCY_AFFIXES
        .iter()
        .map(|&(word, currency)| (word, Affix::Currency(currency)));
    let units = UNIT_AFFIXES
        .iter()
        .map(|&(word, factor)| (word, Affix::Unit(factor)));
    for (word, affix) in currencies.chain(units) {
        if let Some(rest) = s.strip_suffix(word).or_else(|| s.strip_prefix(word)) {
            return Some((affix, rest));
        }
    }
    None
}

struct Sign<'a> {
    negative: bool,
    rest: &'a str,
}

/// Removes one leading sign: `-`, `–`, `−`, `+`, or enclosing parentheses.
fn strip_sign(s: &str) -> Option<Sign<'_>> {
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return Some(Sign {
            negative: true,
            rest: inner,
        });
    }
    let mut chars = s.chars();
    let negative = match chars.next()? {
        '-' | '–' | '−' => true,
        '+' => false,
        _ => return None,
    };
    Some(Sign {
        negative,
        rest: chars.as_str(),
    })
}

/// Digits a `Decimal` always represents exactly (its 96-bit mantissa holds
/// 28 digits, only some 29-digit values); longer inputs are rejected before
/// conversion rather than rounded.
const MAX_DIGITS: usize = 28;

/// Parses the unsigned digits-and-separators core of a number.
fn parse_digits(body: &str) -> Result<Decimal, String> {
    if let Some(bad) = body
        .chars()
        .find(|&c| !(c.is_ascii_digit() || c == ',' || c == '.' || c.is_whitespace()))
    {
        return Err(format!("unexpected character {bad:?}"));
    }
    if !body.chars().any(|c| c.is_ascii_digit()) {
        return Err("no digits".to_owned());
    }
    let (int_part, fraction) = split_decimal_mark(body)?;
    let integer = group_digits(int_part)?;
    if integer.len() + fraction.len() > MAX_DIGITS {
        return Err("too many digits".to_owned());
    }
    let integer = if integer.is_empty() { "0" } else { &integer };
    let literal = if fraction.is_empty() {
        integer.to_owned()
    } else {
        format!("{integer}.{fraction}")
    };
    Decimal::from_str_exact(&literal).map_err(|_| "too many digits".to_owned())
}

/// Splits into the integer part (still with group separators) and the
/// fraction digits.
///
/// Stray spaces are tolerated around the decimal comma, which is how the
/// sources type it, but not around a decimal dot, where `1. 250` could as
/// well be a badly spaced thousands group.
fn split_decimal_mark(body: &str) -> Result<(&str, &str), String> {
    let commas = body.matches(',').count();
    let dots = body.matches('.').count();
    let split = match (commas, dots) {
        (0, 1) if !dot_is_thousands_separator(body) => body.split_once('.'),
        (0, _) => None,
        (1, _) => body.split_once(','),
        _ => return Err("more than one decimal comma".to_owned()),
    };
    let Some((int_part, fraction)) = split else {
        return Ok((body, ""));
    };
    if commas == 0
        && (int_part.ends_with(char::is_whitespace) || fraction.starts_with(char::is_whitespace))
    {
        return Err("space next to the decimal dot".to_owned());
    }
    let fraction = fraction.trim();
    if fraction.is_empty() {
        return Err("no digits after the decimal mark".to_owned());
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err("separator inside the decimal part".to_owned());
    }
    Ok((int_part.trim(), fraction))
}

/// With a single dot and no comma: `1.250` groups thousands, `12.5`,
/// `1234.567` and `0.250` have a decimal dot.
fn dot_is_thousands_separator(body: &str) -> bool {
    let Some((before, after)) = body.split_once('.') else {
        return false;
    };
    let three_digits_after = after.len() == 3 && after.chars().all(|c| c.is_ascii_digit());
    three_digits_after && !before.starts_with('0') && group_digits(body).is_ok()
}

/// Joins an integer part's digit groups, checking that every group after
/// the first has exactly three digits and that groups are separated by
/// whitespace or by a single dot: `454 090` and `1.250.000` pass, `12 50`,
/// `1..250` and `1. 250` do not. Leading zeros are dropped.
fn group_digits(int_part: &str) -> Result<String, String> {
    let mut groups: Vec<&str> = Vec::new();
    let mut rest = int_part;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (group, after) = rest.split_at(digits_end);
        if group.is_empty() {
            return Err("separator without digits before it".to_owned());
        }
        groups.push(group);
        let separator_end = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (separator, next) = after.split_at(separator_end);
        let is_single_dot = separator == ".";
        if !(separator.is_empty() || is_single_dot || separator.chars().all(char::is_whitespace)) {
            return Err("mixed or doubled thousands separators".to_owned());
        }
        if !separator.is_empty() && next.is_empty() {
            return Err("separator without digits after it".to_owned());
        }
        rest = next;
    }
    let well_grouped = match groups.split_first() {
        Some((first, later)) if !later.is_empty() => {
            first.len() <= 3 && later.iter().all(|g| g.len() == 3)
        }
        _ => true,
    };
    if !well_grouped {
        return Err("digit groups are not thousands".to_owned());
    }
    Ok(groups.concat().trim_start_matches('0').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        // Test literals are written by hand and always valid.
        Decimal::from_str(s).expect("valid test literal")
    }

    fn num(s: &str) -> Option<Decimal> {
        match parse_number(s) {
            Ok(value) => value,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn assert_number(s: &str, expected: &str) {
        assert_eq!(num(s), Some(dec(expected)), "{s:?}");
    }

    fn assert_error(s: &str) {
        assert!(
            parse_number(s).is_err(),
            "{s:?} should fail, got {:?}",
            parse_number(s)
        );
    }

    #[test]
    fn seed_budget_with_stray_spaces() {
        assert_number("454 090, 00 лв.", "454090.00");
        assert_eq!(num("454 090, 00 лв.").map(|d| d.scale()), Some(2));
    }

    #[test]
    fn decimal_comma_and_every_thousands_separator() {
        assert_number("69999,00", "69999.00");
        assert_number("1 250 000,00", "1250000.00");
        assert_number("1\u{a0}250\u{a0}000,00", "1250000.00");
        assert_number("1\u{202f}250\u{202f}000,50", "1250000.50");
        assert_number("1\u{2009}250,5", "1250.5");
        assert_number("1.250.000,00", "1250000.00");
        assert_number("  12 500  ", "12500");
        assert_number("1 200 ,50", "1200.50");
    }

    #[test]
    fn dot_decimals_and_dot_thousands() {
        assert_number("1234.56", "1234.56");
        assert_number("12.5", "12.5");
        assert_number("1.250", "1250");
        assert_number("1.250.000", "1250000");
        assert_number("1234.567", "1234.567");
        assert_number("0.250", "0.250");
        assert_number("00.250", "0.250");
        assert_number(".5", "0.5");
        assert_number(",5", "0.5");
        assert_number("0,05", "0.05");
        assert_number("42", "42");
        assert_number("007", "7");
    }

    #[test]
    fn currency_words_are_stripped_on_either_side() {
        for (s, expected) in [
            ("12 500 лв.", "12500"),
            ("12 500 лв", "12500"),
            ("12 500лв.", "12500"),
            ("12 500 лева", "12500"),
            ("12 500 ЛЕВА", "12500"),
            ("1 850 000,00 €", "1850000.00"),
            ("€1 850 000,00", "1850000.00"),
            ("12 500 евро", "12500"),
            ("EUR 12 500", "12500"),
            ("12 500 BGN", "12500"),
            ("12\u{a0}500\u{a0}лв.", "12500"),
        ] {
            assert_number(s, expected);
        }
    }

    #[test]
    fn thousand_units_multiply() {
        assert_number("1,5 хил. лв.", "1500");
        assert_number("1,5 хил.лв.", "1500");
        assert_number("1,5 хил.", "1500");
        assert_number("2 млн. лв.", "2000000");
        assert_number("(1,5) хил. лв.", "-1500");
    }

    #[test]
    fn no_value_markers() {
        for s in [
            "x",
            "X",
            "х",
            "Х",
            "-",
            "–",
            "—",
            "",
            "   ",
            "\u{a0}",
            " x ",
            "- лв.",
            "х хил. лв.",
        ] {
            assert_eq!(parse_number(s), Ok(None), "{s:?}");
        }
    }

    #[test]
    fn negatives() {
        assert_number("(1 200,50)", "-1200.50");
        assert_number("-1 200,50", "-1200.50");
        assert_number("–1 200,50", "-1200.50");
        assert_number("−1 200,50", "-1200.50");
        assert_number("- 5", "-5");
        assert_number("-5 лв.", "-5");
        assert_number("(1 200,50 лв.)", "-1200.50");
        assert_number("(1 200,50) лв.", "-1200.50");
        assert_number("€ -5", "-5");
        assert_number("+5", "5");
        assert_eq!(num("-0").map(|d| d.is_sign_negative()), Some(false));
    }

    #[test]
    fn hostile_and_ambiguous_inputs_are_errors() {
        for s in [
            "1,2,3",
            "--5",
            "-(5)",
            "(-5)",
            "+-5",
            "1e5",
            "1E5",
            ",",
            ".",
            " , ",
            "..",
            "лв.",
            "хил. лв.",
            "5,",
            "1 2",
            "12 50",
            "1..250",
            "1. 250",
            "1,250.00",
            "1.2.3",
            "12.5.0",
            "1 234 5678",
            "5 лв. лв.",
            "€5 лв.",
            "5 хил. хил.",
            "(5",
            "5)",
            "()",
            "5%",
            "0x10",
            "١٢٣",
            "１２３",
            "NaN",
            "inf",
            "5-",
            "x5",
            "1_000",
            "5 5,5 5",
        ] {
            assert_error(s);
        }
    }

    #[test]
    fn very_long_inputs_are_errors_not_panics() {
        assert_error(&"1".repeat(100_000));
        assert_error(&"9".repeat(29));
        assert_error(&format!("0,{}", "1".repeat(40)));
        assert_error(&"1 000".repeat(20_000));
        assert_error(&"лв.".repeat(50_000));
        assert_error(&"(".repeat(50_000));
        assert_error(&"-".repeat(50_000));
        assert_error(&format!("{}5", "- ".repeat(10_000)));
    }

    #[test]
    fn overflow_from_units_is_an_error() {
        assert_error("80 000 000 000 000 000 000 000 000 хил.");
    }

    #[test]
    fn zero_keeps_its_written_scale() {
        assert_eq!(num("0,00").map(|d| d.scale()), Some(2));
        assert_eq!(num("-0,00").map(|d| d.is_sign_negative()), Some(false));
    }

    #[test]
    fn zero_width_characters_are_ignored() {
        assert_number("\u{feff}1\u{200b}250,00", "1250.00");
    }

    #[test]
    fn error_message_names_input_and_reason() {
        let err = parse_number("1e5").unwrap_err();
        assert_eq!(err.input, "1e5");
        assert_eq!(
            err.to_string(),
            "not a number: \"1e5\" (unexpected character 'e')"
        );
    }

    #[test]
    fn scaled_parsing_multiplies() {
        let thousand = Decimal::from(1000);
        assert_eq!(
            parse_number_scaled("1 234,5", thousand),
            Ok(Some(dec("1234500.0")))
        );
        assert_eq!(parse_number_scaled("x", thousand), Ok(None));
        assert_eq!(parse_number_scaled("(2)", thousand), Ok(Some(dec("-2000"))));
        assert!(parse_number_scaled("1e5", thousand).is_err());
        assert!(parse_number_scaled("2", Decimal::MAX).is_err());
    }

    #[test]
    fn unit_notes() {
        assert_eq!(unit_multiplier("(в лева)"), Some(Decimal::ONE));
        assert_eq!(unit_multiplier("Сума (лв.)"), Some(Decimal::ONE));
        assert_eq!(unit_multiplier("в евро"), Some(Decimal::ONE));
        assert_eq!(unit_multiplier("(хил. лв.)"), Some(Decimal::from(1000)));
        assert_eq!(unit_multiplier("(хил.лв.)"), Some(Decimal::from(1000)));
        assert_eq!(unit_multiplier("в хиляди лева"), Some(Decimal::from(1000)));
        assert_eq!(
            unit_multiplier("(млн. лв.)"),
            Some(Decimal::from(1_000_000))
        );
        assert_eq!(unit_multiplier("ОТЧЕТ ЗА КАСОВОТО ИЗПЪЛНЕНИЕ"), None);
        assert_eq!(unit_multiplier("Михил Петров"), None);
        assert_eq!(unit_multiplier(""), None);
    }
}
