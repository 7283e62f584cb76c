// `rows_js`: the benchmark row (12 procurement-like columns), generated in
// JavaScript as `tests/plugins/rows` generates it in Rust, to compare the
// languages through the same sink (bench/languages.sh).

import { ConfigKey, Field, Plugin, PluginInfo, Stream, exportPlugin } from "./vitrina_sdk/index.js";

const WORKS = ["Текущ ремонт на улична мрежа", "Основен ремонт на училище", "Реконструкция на детска градина",
  "Поддръжка на паркове и зелени площи", "Изграждане на велоалея",
  "Доставка на хранителни продукти за детска кухня", "Ремонт на тротоари",
  "Енергийна ефективност на жилищни сгради", "Доставка на горива", "Сметосъбиране и сметоизвозване",
  "Изграждане на спортна площадка", "Ремонт на читалище", "Подмяна на улично осветление",
  "Видеонаблюдение на кръстовища", "Озеленяване на междублокови пространства",
  "Застраховане на общинско имущество", "Консултантски услуги по проект"];
const DISTRICTS = ["Меден рудник", "Изгрев", "Славейков", "Лазур", "Зорница", "Братя Миладинови", "Възраждане",
  "Сарафово", "Крайморие", "Победа", "Ветрен", "Банево", "Долно Езерово"];

const cents = (n) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;
const two = (n) => String(n).padStart(2, "0");

class Rows extends Plugin {
  describe() {
    return new PluginInfo("rows_js", "0.1.0", "Generates procurement-like rows for benchmarks, in JavaScript.")
      .key(ConfigKey.optional("rows", "How many rows to emit (default 1000)."))
      .stream(
        new Stream("contracts", "One generated contract.")
          .field(Field.text("ocid", "Contracting process id.").key())
          .field(Field.text("unp", "Procurement unique number."))
          .field(Field.text("title", "Subject of the contract."))
          .field(Field.text("cpv", "Main CPV code."))
          .field(Field.text("procedure", "Procedure type."))
          .field(Field.decimal("estimated_value", "Estimated value.").optional())
          .field(Field.decimal("value", "Contract value."))
          .field(Field.text("currency", "Currency."))
          .field(Field.date("contract_date", "Date signed."))
          .field(Field.text("buyer_eik", "Buyer ЕИК."))
          .field(Field.text("supplier_eik", "Supplier ЕИК."))
          .field(Field.integer("bids", "Number of bids.").optional()),
      );
  }

  collect(run) {
    const count = Number(run.config("rows", "1000"));
    for (let i = 0; i < count; i++) {
      run.emit(
        run.row("contracts")
          .set("ocid", `ocds-b5fd17-${String(i).padStart(8, "0")}`)
          .set("unp", `00123-2024-${String(i % 10000).padStart(4, "0")}`)
          .set("title", `${WORKS[i % 17]} в ж.к. „${DISTRICTS[Math.floor(i / 17) % 13]}“`)
          .set("cpv", "45233142")
          .set("procedure", "Открита процедура")
          .set("estimated_value", cents(125_000_000 + i))
          .set("value", cents(119_845_000 + i))
          .set("currency", "BGN")
          .set("contract_date", `2024-${two((i % 12) + 1)}-${two((i % 28) + 1)}`)
          .set("buyer_eik", "000056814")
          .set("supplier_eik", "102055263")
          .set("bids", i % 7),
      );
    }
  }
}

export const { describe, check, collect } = exportPlugin(Rows);
