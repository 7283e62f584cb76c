//! Where a store keeps the files of its versions (downloads, derived
//! files, their compressed copies), and the one way they are written and
//! read: [`FileStore`]. Nothing outside it knows where a file lives: a
//! file is named by its version's [`Folder`] and its name (`data.csv`,
//! `ocds.json.br`). The local filesystem ([`LocalFiles`]) is the only
//! implementation today; an object store would be another.
//!
//! A file is written once and never changes after: it is visible under its
//! name only once committed ([`NewFile::commit`]), and one dropped before
//! that leaves nothing. [`LocalFiles`] writes under a temporary name,
//! fsyncs, renames and fsyncs the folder, and hands files out memory-mapped
//! ([`FileCache`]): a download or a byte range is a slice of the page cache
//! handed straight to the socket writer, with no read loop, no copy, and
//! `Content-Length` known. Open mappings are kept in a small table so a
//! popular file is mapped once. Every file's SHA-256 is computed as it is
//! written and kept beside it (`data.csv.sha256`, in `sha256sum`'s format),
//! for catalogs that publish checksums and people who check downloads.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::{StoreError, Version};

/// The files of one version of a dataset or table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Folder {
    /// The dataset's or table's store id.
    pub table: String,
    pub number: u64,
    /// The version's content hash: files a publish that crashed before its
    /// commit left behind can never pass for those of the version that
    /// later takes the same number.
    pub content_hash: String,
}

impl Folder {
    pub fn new(table: &str, number: u64, content_hash: &str) -> Self {
        Self {
            table: table.to_string(),
            number,
            content_hash: content_hash.to_string(),
        }
    }

    /// The folder of a published version.
    pub fn of(version: &Version) -> Self {
        Self::new(&version.dataset, version.number, &version.content_hash)
    }
}

/// Where a store keeps its versions' files.
pub trait FileStore: Send + Sync {
    /// Starts writing `name` in `folder`; nothing is visible under the
    /// name until the file is committed.
    fn create(&self, folder: &Folder, name: &str) -> Result<Box<dyn NewFile>, StoreError>;

    /// The file's bytes, valid while held (their length is the file's);
    /// `None` when the folder has no such file. Blocks.
    fn open(&self, folder: &Folder, name: &str) -> Result<Option<Bytes>, StoreError>;

    /// The file as a stream, for reading it once whole (to derive another
    /// file from it) without holding it in memory or in a mapping; `None`
    /// when absent. Blocks.
    fn read(&self, folder: &Folder, name: &str)
    -> Result<Option<Box<dyn Read + Send>>, StoreError>;

    /// The file when it is already open: never blocks.
    fn cached(&self, folder: &Folder, name: &str) -> Option<Bytes>;

    /// The file's size, without reading it; `None` when absent.
    fn size(&self, folder: &Folder, name: &str) -> Option<u64>;

    /// The names of the committed files of a folder, sorted.
    fn names(&self, folder: &Folder) -> Result<Vec<String>, StoreError>;

    /// The file's SHA-256, in lowercase hex, as computed when it was
    /// written; `None` when absent or written before checksums were kept.
    fn sha256(&self, folder: &Folder, name: &str) -> Option<String>;
}

/// The name of the file holding `name`'s checksum.
fn checksum_name(name: &str) -> String {
    format!("{name}.sha256")
}

/// A file being written.
pub trait NewFile: Send {
    /// Where its bytes go.
    fn writer(&mut self) -> &mut (dyn Write + Send);

    /// Makes the file visible under its name, whole and durable.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Files on the local filesystem:
/// `<root>/<table>/<number>-<first 16 hex of the content hash>/<name>`.
pub struct LocalFiles {
    root: PathBuf,
    maps: Arc<FileCache>,
}

impl LocalFiles {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            maps: Arc::default(),
        }
    }

    /// Where `name` of `folder` lives: this backend's own business, and
    /// its tests'.
    pub fn path(&self, folder: &Folder, name: &str) -> PathBuf {
        self.dir(folder).join(name)
    }

    fn dir(&self, folder: &Folder) -> PathBuf {
        let hash = &folder.content_hash;
        self.root.join(&folder.table).join(format!(
            "{}-{}",
            folder.number,
            &hash[..hash.len().min(16)]
        ))
    }
}

impl FileStore for LocalFiles {
    fn create(&self, folder: &Folder, name: &str) -> Result<Box<dyn NewFile>, StoreError> {
        let dir = self.dir(folder);
        std::fs::create_dir_all(&dir).map_err(|source| io(&dir, source))?;
        let path = dir.join(name);
        // `data.csv.tmp<pid>`: never a name the store serves.
        let tmp = dir.join(format!("{name}.tmp{}", std::process::id()));
        let file = File::create(&tmp).map_err(|source| io(&tmp, source))?;
        Ok(Box::new(LocalFile {
            out: Some(Hashing {
                inner: BufWriter::with_capacity(1 << 20, file),
                hasher: Sha256::new(),
            }),
            name: name.to_string(),
            tmp,
            path,
            dir,
            maps: Arc::clone(&self.maps),
        }))
    }

