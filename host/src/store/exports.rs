//! Full downloads of a version: CSV, CSV with a BOM for Excel, JSON and
//! NDJSON, written once and never changed. Every served file of a version
//! (these and the derived files beside them) later gets gzip and brotli
//! copies, written in the background.
//!
//! Files are written to a temporary name, fsynced and renamed, so a reader
//! (or a crash) never sees half a file under the real name. Each version's
//! files live in a folder named by its number and content hash, so files
//! left by a publish that crashed before its commit can never be mistaken
//! for those of the version that later takes the same number.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Compression, DerivedFile, ExportFormat, RowSource, StoreError, VersionFacts};
use crate::output::{csv_writer, write_csv_header, write_csv_row, write_json_object};
use crate::schema::{Row, StreamSchema};

/// Every format a version is downloadable in.
pub const FORMATS: [ExportFormat; 4] = [
    ExportFormat::Csv,
    ExportFormat::CsvBom,
    ExportFormat::Json,
    ExportFormat::Ndjson,
];

/// Every compression a download file is stored in.
pub const COMPRESSIONS: [Compression; 3] = [
    Compression::Identity,
    Compression::Gzip,
    Compression::Brotli,
];

/// Brotli quality for downloads: 11 takes minutes on a 75 MB CSV, 5 takes
/// a second and still beats gzip.
const BROTLI_QUALITY: u32 = 5;

/// The folder of a version's files.
pub fn version_dir(root: &Path, dataset: &str, number: u64, content_hash: &str) -> PathBuf {
    root.join(dataset).join(format!(
        "{number}-{}",
        &content_hash[..content_hash.len().min(16)]
    ))
}

/// The file name of one format in one compression.
pub fn file_name(format: ExportFormat, compression: Compression) -> String {
    let base = match format {
        ExportFormat::Csv => "data.csv",
        ExportFormat::CsvBom => "data.bom.csv",
        ExportFormat::Json => "data.json",
        ExportFormat::Ndjson => "data.ndjson",
    };
    coded_name(base, compression)
}

/// The name of a version file's copy in `compression`: `ocds.json.br`.
pub fn coded_name(name: &str, compression: Compression) -> String {
    match compression {
        Compression::Identity => name.to_string(),
        Compression::Gzip => format!("{name}.gz"),
        Compression::Brotli => format!("{name}.br"),
    }
}

/// Whether every uncompressed file of a version exists: what a version
/// needs to be served.
pub fn complete(dir: &Path) -> bool {
    FORMATS
        .iter()
        .all(|&f| dir.join(file_name(f, Compression::Identity)).is_file())
}

