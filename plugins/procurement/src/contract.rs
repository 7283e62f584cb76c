//! One register record turned into one contract of the `procurement` profile.
//!
//! A record is a row of a yearly export or a notice of the listing; both
//! answer [`Record::text`] by [`Column`]. [`read_contract`] normalizes what
//! they say: the УНП from whichever column carries it, decimal-comma amounts
//! into exact decimals with their currency and a derived euro value,
//! `dd.mm.yyyy` dates, `Да`/`Не`, the CPV code without its check digit, the
//! Bulgarian procedure type mapped onto the OCDS method, and the ЕИК checks.
//!
//! Two kinds of trouble are told apart. A record that cannot be a contract
//! (no УНП, no date, no value) is a [`RowError`]: the caller skips it and
//! says so. A record with a doubtful detail (a supplier ЕИК that fails its
//! checksum, an unknown procedure type, a malformed CPV code) still becomes
//! a contract, with the detail kept as published or left null, and a
//! [`Note`] the caller turns into a run warning.

use std::borrow::Cow;
use std::fmt;

use vitrina_sdk::normalize::date::parse_date;
use vitrina_sdk::normalize::eik::parse_eik;
use vitrina_sdk::normalize::money::{Currency, Money, currency_on, parse_money, to_eur};
use vitrina_sdk::normalize::text::match_key;
use vitrina_sdk::{Decimal, NaiveDate, Value};

use crate::columns::Column;
use crate::fast::{Memo, plain_amount, plain_count, plain_date, tidy};

/// A source record that can say what it holds in each column.
pub trait Record {
    /// The text of `column` as published, or `None` when the source has no
    /// such column. Blank cells may come back as empty text.
    fn text(&self, column: Column) -> Option<Cow<'_, str>>;
}

/// What every contract of a run shares: the OCDS prefix, and the answers
/// remembered for the values rows repeat.
#[derive(Debug)]
pub struct Context {
    /// The OCDS prefix without a trailing hyphen (`ocds-abc123`).
    pub ocid_prefix: String,
    methods: Memo<Option<Method>>,
    categories: Memo<Option<Category>>,
    /// ЕИК text as published → its digits, or why it is not an ЕИК.
    eiks: Memo<Result<String, String>>,
}

impl Context {
    pub fn new(ocid_prefix: impl Into<String>) -> Self {
        Self {
            ocid_prefix: ocid_prefix.into(),
            methods: Memo::default(),
            categories: Memo::default(),
            eiks: Memo::default(),
        }
    }

    fn eik(&mut self, text: &str) -> Result<String, String> {
        self.eiks.get(text, |t| {
            parse_eik(t)
                .map(|e| e.to_string())
                .map_err(|e| e.to_string())
        })
    }
}

/// The OCDS procurement method codelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Open,
    Selective,
    Limited,
    Direct,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Open => "open",
            Method::Selective => "selective",
            Method::Limited => "limited",
            Method::Direct => "direct",
        }
    }

    /// The method of a Bulgarian procedure type (Public Procurement Act of
    /// 2016 and its predecessor), by the mapping in STANDARDS.md.
    pub fn from_procedure(label: &str) -> Option<Method> {
        let key = match_key(label);
        let key = key.trim_end_matches('.');
        let method = match key {
            "открита процедура"
            | "публично състезание"
            | "събиране на оферти с обява"
            | "публична покана" => Method::Open,
            "ограничена процедура"
            | "състезателна процедура с договаряне"
            | "състезателен диалог"
            | "партньорство за иновации"
            | "договаряне с предварителна покана за участие"
            | "договаряне с публикуване на обявление за поръчка"
            | "вътрешен конкурентен избор" => Method::Selective,
            "договаряне без предварително обявление"
            | "договаряне без обявление"
            | "договаряне без предварителна покана за участие"
            | "пряко договаряне"
            | "покана до определени лица" => Method::Limited,
            "директно възлагане" => Method::Direct,
            _ => return None,
        };
        Some(method)
    }
}

