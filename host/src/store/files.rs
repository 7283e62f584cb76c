//! A version's files (downloads, derived files, their compressed copies),
//! memory-mapped once and handed out as zero-copy [`Bytes`] by
//! [`crate::store::Store::read_file`].
//!
//! A version's files are written once and never change after (downloads
//! before the version becomes visible, standard files just after; a store
//! writes each under a temporary name and renames it, so a
//! mapping always sees complete, immutable content). Mapping them lets a
//! download or a byte range be a slice of the page cache handed straight to
//! the socket writer: no read loop, no copy, and `Content-Length` known.
//! Open mappings are kept in a small table so a popular file is mapped once.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;

/// How many mappings stay open: address space, not memory, so this only
/// bounds file descriptors and kernel bookkeeping.
const MAX_OPEN: usize = 256;

/// The table of open mappings.
#[derive(Default)]
pub struct FileCache {
    inner: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    maps: HashMap<PathBuf, Bytes>,
    order: VecDeque<PathBuf>,
}

impl FileCache {
    /// The mapped file when it is already open (never blocks on I/O).
    pub fn cached(&self, path: &Path) -> Option<Bytes> {
        self.lock().maps.get(path).cloned()
    }

    /// Maps a file and keeps it. Blocks: call from `spawn_blocking`.
    pub fn open(&self, path: &Path) -> std::io::Result<Bytes> {
        if let Some(bytes) = self.cached(path) {
            return Ok(bytes);
        }
        let bytes = map(path)?;
        let mut table = self.lock();
        if table.maps.len() >= MAX_OPEN
            && let Some(oldest) = table.order.pop_front()
        {
            table.maps.remove(&oldest);
        }
        if table
            .maps
            .insert(path.to_path_buf(), bytes.clone())
            .is_none()
        {
            table.order.push_back(path.to_path_buf());
        }
        Ok(bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn map(path: &Path) -> std::io::Result<Bytes> {
    let file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: export files are immutable once visible (written aside and
    // renamed into place by the store), so the mapped bytes never change
    // or shrink under the mapping.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(Bytes::from_owner(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_keeps_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        std::fs::write(&path, b"a,b\r\n1,2\r\n").unwrap();
        let files = FileCache::default();
        assert!(files.cached(&path).is_none());
        assert_eq!(&files.open(&path).unwrap()[..], b"a,b\r\n1,2\r\n");
        assert!(files.cached(&path).is_some());
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, b"").unwrap();
        assert!(files.open(&empty).unwrap().is_empty());
        assert!(files.open(&dir.path().join("missing")).is_err());
    }
}
