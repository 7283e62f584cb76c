//! Hostile plugin (work in progress).
