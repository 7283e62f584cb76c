//! Decoding the bytes Bulgarian municipal sites serve.
//!
//! Budget CSVs and older pages are Windows-1251, newer ones UTF-8, Excel
//! exports sometimes UTF-16, and headers or `<meta charset>` declarations
//! are often missing or wrong. Decoding goes BOM first, then strict UTF-8
//! (which random Windows-1251 Cyrillic practically never passes), then
//! Windows-1251, which maps every byte and so never fails. [`looks_garbled`]
//! catches text that was already decoded with the wrong table upstream.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251};

/// The encodings Vitrina recognizes in sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    Utf8,
    /// UTF-16 little-endian, recognized by its BOM or a declared label.
    Utf16Le,
    /// UTF-16 big-endian, recognized by its BOM or a declared label.
    Utf16Be,
    Windows1251,
}

impl SourceEncoding {
    /// A stable lowercase name for logs and provenance records: `utf-8-bom`,
    /// `utf-8`, `utf-16le`, `utf-16be`, `windows-1251`.
    pub fn name(self) -> &'static str {
        match self {
            SourceEncoding::Utf8Bom => "utf-8-bom",
            SourceEncoding::Utf8 => "utf-8",
            SourceEncoding::Utf16Le => "utf-16le",
            SourceEncoding::Utf16Be => "utf-16be",
            SourceEncoding::Windows1251 => "windows-1251",
        }
    }

    fn from_encoding(encoding: &'static Encoding) -> Option<Self> {
        if encoding == UTF_8 {
            Some(SourceEncoding::Utf8)
        } else if encoding == WINDOWS_1251 {
            Some(SourceEncoding::Windows1251)
        } else if encoding == UTF_16LE {
            Some(SourceEncoding::Utf16Le)
        } else if encoding == UTF_16BE {
            Some(SourceEncoding::Utf16Be)
        } else {
            None
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            SourceEncoding::Utf8Bom | SourceEncoding::Utf8 => UTF_8,
            SourceEncoding::Utf16Le => UTF_16LE,
            SourceEncoding::Utf16Be => UTF_16BE,
            SourceEncoding::Windows1251 => WINDOWS_1251,
        }
    }
}

/// Decoded text, borrowed from the input when it was already valid UTF-8,
/// with the encoding that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: SourceEncoding,
}

/// BOM (UTF-8, UTF-16LE/BE) first, else strict UTF-8, else Windows-1251.
/// Strips the BOM.
///
/// Malformed sequences after a BOM become U+FFFD: the BOM is a deliberate
/// declaration, so it is trusted over a guess.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(decoded) = decode_by_bom(bytes) {
        return decoded;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: Cow::Borrowed(text),
            encoding: SourceEncoding::Utf8,
        },
        Err(_) => Decoded {
            text: WINDOWS_1251.decode_without_bom_handling(bytes).0,
            encoding: SourceEncoding::Windows1251,
        },
    }
}

/// Like [`decode`], but a declared charset label (from Content-Type or
/// `<meta charset>`; `"windows-1251"`, `"cp1251"`, `"utf-8"`, ...) wins when a
/// BOM is absent and the label is known and the bytes decode without error
/// under it; falls back to `decode` otherwise.
///
/// Labels are resolved by the WHATWG Encoding Standard, so aliases such as
/// `cp1251`, `x-cp1251`, `utf8` or `unicode-1-1-utf-8` work. Labels naming an
/// encoding outside [`SourceEncoding`] (a server claiming `windows-1252`, say)
/// are ignored rather than trusted.
pub fn decode_with_label<'a>(bytes: &'a [u8], label: Option<&str>) -> Decoded<'a> {
    if let Some(decoded) = decode_by_bom(bytes) {
        return decoded;
    }
    let declared = label
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .and_then(SourceEncoding::from_encoding);
    let strictly_decoded = declared.and_then(|encoding| {
        let text = encoding
            .encoding()
            .decode_without_bom_handling_and_without_replacement(bytes)?;
        Some(Decoded { text, encoding })
    });
    strictly_decoded.unwrap_or_else(|| decode(bytes))
}