/// The OCDS main procurement category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Goods,
    Services,
    Works,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::Goods => "goods",
            Category::Services => "services",
            Category::Works => "works",
        }
    }

    /// `Доставки` → goods, `Услуги` → services, `Строителство` → works.
    pub fn from_label(label: &str) -> Option<Category> {
        match match_key(label).as_str() {
            "доставки" | "доставка" | "goods" | "supplies" => Some(Category::Goods),
            "услуги" | "услуга" | "services" => Some(Category::Services),
            "строителство" | "строителни работи" | "works" => {
                Some(Category::Works)
            }
            _ => None,
        }
    }
}

/// The supplier's ЕИК as published and as checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupplierEik {
    /// The digits, when they pass the checksum.
    pub valid: Option<String>,
    /// The text as the register prints it.
    pub published: Option<String>,
}

/// One contract, ready to become a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub ocid: String,
    pub contract_id: String,
    pub unp: String,
    pub notice_number: Option<String>,
    pub title: String,
    pub procedure_type: String,
    pub method: Option<Method>,
    pub category: Option<Category>,
    pub cpv: Option<String>,
    pub estimated_value: Option<Decimal>,
    pub estimated_currency: Option<Currency>,
    pub buyer_name: String,
    pub buyer_eik: String,
    pub lot: Option<String>,
    pub contract_number: Option<String>,
    pub contract_date: NaiveDate,
    pub value: Decimal,
    pub currency: Currency,
    pub value_eur: Decimal,
    pub supplier_name: Option<String>,
    pub supplier_eik: SupplierEik,
    pub bids_count: Option<i64>,
    pub eu_funded: Option<bool>,
    pub duration_days: Option<i64>,
    pub published: Option<NaiveDate>,
    pub source_url: String,
}

/// The names of the profile's fields, in the stream's order.
pub const FIELDS: [&str; 28] = [
    "ocid",
    "contract_id",
    "unp",
    "notice_number",
    "title",
    "procedure_type",
    "procurement_method",
    "main_category",
    "cpv",
    "estimated_value",
    "estimated_currency",
    "buyer_name",
    "buyer_eik",
    "lot",
    "contract_number",
    "contract_date",
    "value",
    "currency",
    "value_eur",
    "supplier_name",
    "supplier_eik",
    "supplier_eik_published",
    "supplier_eik_valid",
    "bids_count",
    "eu_funded",
    "duration_days",
    "published",
    "source_url",
];

impl Contract {
    /// The cells of the row, in the order of [`FIELDS`].
    pub fn into_values(self) -> [Value; 28] {
        let eik_valid = self
            .supplier_eik
            .published
            .as_ref()
            .map(|_| self.supplier_eik.valid.is_some());
        [
            self.ocid.into(),
            self.contract_id.into(),
            self.unp.into(),
            self.notice_number.into(),
            self.title.into(),
            self.procedure_type.into(),
            self.method.map(Method::code).into(),
            self.category.map(Category::code).into(),
            self.cpv.into(),
            self.estimated_value.into(),
            self.estimated_currency.map(Currency::code).into(),
            self.buyer_name.into(),
            self.buyer_eik.into(),
            self.lot.into(),
            self.contract_number.into(),
            self.contract_date.into(),
            self.value.into(),
            self.currency.code().into(),
            self.value_eur.into(),
            self.supplier_name.into(),
            self.supplier_eik.valid.into(),
            self.supplier_eik.published.into(),
            eik_valid.into(),
            self.bids_count.into(),
            self.eu_funded.into(),
            self.duration_days.into(),
            self.published.into(),
            self.source_url.into(),
        ]
    }
}

/// Why a record could not become a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The column at fault.
    pub column: Column,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column \"{}\": {}", self.column.label(), self.reason)
    }
}

/// The kinds of doubtful details, counted separately in the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteKind {
    InvalidSupplierEik,
    UnknownProcedure,
    UnknownCategory,
    UnreadableDetail,
}

impl NoteKind {
    /// What a count of this kind means, for the run summary.
    pub fn summary(self) -> &'static str {
        match self {
            NoteKind::InvalidSupplierEik => {
                "supplier ЕИК failed the checksum (kept in supplier_eik_published, supplier_eik null)"
            }
            NoteKind::UnknownProcedure => {
                "procedure type has no OCDS mapping (procurement_method null)"
            }
            NoteKind::UnknownCategory => "unknown `Обект на поръчката` (main_category null)",
            NoteKind::UnreadableDetail => "unreadable optional cell (field left null)",
        }
    }
}