/// The uncompressed files of a version's folder, every one served: the
/// downloads and the derived files (`datapackage.json`, a standard's
/// rendering). Told by their extension, so that compressed copies and
/// files still being written (`.tmp<pid>`) are never among them.
fn served_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|source| io(dir, source))? {
        let path = entry.map_err(|source| io(dir, source))?.path();
        let served = path
            .extension()
            .is_some_and(|ext| ext == "csv" || ext == "json" || ext == "ndjson");
        if served && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The compressed copies of `plain` that clients may be sent.
fn copies(plain: &Path) -> [(PathBuf, Compression); 2] {
    [Compression::Gzip, Compression::Brotli].map(|compression| {
        let mut name = plain.as_os_str().to_os_string();
        name.push(coded_name("", compression));
        (PathBuf::from(name), compression)
    })
}

/// Whether every served file of a version has its compressed copies.
pub fn compressed(dir: &Path) -> bool {
    served_files(dir).is_ok_and(|files| {
        files
            .iter()
            .all(|plain| copies(plain).iter().all(|(copy, _)| copy.is_file()))
    })
}

/// Writes the uncompressed files of a version from its rows (in key
/// order), in one pass over the rows: CSV, JSON and NDJSON side by side,
/// then the CSV with a BOM. Compressed copies come later
/// ([`compress_version`]): they are an optimisation for clients, and a
/// large version should not wait for brotli to become visible.
pub fn write_version<F>(dir: &Path, schema: &StreamSchema, mut rows: F) -> Result<(), StoreError>
where
    F: FnMut(&mut dyn FnMut(&Row) -> std::io::Result<()>) -> Result<(), StoreError>,
{
    std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    let formats = [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Ndjson];
    let mut files = formats
        .iter()
        .map(|&f| AtomicFile::create(&dir.join(file_name(f, Compression::Identity))))
        .collect::<Result<Vec<_>, _>>()?;
    {
        let mut writers = files
            .iter_mut()
            .zip(formats)
            .map(|(file, format)| FormatWriter::new(&mut file.out, format, schema))
            .collect::<Result<Vec<_>, _>>()?;
        rows(&mut |row| writers.iter_mut().try_for_each(|w| w.row(row)))?;
        for writer in writers {
            writer.finish().map_err(|source| io(dir, source))?;
        }
    }
    for file in files {
        file.commit()?;
    }
    write_bom_copy(dir)?;
    sync_dir(dir)
}

/// Writes the gzip and brotli copies a version's folder lacks, of its
/// downloads and of its derived files alike; `true` when it wrote any.
pub fn compress_version(dir: &Path) -> Result<bool, StoreError> {
    let mut wrote = false;
    for plain in served_files(dir)? {
        for (target, compression) in copies(&plain) {
            if !target.is_file() {
                compress(&plain, &target, compression)?;
                wrote = true;
            }
        }
    }
    if wrote {
        sync_dir(dir)?;
    }
    Ok(wrote)
}

/// A file written under a temporary name and renamed into place once
/// complete and synced.
struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
    out: BufWriter<File>,
    committed: bool,
}

impl AtomicFile {
    fn create(path: &Path) -> Result<Self, StoreError> {
        let tmp = temporary_name(path);
        let file = File::create(&tmp).map_err(|source| io(&tmp, source))?;
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path: path.to_path_buf(),
            committed: false,
        })
    }

    fn commit(mut self) -> Result<(), StoreError> {
        self.out.flush().map_err(|source| io(&self.tmp, source))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|source| io(&self.tmp, source))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|source| io(&self.path, source))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes one derived file of a version into its folder.
pub fn write_derived(
    dir: &Path,
    file: &dyn DerivedFile,
    version: &VersionFacts,
    schema: &StreamSchema,
    rows: &mut RowSource<'_>,
) -> Result<(), StoreError> {
    let path = dir.join(file.name());
    write_atomically(&path, |out| file.write(out, version, schema, rows))?;
    sync_dir(dir)
}

/// Streams one format into its file.
struct FormatWriter<'a> {
    out: FormatOut<'a>,
    schema: &'a StreamSchema,
    first: bool,
}

enum FormatOut<'a> {
    // Boxed: the csv writer carries its buffer state inline.
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Json(&'a mut dyn Write),
    Ndjson(&'a mut dyn Write),
}

impl<'a> FormatWriter<'a> {
    fn new(
        out: &'a mut dyn Write,
        format: ExportFormat,
        schema: &'a StreamSchema,
    ) -> Result<Self, StoreError> {
        let out = match format {
            ExportFormat::Csv | ExportFormat::CsvBom => FormatOut::Csv(Box::new(csv_writer(out))),
            ExportFormat::Json => FormatOut::Json(out),
            ExportFormat::Ndjson => FormatOut::Ndjson(out),
        };
        let mut writer = Self {
            out,
            schema,
            first: true,
        };
        writer
            .start()
            .map_err(|source| io(Path::new("export"), source))?;
        Ok(writer)
    }

    fn start(&mut self) -> std::io::Result<()> {
        match &mut self.out {
            FormatOut::Csv(csv) => write_csv_header(csv, self.schema),
            FormatOut::Json(out) => out.write_all(b"["),
            FormatOut::Ndjson(_) => Ok(()),
        }
    }

    fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match &mut self.out {
            FormatOut::Csv(csv) => write_csv_row(csv, row),
            FormatOut::Json(out) => {
                out.write_all(if self.first { b"\n" } else { b",\n" })?;
                write_json_object(out, self.schema, row)
            }
            FormatOut::Ndjson(out) => {
                write_json_object(out, self.schema, row)?;
                out.write_all(b"\n")
            }
        }?;
        self.first = false;
        Ok(())
    }

    /// Closes the JSON array; hands the CSV writer's buffer to the file.
    fn finish(self) -> std::io::Result<()> {
        match self.out {
            FormatOut::Csv(mut csv) => csv.flush(),
            FormatOut::Json(out) => out.write_all(if self.first { b"]\n" } else { b"\n]\n" }),
            FormatOut::Ndjson(_) => Ok(()),
        }
    }
}

