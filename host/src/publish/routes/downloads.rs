//! The versions' files: full downloads in every format and the standard
//! files beside them, memory-mapped, with ranges and precompressed codings.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{self};

use crate::publish::errors::ApiError;
use crate::publish::formats::Format;
use crate::publish::http::{
    Encoding, RangeAsk, if_range_holds, negotiate_encoding, not_modified, parse_range,
};
use crate::publish::params::{parse_version, simple_params};
use crate::store::{Compression, Version};

use super::conditional::{Ctx, Spec, blocking, variant};
use super::{Answer, IMMUTABLE, JSON_TYPE, SHORT};

impl Ctx<'_> {
    /// A file of a version's folder, as the store wrote it at publish
    /// time: a full download (`data.csv`, ...) or a derived file
    /// (`datapackage.json`, a standard's rendering).
    pub(super) async fn download(
        &self,
        id: &str,
        n: Option<&str>,
        file: &str,
    ) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        if crate::derived::is_derived(file) {
            simple_params(self.query, &[])?;
            let version = self.pick(&state, n.map(parse_version).transpose()?)?;
            let served = Served {
                disk_name: file.to_string(),
                url_name: file.to_string(),
                tag: file.replace('.', "-"),
                // The fiscal table is CSV; every other standard file JSON.
                content_type: if file.ends_with(".csv") {
                    Format::Csv.content_type()
                } else {
                    JSON_TYPE
                },
                attachment: None,
                missing: Missing::NotFound,
            };
            return self.serve_file(id, n.is_some(), &version, served).await;
        }
        let (format, named_bom) = download_format(file)?;
        let params = simple_params(self.query, &["bom"])?;
        let asked_bom = match params.first().map(|(_, v)| v.as_str()) {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(ApiError::bad_query(
                    format!("`bom` takes 1, true, 0 or false, not `{other}`"),
                    Vec::new(),
                ));
            }
        };
        let bom = named_bom || asked_bom;
        if bom && format != Format::Csv {
            return Err(ApiError::bad_query("`bom` applies to CSV only", Vec::new()));
        }
        let version = self.pick(&state, n.map(parse_version).transpose()?)?;
        let short_name = if bom { "bom.csv" } else { format.extension() };
        let served = Served {
            disk_name: crate::store::exports::file_name(format.export(bom), Compression::Identity),
            url_name: format!("data.{short_name}"),
            tag: short_name.replace('.', "-"),
            content_type: format.content_type(),
            attachment: Some(format!(
                "attachment; filename=\"{}-v{}.{}\"",
                safe_name(id),
                version.number,
                format.extension()
            )),
            missing: Missing::Internal,
        };
        self.serve_file(id, n.is_some(), &version, served).await
    }

    /// Why a file of a version cannot be served: still being written (a
    /// standard file of a version that just went live), never written (a
    /// version from before the file existed, a profile without it), or
    /// lost (the operator's problem).
    async fn missing_file(
        &self,
        id: &str,
        version: &Version,
        served: &Served,
        error: std::io::Error,
    ) -> ApiError {
        if error.kind() != std::io::ErrorKind::NotFound {
            return unreadable();
        }
        if matches!(served.missing, Missing::NotFound) {
            let (store, dataset, number) = (self.app.store.clone(), id.to_string(), version.number);
            let pending = blocking(move || store.pending(&dataset, number)).await;
            if let Ok(Ok(pending)) = pending
                && pending.contains(&served.disk_name)
            {
                return ApiError::pending(&format!("`{}`", served.disk_name));
            }
            return ApiError::not_found(format!(
                "version {} of `{id}` has no {}: it was published before Vitrina wrote that file, or its profile has no such rendering",
                version.number, served.disk_name
            ));
        }
        tracing::warn!(dataset = id, version = version.number, file = %served.disk_name, "a download file is missing");
        unreadable()
    }

    /// Serves one file of a version's folder: 304 from the ETag alone,
    /// the precompressed `.br`/`.gz` copy the client accepts (the identity
    /// file until the copy is written), or one byte range of the identity
    /// file.
    async fn serve_file(
        &self,
        id: &str,
        versioned: bool,
        version: &Version,
        served: Served,
    ) -> Result<Answer, ApiError> {
        let ranged = self.headers.contains_key(header::RANGE);
        // A range applies to the identity bytes: resuming a download must
        // not depend on which coding the first attempt got.
        let encoding = if ranged {
            Encoding::Identity
        } else {
            negotiate_encoding(self.headers)
        };
        let hash: String = version
            .content_hash
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        // A file that names the portal's address is written again when the
        // portal moves: its tag follows its bytes, not only the version.
        let rewritten = if crate::derived::ADDRESSED.contains(&served.disk_name.as_str()) {
            let (store, dataset, file) = (
                self.app.store.clone(),
                id.to_string(),
                served.disk_name.clone(),
            );
            let version = version.clone();
            blocking(move || store.file_sha256(&dataset, &version, &file))
                .await
                .ok()
                .flatten()
                .map(|sha| format!("-{}", &sha[..sha.len().min(16)]))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let spec = Spec {
            etag: format!("\"{hash}-{}-{}{rewritten}\"", served.tag, version.number),
            last_modified: Some(version.published_at),
            cache_control: if versioned { IMMUTABLE } else { SHORT },
            vary: "Accept-Encoding",
        };
        let mut answer = Answer::new(StatusCode::OK, Bytes::new())
            .with(header::CONTENT_TYPE, served.content_type)
            .with(header::ACCEPT_RANGES, "bytes");
        if let Some(disposition) = &served.attachment {
            answer = answer.with(header::CONTENT_DISPOSITION, disposition);
        }
        if !versioned {
            let canonical_url = self.links(id).file(Some(version.number), &served.url_name);
            answer = answer.with(header::CONTENT_LOCATION, &canonical_url);
        }
        // Answered from the ETag alone, before the file is touched.
        if not_modified(
            self.headers,
            &variant(&spec.etag, encoding),
            spec.last_modified,
        ) {
            answer.status = StatusCode::NOT_MODIFIED;
            return Ok(spec.headers(answer, &variant(&spec.etag, encoding)));
        }
        let read = self
            .coded_file(id, version, &served.disk_name, encoding)
            .await;
        let (bytes, encoding) = match read {
            Ok(found) => found,
            Err(error) => {
                return Err(self.missing_file(id, version, &served, error).await);
            }
        };
        let etag = variant(&spec.etag, encoding);
        if let Some(coding) = encoding.header() {
            answer = answer.with(header::CONTENT_ENCODING, coding);
        }
        answer = spec.headers(answer, &etag);
        let range = self
            .headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok());
        let len = bytes.len() as u64;
        let ask = match range {
            Some(value) if if_range_holds(self.headers, &etag, spec.last_modified) => {
                parse_range(value, len)
            }
            _ => RangeAsk::Whole,
        };
        match ask {
            RangeAsk::Whole => answer.body = bytes,
            RangeAsk::Part { start, end } => {
                answer.status = StatusCode::PARTIAL_CONTENT;
                answer.body = bytes.slice(start as usize..=end as usize);
                answer = answer.with(header::CONTENT_RANGE, &format!("bytes {start}-{end}/{len}"));
            }
            RangeAsk::Unsatisfiable => return Err(ApiError::range_not_satisfiable(len)),
        }
        Ok(answer)
    }

    /// The file `name` of `dir` in `encoding`, falling back to the identity
    /// file when the compressed copy is not written yet. A missing identity
    /// file is the caller's to explain; any other failure is logged.
    async fn coded_file(
        &self,
        id: &str,
        version: &Version,
        name: &str,
        encoding: Encoding,
    ) -> Result<(Bytes, Encoding), std::io::Error> {
        let mut tries = vec![encoding];
        if encoding != Encoding::Identity {
            tries.push(Encoding::Identity);
        }
        for encoding in tries {
            let compression = match encoding {
                Encoding::Identity => Compression::Identity,
                Encoding::Gzip => Compression::Gzip,
                Encoding::Brotli => Compression::Brotli,
            };
            if let Some(bytes) = self.app.store.cached_file(id, version, name, compression) {
                return Ok((bytes, encoding));
            }
            let store = self.app.store.clone();
            let (id, version, name) = (id.to_string(), version.clone(), name.to_string());
            let read = blocking(move || store.read_file(&id, &version, &name, compression))
                .await
                .map_err(|e| std::io::Error::other(e.message))?;
            match read {
                Ok(Some(bytes)) => return Ok((bytes, encoding)),
                // A compressed copy not written yet: the identity file it is.
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, "a file of a version cannot be read");
                    return Err(std::io::Error::other(error.to_string()));
                }
            }
        }
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