fn decode_by_bom(bytes: &[u8]) -> Option<Decoded<'_>> {
    let (encoding, bom_length) = Encoding::for_bom(bytes)?;
    let source = if encoding == UTF_8 {
        SourceEncoding::Utf8Bom
    } else {
        SourceEncoding::from_encoding(encoding)?
    };
    let body = bytes.get(bom_length..)?;
    Some(Decoded {
        text: encoding.decode_without_bom_handling(body).0,
        encoding: source,
    })
}

/// True when text looks like mojibake: cp1251 read as cp1252
/// (`Îáùèíà Áóðãàñ`) or UTF-8 read as cp1251 (`РћР±С‰`).
///
/// UTF-8 read as cp1252/Latin-1 (`Ð¾Ð±Ñ‰`) is detected as well. The tests
/// are deliberately about letters that no correctly decoded Bulgarian,
/// English or West-European text puts together, so clean text with the odd
/// accented name does not trip them.
pub fn looks_garbled(text: &str) -> bool {
    has_cp1251_as_latin1_word(text)
        || is_dense_in_pairs(text, &['Р', 'С'], is_cp1251_continuation_tell)
        || is_dense_in_pairs(text, &['Ð', 'Ñ'], is_latin1_continuation_tell)
}

/// Shortest word considered: two-letter runs are too common by chance.
const MIN_GARBLED_WORD: usize = 3;

/// Cyrillic letters in cp1251 are bytes 0xC0..=0xFF, which cp1252 shows as
/// À..ÿ. A word made mostly of those letters is a Cyrillic word read wrongly:
/// real accented words (`Ångström`, `été`) mix in plain ASCII letters.
fn has_cp1251_as_latin1_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic()).any(|word| {
        let letters = word.chars().count();
        let high = word
            .chars()
            .filter(|c| ('\u{C0}'..='\u{FF}').contains(c))
            .count();
        letters >= MIN_GARBLED_WORD && high * 4 >= letters * 3
    })
}

/// UTF-8 Cyrillic is a lead byte 0xD0/0xD1 plus a continuation byte
/// 0x80..=0xBF. Read as cp1251 the leads become `Р`/`С`; read as Latin-1
/// they become `Ð`/`Ñ`. True when at least half of those lead letters are
/// followed by a character that only a continuation byte produces: correct
/// Bulgarian text uses `Р` and `С` often, but followed by ordinary letters.
fn is_dense_in_pairs(text: &str, leads: &[char], is_tell: fn(char) -> bool) -> bool {
    let mut lead_count = 0usize;
    let mut tell_pairs = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if leads.contains(&c) {
            lead_count += 1;
            if chars.peek().is_some_and(|&next| is_tell(next)) {
                tell_pairs += 1;
            }
        }
    }
    tell_pairs > 0 && tell_pairs * 2 >= lead_count
}

/// What cp1251 shows for continuation bytes 0x80..=0xBF, minus the quotes,
/// dashes, bullet, guillemets and spaces that can follow a letter in
/// correctly decoded text.
fn is_cp1251_continuation_tell(c: char) -> bool {
    matches!(
        c,
        'Ђ' | 'Ѓ'
            | '‚'
            | 'ѓ'
            | '„'
            | '…'
            | '†'
            | '‡'
            | '€'
            | '‰'
            | 'Љ'
            | '‹'
            | 'Њ'
            | 'Ќ'
            | 'Ћ'
            | 'Џ'
            | 'ђ'
            | '\u{98}'
            | '™'
            | 'љ'
            | '›'
            | 'њ'
            | 'ќ'
            | 'ћ'
            | 'џ'
            | 'Ў'
            | 'ў'
            | 'Ј'
            | '¤'
            | 'Ґ'
            | '¦'
            | '§'
            | 'Ё'
            | '©'
            | 'Є'
            | '¬'
            | '®'
            | 'Ї'
            | '°'
            | '±'
            | 'І'
            | 'і'
            | 'ґ'
            | 'µ'
            | '¶'
            | '·'
            | 'ё'
            | '№'
            | 'є'
            | 'ј'
            | 'Ѕ'
            | 'ѕ'
            | 'ї'
    )
}

