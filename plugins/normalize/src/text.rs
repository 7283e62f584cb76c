//! Text cleanup for scraped Bulgarian pages, CSV cells and PDF extracts.
//!
//! The same words arrive with non-breaking or narrow spaces, zero-width
//! characters, decomposed `й`, typographic quotes („…“, «…») and half a dozen
//! dash forms, depending on which editor or converter produced them. These
//! functions reduce that variety so that stored text is tidy and headers
//! can be matched by meaning rather than by bytes.

use unicode_normalization::UnicodeNormalization;

/// NFC, trims, collapses every run of whitespace (incl. U+00A0, U+202F,
/// U+2009, tabs, newlines) into one space, removes zero-width chars (U+200B,
/// U+FEFF) and control characters.
///
/// The soft hyphen (U+00AD), the other zero-width formatting characters
/// (U+200C, U+200D, U+2060) and bidirectional marks (U+200E, U+200F,
/// U+202A..U+202E, U+2066..U+2069) are removed too: they are invisible on
/// the page but break word matching.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    // Invisible characters go before NFC so that a base letter and its
    // combining mark separated by one of them still compose.
    for c in s.chars().filter(|&c| !is_invisible(c)).nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if !c.is_control() {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// `clean`, keeping line breaks: each line cleaned, runs of blank lines
/// collapsed into one, result trimmed.
pub fn clean_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_pending = false;
    // A CRLF pair is one break; splitting on both halves would invent a
    // blank line between every pair of lines.
    let unified = s.replace("\r\n", "\n");
    for line in unified.split(is_line_break).map(clean) {
        if line.is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_pending {
                out.push('\n');
            }
        }
        blank_pending = false;
        out.push_str(&line);
    }
    out
}

/// Maps every double-quote form („ “ ” « » ″ ＂) to ASCII `"` and single quotes
/// (‘ ’ ‚ ′) to `'`.
///
/// Also folds the rarer reversed forms ‟ and ‛, the single guillemets ‹ › and
/// the full-width apostrophe, which show up in the same sources.
pub fn fold_quotes(s: &str) -> String {
    s.chars().map(fold_quote).collect()
}

/// Maps dashes (‐ ‑ ‒ – — ― −) to ASCII `-`.
pub fn fold_dashes(s: &str) -> String {
    s.chars().map(fold_dash).collect()
}

/// Removes a leading list marker (`▶`, `►`, `✓`, `✔`, `•`, `-`, `–`, `*`,
/// `1.`, `1)`, `а)`) and the spaces after it, then cleans.
///
/// Pages nest markers (`- ▶ Повишаване…`), so a run of symbol markers is
/// removed, followed by at most one numbered or lettered marker. A dash
/// directly followed by a digit is a minus sign, not a marker, and is kept.
pub fn strip_list_marker(s: &str) -> String {
    let cleaned = clean(s);
    let mut rest = cleaned.as_str();
    while let Some(after) = strip_symbol_marker(rest) {
        rest = after.trim_start();
    }
    if let Some(after) = strip_enumeration_marker(rest) {
        rest = after.trim_start();
    }
    rest.to_owned()
}

/// Case-insensitive, whitespace-, quote- and dash-folded comparison key
/// (lowercase, NFC): for matching headers like `Уникален номер на поръчката`.
pub fn match_key(s: &str) -> String {
    let folded = fold_dashes(&fold_quotes(&clean(s)));
    // Lowercasing can in principle yield a non-NFC sequence, so compose last.
    folded.to_lowercase().nfc().collect()
}

/// Characters that render as nothing; shared with the number parser, where
/// they turn up inside copied figures.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn fold_quote(c: char) -> char {
    match c {
        '„' | '“' | '”' | '‟' | '«' | '»' | '″' | '＂' => '"',
        '‘' | '’' | '‚' | '‛' | '′' | '‹' | '›' | '＇' => '\'',
        other => other,
    }
}

fn fold_dash(c: char) -> char {
    match c {
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
        other => other,
    }
}

const SYMBOL_MARKERS: &[char] = &[
    '▶', '►', '▸', '▪', '■', '◆', '●', '○', '◦', '✓', '✔', '•', '·', '*', '-', '–', '—',
];