/// A file of a version's folder as one route serves it.
struct Served {
    /// Its name in the folder (`data.bom.csv`, `ocds.json`).
    disk_name: String,
    /// Its name in the versioned URL (`Content-Location` of `latest/`).
    url_name: String,
    /// What tells its ETag from the other files' of the version.
    tag: String,
    content_type: &'static str,
    /// `Content-Disposition`, for downloads.
    attachment: Option<String>,
    /// What a missing file means.
    missing: Missing,
}

/// What it means when a version's file is not on disk.
enum Missing {
    /// Every version has its downloads: a missing one is the operator's problem.
    Internal,
    /// Derived files depend on the profile and on when the version was
    /// published: a missing one is simply not there.
    NotFound,
}

fn unreadable() -> ApiError {
    ApiError::internal(
        "a file of this version cannot be read; the operator has been told in the log",
    )
}

/// The format of a download file name.
fn download_format(file: &str) -> Result<(Format, bool), ApiError> {
    let not_found = || {
        ApiError::not_found(format!(
            "there is no file `{file}`; use data.csv, data.bom.csv, data.json or data.ndjson"
        ))
    };
    let ext = file.strip_prefix("data.").ok_or_else(not_found)?;
    if ext == "bom.csv" {
        return Ok((Format::Csv, true));
    }
    Format::from_extension(ext)
        .map(|f| (f, false))
        .ok_or_else(not_found)
}

/// A name safe inside a quoted `filename=`.
fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn download_names() {
        assert_eq!(
            download_format("data.bom.csv").unwrap(),
            (Format::Csv, true)
        );
        assert_eq!(
            download_format("data.ndjson").unwrap(),
            (Format::Ndjson, false)
        );
        assert!(download_format("data.xlsx").is_err());
        assert_eq!(safe_name("a\"b/c"), "a_b_c");
    }
}
