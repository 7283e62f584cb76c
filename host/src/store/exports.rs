//! Full downloads of versions (in progress).
