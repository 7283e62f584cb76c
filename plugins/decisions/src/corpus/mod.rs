//! A generated corpus of session pages, and the property that the parser
//! reads every one of them back.
//!
//! Fixtures show the layouts one site used on a few days; councils write
//! the same record in many more. Here a record of a session ([`model`]) is
//! generated at random, written as a page in one of the layouts clerks use
//! ([`render`], [`vote`], with the words of [`phrases`]), encoded as UTF-8
//! or Windows-1251, then decoded, reduced to lines and parsed exactly as a
//! fetched page is. The decisions parsed must be the record's, one row per
//! decision with its agenda point, reference, vote type, counts and result
//! ([`properties`]). Failing cases proptest finds are kept in
//! `proptest-regressions/corpus/properties.txt` and replayed first; the
//! shapes they taught the parser are also written out as plain tests.

mod model;
mod phrases;
mod properties;
mod render;
mod strategy;
mod vote;