/// A doubtful detail of a contract that was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub message: String,
}

/// A contract and what was doubtful about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub contract: Contract,
    pub notes: Vec<Note>,
}

/// Normalizes one record. `source_url` says where it was read, for the row
/// and for messages.
pub fn read_contract(
    record: &impl Record,
    context: &mut Context,
    source_url: String,
) -> Result<Read, RowError> {
    let mut notes = Vec::new();
    let unp = read_unp(record)?;
    let contract_date = read_date(record, Column::ContractDate)?
        .ok_or_else(|| row_error(Column::ContractDate, "blank"))?;
    let (value, marked_currency) = read_value(record)?;
    let currency = read_currency(record, Column::Currency)?
        .or(marked_currency)
        .unwrap_or_else(|| currency_on(contract_date));
    let procedure_type = required(record, Column::ProcedureType)?;
    let method = context.methods.get(&procedure_type, Method::from_procedure);
    if method.is_none() {
        notes.push(Note {
            kind: NoteKind::UnknownProcedure,
            message: format!("procedure type {procedure_type:?} has no OCDS method mapping"),
        });
    }
    let contract_number = optional(record, Column::ContractNumber);
    let lot = optional(record, Column::Lot);
    let notice_number = optional(record, Column::NoticeNumber);
    let contract_id = contract_id(&contract_number, &lot, &notice_number)?;
    let (estimated_value, estimated_currency) = read_estimate(record, currency, &mut notes);
    let contract = Contract {
        ocid: format!("{}-{unp}", context.ocid_prefix),
        contract_id,
        unp,
        notice_number,
        title: required(record, Column::Title)?,
        procedure_type,
        method,
        category: read_category(record, context, &mut notes),
        cpv: read_cpv(record, &mut notes),
        estimated_value,
        estimated_currency,
        buyer_name: required(record, Column::BuyerName)?,
        buyer_eik: read_buyer_eik(record, context)?,
        lot,
        contract_number,
        contract_date,
        value,
        currency,
        value_eur: euro(value, currency),
        supplier_name: optional(record, Column::SupplierName),
        supplier_eik: read_supplier_eik(record, context, &mut notes),
        bids_count: read_count(record, Column::Bids, &mut notes),
        eu_funded: read_flag(record, Column::EuFunded, &mut notes),
        duration_days: read_count(record, Column::DurationDays, &mut notes),
        published: read_date(record, Column::Published).unwrap_or_else(|e| {
            notes.push(Note {
                kind: NoteKind::UnreadableDetail,
                message: e.to_string(),
            });
            None
        }),
        source_url,
    };
    Ok(Read { contract, notes })
}

/// The euro value, always with two decimals (`100.00`, not `100`), as a
/// price is written.
fn euro(value: Decimal, currency: Currency) -> Decimal {
    let mut eur = to_eur(value, currency);
    eur.rescale(2);
    eur
}

fn row_error(column: Column, reason: impl fmt::Display) -> RowError {
    RowError {
        column,
        reason: reason.to_string(),
    }
}

/// The cleaned text of a cell, `None` when absent or blank; borrowed from
/// the record when it needed no cleaning.
fn cell(record: &impl Record, column: Column) -> Option<Cow<'_, str>> {
    let tidied = match record.text(column)? {
        Cow::Borrowed(text) => tidy(text),
        Cow::Owned(text) => Cow::Owned(tidy(&text).into_owned()),
    };
    (!tidied.is_empty()).then_some(tidied)
}

fn optional(record: &impl Record, column: Column) -> Option<String> {
    cell(record, column).map(Cow::into_owned)
}

fn required(record: &impl Record, column: Column) -> Result<String, RowError> {
    optional(record, column).ok_or_else(|| row_error(column, "blank"))
}

/// The УНП from its own column, or from `ID на поръчката` in the older
/// layout, which carried the УНП there. The newer layout's `ID на
/// поръчката` is an internal number and never looks like a УНП.
fn read_unp(record: &impl Record) -> Result<String, RowError> {
    let mut seen = None;
    for column in [Column::Unp, Column::RegisterId] {
        if let Some(text) = cell(record, column) {
            if is_unp(&text) {
                return Ok(text.into_owned());
            }
            seen.get_or_insert((column, text.into_owned()));
        }
    }
    Err(match seen {
        Some((column, text)) => row_error(
            column,
            format!("{text:?} is not a УНП (expected NNNNN-YYYY-NNNN)"),
        ),
        None => row_error(Column::Unp, "blank"),
    })
}

