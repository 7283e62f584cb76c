// The body of the `rows` plugin, shared with `rows-renamed`, which
// names one field differently: `BIDS_FIELD` comes from the crate that
// includes it.

use vitrina_sdk::prelude::*;

struct Rows;

pub const STREAM: &str = "contracts";
pub const LOTS: &str = "lots";

impl Plugin for Rows {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "rows",
            env!("CARGO_PKG_VERSION"),
            "Generates procurement-like rows for benchmarks.",
        )
        .config(ConfigKey::optional(
            "rows",
            "How many rows to emit (default 1000).",
        ))
        .config(ConfigKey::optional(
            "lots",
            "How many lots each contract has in the `lots` stream (default 0).",
        ))
        .config(ConfigKey::optional(
            "revision",
            "A number mixed into every row's value, so a run with another revision changes every row (default 0).",
        ))
        .stream(
            StreamSchema::new(STREAM, "One generated contract.")
                .field(Field::text("ocid", "Contracting process id.").key())
                .field(Field::text("unp", "Procurement unique number."))
                .field(Field::text("title", "Subject of the contract."))
                .field(Field::text("cpv", "Main CPV code."))
                .field(Field::text("procedure", "Procedure type."))
                .field(Field::decimal("estimated_value", "Estimated value.").nullable())
                .field(Field::decimal("value", "Contract value."))
                .field(Field::text("currency", "Currency."))
                .field(Field::date("contract_date", "Date signed."))
                .field(Field::text("buyer_eik", "Buyer ЕИК."))
                .field(Field::text("supplier_eik", "Supplier ЕИК."))
                .field(Field::integer(BIDS_FIELD, "Number of bids.").nullable()),
        )
        .stream(
            StreamSchema::new(LOTS, "One lot of a generated contract.")
                .field(Field::text("ocid", "The contract's contracting process id.").key())
                .field(Field::integer("lot", "The lot's number within its contract.").key())
                .field(Field::text("title", "Subject of the lot."))
                .field(Field::decimal("value", "Value of the lot.")),
        )
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let count: u64 = match run.config("rows") {
            Some(v) => v
                .parse()
                .map_err(|_| Error::config(format!("rows = {v:?} is not a number")))?,
            None => 1000,
        };
        let revision: i64 = match run.config("revision") {
            Some(v) => v
                .parse()
                .map_err(|_| Error::config(format!("revision = {v:?} is not a number")))?,
            None => 0,
        };
        let lots: u64 = match run.config("lots") {
            Some(v) => v
                .parse()
                .map_err(|_| Error::config(format!("lots = {v:?} is not a number")))?,
            None => 0,
        };
        for i in 0..count {
            let row = generated_row(run, i).set(
                "value",
                Decimal::new(119_845_000 + i as i64 + revision * 100, 2),
            );
            run.emit(row)?;
            for n in 1..=lots {
                let lot = run
                    .row(LOTS)
                    .set("ocid", format!("ocds-b5fd17-{i:08}"))
                    .set("lot", n as i64)
                    .set("title", format!("Обособена позиция {n}: {}", title(i + n)))
                    .set("value", Decimal::new(1_000_000 * n as i64 + revision, 2));
                run.emit(lot)?;
            }
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Rows);

/// What the contracts are for and where: titles vary as real ones do, so a
/// full-text search of them is selective (one district is 1/13 of rows,
/// one district and one kind of work 1/221).
const WORKS: [&str; 17] = [
    "Текущ ремонт на улична мрежа",
    "Основен ремонт на училище",
    "Реконструкция на детска градина",
    "Поддръжка на паркове и зелени площи",
    "Изграждане на велоалея",
    "Доставка на хранителни продукти за детска кухня",
    "Ремонт на тротоари",
    "Енергийна ефективност на жилищни сгради",
    "Доставка на горива",
    "Сметосъбиране и сметоизвозване",
    "Изграждане на спортна площадка",
    "Ремонт на читалище",
    "Подмяна на улично осветление",
    "Видеонаблюдение на кръстовища",
    "Озеленяване на междублокови пространства",
    "Застраховане на общинско имущество",
    "Консултантски услуги по проект",
];
const DISTRICTS: [&str; 13] = [
    "Меден рудник",
    "Изгрев",
    "Славейков",
    "Лазур",
    "Зорница",
    "Братя Миладинови",
    "Възраждане",
    "Сарафово",
    "Крайморие",
    "Победа",
    "Ветрен",
    "Банево",
    "Долно Езерово",
];

fn title(i: u64) -> String {
    format!(
        "{} в ж.к. „{}“",
        WORKS[(i % 17) as usize],
        DISTRICTS[(i / 17 % 13) as usize]
    )
}

/// Row `i`: realistic lengths and formats, cheap to compute.
pub fn generated_row(run: &Run, i: u64) -> Row {
    let day = (i % 28) as u32 + 1;
    let month = (i % 12) as u32 + 1;
    let date = NaiveDate::from_ymd_opt(2024, month, day).unwrap_or_default();
    run.row(STREAM)
        .set("ocid", format!("ocds-b5fd17-{i:08}"))
        .set("unp", format!("00123-2024-{:04}", i % 10_000))
        .set("title", title(i))
        .set("cpv", "45233142")
        .set("procedure", "Открита процедура")
        .set("estimated_value", Decimal::new(125_000_000 + i as i64, 2))
        .set("value", Decimal::new(119_845_000 + i as i64, 2))
        .set("currency", "BGN")
        .set("contract_date", date)
        .set("buyer_eik", "000056814")
        .set("supplier_eik", "102055263")
        .set(BIDS_FIELD, (i % 7) as i64)
}
