//! placeholder: filled in by the datapackage work.
