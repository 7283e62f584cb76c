//! Catalog search: which datasets answer a citizen's words and filters,
//! ranked, with the facet counts of what was found.
//!
//! The catalog of a municipality holds tens of datasets, not millions, so
//! each dataset's words are kept folded in memory ([`SearchDoc`], built
//! when the publisher rebuilds its picture of the catalog) and a search is
//! a scan. Words are compared in one Latin, stemmed form ([`text`]), so a
//! search in Bulgarian, in its Latin transliteration or in English finds
//! the same datasets. The publisher turns the answer into JSON
//! (`GET /api/v1/datasets?q=`); this module knows nothing of HTTP.

pub mod text;

use std::collections::BTreeMap;

/// How much a match in each part of a dataset's description counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Title,
    Keywords,
    Publisher,
    Description,
    Fields,
}

impl Part {
    fn weight(self) -> u32 {
        match self {
            Part::Title => 8,
            Part::Keywords => 6,
            Part::Publisher => 4,
            Part::Description => 2,
            Part::Fields => 2,
        }
    }
}

/// What a dataset can be filtered and counted by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub theme: Vec<String>,
    pub publisher: Option<String>,
    pub profile: Option<String>,
    pub format: Vec<String>,
}

/// The facets, by the name the API gives them.
pub const FACETS: &[&str] = &["theme", "publisher", "profile", "format"];

impl Facets {
    fn values(&self, facet: &str) -> Vec<&str> {
        match facet {
            "theme" => self.theme.iter().map(String::as_str).collect(),
            "publisher" => self.publisher.as_deref().into_iter().collect(),
            "profile" => self.profile.as_deref().into_iter().collect(),
            "format" => self.format.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// One dataset's words, folded for search, and its facets.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    parts: Vec<(Part, Vec<String>)>,
    pub facets: Facets,
}

impl SearchDoc {
    pub fn new(facets: Facets) -> Self {
        Self {
            parts: Vec::new(),
            facets,
        }
    }

    /// Adds the words of `text` as part `part`.
    pub fn add(&mut self, part: Part, text: &str) {
        let terms = text::terms(text);
        if !terms.is_empty() {
            self.parts.push((part, terms));
        }
    }

    /// How well the dataset answers `terms` (every one must match
    /// somewhere), or `None`.
    fn score(&self, terms: &[String]) -> Option<u32> {
        terms
            .iter()
            .map(|term| {
                self.parts
                    .iter()
                    .flat_map(|(part, words)| {
                        words
                            .iter()
                            .filter_map(move |word| matches(term, word).map(|m| m * part.weight()))
                    })
                    .max()
            })
            .sum()
    }
}

/// How closely a query term meets a word: 2 when equal, 1 when one begins
/// the other (both stems, the shorter of at least four letters: `reshen`
/// and `resheni` are the same word to a reader).
fn matches(term: &str, word: &str) -> Option<u32> {
    if term == word {
        return Some(2);
    }
    let (short, long) = if term.len() <= word.len() {
        (term, word)
    } else {
        (word, term)
    };
    (short.chars().count() >= 4 && long.starts_with(short)).then_some(1)
}

/// A search of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The words, folded; empty matches every dataset.
    pub terms: Vec<String>,
    /// Facet name → the value a dataset must have.
    pub filters: BTreeMap<&'static str, String>,
}

impl Query {
    pub fn new(q: &str) -> Self {
        Self {
            terms: text::terms(q),
            filters: BTreeMap::new(),
        }
    }

    fn admits(&self, facets: &Facets) -> bool {
        self.filters
            .iter()
            .all(|(facet, value)| facets.values(facet).contains(&value.as_str()))
    }
}

/// What a search found: the indexes of the matching documents, best first,
/// and the facet counts over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub ranked: Vec<usize>,
    /// Facet → (value, datasets found with it), most frequent first.
    pub facets: BTreeMap<&'static str, Vec<(String, usize)>>,
}

