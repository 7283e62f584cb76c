//! ЕИК/БУЛСТАТ: the Bulgarian register number of companies and public bodies.
//!
//! Procurement and budget data identify buyers and suppliers by ЕИК, and the
//! OCDS output uses it as the `BG-EIK` organisation id. Sources pad it with
//! spaces or print it as a VAT number (`BG020469788`), and hand-typed values
//! carry typos; the checksum catches most of those before a wrong number
//! joins two unrelated organisations.

use std::fmt;

/// A validated ЕИК: 9 or 13 ASCII digits whose check digits are correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Eik(String);

impl Eik {
    /// The digits, without spaces or VAT prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Eik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a valid ЕИК. `input` is the text as given (inputs over
/// 200 characters are cut there and end in `…`); digit counts and check
/// digits refer to the digits after removing spaces and the `BG` prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EikError {
    #[error("not an ЕИК: {input:?} has {digits} digits, expected 9 or 13")]
    Length { input: String, digits: usize },
    #[error("not an ЕИК: {input:?} contains characters other than digits")]
    NotDigits { input: String },
    #[error("not an ЕИК: {input:?} fails the checksum (check digit {found}, expected {expected})")]
    Checksum {
        input: String,
        expected: u8,
        found: u8,
    },
}

/// Validates an ЕИК/БУЛСТАТ (9 or 13 digits; spaces and a `BG` VAT prefix
/// tolerated and removed). 9 digits: weights 1..8 mod 11; if 10, weights
/// 3..10 mod 11; if 10 again, check digit 0. 13 digits: first 9 valid as
/// above, then the 9th..12th digits with weights 2,7,3,5, then 4,9,5,7 if 10,
/// same rule; the check is the 13th digit.
pub fn parse_eik(s: &str) -> Result<Eik, EikError> {
    let normalized = strip_decoration(s);
    let digits: Vec<u8> = normalized
        .chars()
        // An ASCII digit's code point fits a u8, so the cast is exact.
        .map(|c| c.is_ascii_digit().then(|| c as u8 - b'0'))
        .collect::<Option<_>>()
        .ok_or_else(|| EikError::NotDigits {
            input: crate::error_input(s),
        })?;
    match digits.len() {
        9 => check(s, &digits, &digits[..8], &WEIGHTS_9)?,
        13 => {
            check(s, &digits[..9], &digits[..8], &WEIGHTS_9)?;
            check(s, &digits, &digits[8..12], &WEIGHTS_13)?;
        }
        other => {
            return Err(EikError::Length {
                input: crate::error_input(s),
                digits: other,
            });
        }
    }
    Ok(Eik(normalized))
}

/// `parse_eik(s).is_ok()`.
pub fn is_valid_eik(s: &str) -> bool {
    parse_eik(s).is_ok()
}

/// First-pass and second-pass weights for the 9-digit check.
const WEIGHTS_9: [[u32; 8]; 2] = [[1, 2, 3, 4, 5, 6, 7, 8], [3, 4, 5, 6, 7, 8, 9, 10]];
/// First-pass and second-pass weights for the 13-digit extension.
const WEIGHTS_13: [[u32; 4]; 2] = [[2, 7, 3, 5], [4, 9, 5, 7]];

fn strip_decoration(s: &str) -> String {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    match compact.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("BG") => compact[2..].to_owned(),
        _ => compact,
    }
}

/// Checks that the last digit of `number` is the check digit computed over
/// `weighted` with the two weight passes.
fn check<const N: usize>(
    input: &str,
    number: &[u8],
    weighted: &[u8],
    weights: &[[u32; N]; 2],
) -> Result<(), EikError> {
    let expected = check_digit(weighted, weights);
    // Callers pass a non-empty slice (9 or 13 digits); 0 is a harmless default.
    let found = number.last().copied().unwrap_or_default();
    if expected == found {
        Ok(())
    } else {
        Err(EikError::Checksum {
            input: crate::error_input(input),
            expected,
            found,
        })
    }
}

