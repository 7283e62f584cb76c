// `NAME`: a CSV file's rows as a dataset. Replace the parsing with your
// source's; `vitrina plugin test NAME` checks it against the sample.

import { ConfigKey, Field, Plugin, PluginInfo, SourceChanged, Stream, exportPlugin, fetch, normalize } from "./vitrina_sdk/index.js";

const STREAM = "items";

class Items extends Plugin {
  describe() {
    return new PluginInfo("NAME", "0.1.0", "Reads a CSV file of items.")
      .key(ConfigKey.required("source", "The CSV file's URL (file:///sample.csv in the test)."))
      .stream(
        new Stream(STREAM, "One item.")
          .field(Field.text("id", "The item's id.").key())
          .field(Field.text("name", "Its name."))
          .field(Field.decimal("amount", "Its amount, exact.").optional()),
      );
  }

  collect(run) {
    const [header, ...lines] = fetch.getText(run.require("source")).split(/\r?\n/).filter((l) => l.trim());
    const columns = header.split(";");
    if (!columns.includes("id")) throw new SourceChanged("the file has no `id` column");
    for (const line of lines) {
      const cells = Object.fromEntries(line.split(";").map((cell, i) => [columns[i], cell]));
      run.emit(
        run.row(STREAM)
          .set("id", cells.id)
          .set("name", normalize.cleanText(cells.name))
          .set("amount", normalize.parseNumber(cells.amount)),
      );
    }
  }
}

export const { describe, check, collect } = exportPlugin(Items);