/// `NNNNN-YYYY-NNNN`, ASCII digits.
pub fn is_unp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 15
        && b.iter().enumerate().all(|(i, &c)| match i {
            5 | 10 => c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// A date cell: `Ok(None)` when blank.
fn read_date(record: &impl Record, column: Column) -> Result<Option<NaiveDate>, RowError> {
    let Some(text) = cell(record, column) else {
        return Ok(None);
    };
    match plain_date(&text) {
        Some(date) => Ok(Some(date)),
        None => parse_date(&text)
            .map(Some)
            .map_err(|e| row_error(column, e)),
    }
}

/// An amount cell with the currency its text names, if any.
fn read_money(text: &str) -> Result<Option<Money>, String> {
    match plain_amount(text) {
        Some(amount) => Ok(Some(Money {
            amount,
            currency: None,
        })),
        None => parse_money(text).map_err(|e| e.to_string()),
    }
}

fn read_value(record: &impl Record) -> Result<(Decimal, Option<Currency>), RowError> {
    let text = cell(record, Column::Value).ok_or_else(|| row_error(Column::Value, "blank"))?;
    let money = read_money(&text)
        .map_err(|e| row_error(Column::Value, e))?
        .ok_or_else(|| row_error(Column::Value, format!("{text:?} is not an amount")))?;
    if money.amount.is_sign_negative() && !money.amount.is_zero() {
        return Err(row_error(Column::Value, format!("{text:?} is negative")));
    }
    Ok((money.amount, money.currency))
}

/// A currency cell: `Ok(None)` when absent or blank, an error when it names
/// a currency the profile cannot carry.
fn read_currency(record: &impl Record, column: Column) -> Result<Option<Currency>, RowError> {
    let Some(text) = cell(record, column) else {
        return Ok(None);
    };
    let currency = match text.as_ref() {
        "BGN" => Some(Currency::Bgn),
        "EUR" => Some(Currency::Eur),
        other => Currency::from_code(other),
    };
    currency
        .map(Some)
        .ok_or_else(|| row_error(column, format!("{text:?} is neither BGN nor EUR")))
}

/// The estimate and its currency; the contract's currency when the export
/// has no currency for the estimate.
fn read_estimate(
    record: &impl Record,
    contract_currency: Currency,
    notes: &mut Vec<Note>,
) -> (Option<Decimal>, Option<Currency>) {
    let Some(text) = cell(record, Column::EstimatedValue) else {
        return (None, None);
    };
    let money = match read_money(&text) {
        Ok(Some(m)) if !m.amount.is_sign_negative() || m.amount.is_zero() => m,
        Ok(None) => return (None, None),
        _ => {
            notes.push(unreadable(Column::EstimatedValue, &text));
            return (None, None);
        }
    };
    let currency = match read_currency(record, Column::EstimatedCurrency) {
        Ok(c) => c.or(money.currency).unwrap_or(contract_currency),
        Err(e) => {
            notes.push(Note {
                kind: NoteKind::UnreadableDetail,
                message: e.to_string(),
            });
            return (None, None);
        }
    };
    (Some(money.amount), Some(currency))
}

fn unreadable(column: Column, text: &str) -> Note {
    Note {
        kind: NoteKind::UnreadableDetail,
        message: format!("column \"{}\": cannot read {text:?}", column.label()),
    }
}

fn contract_id(
    number: &Option<String>,
    lot: &Option<String>,
    notice: &Option<String>,
) -> Result<String, RowError> {
    match (number, lot, notice) {
        (Some(n), _, _) => Ok(n.clone()),
        (None, Some(l), _) => Ok(format!("lot-{l}")),
        (None, None, Some(d)) => Ok(format!("notice-{d}")),
        (None, None, None) => Err(row_error(
            Column::ContractNumber,
            "blank, and no lot or document number to identify the contract by",
        )),
    }
}

fn read_category(
    record: &impl Record,
    context: &mut Context,
    notes: &mut Vec<Note>,
) -> Option<Category> {
    let text = cell(record, Column::Category)?;
    let category = context.categories.get(&text, Category::from_label);
    if category.is_none() {
        notes.push(Note {
            kind: NoteKind::UnknownCategory,
            message: format!(
                "\"{}\" {text:?} is not Доставки, Услуги or Строителство",
                Column::Category.label()
            ),
        });
    }
    category
}

/// The 8-digit CPV code; `45233142-6` loses its check digit, spaces go.
fn read_cpv(record: &impl Record, notes: &mut Vec<Note>) -> Option<String> {
    let text = cell(record, Column::Cpv)?;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let code = compact
        .split_once('-')
        .map_or(compact.as_str(), |(code, _)| code);
    if code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()) {
        Some(code.to_string())
    } else {
        notes.push(unreadable(Column::Cpv, &text));
        None
    }
}

fn read_buyer_eik(record: &impl Record, context: &mut Context) -> Result<String, RowError> {
    let text =
        cell(record, Column::BuyerEik).ok_or_else(|| row_error(Column::BuyerEik, "blank"))?;
    context
        .eik(&text)
        .map_err(|e| row_error(Column::BuyerEik, e))
}

fn read_supplier_eik(
    record: &impl Record,
    context: &mut Context,
    notes: &mut Vec<Note>,
) -> SupplierEik {
    let Some(published) = cell(record, Column::SupplierEik) else {
        return SupplierEik::default();
    };
    let valid = context.eik(&published).map_err(|e| {
        notes.push(Note {
            kind: NoteKind::InvalidSupplierEik,
            message: format!(
                "column \"{}\": {e}; kept as published, supplier_eik left null",
                Column::SupplierEik.label()
            ),
        });
    });
    SupplierEik {
        valid: valid.ok(),
        published: Some(published.into_owned()),
    }
}

/// A whole number of bids or days; `не се публикува`, `-` and blanks are
/// null without a note, since the register prints them on purpose.
fn read_count(record: &impl Record, column: Column, notes: &mut Vec<Note>) -> Option<i64> {
    let text = cell(record, column)?;
    if let Some(n) = plain_count(&text) {
        return Some(n);
    }
    let lower = text.to_lowercase();
    if matches!(
        lower.as_str(),
        "-" | "–" | "x" | "х" | "не се публикува" | "няма данни"
    ) {
        return None;
    }
    // `365 дни`, `12 дена`: the unit is days whatever its spelling.
    let digits = lower
        .strip_suffix("дни")
        .or_else(|| lower.strip_suffix("дена"))
        .or_else(|| lower.strip_suffix("дн."))
        .unwrap_or(&lower)
        .trim();
    match digits.parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            notes.push(unreadable(column, &text));
            None
        }
    }
}

