//! `NAME`: a CSV file's rows as a dataset. Replace the parsing with your
//! source's; `vitrina plugin test NAME` checks it against the sample.

use vitrina_sdk::normalize::{number::parse_number, text::clean};
use vitrina_sdk::prelude::*;

const STREAM: &str = "items";

struct Items;

impl Plugin for Items {
    fn describe() -> PluginInfo {
        PluginInfo::new("NAME", env!("CARGO_PKG_VERSION"), "Reads a CSV file of items.")
            .config(ConfigKey::required(
                "source",
                "The CSV file's URL (file:///sample.csv in the test).",
            ))
            .stream(
                StreamSchema::new(STREAM, "One item.")
                    .field(Field::text("id", "The item's id.").key())
                    .field(Field::text("name", "Its name."))
                    .field(Field::decimal("amount", "Its amount, exact.").nullable()),
            )
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let text = fetch::get_text(&run.require("source")?)?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
        let at = |name: &str| header.iter().position(|h| *h == name);
        let (Some(id), Some(name), Some(amount)) = (at("id"), at("name"), at("amount")) else {
            return Err(Error::source_changed("the file lacks id, name or amount"));
        };
        for line in lines {
            let cells: Vec<&str> = line.split(';').collect();
            let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
            let value = parse_number(cell(amount)).map_err(|e| Error::source_changed(e.to_string()))?;
            run.emit(
                run.row(STREAM)
                    .set("id", cell(id))
                    .set("name", clean(cell(name)))
                    .set("amount", value),
            )?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Items);