    fn open(&self, folder: &Folder, name: &str) -> Result<Option<Bytes>, StoreError> {
        let path = self.path(folder, name);
        match self.maps.open(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io(&path, source)),
        }
    }

    fn read(
        &self,
        folder: &Folder,
        name: &str,
    ) -> Result<Option<Box<dyn Read + Send>>, StoreError> {
        let path = self.path(folder, name);
        match File::open(&path) {
            Ok(file) => Ok(Some(Box::new(std::io::BufReader::with_capacity(
                1 << 16,
                file,
            )))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io(&path, source)),
        }
    }

    fn cached(&self, folder: &Folder, name: &str) -> Option<Bytes> {
        self.maps.cached(&self.path(folder, name))
    }

    fn size(&self, folder: &Folder, name: &str) -> Option<u64> {
        std::fs::metadata(self.path(folder, name))
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }

    fn names(&self, folder: &Folder) -> Result<Vec<String>, StoreError> {
        let dir = self.dir(folder);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io(&dir, source)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| io(&dir, source))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let pending = name
                .rsplit_once(".tmp")
                .is_some_and(|(_, pid)| pid.bytes().all(|b| b.is_ascii_digit()));
            if !pending && !name.ends_with(".sha256") && entry.path().is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn sha256(&self, folder: &Folder, name: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.path(folder, &checksum_name(name))).ok()?;
        // `<hex>  <name>`; anything else (a file cut short by a crash) is
        // no checksum rather than a wrong one.
        let (hex, named) = text.trim_end().split_once("  ")?;
        (named == name && hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hex.to_ascii_lowercase())
    }
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A local file being written under its temporary name.
struct LocalFile {
    out: Option<Hashing<BufWriter<File>>>,
    name: String,
    tmp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
    /// The open mappings, to forget one of a file this replaces.
    maps: Arc<FileCache>,
}

impl NewFile for LocalFile {
    fn writer(&mut self) -> &mut (dyn Write + Send) {
        // `out` is taken only by `commit`, which consumes the file.
        self.out
            .as_mut()
            .expect("a file being written has its writer")
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let out = self.out.take().expect("a file is committed once");
        let digest = hex::encode(out.hasher.finalize());
        let file = out
            .inner
            .into_inner()
            .map_err(|e| io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|source| io(&self.tmp, source))?;
        // The checksum goes first, so a file is never visible with a
        // checksum of something else. It is not synced on its own: the
        // folder's sync below makes both durable, and one lost to a crash
        // before that is only a checksum not published.
        self.write_checksum(&digest)?;
        std::fs::rename(&self.tmp, &self.path).map_err(|source| io(&self.path, source))?;
        // A file written again (a standard file naming a moved portal's
        // address) is read anew; answers in flight keep the old mapping.
        self.maps.forget(&self.path);
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| io(&self.dir, source))
    }
}

impl LocalFile {
    fn write_checksum(&self, digest: &str) -> Result<(), StoreError> {
        let path = self.dir.join(checksum_name(&self.name));
        let tmp = self.dir.join(format!(
            "{}.tmp{}",
            checksum_name(&self.name),
            std::process::id()
        ));
        std::fs::write(&tmp, format!("{digest}  {}\n", self.name))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|source| io(&path, source))
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        // Not committed: nothing stays behind.
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How many mappings stay open: address space, not memory, so this only
/// bounds file descriptors and kernel bookkeeping.
const MAX_OPEN: usize = 256;

/// The table of open mappings.
#[derive(Default)]
struct FileCache {
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

    /// Drops the mapping of `path`, whose file was replaced.
    pub fn forget(&self, path: &Path) {
        let mut table = self.lock();
        if table.maps.remove(path).is_some() {
            table.order.retain(|p| p != path);
        }
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
    // renamed into place by the store; one written again is a new file
    // renamed over the old name, never the old file changed), so the mapped
    // bytes never change or shrink under the mapping.
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

    #[test]
    fn a_committed_file_has_its_checksum_and_an_abandoned_one_none() {
        let root = tempfile::tempdir().unwrap();
        let files = LocalFiles::new(root.path());
        let folder = Folder::new("budget", 1, "00112233445566778899");
        let mut file = files.create(&folder, "data.csv").unwrap();
        file.writer().write_all(b"a,b\r\n1,2\r\n").unwrap();
        file.commit().unwrap();
        let expected = hex::encode(Sha256::digest(b"a,b\r\n1,2\r\n"));
        assert_eq!(files.sha256(&folder, "data.csv"), Some(expected.clone()));
        // In `sha256sum -c`'s format, and never listed as a file.
        let sidecar = std::fs::read_to_string(files.path(&folder, "data.csv.sha256")).unwrap();
        assert_eq!(sidecar, format!("{expected}  data.csv\n"));
        assert_eq!(files.names(&folder).unwrap(), ["data.csv"]);
        let mut dropped = files.create(&folder, "data.json").unwrap();
        dropped.writer().write_all(b"[]").unwrap();
        drop(dropped);
        assert_eq!(files.sha256(&folder, "data.json"), None);
        // A checksum cut short is none, not a wrong one.
        std::fs::write(files.path(&folder, "data.csv.sha256"), &sidecar[..20]).unwrap();
        assert_eq!(files.sha256(&folder, "data.csv"), None);
    }
}
