//! Full downloads of a version: CSV, CSV with a BOM for Excel, JSON and
//! NDJSON, written once and never changed. Every served file of a version
//! (these and the derived files beside them) later gets gzip and brotli
//! copies, written in the background.
//!
//! Everything here is written and read through the store's [`FileStore`],
//! by folder and name: a file is visible only once whole, so a reader (or
//! a crash) never sees half of one.

use std::io::Write;

use super::files::{FileStore, Folder, NewFile};
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
pub fn complete(files: &dyn FileStore, folder: &Folder) -> bool {
    FORMATS.iter().all(|&f| {
        files
            .size(folder, &file_name(f, Compression::Identity))
            .is_some()
    })
}

/// The uncompressed files of a version's folder, every one served: the
/// downloads and the derived files (`datapackage.json`, a standard's
/// rendering). Told by their extension, so that compressed copies are
/// never among them.
fn served_files(files: &dyn FileStore, folder: &Folder) -> Result<Vec<String>, StoreError> {
    Ok(files
        .names(folder)?
        .into_iter()
        .filter(|name| {
            name.rsplit_once('.')
                .is_some_and(|(_, ext)| matches!(ext, "csv" | "json" | "ndjson"))
        })
        .collect())
}

/// The compressed copies of `plain` that clients may be sent.
fn copies(plain: &str) -> [(String, Compression); 2] {
    [Compression::Gzip, Compression::Brotli]
        .map(|compression| (coded_name(plain, compression), compression))
}

/// Whether every served file of a version has its compressed copies.
pub fn compressed(files: &dyn FileStore, folder: &Folder) -> bool {
    served_files(files, folder).is_ok_and(|plain| {
        plain.iter().all(|name| {
            copies(name)
                .iter()
                .all(|(copy, _)| files.size(folder, copy).is_some())
        })
    })
}

/// Writes the uncompressed files of a version from its rows (in key
/// order), in one pass over the rows: CSV, JSON and NDJSON side by side,
/// then the CSV with a BOM. Compressed copies come later
/// ([`compress_version`]): they are an optimisation for clients, and a
/// large version should not wait for brotli to become visible.
pub fn write_version<F>(
    files: &dyn FileStore,
    folder: &Folder,
    schema: &StreamSchema,
    mut rows: F,
) -> Result<(), StoreError>
where
    F: FnMut(&mut dyn FnMut(&Row) -> std::io::Result<()>) -> Result<(), StoreError>,
{
    let formats = [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Ndjson];
    let mut new_files = formats
        .iter()
        .map(|&f| files.create(folder, &file_name(f, Compression::Identity)))
        .collect::<Result<Vec<_>, _>>()?;
    {
        let mut writers = new_files
            .iter_mut()
            .zip(formats)
            .map(|(file, format)| FormatWriter::new(file.writer(), format, schema))
            .collect::<Result<Vec<_>, _>>()?;
        rows(&mut |row| writers.iter_mut().try_for_each(|w| w.row(row)))?;
        for writer in writers {
            writer.finish().map_err(|e| write_error("a download", e))?;
        }
    }
    for file in new_files {
        file.commit()?;
    }
    write_bom_copy(files, folder)
}

/// Writes the gzip and brotli copies a version's folder lacks, of its
/// downloads and of its derived files alike; `true` when it wrote any.
pub fn compress_version(files: &dyn FileStore, folder: &Folder) -> Result<bool, StoreError> {
    let mut wrote = false;
    for plain in served_files(files, folder)? {
        for (target, compression) in copies(&plain) {
            if files.size(folder, &target).is_none() {
                compress(files, folder, &plain, &target, compression)?;
                wrote = true;
            }
        }
    }
    Ok(wrote)
}

/// Writes again the compressed copies that `names` already have, from
/// their current bytes: after a file is rewritten, no client may be sent
/// a copy of what it replaced.
pub fn recompress(
    files: &dyn FileStore,
    folder: &Folder,
    names: &[&str],
) -> Result<(), StoreError> {
    for plain in names {
        for (target, compression) in copies(plain) {
            if files.size(folder, &target).is_some() {
                compress(files, folder, plain, &target, compression)?;
            }
        }
    }
    Ok(())
}