/// `Да`/`Не`, as well as yes/no and 1/0 from hand-made files.
fn read_flag(record: &impl Record, column: Column, notes: &mut Vec<Note>) -> Option<bool> {
    let text = cell(record, column)?;
    match text.as_ref() {
        "Да" => return Some(true),
        "Не" => return Some(false),
        _ => {}
    }
    match text.to_lowercase().as_str() {
        "да" | "yes" | "true" | "1" => Some(true),
        "не" | "no" | "false" | "0" => Some(false),
        _ => {
            notes.push(unreadable(column, &text));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Cells(HashMap<Column, &'static str>);

    impl Record for Cells {
        fn text(&self, column: Column) -> Option<Cow<'_, str>> {
            self.0.get(&column).map(|s| Cow::Borrowed(*s))
        }
    }

    /// The sample's first row.
    fn sample() -> Cells {
        Cells(HashMap::from([
            (Column::NoticeNumber, "540812"),
            (Column::Published, "14.03.2024"),
            (Column::Unp, "00123-2024-0007"),
            (Column::RegisterId, "401233"),
            (Column::ProcedureType, "Открита процедура"),
            (
                Column::Title,
                "Текущ ремонт на улична мрежа в ж.к. „Меден рудник“",
            ),
            (Column::Cpv, "45233142"),
            (Column::Category, "Строителство"),
            (Column::EstimatedValue, "1250000,00"),
            (Column::EstimatedCurrency, "BGN"),
            (Column::BuyerName, "Община Бургас"),
            (Column::BuyerEik, "000056814"),
            (Column::Lot, "1"),
            (Column::ContractNumber, "Д-118"),
            (Column::ContractDate, "11.03.2024"),
            (Column::Value, "1198450,00"),
            (Column::Currency, "BGN"),
            (Column::SupplierEik, "102055263"),
            (Column::SupplierName, "„Пътстрой Бургас“ ЕООД"),
            (Column::EuFunded, "Не"),
            (Column::Bids, "3"),
            (Column::DurationDays, "365"),
        ]))
    }

    fn with(mut cells: Cells, column: Column, text: &'static str) -> Cells {
        cells.0.insert(column, text);
        cells
    }

    fn without(mut cells: Cells, column: Column) -> Cells {
        cells.0.remove(&column);
        cells
    }

    fn context() -> Context {
        Context::new("ocds-abc123")
    }

    fn read(cells: &Cells) -> Result<Read, RowError> {
        read_contract(cells, &mut context(), "file:///x.csv#L2".into())
    }

    fn dec(s: &str) -> Decimal {
        s.parse().expect("test literal")
    }

    #[test]
    fn the_sample_row_becomes_a_contract() {
        let read = read(&sample()).expect("sample row reads");
        assert!(read.notes.is_empty(), "{:?}", read.notes);
        let c = read.contract;
        assert_eq!(c.ocid, "ocds-abc123-00123-2024-0007");
        assert_eq!(c.contract_id, "Д-118");
        assert_eq!(c.method, Some(Method::Open));
        assert_eq!(c.category, Some(Category::Works));
        assert_eq!(c.value, dec("1198450.00"));
        assert_eq!(c.currency, Currency::Bgn);
        // 1198450 / 1.95583 = 612757.757…
        assert_eq!(c.value_eur, dec("612757.76"));
        assert_eq!(c.estimated_value, Some(dec("1250000.00")));
        assert_eq!(
            c.contract_date,
            NaiveDate::from_ymd_opt(2024, 3, 11).unwrap()
        );
        assert_eq!(c.supplier_eik.valid.as_deref(), Some("102055263"));
        assert_eq!(c.eu_funded, Some(false));
        assert_eq!(c.bids_count, Some(3));
        assert_eq!(c.duration_days, Some(365));
    }

    #[test]
    fn the_older_layout_carries_the_unp_in_the_register_id() {
        let cells = with(
            without(sample(), Column::Unp),
            Column::RegisterId,
            "00123-2023-0042",
        );
        assert_eq!(read(&cells).unwrap().contract.unp, "00123-2023-0042");
        // The newer layout's internal id is not mistaken for a УНП.
        let cells = without(sample(), Column::Unp);
        let err = read(&cells).unwrap_err();
        assert_eq!(err.column, Column::RegisterId);
        assert!(err.to_string().contains("\"401233\" is not a УНП"), "{err}");
    }

    #[test]
    fn euro_contracts_stay_in_euro() {
        let cells = with(
            with(sample(), Column::Currency, "EUR"),
            Column::Value,
            "1799999,99",
        );
        let c = read(&cells).unwrap().contract;
        assert_eq!(
            (c.value, c.currency, c.value_eur),
            (dec("1799999.99"), Currency::Eur, dec("1799999.99"))
        );
    }

    #[test]
    fn a_blank_currency_is_the_one_in_force_on_the_contract_date() {
        let cells = with(sample(), Column::Currency, "");
        assert_eq!(read(&cells).unwrap().contract.currency, Currency::Bgn);
        let cells = with(
            with(sample(), Column::Currency, " "),
            Column::ContractDate,
            "05.01.2026 г.",
        );
        assert_eq!(read(&cells).unwrap().contract.currency, Currency::Eur);
    }

    #[test]
    fn records_that_cannot_be_contracts_name_the_column() {
        let cases = [
            (with(sample(), Column::Value, ""), Column::Value, "blank"),
            (
                with(sample(), Column::Value, "около 5 млн"),
                Column::Value,
                "not a number",
            ),
            (
                with(sample(), Column::Value, "-100,00"),
                Column::Value,
                "negative",
            ),
            (
                with(sample(), Column::ContractDate, "31.02.2024"),
                Column::ContractDate,
                "no such day",
            ),
            (
                with(sample(), Column::Currency, "USD"),
                Column::Currency,
                "neither BGN nor EUR",
            ),
            (
                with(sample(), Column::Unp, "123-2024-7"),
                Column::Unp,
                "not a УНП",
            ),
            (with(sample(), Column::Title, "  "), Column::Title, "blank"),
        ];
        for (cells, column, reason) in cases {
            let err = read(&cells).unwrap_err();
            assert_eq!(err.column, column, "{err}");
            assert!(err.to_string().contains(reason), "{err}");
        }
    }

    #[test]
    fn an_invalid_supplier_eik_is_kept_and_noted() {
        let cells = with(sample(), Column::SupplierEik, "123456789");
        let read = read(&cells).unwrap();
        assert_eq!(read.contract.supplier_eik.valid, None);
        assert_eq!(
            read.contract.supplier_eik.published.as_deref(),
            Some("123456789")
        );
        assert_eq!(read.notes.len(), 1);
        assert_eq!(read.notes[0].kind, NoteKind::InvalidSupplierEik);
        let values = read.contract.into_values();
        assert_eq!(values[22], Value::Boolean(false));
    }

    #[test]
    fn a_vat_number_is_reduced_to_the_eik() {
        let cells = with(sample(), Column::SupplierEik, "BG 102055263");
        let c = read(&cells).unwrap().contract;
        assert_eq!(c.supplier_eik.valid.as_deref(), Some("102055263"));
        assert_eq!(c.supplier_eik.published.as_deref(), Some("BG 102055263"));
    }

    #[test]
    fn doubtful_details_become_null_with_a_note() {
        let cells = with(
            with(
                with(sample(), Column::Cpv, "4523314"),
                Column::ProcedureType,
                "Конкурс за проект",
            ),
            Column::EuFunded,
            "частично",
        );
        let read = read(&cells).unwrap();
        let kinds: Vec<NoteKind> = read.notes.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [
                NoteKind::UnknownProcedure,
                NoteKind::UnreadableDetail,
                NoteKind::UnreadableDetail
            ]
        );
        assert_eq!(read.contract.cpv, None);
        assert_eq!(read.contract.method, None);
        assert_eq!(read.contract.procedure_type, "Конкурс за проект");
        assert_eq!(read.contract.eu_funded, None);
    }

    #[test]
    fn cpv_check_digits_and_unpublished_counts() {
        let cells = with(
            with(sample(), Column::Cpv, "45233142-6"),
            Column::Bids,
            "не се публикува",
        );
        let read = read(&cells).unwrap();
        assert!(read.notes.is_empty());
        assert_eq!(read.contract.cpv.as_deref(), Some("45233142"));
        assert_eq!(read.contract.bids_count, None);
        let cells = with(sample(), Column::DurationDays, "540 дни");
        assert_eq!(
            read_count(&cells, Column::DurationDays, &mut Vec::new()),
            Some(540)
        );
    }

    #[test]
    fn the_contract_id_falls_back_to_lot_then_notice() {
        let cells = with(sample(), Column::ContractNumber, "");
        assert_eq!(read(&cells).unwrap().contract.contract_id, "lot-1");
        let cells = with(with(sample(), Column::ContractNumber, ""), Column::Lot, "");
        assert_eq!(read(&cells).unwrap().contract.contract_id, "notice-540812");
    }

    #[test]
    fn every_mapped_procedure_type_of_the_standard() {
        for (label, method) in [
            ("Открита процедура", Method::Open),
            ("Публично състезание", Method::Open),
            ("Събиране на оферти с обява", Method::Open),
            ("Ограничена процедура", Method::Selective),
            ("Състезателна процедура с договаряне", Method::Selective),
            ("Състезателен диалог", Method::Selective),
            ("Партньорство за иновации", Method::Selective),
            ("Договаряне без предварително обявление", Method::Limited),
            ("ПРЯКО ДОГОВАРЯНЕ", Method::Limited),
            ("Покана до определени лица", Method::Limited),
        ] {
            assert_eq!(Method::from_procedure(label), Some(method), "{label}");
        }
    }

    #[test]
    fn unp_shape() {
        assert!(is_unp("00123-2024-0007"));
        assert!(!is_unp("00123-2024-007"));
        assert!(!is_unp("00123–2024–0007"));
        assert!(!is_unp("0012३-2024-0007"));
    }
}