fn strip_symbol_marker(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    if !SYMBOL_MARKERS.contains(&first) {
        return None;
    }
    let rest = chars.as_str();
    let is_minus_sign =
        matches!(first, '-' | '–') && rest.starts_with(|c: char| c.is_ascii_digit());
    (!is_minus_sign).then_some(rest)
}

/// `1.`, `12)`, `а)`, `b)`: a number followed by `.` or `)`, or a single
/// letter followed by `)`. A number followed by `.` and a digit is a decimal
/// or a date, not a marker.
fn strip_enumeration_marker(s: &str) -> Option<&str> {
    let digits_len = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits_len) {
        let rest = &s[digits_len..];
        if let Some(after) = rest.strip_prefix(')') {
            return Some(after);
        }
        let after = rest.strip_prefix('.')?;
        return (!after.starts_with(|c: char| c.is_ascii_digit())).then_some(after);
    }
    let mut chars = s.chars();
    let letter = chars.next()?;
    let after = chars.as_str().strip_prefix(')')?;
    letter.is_alphabetic().then_some(after)
}

/// `word` (lowercase) in Latin letters under the official Bulgarian
/// system; Latin and other letters are kept.
pub fn transliterate(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    // `-ия` at the end of a word is written `-ia` (`София` → `Sofia`).
    let (body, tail) = match word.strip_suffix("ия") {
        Some(body) => (body, "ia"),
        None => (word, ""),
    };
    for c in body.chars() {
        match latin(c) {
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
    out.push_str(tail);
    out
}

/// A lowercase Cyrillic letter in Latin letters under the official
/// Bulgarian system; `None` for any other character.
pub fn latin(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'ѝ' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "sht",
        'ъ' => "a",
        'ь' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// A column title as a field name: lowercase ASCII letters, digits and
/// `_`, starting with a letter, at most 64 bytes; Cyrillic by the official
/// transliteration (`Сума (лв.)` → `suma_lv`), every other run of
/// characters a `_`. What a harvester names a portal's columns by, so the
/// published schema is the same whichever language the plugin is in.
pub fn machine_name(title: &str) -> String {
    // `№` (`№ по ред`) is a number sign: `no`.
    let title = clean(title).replace('№', " no ");
    let latin = transliterate(&title.to_lowercase());
    let mut name = String::with_capacity(latin.len());
    for c in latin.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let mut name = name.trim_matches('_').to_string();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "f_");
    }
    name.truncate(64);
    name.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliteration_follows_the_official_system() {
        assert_eq!(transliterate("бюджет"), "byudzhet");
        assert_eq!(transliterate("бургас"), "burgas");
        assert_eq!(transliterate("щастие"), "shtastie");
        assert_eq!(transliterate("община"), "obshtina");
        assert_eq!(transliterate("поръчки"), "porachki");
        assert_eq!(transliterate("софия"), "sofia");
        assert_eq!(transliterate("цъфтящ"), "tsaftyasht");
        assert_eq!(transliterate("ghent"), "ghent");
    }

    #[test]
    fn column_titles_become_machine_names() {
        assert_eq!(machine_name("Сума (лв.)"), "suma_lv");
        assert_eq!(
            machine_name("  Име на\u{a0}читалище "),
            "ime_na_chitalishte"
        );
        assert_eq!(machine_name("_id"), "id");
        assert_eq!(machine_name("2024 г."), "f_2024_g");
        assert_eq!(machine_name("€"), "f");
        assert_eq!(machine_name("№ по ред"), "no_po_red");
        assert_eq!(machine_name("Amount EUR"), "amount_eur");
        assert!(machine_name(&"дълго име ".repeat(20)).len() <= 64);
    }

    #[test]
    fn clean_collapses_every_whitespace_form() {
        assert_eq!(
            clean("  Община\u{a0}Бургас\u{202f}и\u{2009}Гент\t\r\n  Белгия  "),
            "Община Бургас и Гент Белгия"
        );
    }

    #[test]
    fn clean_removes_zero_width_and_control_characters() {
        assert_eq!(clean("\u{feff}Бю\u{200b}джет\u{0}\u{7}"), "Бюджет");
        assert_eq!(clean("\u{200e}Бургас\u{202c}\u{2069}"), "Бургас");
        assert_eq!(clean("об\u{ad}щи\u{200d}на"), "община");
    }

    #[test]
    fn clean_composes_decomposed_letters() {
        // и + combining breve is how some PDF extractors emit й.
        assert_eq!(clean("Наи\u{0306}"), "Най");
        assert_eq!(clean("и\u{200b}\u{0306}"), "й");
    }

    #[test]
    fn clean_of_blank_input_is_empty() {
        assert_eq!(clean(""), "");
        assert_eq!(clean(" \u{a0}\n\t\u{200b} "), "");
    }

    #[test]
    fn clean_multiline_keeps_lines_and_collapses_blank_runs() {
        let input = "\n\n  Дейност 3:  Мониторинг \r\n\r\n\r\n\n\nДейност 4:\tПроучване\nСтатус: приключил\n\n";
        assert_eq!(
            clean_multiline(input),
            "Дейност 3: Мониторинг\n\nДейност 4: Проучване\nСтатус: приключил"
        );
    }

    #[test]
    fn clean_multiline_keeps_single_crlf_breaks() {
        assert_eq!(clean_multiline("а\r\nб\rв\u{2028}г"), "а\nб\nв\nг");
    }

    #[test]
    fn clean_multiline_treats_whitespace_only_lines_as_blank() {
        assert_eq!(clean_multiline("а\n \u{a0} \n\t\nб"), "а\n\nб");
        assert_eq!(clean_multiline("  \n \n"), "");
    }

    #[test]
    fn fold_quotes_maps_all_forms() {
        assert_eq!(
            fold_quotes("„за“ «против» “въздържали се” ″x″ ＂y＂"),
            "\"за\" \"против\" \"въздържали се\" \"x\" \"y\""
        );
        assert_eq!(fold_quotes("‘a’ ‚b′"), "'a' 'b'");
    }

    #[test]
    fn fold_dashes_maps_all_forms() {
        assert_eq!(fold_dashes("a‐b‑c‒d–e—f―g−h"), "a-b-c-d-e-f-g-h");
        assert_eq!(fold_dashes("ПРЕПИС – ИЗВЛЕЧЕНИЕ"), "ПРЕПИС - ИЗВЛЕЧЕНИЕ");
    }

    #[test]
    fn strip_list_marker_handles_the_seed_bullets() {
        assert_eq!(
            strip_list_marker("- ▶ Повишаване на информираността;"),
            "Повишаване на информираността;"
        );
        assert_eq!(
            strip_list_marker("✓ Извършен мониторинг"),
            "Извършен мониторинг"
        );
        assert_eq!(
            strip_list_marker("-Обучение за прилагане"),
            "Обучение за прилагане"
        );
    }

    #[test]
    fn strip_list_marker_handles_each_marker_kind() {
        for marked in [
            "▶ текст",
            "► текст",
            "✓ текст",
            "✔ текст",
            "• текст",
            "- текст",
            "– текст",
            "* текст",
            "1. текст",
            "12) текст",
            "а) текст",
            "b)текст",
            "  •\u{a0}\u{a0}текст",
        ] {
            assert_eq!(strip_list_marker(marked), "текст", "{marked:?}");
        }
    }

    #[test]
    fn strip_list_marker_keeps_numbers_and_plain_text() {
        assert_eq!(strip_list_marker("-5 лв."), "-5 лв.");
        assert_eq!(strip_list_marker("1.5 млн. лв."), "1.5 млн. лв.");
        assert_eq!(strip_list_marker("26.03.2024 г."), "26.03.2024 г.");
        assert_eq!(strip_list_marker("2016 г."), "2016 г.");
        assert_eq!(strip_list_marker("Дейност 1."), "Дейност 1.");
        assert_eq!(strip_list_marker(""), "");
        assert_eq!(strip_list_marker("•"), "");
    }

    #[test]
    fn match_key_folds_case_space_quotes_and_dashes() {
        assert_eq!(
            match_key("  УНИКАЛЕН\u{a0}номер на  поръчката "),
            match_key("Уникален номер на поръчката")
        );
        assert_eq!(match_key("„ЗА“ – 41"), "\"за\" - 41");
        assert_eq!(match_key("EU финансиране"), "eu финансиране");
    }
}