fn check_digit<const N: usize>(digits: &[u8], weights: &[[u32; N]; 2]) -> u8 {
    let weighted_sum = |pass: &[u32; N]| -> u32 {
        digits
            .iter()
            .zip(pass)
            .map(|(&d, &w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
    };
    let remainder = match weighted_sum(&weights[0]) {
        10 => weighted_sum(&weights[1]),
        first => first,
    };
    // A remainder of 10 after both passes is written as 0; otherwise it is
    // already a single digit.
    if remainder == 10 { 0 } else { remainder as u8 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[&str] = &[
        "020469788",
        "1213961230342",
        "000056814",
        "102055263",
        "201230180",
        "130471596",
        "203450830",
        "117000162",
    ];

    #[test]
    fn every_sample_eik_passes() {
        for eik in VALID {
            assert_eq!(parse_eik(eik).map(|e| e.to_string()).as_deref(), Ok(*eik));
            assert!(is_valid_eik(eik), "{eik}");
        }
    }

    #[test]
    fn invalid_checksum_is_reported_with_both_digits() {
        assert_eq!(
            parse_eik("123456789"),
            Err(EikError::Checksum {
                input: "123456789".into(),
                expected: 6,
                found: 9
            })
        );
        assert!(!is_valid_eik("123456789"));
    }

    #[test]
    fn a_wrong_check_digit_is_caught() {
        assert!(matches!(
            parse_eik("020469787"),
            Err(EikError::Checksum {
                expected: 8,
                found: 7,
                ..
            })
        ));
    }

    #[test]
    fn nine_digits_use_the_second_pass_when_the_first_gives_ten() {
        // 0·1+1·2+…+1·8 = 10; second pass 1·4+1·10 = 14 ≡ 3.
        assert!(is_valid_eik("010000013"));
        assert!(!is_valid_eik("010000010"));
    }

    #[test]
    fn nine_digits_check_is_zero_when_both_passes_give_ten() {
        // 1·2+6·7+4·8 = 76 ≡ 10; 1·4+6·9+4·10 = 98 ≡ 10.
        assert!(is_valid_eik("010000640"));
        assert!(!is_valid_eik("010000641"));
    }

    #[test]
    fn thirteen_digits_use_the_second_pass_when_the_first_gives_ten() {
        // Extension 8,0,0,1: 8·2+1·5 = 21 ≡ 10; 8·4+1·7 = 39 ≡ 6.
        assert!(is_valid_eik("0204697880016"));
        // Extension 8,0,5,9: 16+15+45 = 76 ≡ 10; 32+25+63 = 120 ≡ 10 → 0.
        assert!(is_valid_eik("0204697880590"));
        assert!(!is_valid_eik("0204697880591"));
    }

    #[test]
    fn spaces_and_vat_prefix_are_removed() {
        assert_eq!(
            parse_eik(" BG 020 469 788 ").map(|e| e.as_str().to_owned()),
            Ok("020469788".into())
        );
        assert!(is_valid_eik("bg020469788"));
        assert!(is_valid_eik("1213961230342\u{a0}"));
    }

    #[test]
    fn thirteen_digits_need_a_valid_nine_digit_prefix() {
        // Valid extension digits after an invalid 9-digit prefix.
        assert!(matches!(
            parse_eik("1213961240342"),
            Err(EikError::Checksum { .. })
        ));
        assert!(matches!(
            parse_eik("1213961230343"),
            Err(EikError::Checksum {
                expected: 2,
                found: 3,
                ..
            })
        ));
    }

    #[test]
    fn wrong_length_and_non_digits_are_reported() {
        assert!(matches!(
            parse_eik("12345678"),
            Err(EikError::Length { digits: 8, .. })
        ));
        assert!(matches!(
            parse_eik(""),
            Err(EikError::Length { digits: 0, .. })
        ));
        assert!(matches!(
            parse_eik("BG"),
            Err(EikError::Length { digits: 0, .. })
        ));
        assert!(matches!(
            parse_eik("02046978X"),
            Err(EikError::NotDigits { .. })
        ));
        assert!(matches!(
            parse_eik("02046-9788"),
            Err(EikError::NotDigits { .. })
        ));
        // Full-width and Arabic-Indic digits are digits to Unicode, not to the register.
        assert!(matches!(
            parse_eik("０２０４６９７８８"),
            Err(EikError::NotDigits { .. })
        ));
        assert!(matches!(
            parse_eik("٠٢٠٤٦٩٧٨٨"),
            Err(EikError::NotDigits { .. })
        ));
        assert!(matches!(
            parse_eik(&"1".repeat(100_000)),
            Err(EikError::Length { .. })
        ));
    }

    #[test]
    fn error_messages_name_the_input_and_the_problem() {
        let message = parse_eik("123456789").unwrap_err().to_string();
        assert!(message.contains("\"123456789\""), "{message}");
        assert!(message.contains("checksum"), "{message}");
        let message = parse_eik("12 34").unwrap_err().to_string();
        assert!(message.contains("4 digits"), "{message}");
    }
}