/// Searches `docs` (with their titles, for a stable order among equals).
pub fn search<'a>(
    docs: impl IntoIterator<Item = (&'a SearchDoc, &'a str)>,
    query: &Query,
) -> Found {
    let mut hits: Vec<(u32, &str, usize, &Facets)> = docs
        .into_iter()
        .enumerate()
        .filter(|(_, (doc, _))| query.admits(&doc.facets))
        .filter_map(|(i, (doc, title))| {
            doc.score(&query.terms)
                .map(|score| (score, title, i, &doc.facets))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let facets = FACETS
        .iter()
        .map(|facet| (*facet, count(hits.iter().map(|h| h.3), facet)))
        .collect();
    Found {
        ranked: hits.into_iter().map(|h| h.2).collect(),
        facets,
    }
}

fn count<'a>(found: impl Iterator<Item = &'a Facets>, facet: &str) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for facets in found {
        for value in facets.values(facet) {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(value, n)| (value.to_string(), n))
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, description: &str, theme: &str, profile: &str) -> SearchDoc {
        let mut doc = SearchDoc::new(Facets {
            theme: vec![theme.to_string()],
            publisher: Some("Община Бургас / Municipality of Burgas".to_string()),
            profile: Some(profile.to_string()),
            format: vec!["csv".to_string(), "json".to_string()],
        });
        doc.add(Part::Title, title);
        doc.add(Part::Description, description);
        doc.add(Part::Publisher, "Община Бургас / Municipality of Burgas");
        doc
    }

    fn catalog() -> Vec<(SearchDoc, &'static str)> {
        vec![
            (
                doc(
                    "Бюджет и изпълнение на бюджета / Budget",
                    "The budget of the municipality, line by line.",
                    "ECON",
                    "budget",
                ),
                "budget",
            ),
            (
                doc(
                    "Решения на Общинския съвет / Council decisions",
                    "Every decision with its vote; the budget is adopted here too.",
                    "GOVE",
                    "decision",
                ),
                "decisions",
            ),
            (
                doc(
                    "Обществени поръчки / Public procurement",
                    "Contracts of the municipality.",
                    "ECON",
                    "procurement",
                ),
                "procurement",
            ),
        ]
    }

    fn titles(q: &str, filters: &[(&'static str, &str)]) -> Vec<&'static str> {
        let catalog = catalog();
        let mut query = Query::new(q);
        for (facet, value) in filters {
            query.filters.insert(facet, value.to_string());
        }
        search(catalog.iter().map(|(d, t)| (d, *t)), &query)
            .ranked
            .into_iter()
            .map(|i| catalog[i].1)
            .collect()
    }

    #[test]
    fn cyrillic_latin_and_english_words_find_the_same_dataset() {
        for q in ["бюджети", "бюджет", "byudzhet", "Budget", "budgets"] {
            assert_eq!(titles(q, &[])[0], "budget", "{q}");
        }
        assert_eq!(titles("reshenia", &[]), ["decisions"]);
        assert_eq!(titles("поръчка", &[]), ["procurement"]);
        assert_eq!(titles("Burgas", &[]).len(), 3);
    }

    #[test]
    fn every_word_must_match_and_titles_outrank_descriptions() {
        // "budget" is in the title of one and the description of another.
        assert_eq!(titles("budget", &[]), ["budget", "decisions"]);
        assert_eq!(titles("budget vote", &[]), ["decisions"]);
        assert!(titles("budget nowhere", &[]).is_empty());
        // No words: everything, by title.
        assert_eq!(titles("", &[]), ["budget", "decisions", "procurement"]);
    }

    #[test]
    fn filters_narrow_and_facets_count_what_was_found() {
        assert_eq!(titles("", &[("theme", "ECON")]), ["budget", "procurement"]);
        assert_eq!(titles("budget", &[("profile", "decision")]), ["decisions"]);
        assert!(titles("", &[("format", "xml")]).is_empty());
        let catalog = catalog();
        let found = search(
            catalog.iter().map(|(d, t)| (d, *t)),
            &Query::new("contracts"),
        );
        assert_eq!(found.facets["theme"], [("ECON".to_string(), 1)]);
        // The publisher's name is searched too.
        let found = search(catalog.iter().map(|(d, t)| (d, *t)), &Query::new("Бургас"));
        assert_eq!(
            found.facets["theme"],
            [("ECON".to_string(), 2), ("GOVE".to_string(), 1)]
        );
        assert_eq!(found.facets["format"][0], ("csv".to_string(), 3));
    }
}