/// Writes one derived file of a version into its folder.
pub fn write_derived(
    files: &dyn FileStore,
    folder: &Folder,
    file: &dyn DerivedFile,
    version: &VersionFacts,
    schema: &StreamSchema,
    rows: &mut RowSource<'_>,
) -> Result<(), StoreError> {
    let mut out = files.create(folder, file.name())?;
    file.write(out.writer(), version, schema, rows)?;
    out.commit()
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
        writer.start().map_err(|e| write_error("a download", e))?;
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
fn write_bom_copy(files: &dyn FileStore, folder: &Folder) -> Result<(), StoreError> {
    let plain = file_name(ExportFormat::Csv, Compression::Identity);
    let mut csv = read_back(files, folder, &plain)?;
    let mut out = files.create(
        folder,
        &file_name(ExportFormat::CsvBom, Compression::Identity),
    )?;
    let writer = out.writer();
    writer
        .write_all(b"\xEF\xBB\xBF")
        .and_then(|()| std::io::copy(&mut csv, writer).map(drop))
        .map_err(|e| write_error("the CSV for Excel", e))?;
    out.commit()
}

fn compress(
    files: &dyn FileStore,
    folder: &Folder,
    plain: &str,
    target: &str,
    compression: Compression,
) -> Result<(), StoreError> {
    let mut source = read_back(files, folder, plain)?;
    let mut out: Box<dyn NewFile> = files.create(folder, target)?;
    let writer = out.writer();
    let result = match compression {
        Compression::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(writer, flate2::Compression::default());
            std::io::copy(&mut source, &mut encoder).and_then(|_| encoder.finish().map(drop))
        }
        Compression::Brotli => {
            let mut encoder = brotli::CompressorWriter::new(writer, 1 << 16, BROTLI_QUALITY, 22);
            std::io::copy(&mut source, &mut encoder).and_then(|_| encoder.flush())
        }
        Compression::Identity => std::io::copy(&mut source, writer).map(drop),
    };
    result.map_err(|e| write_error(target, e))?;
    out.commit()
}

/// A file just written, streamed back to derive another from it: read,
/// not mapped, so a large file never sits in the process's memory.
fn read_back(
    files: &dyn FileStore,
    folder: &Folder,
    name: &str,
) -> Result<Box<dyn std::io::Read + Send>, StoreError> {
    files.read(folder, name)?.ok_or_else(|| StoreError::Write {
        file: name.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "it was not written"),
    })
}

fn write_error(file: &str, source: std::io::Error) -> StoreError {
    StoreError::Write {
        file: file.to_string(),
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
        let root = tempfile::tempdir().unwrap();
        let files = super::super::files::LocalFiles::new(root.path());
        let folder = Folder::new("contracts", 1, "0123456789abcdef0123");
        let put = |name: &str, bytes: &[u8]| {
            let mut file = files.create(&folder, name).unwrap();
            file.writer().write_all(bytes).unwrap();
            file.commit().unwrap();
        };
        for format in FORMATS {
            put(&file_name(format, Compression::Identity), b"a,b\r\n");
        }
        put("ocds.json", br#"{"releases":[]}"#);
        // A file still being written: no name the store serves.
        let mut half = files.create(&folder, "popolo.json").unwrap();
        half.writer().write_all(b"half").unwrap();
        assert!(!compressed(&files, &folder));
        assert!(compress_version(&files, &folder).unwrap());
        assert!(compressed(&files, &folder));
        assert!(
            !compress_version(&files, &folder).unwrap(),
            "nothing left to write"
        );
        let names = files.names(&folder).unwrap();
        for name in ["ocds.json", "data.bom.csv", "data.ndjson"] {
            for compression in [Compression::Gzip, Compression::Brotli] {
                assert!(
                    names.contains(&coded_name(name, compression)),
                    "{name}: {names:?}"
                );
            }
        }
        assert!(!names.iter().any(|n| n.starts_with("popolo")), "{names:?}");
        assert!(!names.contains(&"ocds.json.gz.gz".to_string()));
        drop(half);
        assert!(
            files
                .names(&folder)
                .unwrap()
                .iter()
                .all(|n| !n.contains(".tmp"))
        );
        let mut plain = Vec::new();
        let gz = files.open(&folder, "ocds.json.gz").unwrap().unwrap();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
        assert_eq!(plain, br#"{"releases":[]}"#);
    }
}
