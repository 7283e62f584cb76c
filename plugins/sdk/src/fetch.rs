//! HTTP (and `file:` fixtures) through the host.
//!
//! Plugins have no sockets: every request goes through the host's `fetch`
//! import, which applies the dataset's fetch policy (allowed hosts, no private
//! addresses, size and time caps) on every redirect hop. The body is a
//! resource read in chunks, so [`Response::chunks`] can stream a large export;
//! [`Response::text`] and [`Response::json`] read it whole, with charset
//! handling for the Windows-1251 pages many municipal sites still serve.

use serde::de::DeserializeOwned;

use crate::bindings::vitrina::plugin::fetch as wit;
use crate::error::Error;
use crate::normalize::encoding;

/// How many bytes one `read` asks the host for.
const CHUNK: u32 = 64 * 1024;

/// A request under construction.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// A GET request.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            method: "GET".to_string(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A POST request with a body.
    pub fn post(url: impl Into<String>, body: Vec<u8>) -> Self {
        Self {
            method: "POST".to_string(),
            body: Some(body),
            ..Self::get(url)
        }
    }

    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends the request through the host.
    pub fn send(self) -> Result<Response, Error> {
        let response = wit::fetch(&wit::Request {
            method: self.method,
            url: self.url.clone(),
            headers: self.headers,
            body: self.body,
        })
        .map_err(Error::from)?;
        Ok(Response {
            status: response.status,
            url: response.url,
            headers: response.headers,
            body: response.body,
        })
    }
}

/// Fetches `url` with GET and fails unless the status is 2xx.
pub fn get(url: &str) -> Result<Response, Error> {
    Request::get(url).send()?.error_for_status()
}

/// Fetches `url` and decodes it as text (see [`Response::text`]).
pub fn get_text(url: &str) -> Result<String, Error> {
    get(url)?.text()
}

/// Fetches `url` and parses it as JSON.
pub fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, Error> {
    get(url)?.json()
}

/// A response whose body has not been read yet.
pub struct Response {
    /// The HTTP status (200 for `file:`).
    pub status: u16,
    /// The URL that answered, after redirects.
    pub url: String,
    /// Headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    body: wit::Body,
}

impl Response {
    /// The first value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Turns 4xx/5xx statuses into the error kind the host acts on: server
    /// errors and 429 are transient, a missing page means the source moved,
    /// 401/403 mean the configured credentials are wrong.
    pub fn error_for_status(self) -> Result<Self, Error> {
        let message = || format!("{} answered HTTP {}", self.url, self.status);
        match self.status {
            200..=299 => Ok(self),
            429 | 500..=599 => Err(Error::source_unavailable(message())),
            401 | 403 => Err(Error::config(format!(
                "{}: check the credentials",
                message()
            ))),
            _ => Err(Error::source_changed(message())),
        }
    }

    /// Reads the next chunk of the body; `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let chunk = self.body.read(CHUNK).map_err(Error::from)?;
        Ok((!chunk.is_empty()).then_some(chunk))
    }

    /// Iterates over the body in chunks, for sources too large to hold whole.
    pub fn chunks(&mut self) -> impl Iterator<Item = Result<Vec<u8>, Error>> + '_ {
        std::iter::from_fn(move || self.next_chunk().transpose())
    }

    /// Reads the whole body.
    pub fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let mut all = Vec::new();
        while let Some(chunk) = self.next_chunk()? {
            all.extend_from_slice(&chunk);
        }
        Ok(all)
    }

    /// Reads the whole body as text. A byte-order mark wins; otherwise the
    /// charset named by `Content-Type`, else by an HTML `<meta charset>`,
    /// else strict UTF-8, else Windows-1251.
    pub fn text(self) -> Result<String, Error> {
        let declared = self.header("content-type").and_then(charset_param);
        let declared = declared.map(str::to_string);
        let bytes = self.bytes()?;
        let label = declared.or_else(|| meta_charset(&bytes));
        Ok(encoding::decode_with_label(&bytes, label.as_deref())
            .text
            .into_owned())
    }

    /// Reads the whole body as JSON.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let url = self.url.clone();
        let bytes = self.bytes()?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::source_changed(format!("{url} is not the JSON expected: {e}")))
    }
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// The charset an HTML page declares in its first kilobytes
/// (`<meta charset="windows-1251">` or the `http-equiv` form).
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = head.find("charset=")? + "charset=".len();
    let value: String = head[start..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_from_content_type() {
        assert_eq!(
            charset_param("text/html; charset=windows-1251"),
            Some("windows-1251")
        );
        assert_eq!(charset_param("text/html;Charset=\"UTF-8\""), Some("UTF-8"));
        assert_eq!(charset_param("text/html"), None);
    }

    #[test]
    fn charset_from_meta() {
        let page = br#"<html><head><meta charset="windows-1251"></head>"#;
        assert_eq!(meta_charset(page).as_deref(), Some("windows-1251"));
        let page = br#"<meta http-equiv="Content-Type" content="text/html; charset=cp1251">"#;
        assert_eq!(meta_charset(page).as_deref(), Some("cp1251"));
        assert_eq!(meta_charset(b"<html></html>"), None);
    }
}
