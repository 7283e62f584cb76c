//! Words as the catalog search compares them: lowercased, Cyrillic
//! transliterated to Latin under the official Bulgarian system (the
//! Transliteration Act of 2009, the one on passports and road signs), and
//! stemmed by stripping the common endings of Bulgarian and English words.
//!
//! Comparing in one Latin form is what makes transliteration work both
//! ways: `byudzhet` and `бюджет` both become `byudzhet`, `Burgas` and
//! `Бургас` both `burgas`. The stemmer is deliberately light (endings, not
//! morphology): `бюджети`, `бюджета` and `бюджетът` all meet `бюджет`, and
//! a word it cannot reduce still matches by prefix (see `super::matches`).

/// The search terms of `text`: its words, folded and stemmed, in order.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| stem(&transliterate(&word.to_lowercase())).to_string())
        .collect()
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

fn latin(c: char) -> Option<&'static str> {
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

/// Endings stripped from a transliterated word, longest first: Bulgarian
/// plurals and definite articles, then English plurals and verb forms.
/// (The articles `-та`, `-то`, `-те` are left to the vowel rules: taken
/// first, they would cut `бюджета` to `byudzhe`.)
const ENDINGS: &[&str] = &[
    "ovete", "evete", "yata", "ite", "ata", "ove", "eve", "yat", "ing", "ies", "at", "ya", "es",
    "ed", "a", "e", "i", "o", "s", "y",
];

/// The shortest stem an ending may leave: shorter words are kept whole.
const MIN_STEM: usize = 4;

/// `word` without its ending, if what is left is long enough to mean
/// something.
pub fn stem(word: &str) -> &str {
    ENDINGS
        .iter()
        .filter_map(|ending| word.strip_suffix(ending))
        .find(|rest| rest.chars().count() >= MIN_STEM)
        .unwrap_or(word)
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
    fn a_word_and_its_transliteration_meet() {
        assert_eq!(terms("Бюджет"), terms("byudzhet"));
        assert_eq!(terms("Бургас"), terms("Burgas"));
        assert_eq!(terms("ОБЩЕСТВЕНИ ПОРЪЧКИ"), terms("obshtestveni porachki"));
    }

    #[test]
    fn endings_of_plurals_and_articles_are_stripped() {
        let one = terms("бюджет");
        for form in ["бюджети", "бюджета", "бюджетът", "бюджетите"] {
            assert_eq!(terms(form), one, "{form}");
        }
        assert_eq!(terms("решения"), terms("решение"));
        assert_eq!(terms("поръчка"), terms("поръчки"));
        // `-ище` nouns and their `-ища` plurals.
        assert_eq!(terms("училище"), terms("училища"));
        assert_eq!(terms("читалище"), terms("читалищата"));
        assert_eq!(terms("budgets"), terms("budget"));
        assert_eq!(terms("projects"), terms("project"));
        // Short words are kept whole.
        assert_eq!(terms("eu"), ["eu"]);
        assert_eq!(terms("дата"), ["data"]);
    }

    #[test]
    fn words_are_split_on_anything_but_letters_and_digits() {
        assert_eq!(
            terms("budget_eur, 2024/25"),
            ["budget", "eur", "2024", "25"]
        );
        assert!(terms(" — ").is_empty());
    }
}
