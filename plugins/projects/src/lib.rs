//! The `projects` plugin: a municipality's EU-funded projects, from its
//! project pages.
//!
//! The plugin reads the listing page named by `index_url`, follows its
//! pagination, fetches every project page it links to, and emits one row
//! per project under the `project` profile. Parsing lives in [`parse`] as
//! pure functions tested on the fixtures; this file is only the glue to the
//! SDK: configuration, fetching, and mapping a [`parse::Project`] to a row.
//!
//! A page that cannot be parsed fails the run with the page's URL: a
//! published version never silently loses a project because one page
//! changed its layout.

pub mod parse;

use std::collections::HashSet;

use url::Url;
use vitrina_sdk::prelude::*;

use parse::{Project, parse_listing, parse_project};

/// The stream this plugin produces.
pub const STREAM: &str = "projects";

/// At most this many listing pages are followed, so a pagination loop on
/// the source cannot keep a run going forever.
const DEFAULT_MAX_PAGES: usize = 50;

struct Projects;

impl Plugin for Projects {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "projects",
            env!("CARGO_PKG_VERSION"),
            "EU-funded projects of a municipality, from the project pages of its website.",
        )
        .profile("project")
        .config(ConfigKey::required(
            "index_url",
            "The listing page that links to the project pages (http(s), or file:///index.html for fixtures).",
        ))
        .config(ConfigKey::optional(
            "max_pages",
            "How many listing pages to follow at most (default 50).",
        ))
        .stream(schema())
    }

    fn check(check: &mut Check) -> Result<(), Error> {
        let index = index_url(&check.require("index_url")?)?;
        let listing = parse_listing(&fetch::get_text(index.as_str())?, &index)
            .map_err(|e| Error::source_changed(e.to_string()))?;
        check.note(format!("{index} lists {} projects", listing.projects.len()));
        Ok(())
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let index = index_url(&run.require("index_url")?)?;
        let max_pages = match run.config("max_pages") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| Error::config(format!("max_pages = {v:?} is not a number")))?,
            None => DEFAULT_MAX_PAGES,
        };
        let links = project_links(run, index, max_pages)?;
        if links.is_empty() {
            return Err(Error::source_changed(
                "the listing pages link to no project: has the layout changed?",
            ));
        }
        info!("{} project pages to read", links.len());
        let total = links.len() as u64;
        for (done, url) in links.iter().enumerate() {
            let html = fetch::get_text(url.as_str())
                .map_err(|e| e.context(format!("project page {url}")))?;
            let mut project =
                parse_project(&html, url).map_err(|e| Error::source_changed(e.to_string()))?;
            for warning in std::mem::take(&mut project.warnings) {
                run.warn(warning);
            }
            run.emit(project_row(run, project))?;
            run.progress(done as u64 + 1, Some(total));
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Projects);

fn index_url(raw: &str) -> Result<Url, Error> {
    Url::parse(raw.trim())
        .map_err(|e| Error::config(format!("index_url = {raw:?} is not a URL: {e}")))
}

/// Every project page linked from the listing and its next pages, in order,
/// each once.
fn project_links(run: &mut Run, index: Url, max_pages: usize) -> Result<Vec<Url>, Error> {
    let mut links = Vec::new();
    let mut seen_links = HashSet::new();
    let mut seen_pages = HashSet::new();
    let mut next = Some(index);
    while let Some(page) = next.take() {
        if !seen_pages.insert(page.clone()) {
            run.warn(format!(
                "listing page {page} links back to an earlier page; stopped following"
            ));
            break;
        }
        if seen_pages.len() > max_pages {
            run.warn(format!(
                "stopped after {max_pages} listing pages (max_pages)"
            ));
            break;
        }
        let html = fetch::get_text(page.as_str())
            .map_err(|e| e.context(format!("listing page {page}")))?;
        let listing =
            parse_listing(&html, &page).map_err(|e| Error::source_changed(e.to_string()))?;
        links.extend(
            listing
                .projects
                .into_iter()
                .filter(|url| seen_links.insert(url.clone())),
        );
        next = listing.next_page;
    }
    Ok(links)
}

/// The `projects` stream: one row per project, the `project` profile.
pub fn schema() -> StreamSchema {
    StreamSchema::new(STREAM, "One EU-funded project of the municipality.")
        .field(
            Field::text(
                "id",
                "Stable id: the last segment of the project page's URL.",
            )
            .key(),
        )
        .field(Field::text("title", "The project's title as published."))
        .field(Field::date("published", "When the project page was published.").nullable())
        .field(Field::text("general_goal", "The general goal (Обща цел).").nullable())
        .field(Field::json(
            "specific_goals",
            "The specific goals (Специфични цели), a JSON list of text.",
        ))
        .field(Field::json(
            "activities",
            "The main activities (Основни дейности), a JSON list of text.",
        ))
        .field(Field::json(
            "results",
            "The results achieved (Постигнати резултати), a JSON list of text.",
        ))
        .field(Field::text("status", "`completed` or `ongoing` (Статус).").nullable())
        .field(
            Field::decimal(
                "budget",
                "The project's budget in its original currency, with two decimals.",
            )
            .nullable(),
        )
        .field(Field::text("currency", "The budget's currency: BGN or EUR.").nullable())
        .field(
            Field::decimal(
                "budget_eur",
                "The budget in euro: BGN at the fixed 1.95583, half-up to the cent.",
            )
            .unit("EUR")
            .nullable(),
        )
        .field(
            Field::text(
                "funding_programme",
                "The programme that funds the project (Финансиране).",
            )
            .nullable(),
        )
        .field(Field::text("contract_number", "The grant contract number (ДФФП №).").nullable())
        .field(Field::json(
            "partners",
            "Partner organisations (Партньори), a JSON list of text.",
        ))
        .field(Field::text("start_month", "First month of the project, YYYY-MM.").nullable())
        .field(Field::text("end_month", "Last month of the project, YYYY-MM.").nullable())
        .field(
            Field::integer(
                "duration_months",
                "Duration in months, as the page states it.",
            )
            .unit("months")
            .nullable(),
        )
        .field(Field::text(
            "source_url",
            "The project page the row was read from.",
        ))
}

fn project_row(run: &Run, p: Project) -> Row {
    run.row(STREAM)
        .set("id", p.id)
        .set("title", p.title)
        .set("published", p.published)
        .set("general_goal", p.general_goal)
        .set("specific_goals", p.specific_goals)
        .set("activities", p.activities)
        .set("results", p.results)
        .set("status", p.status.map(|s| s.as_str()))
        .set("budget", p.budget)
        .set("currency", p.currency.map(|c| c.code()))
        .set("budget_eur", p.budget_eur)
        .set("funding_programme", p.funding_programme)
        .set("contract_number", p.contract_number)
        .set("partners", p.partners)
        .set("start_month", p.start_month.map(|m| m.to_string()))
        .set("end_month", p.end_month.map(|m| m.to_string()))
        .set("duration_months", p.duration_months)
        .set("source_url", p.source_url)
}
