//! Amounts in лева and euro, and the 2026 changeover between them.
//!
//! Bulgaria adopted the euro on 2026-01-01 at a fixed 1.95583 лв. per euro.
//! Older budgets, contracts and projects stay in лева (that is what was
//! decided and paid) and a euro figure is derived from them for comparison;
//! newer records are in euro. The conversion follows the statutory rule:
//! divide by the full rate and round half-up to the cent. Rounding is done
//! once per amount, so convert totals rather than summing converted lines.
//!
//! Every money value a plugin publishes has exactly two decimals, whatever
//! the scale of its source: [`to_cents`] multiplies an amount out of its
//! unit (`хил. лв.`) and brings it to the cent, and says when digits below
//! the cent had to be rounded away so the plugin can warn, naming where the
//! amount was read. The euro conversions give two decimals too.

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
/// (`MidpointAwayFromZero`) to the cent, and writes two decimals. 100 →
/// 51.13; 454090.00 → 232172.53; 0.05 → 0.03 (convert totals, not lines);
/// 0 → 0.00.
///
/// Every amount [`to_cents`] can give converts with exactly two decimals;
/// only beyond that (above 7.9 × 10²⁶, where a `Decimal` has no room for
/// cents) does the result carry fewer.
pub fn bgn_to_eur(bgn: Decimal) -> Decimal {
    // Cannot overflow or divide by zero: the divisor is a non-zero constant
    // above 1, so the quotient is smaller in magnitude than `bgn`.
    round_to_cent(bgn / BGN_PER_EUR)
}

/// The euro value of an amount, with two decimals: EUR amounts rounded
/// half-up to the cent, BGN converted by [`bgn_to_eur`].
pub fn to_eur(amount: Decimal, currency: Currency) -> Decimal {
    match currency {
        Currency::Eur => round_to_cent(amount),
        Currency::Bgn => bgn_to_eur(amount),
    }
}

/// Half-up to the cent, written with two decimals (`0` → `0.00`, never
/// `-0.00`).
fn round_to_cent(amount: Decimal) -> Decimal {
    let mut cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    cents.rescale(2);
    if cents.is_zero() {
        cents.set_sign_positive(true);
    }
    cents
}

/// An amount in its currency's units, with exactly two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cents {
    pub amount: Decimal,
    /// Digits below the cent that were not zero were rounded away
    /// (half-up): the caller warns, naming where the amount was read.
    pub rounded: bool,
}

/// Why an amount cannot be brought to cents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// A unit factor must be positive: 1 for лева or euro, 1000 for
    /// `хил. лв.`.
    #[error("the unit factor {factor} is not positive")]
    Factor { factor: Decimal },
    #[error("{amount} × {factor} is too large to count in cents")]
    TooLarge { amount: Decimal, factor: Decimal },
}

/// The rule every money value follows: `amount` as printed, in units of
/// `factor` (1 for лева or euro, 1000 for `хил. лв.`, 1 000 000 for
/// `млн. лв.`), multiplied out into the currency's units and written with
/// exactly two decimals. `3 000,125` хил. лв. → `3000125.00`; `1,2345` лв.
/// → `1.23`, rounded. Non-zero digits below the cent are rounded half-up
/// (away from zero: `0,005` → `0.01`, `-0,005` → `-0.01`) and reported in
/// [`Cents::rounded`].
///
/// The product is computed exactly, so the rounding flag is never fooled by
/// `Decimal`'s own rounding of long products.
pub fn to_cents(amount: Decimal, factor: Decimal) -> Result<Cents, MoneyError> {
    if factor <= Decimal::ZERO {
        return Err(MoneyError::Factor { factor });
    }
    let too_large = || MoneyError::TooLarge { amount, factor };
    let product = amount
        .mantissa()
        .checked_mul(factor.mantissa())
        .ok_or_else(too_large)?;
    let (cents, rounded) = round_mantissa_to_cents(product, amount.scale() + factor.scale());
    let amount = cents
        .and_then(|c| Decimal::try_from_i128_with_scale(c, 2).ok())
        .ok_or_else(too_large)?;
    Ok(Cents { amount, rounded })
}

