"""`rows_py`: the benchmark row (12 procurement-like columns), generated in
Python as `tests/plugins/rows` generates it in Rust, to compare the
languages through the same sink (bench/languages.sh)."""

import datetime
import decimal

from vitrina_sdk import ConfigKey, Field, Plugin, PluginInfo, Stream, export

WORKS = ["Текущ ремонт на улична мрежа", "Основен ремонт на училище", "Реконструкция на детска градина",
         "Поддръжка на паркове и зелени площи", "Изграждане на велоалея",
         "Доставка на хранителни продукти за детска кухня", "Ремонт на тротоари",
         "Енергийна ефективност на жилищни сгради", "Доставка на горива", "Сметосъбиране и сметоизвозване",
         "Изграждане на спортна площадка", "Ремонт на читалище", "Подмяна на улично осветление",
         "Видеонаблюдение на кръстовища", "Озеленяване на междублокови пространства",
         "Застраховане на общинско имущество", "Консултантски услуги по проект"]
DISTRICTS = ["Меден рудник", "Изгрев", "Славейков", "Лазур", "Зорница", "Братя Миладинови", "Възраждане",
             "Сарафово", "Крайморие", "Победа", "Ветрен", "Банево", "Долно Езерово"]


class Rows(Plugin):
    def describe(self):
        return (
            PluginInfo("rows_py", "0.1.0", "Generates procurement-like rows for benchmarks, in Python.")
            .key(ConfigKey.optional_key("rows", "How many rows to emit (default 1000)."))
            .stream(
                Stream("contracts", "One generated contract.")
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
                .field(Field.integer("bids", "Number of bids.").optional())
            )
        )

    def collect(self, run):
        for i in range(int(run.config("rows", "1000"))):
            run.emit(
                run.row("contracts")
                .set("ocid", f"ocds-b5fd17-{i:08}")
                .set("unp", f"00123-2024-{i % 10000:04}")
                .set("title", f"{WORKS[i % 17]} в ж.к. „{DISTRICTS[i // 17 % 13]}“")
                .set("cpv", "45233142")
                .set("procedure", "Открита процедура")
                .set("estimated_value", decimal.Decimal(125_000_000 + i).scaleb(-2))
                .set("value", decimal.Decimal(119_845_000 + i).scaleb(-2))
                .set("currency", "BGN")
                .set("contract_date", datetime.date(2024, i % 12 + 1, i % 28 + 1))
                .set("buyer_eik", "000056814")
                .set("supplier_eik", "102055263")
                .set("bids", i % 7)
            )


WitWorld = export(Rows)
