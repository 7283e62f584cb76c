//! Amounts in лева and euro, and the 2026 changeover between them.
//!
//! Bulgaria adopted the euro on 2026-01-01 at a fixed 1.95583 лв. per euro.
//! Older budgets, contracts and projects stay in лева (that is what was
//! decided and paid) and a euro figure is derived from them for comparison;
//! newer records are in euro. The conversion follows the statutory rule:
//! divide by the full rate and round half-up to the cent. Rounding is done
//! once per amount, so convert totals rather than summing converted lines.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::number::{self, NumberError};

/// The two currencies Bulgarian public money is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// The Bulgarian lev (лв.), legal tender until 2025.
    Bgn,
    /// The euro (€), from 2026-01-01.
    Eur,
}

impl Currency {
    /// The ISO 4217 code: `"BGN"` or `"EUR"`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Bgn => "BGN",
            Currency::Eur => "EUR",
        }
    }

    /// Recognizes a currency code or marker as the sources write it: `BGN`,
    /// `EUR`, `лв`, `лв.`, `лева`, `лев`, `€`, `евро`; case-insensitive,
    /// surrounding whitespace ignored.
    pub fn from_code(s: &str) -> Option<Currency> {
        match s.trim().to_lowercase().as_str() {
            "bgn" | "лв" | "лв." | "лева" | "лев" => Some(Currency::Bgn),
            "eur" | "€" | "евро" => Some(Currency::Eur),
            _ => None,
        }
    }
}

/// The first year whose amounts are in euro.
const EURO_CHANGEOVER_YEAR: i32 = 2026;

/// The currency in force on a date in Bulgaria: BGN before 2026-01-01, EUR
/// from then on.
pub fn currency_on(date: NaiveDate) -> Currency {
    currency_for_year(date.year())
}

/// The currency of a budget or report year: BGN up to 2025, EUR from 2026.
pub fn currency_for_year(year: i32) -> Currency {
    if year < EURO_CHANGEOVER_YEAR {
        Currency::Bgn
    } else {
        Currency::Eur
    }
}

/// 1.95583 BGN per EUR, fixed.
pub const BGN_PER_EUR: Decimal = Decimal::from_parts(195_583, 0, 0, false, 5);

/// Converts lev to euro: divides by 1.95583 unshortened, rounds half-up
/// (`MidpointAwayFromZero`) to the cent. 100 → 51.13; 454090.00 → 232172.53;
/// 0.05 → 0.03 (convert totals, not lines).
pub fn bgn_to_eur(bgn: Decimal) -> Decimal {
    // Cannot overflow or divide by zero: the divisor is a non-zero constant
    // above 1, so the quotient is smaller in magnitude than `bgn`.
    to_cents(bgn / BGN_PER_EUR)
}

/// The euro value of an amount: EUR amounts rounded half-up to the cent,
/// BGN converted.
pub fn to_eur(amount: Decimal, currency: Currency) -> Decimal {
    match currency {
        Currency::Eur => to_cents(amount),
        Currency::Bgn => bgn_to_eur(amount),
    }
}

fn to_cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount with the currency its source named, if it named one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Option<Currency>,
}

