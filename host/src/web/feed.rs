//! Atom 1.0 feeds for journalists: `/feed.atom` lists every new version
//! of every dataset, `/datasets/{id}/feed.atom` one dataset's. One entry
//! per version: when, how many rows were added, removed and changed, what
//! changed in the structure, and links to the changes page and the
//! downloads.
//!
//! Entries are identified by the version's permanent API address, so a
//! reader never sees one twice; `updated` is the publication time, so
//! feed readers order them as they happened.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::i18n::{self, Lang};
use crate::publish::app::{DatasetState, Links, segment};
use crate::store::{SchemaChange, Version};

/// The most entries one feed lists.
pub const MAX_ENTRIES: usize = 100;

/// A feed: its id and title, and the versions it lists, newest first.
pub struct Feed<'a> {
    pub base: &'a str,
    /// The feed's own path (`/feed.atom`).
    pub path: String,
    /// The page it is the feed of (`/`, `/datasets/{id}`).
    pub page: String,
    pub title: String,
    pub entries: Vec<(&'a DatasetState, &'a Version)>,
    pub lang: Lang,
}

/// The feed of every dataset.
pub fn catalog<'a>(
    base: &'a str,
    datasets: impl Iterator<Item = &'a DatasetState>,
    lang: Lang,
) -> Feed<'a> {
    let mut entries: Vec<(&DatasetState, &Version)> = datasets
        .flat_map(|d| d.versions.values().map(move |v| (d, v.as_ref())))
        .collect();
    newest_first(&mut entries);
    Feed {
        base,
        path: "/feed.atom".to_string(),
        page: "/".to_string(),
        title: format!(
            "{}: {}",
            lang.word("site_name"),
            match lang {
                Lang::Bg => "нови версии",
                Lang::En => "new versions",
            }
        ),
        entries,
        lang,
    }
}

/// The feed of one dataset.
pub fn dataset<'a>(base: &'a str, state: &'a DatasetState, lang: Lang) -> Feed<'a> {
    let mut entries: Vec<(&DatasetState, &Version)> = state
        .versions
        .values()
        .map(|v| (state, v.as_ref()))
        .collect();
    newest_first(&mut entries);
    let page = format!("/datasets/{}", segment(&state.meta.id));
    Feed {
        base,
        path: format!("{page}/feed.atom"),
        page,
        title: i18n::part(lang, &state.meta.title).to_string(),
        entries,
        lang,
    }
}

fn newest_first(entries: &mut Vec<(&DatasetState, &Version)>) {
    entries.sort_by(|a, b| {
        b.1.published_at
            .cmp(&a.1.published_at)
            .then_with(|| a.1.dataset.cmp(&b.1.dataset))
            .then_with(|| b.1.number.cmp(&a.1.number))
    });
    entries.truncate(MAX_ENTRIES);
}

