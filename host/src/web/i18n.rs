//! The pages' two languages: which one a reader gets, the words of the
//! interface in each, and numbers and dates as each writes them.
//!
//! The choice goes `?lang=`, then the `lang` cookie the switch sets, then
//! `Accept-Language`, then Bulgarian: the portal is the Municipality of
//! Burgas's. Every interface string lives in [`WORDS`], so a missing
//! translation is a compile-time gap one can see in one table, and the
//! templates fail loudly (strict undefined) on a key that is not there.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use hyper::HeaderMap;
use hyper::header;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Bg,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Bg, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Bg => "bg",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "bg" => Some(Lang::Bg),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Bg => Lang::En,
            Lang::En => Lang::Bg,
        }
    }

    /// The interface's words in this language, by key.
    pub fn words(self) -> &'static BTreeMap<&'static str, &'static str> {
        static BG: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
        static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
        let cell = match self {
            Lang::Bg => &BG,
            Lang::En => &EN,
        };
        cell.get_or_init(|| {
            WORDS
                .iter()
                .map(|(key, bg, en)| (*key, if self == Lang::Bg { *bg } else { *en }))
                .collect()
        })
    }

    /// One word of the interface; the key itself if it has none (never
    /// silent in tests: see `every_key_the_templates_use_is_translated`).
    pub fn word(self, key: &str) -> &'static str {
        self.words().get(key).copied().unwrap_or("")
    }
}

/// How the language was chosen, so the answer can say what it varies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub lang: Lang,
    /// `?lang=` asked for it: the answer should set the cookie.
    pub from_query: bool,
}

/// The language for a request: `?lang=`, the cookie, `Accept-Language`,
/// Bulgarian.
pub fn choose(query_lang: Option<&str>, headers: &HeaderMap) -> Choice {
    if let Some(lang) = query_lang.and_then(Lang::from_code) {
        return Choice {
            lang,
            from_query: true,
        };
    }
    let lang = cookie_lang(headers)
        .or_else(|| accept_language(headers))
        .unwrap_or(Lang::Bg);
    Choice {
        lang,
        from_query: false,
    }
}

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix("lang="))
        .find_map(Lang::from_code)
}

/// The language the reader ranks highest among ours (RFC 9110 §12.5.4);
/// `q=0` refuses one.
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, usize, Lang)> = None;
    for (position, item) in value.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::from_code(primary) else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        // Higher quality wins; among equals, the one listed first.
        if best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p)) {
            best = Some((quality, position, lang));
        }
    }
    best.map(|(_, _, lang)| lang)
}

/// A number as the reader writes it: digits grouped by threes (from five
/// digits up) with a no-break space in Bulgarian and a comma in English,
/// and the decimal sign of each. Takes the exact decimal text, so nothing is rounded.
pub fn number(lang: Lang, text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let (group, point) = match lang {
        Lang::Bg => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::from(sign);
    // Four digits stay together (`2024`, `1500 лв.`), as Bulgarian
    // orthography and the SI write them; years would read oddly grouped.
    let grouped = whole.len() > 4;
    for (i, c) in whole.chars().enumerate() {
        if grouped && i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push(point);
        out.push_str(fraction);
    }
    out
}

/// An amount with two decimals and its currency as the reader writes it:
/// `1 234 567,89 лв.`, `BGN 1,234,567.89`.
pub fn money(lang: Lang, amount: f64, currency: &str) -> String {
    let text = number(lang, &format!("{amount:.2}"));
    match (lang, currency) {
        (Lang::Bg, "BGN") => format!("{text}\u{a0}лв."),
        (Lang::Bg, "EUR") => format!("{text}\u{a0}€"),
        (Lang::Bg, other) => format!("{text}\u{a0}{other}"),
        (Lang::En, "EUR") => format!("€{text}"),
        (Lang::En, other) => format!("{other}\u{a0}{text}"),
    }
}

/// Bulgarian month names are the normalizer's, which reads them in sources.
const MONTHS_BG: [&str; 12] = vitrina_normalize::date::MONTH_NAMES;
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in words: `2 декември 2026 г.`, `2 December 2026`.
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    let month = date.month0() as usize;
    match lang {
        Lang::Bg => format!("{} {} {} г.", date.day(), MONTHS_BG[month], date.year()),
        Lang::En => format!("{} {} {}", date.day(), MONTHS_EN[month], date.year()),
    }
}

