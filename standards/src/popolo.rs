//! placeholder: filled in by the popolo work.
