//! placeholder: filled in by the fdp work.
