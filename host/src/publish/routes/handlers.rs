//! The handlers of versions, rows, one row and changes: each checks what
//! it can in memory, then answers through the conditional path.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header;

use crate::publish::app::segment;
use crate::publish::app::{DatasetState, version_json};
use crate::publish::body::{Body, CHUNK_BYTES};
use crate::publish::cache::{Remembered, Rendered};
use crate::publish::errors::ApiError;
use crate::publish::formats::{Format, ndjson_change, render_changes, render_page, render_row};
use crate::publish::http::{etag, not_modified};
use crate::publish::params::{
    CHANGES_DEFAULT_LIMIT, RawRowQuery, canonical, changes_params, parse_version, simple_params,
};
use crate::schema::StreamSchema;
use crate::store::query::{Filter, FilterOp, MAX_LIMIT, RowQuery};
use crate::store::{Change, ChangeRange, Changes, Cursor, Store, StoreError, Version};

use super::conditional::{Ctx, Spec};
use super::{ALL_FORMATS, Answer, IMMUTABLE, JSON_TYPE, SHORT};

impl Ctx<'_> {
    pub(super) async fn version(&self, id: &str, n: &str) -> Result<Answer, ApiError> {
        simple_params(self.query, &[])?;
        let state = self.dataset(id)?;
        let version = self.pick(&state, Some(parse_version(n)?))?;
        let spec = Spec {
            etag: etag(&[
                b"version",
                id.as_bytes(),
                version.content_hash.as_bytes(),
                &version.number.to_le_bytes(),
            ]),
            last_modified: Some(version.published_at),
            cache_control: IMMUTABLE,
            vary: "Accept-Encoding",
        };
        let base = self.app.config.base_url.clone();
        // A version that changed the schema shows the one it replaced.
        let before = (!version.schema_changes.is_empty())
            .then(|| {
                version
                    .number
                    .checked_sub(1)
                    .and_then(|n| state.versions.get(&n))
            })
            .flatten()
            .cloned();
        self.rendered(spec, move || {
            let mut document = version_json(&base, &version, true);
            if let Some(before) = before {
                document["previous_schema"] = serde_json::json!(before.schema);
            }
            let mut body = serde_json::to_vec_pretty(&document).unwrap_or_default();
            body.push(b'\n');
            Ok(Rendered {
                body: Bytes::from(body),
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    pub(super) async fn rows(&self, id: &str, suffix: Option<Format>) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let format = suffix.unwrap_or_else(|| Format::from_accept(self.headers, &ALL_FORMATS));
        let memo_key = format!(
            "{id}\u{0}{}\u{0}{}",
            format.extension(),
            self.query.unwrap_or("")
        );
        if let Some(answer) = self.remembered(&state, &memo_key) {
            return Ok(answer);
        }
        let raw = RawRowQuery::parse(self.query)?;
        let cursor = raw.cursor()?;
        let pinned = match (&cursor, raw.as_of()?) {
            (Some(c), Some(n)) if c.version != n => {
                return Err(ApiError::bad_cursor(format!(
                    "the cursor walks version {} but as_of asks for version {n}; drop one of them",
                    c.version
                )));
            }
            (Some(c), _) => Some(c.version),
            (None, n) => n,
        };
        let version = self.pick(&state, pinned)?;
        let query = raw.resolve(&version.schema, version.number, cursor)?;
        let normal = canonical(&query, true);
        let tag = etag(&[
            b"rows",
            id.as_bytes(),
            version.content_hash.as_bytes(),
            &version.number.to_le_bytes(),
            normal.as_bytes(),
            format.extension().as_bytes(),
        ]);
        self.app.memo.insert(
            memo_key,
            Remembered {
                version: version.number,
                content_hash: version.content_hash.clone(),
                pinned: pinned.is_some(),
                etag: tag.clone(),
            },
        );
        let spec = rows_spec(tag, &version, pinned.is_some());
        // The next link names the format in the path, so it is the same
        // whether this page was asked for by suffix or by `Accept`.
        let next_base = match format {
            Format::Json => format!("{}/rows", self.links(id).dataset()),
            other => format!("{}/rows.{}", self.links(id).dataset(), other.extension()),
        };
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let page = store.rows(&dataset, &query)?;
            let next_url = page.next.as_ref().map(|cursor| {
                let next = crate::store::RowQuery {
                    after: Some(cursor.clone()),
                    ..query.clone()
                };
                format!("{next_base}?{}", canonical(&next, true))
            });
            Ok(Rendered {
                body: render_page(&page, format, query.limit, next_url.as_deref()),
                content_type: format.content_type(),
                next: next_url,
            })
        })
        .await
    }

    /// A repeated rows request answered from memory: its ETag remembered
    /// from last time, while the version it was for still applies.
    fn remembered(&self, state: &DatasetState, key: &str) -> Option<Answer> {
        let memo = self.app.memo.get(key)?;
        let version = state.version(memo.pinned.then_some(memo.version))?;
        if version.number != memo.version || version.content_hash != memo.content_hash {
            return None;
        }
        self.answer_from_memory(&rows_spec(memo.etag.clone(), version, memo.pinned))
    }

    pub(super) async fn row(&self, id: &str, key: &str) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let params = simple_params(self.query, &["as_of"])?;
        let pinned = params.first().map(|(_, v)| parse_version(v)).transpose()?;
        let version = self.pick(&state, pinned)?;
        let key = parse_key(key, version.schema.primary_key.len())?;
        let spec = Spec {
            etag: etag(&[
                b"row",
                id.as_bytes(),
                version.content_hash.as_bytes(),
                &version.number.to_le_bytes(),
                key.join("\u{0}").as_bytes(),
            ]),
            last_modified: Some(version.published_at),
            cache_control: if pinned.is_some() { IMMUTABLE } else { SHORT },
            vary: "Accept-Encoding",
        };
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let row = store
                .row_by_key(&dataset, version.number, &key)?
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "dataset `{dataset}` has no row with key {} in version {}",
                        key.join(","),
                        version.number
                    ))
                })?;
            Ok(Rendered {
                body: render_row(version.number, &version.schema, &row),
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    /// One procurement's OCDS record package, rendered when asked: every
    /// state its contracts' rows have had, as releases, and the compiled
    /// release. Its `uri` is this request's address under the portal's
    /// address in force.
    pub(super) async fn ocds_record(&self, id: &str, ocid: &str) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        simple_params(self.query, &[])?;
        if state.meta.profile.as_deref() != Some("procurement") {
            return Err(ApiError::not_found(format!(
                "dataset `{id}` publishes no OCDS: its profile is not `procurement`"
            )));
        }
        let version = self.pick(&state, None)?;
        let spec = Spec {
            etag: etag(&[
                b"ocds-record",
                id.as_bytes(),
                version.content_hash.as_bytes(),
                &version.number.to_le_bytes(),
                ocid.as_bytes(),
                self.app.config().base_url.as_bytes(),
            ]),
            last_modified: Some(version.published_at),
            cache_control: SHORT,
            vary: "Accept-Encoding",
        };
        let links = self.links(id);
        let info = vitrina_standards::ocds::PackageInfo {
            uri: format!("{}/ocds/records/{}", links.dataset(), segment(ocid)),
            published_date: version.published_at,
            publisher_name: state.meta.publisher.clone().unwrap_or_default(),
            publisher_eik: state.meta.ocds.publisher_eik.clone(),
            license: state.meta.license.clone().unwrap_or_default(),
            publication_policy: state.meta.ocds.publication_policy.clone(),
        };
        let package_url = |n: u64| links.file(Some(n), crate::derived::OCDS);
        let store = self.app.store.clone();
        let (dataset, ocid) = (id.to_string(), ocid.to_string());
        let versions: Vec<(u64, String)> = state
            .versions
            .keys()
            .map(|n| (*n, package_url(*n)))
            .collect();
        self.rendered(spec, move || {
            let states = procurement_states(&*store, &dataset, &version, &ocid)?;
            if states.is_empty() {
                return Err(ApiError::not_found(format!(
                    "version {} of `{dataset}` has no contract of the procurement `{ocid}`",
                    version.number
                )));
            }
            let mut packages: Vec<String> = Vec::new();
            for (from, _) in &states {
                if let Some((_, url)) = versions.iter().find(|(n, _)| n == from)
                    && !packages.contains(url)
                {
                    packages.push(url.clone());
                }
            }
            let mut body = Vec::new();
            vitrina_standards::ocds::write_procurement_record(
                &mut body,
                &info,
                &packages,
                states.into_iter().map(|(_, row)| row),
            )
            .map_err(|e| ApiError::internal(format!("the OCDS record of `{ocid}`: {e}")))?;
            Ok(Rendered {
                body: Bytes::from(body),
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    /// What changed between two versions: JSON in pages of `limit`
    /// changes in key order (walk them with `next`), or NDJSON streamed
    /// whole as the rows are compared.
    pub(super) async fn changes(
        &self,
        id: &str,
        suffix: Option<Format>,
    ) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let format = match suffix {
            Some(Format::Csv) => {
                return Err(ApiError::not_found(
                    "changes come as JSON or NDJSON, not CSV",
                ));
            }
            Some(f) => f,
            None => Format::from_accept(self.headers, &[Format::Json, Format::Ndjson]),
        };
        let params = changes_params(self.query)?;
        let to = self.pick(&state, params.to)?;
        let from = params.from.unwrap_or(to.number.saturating_sub(1));
        let from_hash = match from {
            0 => String::new(),
            n => self.pick(&state, Some(n))?.content_hash.clone(),
        };
        if let Some(cursor) = &params.after
            && cursor.version != to.number
        {
            return Err(ApiError::bad_cursor(format!(
                "the cursor walks the changes to version {} but `to` is {}; drop one of them",
                cursor.version, to.number
            )));
        }
        let after = params
            .after
            .as_ref()
            .and_then(|c| match c.values.as_slice() {
                [crate::schema::Value::Text(key)] => Some(key.clone()),
                _ => None,
            });
        let limit = match format {
            Format::Ndjson => params.limit,
            _ => Some(params.limit.unwrap_or(CHANGES_DEFAULT_LIMIT)),
        };
        let spec = Spec {
            etag: etag(&[
                b"changes",
                id.as_bytes(),
                from_hash.as_bytes(),
                to.content_hash.as_bytes(),
                &from.to_le_bytes(),
                &to.number.to_le_bytes(),
                format.extension().as_bytes(),
                &limit.unwrap_or(0).to_le_bytes(),
                after.as_deref().unwrap_or("").as_bytes(),
            ]),
            last_modified: Some(to.published_at),
            cache_control: if params.from.is_some() && params.to.is_some() {
                IMMUTABLE
            } else {
                SHORT
            },
            vary: "Accept, Accept-Encoding",
        };
        let range = ChangeRange {
            from,
            to: to.number,
            after,
        };
        if format == Format::Ndjson {
            return Ok(self.streamed_changes(id, spec, range, to.schema.clone(), limit));
        }
        let limit = limit.unwrap_or(CHANGES_DEFAULT_LIMIT);
        let next_base = format!("{}/changes", self.links(id).dataset());
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let (page, next) = changes_page(&*store, &dataset, &range, limit)?;
            let next = next.map(|key| {
                let cursor = Cursor {
                    version: range.to,
                    values: vec![crate::schema::Value::Text(key)],
                }
                .encode();
                let url = format!(
                    "{next_base}?from={}&to={}&limit={limit}&cursor={cursor}",
                    range.from, range.to,
                );
                (cursor, url)
            });
            Ok(Rendered {
                body: render_changes(
                    &page,
                    format,
                    next.as_ref().map(|(c, u)| (c.as_str(), u.as_str())),
                ),
                content_type: format.content_type(),
                next: next.map(|(_, url)| url),
            })
        })
        .await
    }

    /// NDJSON changes, written by a blocking thread as the store compares
    /// the rows and sent as they are written: never whole in memory, and
    /// stopped when the client leaves. The ETag is known before the first
    /// row, so a client that has them gets its 304 without a comparison.
    fn streamed_changes(
        &self,
        id: &str,
        spec: Spec,
        range: ChangeRange,
        schema: StreamSchema,
        limit: Option<usize>,
    ) -> Answer {
        if not_modified(self.headers, &spec.etag, spec.last_modified) {
            return spec.headers(
                Answer::new(StatusCode::NOT_MODIFIED, Bytes::new()),
                &spec.etag,
            );
        }
        let (sender, body) = Body::channel();
        let store = self.app.store.clone();
        let dataset = id.to_string();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(CHUNK_BYTES + 4096);
            let mut left = limit.unwrap_or(usize::MAX);
            let walked = store.for_each_change(&dataset, &range, &mut |change| {
                let _ = ndjson_change(&mut out, &schema, &change);
                if out.len() >= CHUNK_BYTES {
                    sender
                        .send(Bytes::from(std::mem::take(&mut out)))
                        .map_err(|_| StoreError::RequesterGone)?;
                }
                left -= 1;
                Ok(left > 0)
            });
            match walked {
                Ok(()) if !out.is_empty() => {
                    let _ = sender.send(Bytes::from(out));
                }
                Ok(()) | Err(StoreError::RequesterGone) => {}
                Err(error) => {
                    tracing::warn!(dataset, %error, "streaming changes failed");
                    sender.fail(std::io::Error::other(error.to_string()));
                }
            }
        });
        spec.headers(Answer::streamed(body), &spec.etag)
            .with(header::CONTENT_TYPE, Format::Ndjson.content_type())
    }
}