/// A month in words: `декември 2026 г.`, `December 2026`.
pub fn month(lang: Lang, year: i32, month0: usize) -> String {
    match lang {
        Lang::Bg => format!("{} {year} г.", MONTHS_BG[month0 % 12]),
        Lang::En => format!("{} {year}", MONTHS_EN[month0 % 12]),
    }
}

/// A date in figures, for table cells: `02.12.2026`, `2 Dec 2026`.
pub fn short_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Bg => date.format("%d.%m.%Y").to_string(),
        Lang::En => date.format("%-d %b %Y").to_string(),
    }
}

/// The part of a bilingual text (`Бюджет / Budget`) in `lang`; the whole
/// text when it is in one language.
pub fn part(lang: Lang, text: &str) -> &str {
    match text.split_once(" / ") {
        Some((bg, en)) => match lang {
            Lang::Bg => bg.trim(),
            Lang::En => en.trim(),
        },
        None => text,
    }
}

/// Every interface string: key, Bulgarian, English.
pub const WORDS: &[(&str, &str, &str)] = &[
    ("site_name", "Отворени данни – Бургас", "Open data – Burgas"),
    (
        "site_tagline",
        "Бюджет, решения на общинския съвет, обществени поръчки и проекти на Община Бургас, обновявани автоматично, с история на всяка версия.",
        "The budget, council decisions, public procurement and projects of the Municipality of Burgas, updated automatically, with the history of every version.",
    ),
    ("skip", "Към съдържанието", "Skip to content"),
    ("language", "Език", "Language"),
    ("switch_to", "English", "Български"),
    ("catalog", "Каталог", "Catalogue"),
    ("search", "Търсене", "Search"),
    (
        "search_label",
        "Търсене в наборите от данни",
        "Search the datasets",
    ),
    (
        "search_hint",
        "На кирилица или латиница: „бюджет“, „byudzhet“, „Burgas“",
        "In Cyrillic or Latin letters: “бюджет”, “byudzhet”, “Burgas”",
    ),
    ("filters", "Филтри", "Filters"),
    ("clear_filters", "Изчисти филтрите", "Clear filters"),
    ("facet_theme", "Тема", "Theme"),
    ("facet_publisher", "Издател", "Publisher"),
    ("facet_profile", "Вид данни", "Kind of data"),
    ("facet_format", "Формат", "Format"),
    ("found", "Намерени набори", "Datasets found"),
    (
        "none_found",
        "Няма набори от данни, които отговарят на търсенето.",
        "No dataset answers the search.",
    ),
    ("last_updated", "Последно обновяване", "Last updated"),
    (
        "never_updated",
        "Все още няма публикувана версия",
        "No version published yet",
    ),
    ("schedule", "Обновяване", "Updated"),
    ("rows", "Редове", "Rows"),
    (
        "warning_failed",
        "Последното събиране на данни е неуспешно; показана е последната добра версия.",
        "The latest collection failed; the last good version is shown.",
    ),
    (
        "warning_stale",
        "Данните са по-стари, отколкото обещава графикът им.",
        "The data is older than its schedule promises.",
    ),
    ("publisher", "Издател", "Publisher"),
    ("license", "Лиценз", "Licence"),
    ("source", "Източник", "Source"),
    ("profile", "Вид данни", "Kind of data"),
    ("plugin", "Събира се от", "Collected by"),
    (
        "last_success",
        "Последно успешно събиране",
        "Last successful collection",
    ),
    ("version", "Версия", "Version"),
    ("versions", "Версии", "Versions"),
    ("published_at", "Публикувана", "Published"),
    ("row_count", "Брой редове", "Rows"),
    ("changes", "Промени", "Changes"),
    ("changes_from", "Промени от версия", "Changes from version"),
    ("to_version", "до версия", "to version"),
    ("preview", "Преглед на данните", "Preview of the data"),
    (
        "preview_caption",
        "Първите редове от текущата версия",
        "The first rows of the current version",
    ),
    ("preview_search", "Търсене в данните", "Search the data"),
    ("preview_filter_field", "Поле за филтър", "Field to filter"),
    ("preview_filter_value", "Стойност", "Value"),
    ("apply", "Приложи", "Apply"),
    ("reset", "Нулирай", "Reset"),
    ("sort_by", "Подреди по", "Sort by"),
    ("ascending", "възходящо", "ascending"),
    ("descending", "низходящо", "descending"),
    ("showing_rows", "Показани редове", "Rows shown"),
    ("more_rows", "Още редове", "More rows"),
    ("no_rows", "Няма редове, които отговарят.", "No rows match."),
    ("chart", "Графика", "Chart"),
    (
        "chart_table",
        "Данните на графиката като таблица",
        "The chart's data as a table",
    ),
    ("downloads", "Изтегляне", "Downloads"),
    ("tables", "Още таблици", "More tables"),
    (
        "tables_intro",
        "Наборът има още таблици, публикувани заедно с него: всяка версия ги обхваща всички.",
        "The dataset has more tables, published with it: each version covers them all.",
    ),
    ("table_rows", "Редове в API", "Rows in the API"),
    ("download_csv", "CSV", "CSV"),
    ("download_csv_bom", "CSV за Excel", "CSV for Excel"),
    ("download_json", "JSON", "JSON"),
    (
        "download_ndjson",
        "NDJSON (ред по ред)",
        "NDJSON (line by line)",
    ),
    (
        "download_datapackage",
        "Data Package (описание)",
        "Data Package (description)",
    ),
    (
        "download_ocds",
        "OCDS (обществени поръчки)",
        "OCDS (public procurement)",
    ),
    ("download_fdp", "Fiscal Data Package", "Fiscal Data Package"),
    ("download_popolo", "Popolo (гласувания)", "Popolo (votes)"),
    ("api", "Програмен достъп (API)", "API"),
    (
        "api_intro",
        "Същите данни са достъпни през JSON API, страница по страница, с филтри и сортиране.",
        "The same data is served by the JSON API, page by page, with filters and sorting.",
    ),
    ("api_curl", "С curl", "With curl"),
    ("api_python", "С Python и pandas", "With Python and pandas"),
    (
        "api_pages",
        "Всички страници, по заглавката Link",
        "Every page, following the Link header",
    ),
    ("copy", "Копирай", "Copy"),
    ("copied", "Копирано", "Copied"),
    ("feed", "Абонамент (Atom)", "Subscribe (Atom)"),
    ("added", "Добавени", "Added"),
    ("removed", "Премахнати", "Removed"),
    ("changed", "Променени", "Changed"),
    ("before", "Преди", "Before"),
    ("after", "След", "After"),
    (
        "no_changes",
        "Няма промени между тези версии.",
        "Nothing changed between these versions.",
    ),
    (
        "schema_changes",
        "Промени в структурата",
        "Changes to the structure",
    ),
    (
        "changes_truncated",
        "Показани са първите {n} реда от всеки вид; пълният списък е в JSON.",
        "The first {n} rows of each kind are shown; the full list is in the JSON.",
    ),
    ("record", "Запис", "Record"),
    (
        "record_history",
        "История на записа",
        "History of the record",
    ),
    ("valid_from", "От версия", "From version"),
    ("valid_until", "До версия", "Until version"),
    ("current", "текуща", "current"),
    ("permalink", "Постоянна връзка", "Permanent link"),
    (
        "ocds_record",
        "Цялата процедура в OCDS (JSON)",
        "The whole procurement in OCDS (JSON)",
    ),
    ("field", "Поле", "Field"),
    ("value", "Стойност", "Value"),
    ("not_found", "Няма такава страница", "There is no such page"),
    ("back_to_catalog", "Към каталога", "Back to the catalogue"),
    (
        "bad_request",
        "Неразбираема заявка",
        "The request is not understood",
    ),
    ("error", "Грешка", "Error"),
    ("open_data", "Отворени данни", "Open data"),
    (
        "api_docs",
        "Описание на API (OpenAPI)",
        "API description (OpenAPI)",
    ),
    ("every_day_at", "всеки ден в {time}", "every day at {time}"),
    (
        "every_hour_at",
        "всеки час в {minute} мин.",
        "every hour at {minute} past",
    ),
    (
        "every_week_at",
        "всяка седмица, {day} в {time}",
        "every week, {day} at {time}",
    ),
    (
        "every_month_at",
        "всеки месец на {day}-о число в {time}",
        "every month on day {day} at {time}",
    ),
    (
        "on_schedule",
        "по график „{expression}“",
        "on the schedule “{expression}”",
    ),
    (
        "not_scheduled",
        "само при ръчно пускане",
        "only when run by hand",
    ),
    ("previous", "Предишна", "Previous"),
    ("next", "Следваща", "Next"),
    ("page_of", "Страница", "Page"),
    ("all_datasets", "Всички набори от данни", "All datasets"),
    ("dataset", "Набор от данни", "Dataset"),
    ("description", "Описание", "Description"),
    ("keywords", "Ключови думи", "Keywords"),
    ("key", "Ключ", "Key"),
    ("loading", "Зареждане…", "Loading…"),
    (
        "load_failed",
        "Данните не можаха да се заредят.",
        "The data could not be loaded.",
    ),
];

