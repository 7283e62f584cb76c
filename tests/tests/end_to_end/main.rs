//! End-to-end tests over the real `vitrina` binary, one module per topic.
//!
//! They share one test binary: each binary links the whole host, and
//! linking took longer than compiling every test in it. (`sandbox.rs`
//! stays a binary of its own: it runs the runtime in its own process and
//! measures that process's memory.)

/// The open-data API: versions, pages, filters, downloads, validators.
mod api;
/// `vitrina plugin new` and `plugin test`, in each language.
mod authoring;
/// Everything a plugin can make the host do, held to its budget.
mod containment;
/// Contract 0.1.0 beside 0.2.0, and streams whose fields come from the source.
mod contracts;
/// SIGKILL in the middle of publishing never damages a version.
mod crash;
/// Schedules and metrics of `vitrina serve`.
mod daemon;
/// The harvesters against portals on loopback that answer as the real ones.
mod harvesters;
/// The bundled Burgas datasets against their expected rows and standards.
mod municipal;
/// The admin API, reloads, retries, shutdown and politeness.
mod operations;
/// The web pages and Atom feeds beside the API.
mod pages;
/// The projects plugin over HTTP and `file:` fixtures.
mod projects;
/// A field renamed by a plugin's next release, announced everywhere.
mod schemas;
/// A plugin's every stream published as a table of its dataset.
mod tables;
/// Webhooks: signed, retried, from the outbox.
mod webhooks;