/// Parses an amount with its currency marker if present:
/// `454 090, 00 лв.` → 454090.00 BGN, `1 850 000,00 €` → EUR, `12 500 евро`,
/// `1,5 хил. лв.` → 1500 BGN; `Ok(None)` for `x`/`-`/empty. Uses
/// [`number::parse_number`]'s rules.
pub fn parse_money(s: &str) -> Result<Option<Money>, NumberError> {
    Ok(number::parse_amount(s)?.map(|parsed| Money {
        amount: parsed.value,
        currency: parsed.currency,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        // Test literals are written by hand and always valid.
        Decimal::from_str(s).expect("valid test literal")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        // Test dates are written by hand and always valid.
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn rate_is_exactly_1_95583() {
        assert_eq!(BGN_PER_EUR, dec("1.95583"));
        assert_eq!(BGN_PER_EUR.to_string(), "1.95583");
    }

    #[test]
    fn statutory_conversion_examples() {
        assert_eq!(bgn_to_eur(dec("100")), dec("51.13"));
        assert_eq!(bgn_to_eur(dec("454090.00")), dec("232172.53"));
        assert_eq!(bgn_to_eur(dec("0.05")), dec("0.03"));
        assert_eq!(bgn_to_eur(dec("1.95583")), dec("1.00"));
        assert_eq!(bgn_to_eur(dec("-100")), dec("-51.13"));
        assert_eq!(bgn_to_eur(Decimal::ZERO), Decimal::ZERO);
    }

    #[test]
    fn totals_are_converted_not_summed_lines() {
        let line = dec("0.05");
        let total_bgn: Decimal = std::iter::repeat_n(line, 1000).sum();
        assert_eq!(total_bgn, dec("50"));
        assert_eq!(bgn_to_eur(total_bgn), dec("25.56"));
        let summed_lines: Decimal = std::iter::repeat_n(bgn_to_eur(line), 1000).sum();
        assert_eq!(summed_lines, dec("30.00"));
    }

    #[test]
    fn rounding_is_half_up_at_the_cent() {
        // 0.00977915 лв. is exactly 0.005 €, a midpoint, which rounds up.
        assert_eq!(bgn_to_eur(dec("0.00977915")), dec("0.01"));
        assert_eq!(bgn_to_eur(dec("-0.00977915")), dec("-0.01"));
        assert_eq!(to_eur(dec("2.345"), Currency::Eur), dec("2.35"));
        assert_eq!(to_eur(dec("-2.345"), Currency::Eur), dec("-2.35"));
        assert_eq!(to_eur(dec("2.344"), Currency::Eur), dec("2.34"));
        assert_eq!(to_eur(dec("100"), Currency::Bgn), dec("51.13"));
    }

    #[test]
    fn currency_follows_the_changeover_date() {
        assert_eq!(currency_on(date(2024, 3, 26)), Currency::Bgn);
        assert_eq!(currency_on(date(2025, 12, 31)), Currency::Bgn);
        assert_eq!(currency_on(date(2026, 1, 1)), Currency::Eur);
        assert_eq!(currency_for_year(2012), Currency::Bgn);
        assert_eq!(currency_for_year(2025), Currency::Bgn);
        assert_eq!(currency_for_year(2026), Currency::Eur);
    }

    #[test]
    fn currency_codes_and_markers() {
        assert_eq!(Currency::Bgn.code(), "BGN");
        assert_eq!(Currency::Eur.code(), "EUR");
        for marker in ["BGN", "bgn", " лв ", "лв.", "ЛВ.", "лева", "Лева", "лев"] {
            assert_eq!(
                Currency::from_code(marker),
                Some(Currency::Bgn),
                "{marker:?}"
            );
        }
        for marker in ["EUR", "eur", "€", " € ", "евро", "ЕВРО"] {
            assert_eq!(
                Currency::from_code(marker),
                Some(Currency::Eur),
                "{marker:?}"
            );
        }
        for marker in ["", "USD", "лвв", "euro cents"] {
            assert_eq!(Currency::from_code(marker), None, "{marker:?}");
        }
    }

    #[test]
    fn seed_budget_parses_and_converts() {
        let money = parse_money("454 090, 00 лв.").expect("seed amount parses");
        assert_eq!(
            money,
            Some(Money {
                amount: dec("454090.00"),
                currency: Some(Currency::Bgn)
            })
        );
        let eur = money.map(|m| to_eur(m.amount, Currency::Bgn));
        assert_eq!(eur, Some(dec("232172.53")));
    }

    #[test]
    fn parse_money_reads_the_currency_marker() {
        let parsed = |s: &str| {
            parse_money(s)
                .ok()
                .flatten()
                .map(|m| (m.amount, m.currency))
        };
        assert_eq!(
            parsed("1 850 000,00 €"),
            Some((dec("1850000.00"), Some(Currency::Eur)))
        );
        assert_eq!(
            parsed("12 500 евро"),
            Some((dec("12500"), Some(Currency::Eur)))
        );
        assert_eq!(
            parsed("EUR 12 500"),
            Some((dec("12500"), Some(Currency::Eur)))
        );
        assert_eq!(
            parsed("1,5 хил. лв."),
            Some((dec("1500"), Some(Currency::Bgn)))
        );
        assert_eq!(
            parsed("(1 200,50) лв."),
            Some((dec("-1200.50"), Some(Currency::Bgn)))
        );
        assert_eq!(parsed("69999,00"), Some((dec("69999.00"), None)));
    }

    #[test]
    fn parse_money_no_value_and_errors() {
        for s in ["x", "-", "", " ", "х лв."] {
            assert_eq!(parse_money(s), Ok(None), "{s:?}");
        }
        for s in ["лв.", "5 лв. €", "1e5 лв."] {
            assert!(parse_money(s).is_err(), "{s:?}");
        }
    }
}