/// Weekday names, Monday first, for schedules in words.
pub fn weekday(lang: Lang, index: usize) -> &'static str {
    const BG: [&str; 7] = [
        "понеделник",
        "вторник",
        "сряда",
        "четвъртък",
        "петък",
        "събота",
        "неделя",
    ];
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    match lang {
        Lang::Bg => BG[index % 7],
        Lang::En => EN[index % 7],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_query_beats_the_cookie_which_beats_accept_language() {
        let all = headers(&[
            (header::COOKIE, "theme=dark; lang=en"),
            (header::ACCEPT_LANGUAGE, "bg-BG,bg;q=0.9"),
        ]);
        assert_eq!(choose(Some("bg"), &all).lang, Lang::Bg);
        assert!(choose(Some("bg"), &all).from_query);
        assert_eq!(choose(None, &all).lang, Lang::En);
        let no_cookie = headers(&[(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,bg;q=0.8")]);
        assert_eq!(choose(None, &no_cookie).lang, Lang::En);
        assert_eq!(choose(Some("fr"), &no_cookie).lang, Lang::En);
        assert_eq!(choose(None, &HeaderMap::new()).lang, Lang::Bg);
    }

    #[test]
    fn accept_language_follows_quality_and_refusals() {
        let pick = |v: &str| accept_language(&headers(&[(header::ACCEPT_LANGUAGE, v)]));
        assert_eq!(pick("fr, en;q=0.5, bg;q=0.7"), Some(Lang::Bg));
        assert_eq!(pick("de, en;q=0"), None);
        assert_eq!(pick("EN-us"), Some(Lang::En));
        assert_eq!(pick("en;q=0.5, bg;q=0.5"), Some(Lang::En));
    }

    #[test]
    fn numbers_and_money_in_each_language() {
        assert_eq!(number(Lang::Bg, "1234567.89"), "1\u{a0}234\u{a0}567,89");
        assert_eq!(number(Lang::En, "1234567.89"), "1,234,567.89");
        assert_eq!(number(Lang::Bg, "-10000"), "-10\u{a0}000");
        assert_eq!(number(Lang::En, "2024"), "2024");
        assert_eq!(number(Lang::En, "999"), "999");
        assert_eq!(number(Lang::En, "n/a"), "n/a");
        assert_eq!(
            money(Lang::Bg, 1234567.891, "BGN"),
            "1\u{a0}234\u{a0}567,89\u{a0}лв."
        );
        assert_eq!(money(Lang::En, 1234.5, "EUR"), "€1234.50");
        assert_eq!(money(Lang::En, 12345.5, "EUR"), "€12,345.50");
    }

    #[test]
    fn dates_in_words() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(long_date(Lang::Bg, date), "2 декември 2026 г.");
        assert_eq!(long_date(Lang::En, date), "2 December 2026");
        assert_eq!(short_date(Lang::Bg, date), "02.12.2026");
    }

    #[test]
    fn bilingual_texts_split_on_the_slash() {
        let title = "Бюджет и изпълнение / Budget and execution";
        assert_eq!(part(Lang::Bg, title), "Бюджет и изпълнение");
        assert_eq!(part(Lang::En, title), "Budget and execution");
        assert_eq!(part(Lang::En, "Only one"), "Only one");
    }

    #[test]
    fn every_key_is_unique() {
        let mut keys: Vec<&str> = WORDS.iter().map(|w| w.0).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "a key is listed twice");
    }
}
