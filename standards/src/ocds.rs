//! placeholder: filled in by the ocds work.