/// The CSV with a UTF-8 byte-order mark, so Excel reads Cyrillic right.
fn write_bom_copy(dir: &Path) -> Result<(), StoreError> {
    let plain = dir.join(file_name(ExportFormat::Csv, Compression::Identity));
    let target = dir.join(file_name(ExportFormat::CsvBom, Compression::Identity));
    write_atomically(&target, |out| {
        out.write_all(b"\xEF\xBB\xBF")
            .map_err(|source| io(&target, source))?;
        let mut source = File::open(&plain).map_err(|source| io(&plain, source))?;
        std::io::copy(&mut source, out).map_err(|source| io(&plain, source))?;
        Ok(())
    })
}

fn compress(plain: &Path, target: &Path, compression: Compression) -> Result<(), StoreError> {
    write_atomically(target, |out| {
        let mut source = File::open(plain).map_err(|source| io(plain, source))?;
        let result = match compression {
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(out, flate2::Compression::default());
                std::io::copy(&mut source, &mut encoder).and_then(|_| encoder.finish().map(drop))
            }
            Compression::Brotli => {
                let mut encoder = brotli::CompressorWriter::new(out, 1 << 16, BROTLI_QUALITY, 22);
                std::io::copy(&mut source, &mut encoder).and_then(|_| encoder.flush())
            }
            Compression::Identity => std::io::copy(&mut source, out).map(drop),
        };
        result.map_err(|source| io(target, source))
    })
}

/// Writes `path` through `write`: a temporary file, fsynced, renamed.
fn write_atomically<F>(path: &Path, write: F) -> Result<(), StoreError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> Result<(), StoreError>,
{
    let tmp = temporary_name(path);
    let file = File::create(&tmp).map_err(|source| io(&tmp, source))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let result = write(&mut out).and_then(|()| {
        let file = out.into_inner().map_err(|e| io(&tmp, e.into_error()))?;
        file.sync_all().map_err(|source| io(&tmp, source))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|source| io(path, source))
}

/// `data.csv` → `data.csv.tmp<pid>`: distinct for every file of a folder,
/// and never a name the store serves.
fn temporary_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    PathBuf::from(name)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| io(dir, source))
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every served file of a folder gets its copies, derived files
    /// included; compressed copies and half-written files get none.
    #[test]
    fn every_served_file_gets_compressed_copies() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        for format in FORMATS {
            std::fs::write(
                dir.join(file_name(format, Compression::Identity)),
                b"a,b\r\n",
            )
            .unwrap();
        }
        std::fs::write(dir.join("ocds.json"), br#"{"releases":[]}"#).unwrap();
        std::fs::write(dir.join("ocds.json.tmp42"), b"half").unwrap();
        assert!(!compressed(dir));
        assert!(compress_version(dir).unwrap());
        assert!(compressed(dir));
        assert!(!compress_version(dir).unwrap(), "nothing left to write");
        for name in ["ocds.json", "data.bom.csv", "data.ndjson"] {
            for compression in [Compression::Gzip, Compression::Brotli] {
                assert!(dir.join(coded_name(name, compression)).is_file(), "{name}");
            }
        }
        assert!(!dir.join("ocds.json.tmp42.gz").exists());
        assert!(!dir.join("ocds.json.gz.gz").exists());
        let mut plain = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(File::open(dir.join("ocds.json.gz")).unwrap()),
            &mut plain,
        )
        .unwrap();
        assert_eq!(plain, br#"{"releases":[]}"#);
    }
}