impl Feed<'_> {
    /// When the feed last changed: its newest entry, or the epoch.
    pub fn updated(&self) -> DateTime<Utc> {
        self.entries
            .first()
            .map(|(_, v)| v.published_at)
            .unwrap_or_default()
    }

    /// The feed as Atom XML.
    pub fn render(&self) -> String {
        let base = self.base;
        let lang = self.lang;
        let mut out = String::with_capacity(1024 + self.entries.len() * 1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let _ = writeln!(
            out,
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
            lang.code()
        );
        let _ = writeln!(out, "  <id>{}</id>", xml(&format!("{base}{}", self.path)));
        let _ = writeln!(out, "  <title>{}</title>", xml(&self.title));
        let _ = writeln!(out, "  <updated>{}</updated>", time(self.updated()));
        let _ = writeln!(
            out,
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
            xml(&format!("{base}{}?lang={}", self.path, lang.code()))
        );
        let _ = writeln!(
            out,
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&format!("{base}{}?lang={}", self.page, lang.code()))
        );
        let _ = writeln!(
            out,
            "  <author><name>{}</name></author>",
            xml(lang.word("site_name"))
        );
        let _ = writeln!(out, "  <generator>Vitrina</generator>");
        for (state, version) in &self.entries {
            self.entry(&mut out, state, version);
        }
        out.push_str("</feed>\n");
        out
    }

    fn entry(&self, out: &mut String, state: &DatasetState, v: &Version) {
        let (base, lang) = (self.base, self.lang);
        let links = Links {
            base,
            dataset: &state.meta.id,
        };
        let page = format!("{base}/datasets/{}", segment(&state.meta.id));
        let title = i18n::part(lang, &state.meta.title);
        let counts = v.row_changes;
        let n = |x: u64| i18n::number(lang, &x.to_string());
        let summary = match lang {
            Lang::Bg => format!(
                "Версия {}: {} реда общо; добавени {}, премахнати {}, променени {}.",
                v.number,
                n(v.row_count),
                n(counts.added),
                n(counts.removed),
                n(counts.changed)
            ),
            Lang::En => format!(
                "Version {}: {} rows in all; {} added, {} removed, {} changed.",
                v.number,
                n(v.row_count),
                n(counts.added),
                n(counts.removed),
                n(counts.changed)
            ),
        };
        let changes_page = if v.number > 1 {
            format!(
                "{page}/changes?from={}&to={}&lang={}",
                v.number - 1,
                v.number,
                lang.code()
            )
        } else {
            format!("{page}?lang={}", lang.code())
        };
        let _ = writeln!(out, "  <entry>");
        let _ = writeln!(out, "    <id>{}</id>", xml(&links.version(v.number)));
        let _ = writeln!(
            out,
            "    <title>{}</title>",
            xml(&format!("{title}: {}", first_sentence(&summary)))
        );
        let _ = writeln!(out, "    <updated>{}</updated>", time(v.published_at));
        let _ = writeln!(out, "    <published>{}</published>", time(v.published_at));
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&changes_page)
        );
        for (format, media) in [
            ("csv", "text/csv"),
            ("json", "application/json"),
            ("ndjson", "application/x-ndjson"),
        ] {
            let _ = writeln!(
                out,
                "    <link rel=\"enclosure\" type=\"{media}\" href=\"{}\"/>",
                xml(&links.download(Some(v.number), format))
            );
        }
        let _ = writeln!(out, "    <category term=\"{}\"/>", xml(&state.meta.id));
        let _ = writeln!(out, "    <summary>{}</summary>", xml(&summary));
        let mut html = format!("<p>{}</p>", html_text(&summary));
        if !v.schema_changes.is_empty() {
            let _ = write!(
                html,
                "<p>{}:</p><ul>",
                html_text(lang.word("schema_changes"))
            );
            for change in &v.schema_changes {
                let _ = write!(html, "<li>{}</li>", html_text(&schema_change(lang, change)));
            }
            html.push_str("</ul>");
        }
        let _ = write!(
            html,
            "<p><a href=\"{}\">{}</a> · <a href=\"{}\">CSV</a></p>",
            html_text(&changes_page),
            html_text(lang.word("changes")),
            html_text(&links.download(Some(v.number), "csv"))
        );
        let _ = writeln!(out, "    <content type=\"html\">{}</content>", xml(&html));
        let _ = writeln!(out, "  </entry>");
    }
}

/// A change of the structure in words.
pub fn schema_change(lang: Lang, change: &SchemaChange) -> String {
    let text = serde_json::to_value(change).unwrap_or_default();
    let kind = text["change"].as_str().unwrap_or_default();
    let field = text["field"].as_str().unwrap_or_default();
    match (lang, kind) {
        (Lang::Bg, "field_added") => format!("добавено поле `{field}`"),
        (Lang::Bg, "field_removed") => format!("премахнато поле `{field}`"),
        (Lang::En, "field_added" | "field_removed" | "field_renamed") => change.to_string(),
        (Lang::Bg, "field_renamed") => format!(
            "поле `{}` преименувано на `{}`",
            text["from"].as_str().unwrap_or_default(),
            text["to"].as_str().unwrap_or_default()
        ),
        _ => {
            // Other changes (a type, the key) as the API states them.
            let mut object = text.as_object().cloned().unwrap_or_default();
            object.remove("change");
            let details: Vec<String> = object
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_string)))
                .collect();
            format!("{}: {}", kind.replace('_', " "), details.join(", "))
        }
    }
}

fn first_sentence(text: &str) -> &str {
    text.split_once(':').map_or(text, |(head, _)| head)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text escaped for XML content and attributes.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Text escaped for the HTML inside an entry's content.
fn html_text(text: &str) -> String {
    xml(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_cannot_escape() {
        assert_eq!(xml("<script>&\"'"), "&lt;script&gt;&amp;&quot;&apos;");
        assert_eq!(xml("a\u{1}b\tc"), "ab\tc");
    }
}
