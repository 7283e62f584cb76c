"""`NAME`: a CSV file's rows as a dataset. Replace the parsing with your
source's; `vitrina plugin test NAME` checks it against the sample."""

import csv
import io

from vitrina_sdk import ConfigKey, Field, Plugin, PluginInfo, SourceChanged, Stream, export, fetch, normalize

STREAM = "items"


class Items(Plugin):
    def describe(self):
        return (
            PluginInfo("NAME", "0.1.0", "Reads a CSV file of items.")
            .key(ConfigKey.required_key("source", "The CSV file's URL (file:///sample.csv in the test)."))
            .stream(
                Stream(STREAM, "One item.")
                .field(Field.text("id", "The item's id.").key())
                .field(Field.text("name", "Its name."))
                .field(Field.decimal("amount", "Its amount, exact.").optional())
            )
        )

    def collect(self, run):
        text = fetch.get_text(run.require("source"))
        rows = csv.DictReader(io.StringIO(text), delimiter=";")
        for line in rows:
            if "id" not in line:
                raise SourceChanged("the file has no `id` column")
            run.emit(
                run.row(STREAM)
                .set("id", line["id"])
                .set("name", normalize.clean_text(line["name"]))
                .set("amount", normalize.parse_number(line["amount"]))
            )


WitWorld = export(Items)