/// One page of changes: up to `limit` in key order, and the key to
/// continue after when there are more.
fn changes_page(
    store: &dyn Store,
    dataset: &str,
    range: &ChangeRange,
    limit: usize,
) -> Result<(Changes, Option<String>), ApiError> {
    let schema = store
        .version(dataset, if range.to == 0 { range.from } else { range.to })?
        .schema;
    let mut page = Changes {
        from: range.from,
        to: range.to,
        schema,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    let (mut taken, mut last_key, mut more) = (0usize, None, false);
    store.for_each_change(dataset, range, &mut |change| {
        if taken == limit {
            more = true;
            return Ok(false);
        }
        taken += 1;
        last_key = Some(change.key().to_string());
        match change {
            Change::Added { row, .. } => page.added.push(row),
            Change::Removed { row, .. } => page.removed.push(row),
            Change::Changed { row, .. } => page.changed.push(row),
        }
        Ok(true)
    })?;
    Ok((page, last_key.filter(|_| more)))
}

/// How a page of rows is validated and cached.
fn rows_spec(etag: String, version: &Version, pinned: bool) -> Spec {
    Spec {
        etag,
        last_modified: Some(version.published_at),
        cache_control: if pinned { IMMUTABLE } else { SHORT },
        vary: "Accept, Accept-Encoding",
    }
}

/// Splits a `/rows/{key}` segment: key values percent-encoded and joined
/// by `,` in primary-key order (a `,` inside a value is `%2C`).
pub fn parse_key(segment: &str, parts: usize) -> Result<Vec<String>, ApiError> {
    let values = segment
        .split(',')
        .map(|part| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| {
                    ApiError::bad_key("a key value is not valid UTF-8 once percent-decoded")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if values.len() != parts {
        return Err(ApiError::bad_key(format!(
            "the key has {} value(s) but this dataset's primary key has {parts}; join them with `,` in key order, percent-encoding any `,` inside a value",
            values.len()
        )));
    }
    Ok(values)
}

/// A row as the standards read it, and the version it was first
/// published in.
type PublishedState = (u64, serde_json::Map<String, serde_json::Value>);

/// Every state of every contract of procurement `ocid` in `version`, with
/// the version each state was first published in, as rows the standards
/// read.
fn procurement_states(
    store: &dyn crate::store::Store,
    dataset: &str,
    version: &crate::store::Version,
    ocid: &str,
) -> Result<Vec<PublishedState>, ApiError> {
    let mut query = RowQuery {
        version: version.number,
        filters: vec![Filter {
            field: "ocid".to_string(),
            op: FilterOp::Eq(ocid.to_string()),
        }],
        limit: MAX_LIMIT,
        ..RowQuery::default()
    };
    let key_positions = version.schema.key_positions();
    let mut states = Vec::new();
    loop {
        let page = store.rows(dataset, &query)?;
        for row in &page.rows {
            let key: Vec<String> = key_positions
                .iter()
                .map(|&i| row[i].text().into_owned())
                .collect();
            for past in store.row_history(dataset, &key)? {
                if past.from <= version.number {
                    states.push((past.from, crate::derived::json_row(&past.schema, &past.row)));
                }
            }
        }
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return Ok(states),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn keys_split_and_decode() {
        assert_eq!(
            parse_key("a%2Cb,%D0%91", 2).unwrap(),
            vec!["a,b".to_string(), "Б".to_string()]
        );
        assert_eq!(parse_key("42", 1).unwrap(), vec!["42".to_string()]);
        assert_eq!(parse_key("1,2", 1).unwrap_err().code, "bad_key");
        assert_eq!(parse_key("%FF", 1).unwrap_err().code, "bad_key");
    }
}
