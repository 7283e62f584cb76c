//! The DCAT-AP catalog (`/catalog`, `/catalog.ttl`, `/catalog.jsonld`) and
//! each dataset's entry in it (`/api/v1/datasets/{id}/dcat.ttl`,
//! `.jsonld`), through the conditional path like every document: the
//! ETag comes from the datasets it describes, so a harvester polling an
//! unchanged catalog gets 304s.

use std::sync::Arc;

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header;

use crate::publish::cache::Rendered;
use crate::publish::dcat::{self, Scope};
use crate::publish::errors::ApiError;
use crate::publish::http::etag;
use crate::publish::params::simple_params;

use super::conditional::{Ctx, Spec};
use super::{Answer, SHORT};

/// The RDF syntaxes the catalog is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Turtle,
    JsonLd,
}

impl Syntax {
    /// `ttl` or `jsonld`, as a file name ends.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "ttl" => Some(Syntax::Turtle),
            "jsonld" => Some(Syntax::JsonLd),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Syntax::Turtle => "text/turtle; charset=utf-8",
            Syntax::JsonLd => "application/ld+json",
        }
    }

    /// What `Accept` asks for: Turtle when it names Turtle before JSON-LD,
    /// else JSON-LD.
    fn negotiate(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match (
            accept.find("text/turtle"),
            accept.find("application/ld+json"),
        ) {
            (Some(turtle), Some(json)) if turtle < json => Syntax::Turtle,
            (Some(_), None) => Syntax::Turtle,
            _ => Syntax::JsonLd,
        }
    }
}

impl Ctx<'_> {
    /// The catalog (one page of it), or one dataset's entry, in `syntax`
    /// or as `Accept` asks.
    pub(super) async fn dcat(
        &self,
        dataset: Option<&str>,
        syntax: Option<Syntax>,
    ) -> Result<Answer, ApiError> {
        let page = match dataset {
            Some(_) => {
                simple_params(self.query, &[])?;
                1
            }
            None => page(self.query)?,
        };
        let syntax = syntax.unwrap_or_else(|| Syntax::negotiate(self.headers));
        let catalog = self.app.catalog();
        let state = dataset.map(|id| self.dataset(id)).transpose()?;
        // What the graph says follows from the datasets' documents.
        let described: Vec<&[u8]> = match &state {
            Some(state) => vec![state.detail.etag.as_bytes()],
            None => catalog
                .datasets
                .values()
                .map(|d| d.detail.etag.as_bytes())
                .collect(),
        };
        let page_text = page.to_string();
        let mut parts = described;
        parts.extend([
            page_text.as_bytes(),
            syntax.content_type().as_bytes(),
            self.app.config.operator.name.as_bytes(),
            self.app.config.operator.contact.as_bytes(),
        ]);
        let spec = Spec {
            etag: etag(&parts),
            last_modified: catalog.last_modified(),
            cache_control: SHORT,
            vary: "Accept, Accept-Encoding",
        };
        let app = Arc::clone(self.app);
        self.rendered(spec, move || {
            let builder = dcat::Builder::new(
                &app.config.base_url,
                app.store.as_ref(),
                &app.config.operator,
            );
            let scope = match &state {
                Some(state) => Scope::Dataset(state),
                None => Scope::Catalog { page },
            };
            let graph = builder.build(&catalog, scope);
            let body = match syntax {
                Syntax::Turtle => dcat::turtle(&graph),
                Syntax::JsonLd => dcat::json_ld(&graph),
            }
            .map_err(|e| ApiError::internal(format!("the catalog could not be written: {e}")))?;
            Ok(Rendered {
                body: Bytes::from(body),
                content_type: syntax.content_type(),
                next: None,
            })
        })
        .await
    }
}

/// `?page=N` of the catalog, from 1.
fn page(query: Option<&str>) -> Result<usize, ApiError> {
    let params = simple_params(query, &["page"])?;
    match params.first() {
        None => Ok(1),
        Some((_, value)) => value
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=1_000_000).contains(&n))
            .ok_or_else(|| {
                ApiError::bad_query(
                    format!("`page` is a page number from 1, not `{value}`"),
                    Vec::new(),
                )
            }),
    }
}