/// `mantissa × 10^-scale` as a whole number of cents, rounded half away
/// from zero, and whether the digits dropped were not all zero. `None` when
/// the cents do not fit an `i128`.
fn round_mantissa_to_cents(mantissa: i128, scale: u32) -> (Option<i128>, bool) {
    if scale <= 2 {
        let cents = 10i128
            .checked_pow(2 - scale)
            .and_then(|p| mantissa.checked_mul(p));
        return (cents, false);
    }
    let Some(divisor) = 10i128.checked_pow(scale - 2) else {
        // More than 38 digits below the cent: every i128 is under half a
        // cent there, so it rounds to zero.
        return (Some(0), mantissa != 0);
    };
    let (whole, rest) = (mantissa / divisor, mantissa % divisor);
    // |rest| ≥ divisor / 2, written so that it cannot overflow.
    let half_or_more = rest.abs() >= divisor - rest.abs();
    let cents = if half_or_more {
        whole + mantissa.signum()
    } else {
        whole
    };
    (Some(cents), rest != 0)
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

    /// The rule applied to a printed amount, as the text a row carries.
    fn cents(printed: &str, factor: i64) -> (String, bool) {
        let amount = number::parse_number(printed)
            .expect("test amount parses")
            .expect("test amount is a number");
        let cents = to_cents(amount, Decimal::from(factor)).expect("fits in cents");
        (cents.amount.to_string(), cents.rounded)
    }

    #[test]
    fn thousands_with_three_decimals_become_whole_leva_with_two() {
        assert_eq!(cents("3 000,125", 1000), ("3000125.00".into(), false));
        assert_eq!(cents("1 234,5", 1000), ("1234500.00".into(), false));
        assert_eq!(cents("0,001", 1000), ("1.00".into(), false));
        assert_eq!(cents("2", 1_000_000), ("2000000.00".into(), false));
    }

    #[test]
    fn two_decimals_whatever_the_printed_scale() {
        assert_eq!(cents("69999", 1), ("69999.00".into(), false));
        assert_eq!(cents("12,5", 1), ("12.50".into(), false));
        assert_eq!(cents("454 090, 00", 1), ("454090.00".into(), false));
        // Trailing zeros below the cent are not a rounding.
        assert_eq!(cents("1,2300", 1), ("1.23".into(), false));
        assert_eq!(cents("3 000,12500", 1000), ("3000125.00".into(), false));
    }

    #[test]
    fn zero_is_written_with_cents_and_no_sign() {
        assert_eq!(cents("0", 1), ("0.00".into(), false));
        assert_eq!(cents("0,000", 1000), ("0.00".into(), false));
        assert_eq!(cents("-0,001", 1), ("0.00".into(), true));
        let zero = to_cents(Decimal::ZERO, Decimal::ONE).expect("zero fits");
        assert!(!zero.amount.is_sign_negative());
    }

    #[test]
    fn digits_below_the_cent_round_half_up_and_say_so() {
        assert_eq!(cents("1,2345", 1), ("1.23".into(), true));
        assert_eq!(cents("1,235", 1), ("1.24".into(), true));
        assert_eq!(cents("0,005", 1), ("0.01".into(), true));
        assert_eq!(cents("0,0049999", 1), ("0.00".into(), true));
        assert_eq!(cents("0,0005", 1), ("0.00".into(), true));
        assert_eq!(cents("0,0005", 1000), ("0.50".into(), false));
        assert_eq!(cents("0,000005", 1000), ("0.01".into(), true));
        assert_eq!(cents("1,2345678", 1000), ("1234.57".into(), true));
    }

    #[test]
    fn negatives_round_away_from_zero_like_positives() {
        assert_eq!(cents("(1 200,50)", 1), ("-1200.50".into(), false));
        assert_eq!(cents("-3 000,125", 1000), ("-3000125.00".into(), false));
        assert_eq!(cents("-0,005", 1), ("-0.01".into(), true));
        assert_eq!(cents("-1,2345", 1), ("-1.23".into(), true));
        assert_eq!(cents("-1,2355", 1), ("-1.24".into(), true));
    }

    #[test]
    fn the_product_is_exact_however_long() {
        // The exact product is 0.00499999999999999999999999996, just under
        // half a cent. Decimal's own product keeps 28 decimals, rounds it up
        // to 0.005 and then to a whole cent; the rule must not.
        let amount = dec("0.0499999999999999999999999996");
        let factor = dec("0.1");
        let naive =
            (amount * factor).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(naive, dec("0.01"));
        assert_eq!(
            to_cents(amount, factor),
            Ok(Cents {
                amount: dec("0.00"),
                rounded: true
            })
        );
        let long = dec("0.1234567890123456789012345001");
        let rounded = to_cents(long, Decimal::from(1000)).expect("fits");
        assert_eq!(
            (rounded.amount.to_string(), rounded.rounded),
            ("123.46".into(), true)
        );
        let tiny = Decimal::new(1, 28);
        assert_eq!(
            to_cents(tiny, Decimal::new(1, 28)),
            Ok(Cents {
                amount: dec("0.00"),
                rounded: true
            })
        );
    }

    #[test]
    fn amounts_without_room_for_cents_and_odd_factors_are_errors() {
        assert_eq!(
            to_cents(Decimal::MAX, Decimal::ONE),
            Err(MoneyError::TooLarge {
                amount: Decimal::MAX,
                factor: Decimal::ONE
            })
        );
        assert!(to_cents(dec("1000000000000000000000000"), Decimal::from(1000)).is_err());
        assert!(to_cents(Decimal::MAX, Decimal::MAX).is_err());
        for factor in [Decimal::ZERO, dec("-1000")] {
            assert_eq!(
                to_cents(Decimal::ONE, factor),
                Err(MoneyError::Factor { factor })
            );
        }
        // The largest amount that still has room for its cents.
        let largest = dec("792281625142643375935439503.35");
        assert_eq!(
            to_cents(largest, Decimal::ONE).map(|c| c.amount),
            Ok(largest)
        );
    }

    #[test]
    fn euro_values_always_have_two_decimals() {
        let text = |d: Decimal| d.to_string();
        assert_eq!(text(bgn_to_eur(Decimal::ZERO)), "0.00");
        assert_eq!(text(bgn_to_eur(dec("1.95583"))), "1.00");
        assert_eq!(text(bgn_to_eur(dec("-0.001"))), "0.00");
        assert_eq!(text(to_eur(dec("5"), Currency::Eur)), "5.00");
        assert_eq!(text(to_eur(dec("0"), Currency::Eur)), "0.00");
        assert_eq!(text(to_eur(dec("12.5"), Currency::Eur)), "12.50");
        assert_eq!(text(to_eur(dec("3000125.00"), Currency::Bgn)), "1533939.56");
        let largest = dec("792281625142643375935439503.35");
        assert_eq!(text(to_eur(largest, Currency::Eur)), largest.to_string());
        assert_eq!(bgn_to_eur(largest).scale(), 2);
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