/// What Latin-1/cp1252 shows for continuation bytes 0x80..=0xBF, minus
/// punctuation that can follow a letter in correctly decoded text.
fn is_latin1_continuation_tell(c: char) -> bool {
    let is_c1_or_latin1_symbol = ('\u{80}'..='\u{BF}').contains(&c)
        && !matches!(c, '\u{A0}' | '\u{AB}' | '\u{BB}' | '\u{AD}');
    let is_cp1252_extra = matches!(
        c,
        '€' | '‚'
            | 'ƒ'
            | '„'
            | '…'
            | '†'
            | '‡'
            | 'ˆ'
            | '‰'
            | 'Š'
            | '‹'
            | 'Œ'
            | 'Ž'
            | '˜'
            | '™'
            | 'š'
            | '›'
            | 'œ'
            | 'ž'
            | 'Ÿ'
    );
    is_c1_or_latin1_symbol || is_cp1252_extra
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1252;

    const SAMPLE: &str = "Община Бургас: Бюджет на проекта 454 090, 00 лв. „за“ – 41";

    fn cp1251(text: &str) -> Vec<u8> {
        WINDOWS_1251.encode(text).0.into_owned()
    }

    #[test]
    fn windows_1251_bytes_are_recognized() {
        let bytes = cp1251(SAMPLE);
        assert!(std::str::from_utf8(&bytes).is_err());
        let decoded = decode(&bytes);
        assert_eq!(decoded.encoding, SourceEncoding::Windows1251);
        assert_eq!(decoded.text, SAMPLE);
    }

    #[test]
    fn utf8_is_borrowed_without_copying() {
        let decoded = decode(SAMPLE.as_bytes());
        assert_eq!(decoded.encoding, SourceEncoding::Utf8);
        assert!(matches!(decoded.text, Cow::Borrowed(SAMPLE)));
    }

    #[test]
    fn utf8_bom_is_detected_and_stripped() {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), SAMPLE.as_bytes()].concat();
        let decoded = decode(&bytes);
        assert_eq!(decoded.encoding, SourceEncoding::Utf8Bom);
        assert_eq!(decoded.text, SAMPLE);
    }

    #[test]
    fn utf16_boms_are_detected_and_stripped() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(SAMPLE.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(SAMPLE.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(
            decode(&le),
            Decoded {
                text: SAMPLE.into(),
                encoding: SourceEncoding::Utf16Le
            }
        );
        assert_eq!(
            decode(&be),
            Decoded {
                text: SAMPLE.into(),
                encoding: SourceEncoding::Utf16Be
            }
        );
    }

    #[test]
    fn empty_and_ascii_input() {
        assert_eq!(decode(b"").encoding, SourceEncoding::Utf8);
        assert_eq!(decode(b"").text, "");
        assert_eq!(decode(b"1;2;3").text, "1;2;3");
        assert_eq!(decode(b"\xEF\xBB\xBF").text, "");
        assert_eq!(decode(b"\xEF\xBB\xBF").encoding, SourceEncoding::Utf8Bom);
    }

    #[test]
    fn broken_utf8_after_a_bom_is_replaced_not_reinterpreted() {
        let decoded = decode(b"\xEF\xBB\xBFab\xFFc");
        assert_eq!(decoded.encoding, SourceEncoding::Utf8Bom);
        assert_eq!(decoded.text, "ab\u{FFFD}c");
    }

    #[test]
    fn label_wins_when_it_decodes_cleanly() {
        // ASCII and the same bytes as cp1251: both valid, label decides.
        let decoded = decode_with_label(b"abc", Some("windows-1251"));
        assert_eq!(decoded.encoding, SourceEncoding::Windows1251);
        let bytes = cp1251(SAMPLE);
        for label in ["windows-1251", "cp1251", " CP1251 ", "x-cp1251"] {
            let decoded = decode_with_label(&bytes, Some(label));
            assert_eq!(decoded.encoding, SourceEncoding::Windows1251, "{label}");
            assert_eq!(decoded.text, SAMPLE);
        }
        let decoded = decode_with_label(SAMPLE.as_bytes(), Some("utf-8"));
        assert_eq!(decoded.encoding, SourceEncoding::Utf8);
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
    }

    #[test]
    fn label_is_ignored_when_wrong_unknown_or_absent() {
        let bytes = cp1251(SAMPLE);
        for label in [
            Some("utf-8"),
            Some("utf8"),
            Some("windows-1252"),
            Some("nonsense"),
            Some(""),
            None,
        ] {
            let decoded = decode_with_label(&bytes, label);
            assert_eq!(decoded.encoding, SourceEncoding::Windows1251, "{label:?}");
            assert_eq!(decoded.text, SAMPLE);
        }
        // An odd byte count cannot be UTF-16.
        assert_eq!(
            decode_with_label(b"abc", Some("utf-16le")).encoding,
            SourceEncoding::Utf8
        );
    }

    #[test]
    fn bom_beats_label() {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), SAMPLE.as_bytes()].concat();
        let decoded = decode_with_label(&bytes, Some("windows-1251"));
        assert_eq!(decoded.encoding, SourceEncoding::Utf8Bom);
        assert_eq!(decoded.text, SAMPLE);
    }

    #[test]
    fn names_are_stable() {
        assert_eq!(SourceEncoding::Utf8Bom.name(), "utf-8-bom");
        assert_eq!(SourceEncoding::Utf8.name(), "utf-8");
        assert_eq!(SourceEncoding::Utf16Le.name(), "utf-16le");
        assert_eq!(SourceEncoding::Utf16Be.name(), "utf-16be");
        assert_eq!(SourceEncoding::Windows1251.name(), "windows-1251");
    }

    #[test]
    fn cp1251_read_as_cp1252_is_garbled() {
        assert!(looks_garbled("Îáùèíà Áóðãàñ"));
        let bytes = cp1251(SAMPLE);
        let garbled = WINDOWS_1252.decode_without_bom_handling(&bytes).0;
        assert!(looks_garbled(&garbled), "{garbled}");
    }

    #[test]
    fn utf8_read_as_cp1251_is_garbled() {
        assert!(looks_garbled("РћР±С‰"));
        let garbled = WINDOWS_1251
            .decode_without_bom_handling(SAMPLE.as_bytes())
            .0;
        assert!(looks_garbled(&garbled), "{garbled}");
        let garbled = WINDOWS_1251
            .decode_without_bom_handling("приключил".as_bytes())
            .0;
        assert!(looks_garbled(&garbled), "{garbled}");
    }

    #[test]
    fn utf8_read_as_latin1_is_garbled() {
        let garbled = WINDOWS_1252
            .decode_without_bom_handling(SAMPLE.as_bytes())
            .0;
        assert!(looks_garbled(&garbled), "{garbled}");
    }

    #[test]
    fn clean_text_is_not_garbled() {
        for text in [
            SAMPLE,
            "",
            "Община Гент, Белгия; Gent Info",
            "ДАНС“ и „РЕСПУБЛИКА“ – РС№",
            "Ångström, été, Müller, Señor, Ñoño, Æsir",
            "СРЕДНО ОБРАЗОВАНИЕ ПРОФЕСИОНАЛНА ГИМНАЗИЯ ПО СЪОБЩИТЕЛНИ ТЕХНОЛОГИИ",
            "Р. България, С. Петров, РС – Бургас",
            "54°N, 12 ± 2, © 2024",
        ] {
            assert!(!looks_garbled(text), "{text}");
        }
    }
}
