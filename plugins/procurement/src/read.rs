//! One register record read into one contract.
//!
//! A record is a row of a yearly export or a notice of the listing; both
//! answer [`Record::text`] by [`Column`]. [`read_contract`] normalizes what
//! they say: the УНП from whichever column carries it, decimal-comma amounts
//! into decimals with exactly two places (normalize's money rule: digits
//! below the cent are rounded half-up and noted) with their currency and a
//! derived euro value,
//! `dd.mm.yyyy` dates, `Да`/`Не`, the CPV code without its check digit, the
//! Bulgarian procedure type mapped onto the OCDS method, and the ЕИК checks.
//! A record that cannot be a contract is a [`RowError`] naming the column;
//! a doubtful detail is a [`Note`] beside the contract.

use std::borrow::Cow;
use std::fmt;

use vitrina_sdk::normalize::date::parse_date;
use vitrina_sdk::normalize::eik::parse_eik;
use vitrina_sdk::normalize::money::{Currency, Money, currency_on, parse_money, to_cents, to_eur};
use vitrina_sdk::{Decimal, NaiveDate};

use crate::columns::Column;
use crate::contract::{
    Category, Contract, ContractStatus, Method, Note, NoteKind, RowError, SupplierEik,
};
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

/// A contract and what was doubtful about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub contract: Contract,
    pub notes: Vec<Note>,
}

/// Normalizes one record. `source_url` says where it was read, for the row
/// and for messages.
pub fn read_contract(
    record: &impl Record,
    context: &mut Context,
    source_url: String,
) -> Result<Reading, RowError> {
    let mut notes = Vec::new();
    let unp = read_unp(record)?;
    let contract_date = read_date(record, Column::ContractDate)?
        .ok_or_else(|| row_error(Column::ContractDate, "blank"))?;
    let (value, marked_currency) = read_value(record, &mut notes)?;
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
    let (title, lot_title) = split_lot_title(&required(record, Column::Title)?);
    let amendments_count = read_count(record, Column::AmendmentsCount, &mut notes);
    let amendments_value_change =
        read_amended_value(record, &mut notes).map(|amended| amended - value);
    let contract = Contract {
        ocid: read_ocid(record).unwrap_or_else(|| format!("{}-{unp}", context.ocid_prefix)),
        contract_id,
        unp,
        notice_number,
        title,
        procedure_type,
        method,
        category: read_category(record, context, &mut notes),
        cpv: read_cpv(record, &mut notes),
        estimated_value,
        estimated_currency,
        buyer_name: required(record, Column::BuyerName)?,
        buyer_eik: read_buyer_eik(record, context)?,
        lot_estimated_value: lot
            .as_ref()
            .and_then(|_| read_amount(record, Column::LotEstimatedValue, &mut notes)),
        lot,
        lot_title,
        award_date: read_optional_date(record, Column::AwardDate, &mut notes),
        contract_number,
        contract_date,
        value,
        currency,
        value_eur: to_eur(value, currency),
        contract_end_date: read_optional_date(record, Column::ContractEndDate, &mut notes),
        contract_status: read_status(record, &mut notes),
        // An annex that changed nothing is still an annex; a change without
        // a count says at least one.
        amendments_count: amendments_count.or(amendments_value_change.map(|_| 1)),
        amendments_value_change: amendments_value_change.filter(|_| amendments_count != Some(0)),
        supplier_name: optional(record, Column::SupplierName),
        supplier_eik: read_supplier_eik(record, context, &mut notes),
        bids_count: read_count(record, Column::Bids, &mut notes),
        eu_funded: read_flag(record, Column::EuFunded, &mut notes),
        eu_programme: optional(record, Column::EuProgramme),
        duration_days: read_count(record, Column::DurationDays, &mut notes),
        published: read_optional_date(record, Column::Published, &mut notes),
        modified: read_modified(record, &mut notes),
        procedure_url: read_url(record, Column::ProcedureUrl, &mut notes),
        source_url,
    };
    Ok(Reading { contract, notes })
}

/// The procurement's subject and the lot's title, from a title that names
/// its lot the way the register's titles do: `Доставка на хранителни
/// продукти по обособена позиция 1 „Месо и месни продукти“` is the subject
/// `Доставка на хранителни продукти` and the lot `Месо и месни продукти`.
/// Every lot of a procurement then has the same subject.
pub fn split_lot_title(title: &str) -> (String, Option<String>) {
    const MARKERS: [&str; 2] = [" по обособена позиция", " по Обособена позиция"];
    let Some(at) = MARKERS.iter().filter_map(|m| title.find(m)).min() else {
        return (title.to_string(), None);
    };
    let subject = title[..at].trim_end_matches([' ', ',', '-', '–']);
    if subject.is_empty() {
        return (title.to_string(), None);
    }
    let rest = title[at..]
        .split_once("позиция")
        .map_or("", |(_, rest)| rest)
        .trim_start_matches(|c: char| c == '№' || c.is_whitespace())
        .trim_start_matches(|c: char| c.is_ascii_alphanumeric())
        .trim_start_matches([' ', ':', '-', '–', '.']);
    let name = strip_quotes(rest.trim());
    (
        subject.to_string(),
        (!name.is_empty()).then(|| name.to_string()),
    )
}

/// `„Месо“`, `"Месо"` or `«Месо»` without the outer quotes.
fn strip_quotes(text: &str) -> &str {
    for (open, close) in [('„', '“'), ('"', '"'), ('«', '»'), ('“', '”')] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            return inner.trim();
        }
    }
    text
}

/// The register's own ocid, when the source gives one.
fn read_ocid(record: &impl Record) -> Option<String> {
    let text = cell(record, Column::Ocid)?;
    let well_formed = text
        .strip_prefix("ocds-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(prefix, id)| {
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
                && !id.is_empty()
        });
    well_formed.then(|| text.into_owned())
}

/// An optional non-negative amount in cents; unreadable text is noted.
fn read_amount(record: &impl Record, column: Column, notes: &mut Vec<Note>) -> Option<Decimal> {
    let text = cell(record, column)?;
    match read_money(&text) {
        Ok(Some(m)) if !m.amount.is_sign_negative() || m.amount.is_zero() => {
            in_cents(m.amount, column, &text, notes).ok()
        }
        Ok(None) => None,
        _ => {
            notes.push(unreadable(column, &text));
            None
        }
    }
}

/// The contract's value after its annexes, when the register gives it.
fn read_amended_value(record: &impl Record, notes: &mut Vec<Note>) -> Option<Decimal> {
    read_amount(record, Column::AmendedValue, notes)
}

/// A date that may be missing or unreadable without losing the contract.
fn read_optional_date(
    record: &impl Record,
    column: Column,
    notes: &mut Vec<Note>,
) -> Option<NaiveDate> {
    read_date(record, column).unwrap_or_else(|e| {
        notes.push(Note {
            kind: NoteKind::UnreadableDetail,
            message: e.to_string(),
        });
        None
    })
}

fn read_status(record: &impl Record, notes: &mut Vec<Note>) -> Option<ContractStatus> {
    let text = cell(record, Column::ContractStatus)?;
    let status = ContractStatus::from_label(&text);
    if status.is_none() {
        notes.push(unreadable(Column::ContractStatus, &text));
    }
    status
}

/// When the notice last changed, as RFC 3339.
fn read_modified(record: &impl Record, notes: &mut Vec<Note>) -> Option<String> {
    let text = cell(record, Column::Modified)?;
    match chrono::DateTime::parse_from_rfc3339(&text) {
        Ok(time) => Some(time.to_rfc3339()),
        Err(_) => {
            notes.push(unreadable(Column::Modified, &text));
            None
        }
    }
}

/// An `http(s)` link; anything else is noted and dropped.
fn read_url(record: &impl Record, column: Column, notes: &mut Vec<Note>) -> Option<String> {
    let text = cell(record, column)?;
    if (text.starts_with("https://") || text.starts_with("http://")) && !text.contains(' ') {
        Some(text.into_owned())
    } else {
        notes.push(unreadable(column, &text));
        None
    }
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

fn read_value(
    record: &impl Record,
    notes: &mut Vec<Note>,
) -> Result<(Decimal, Option<Currency>), RowError> {
    let text = cell(record, Column::Value).ok_or_else(|| row_error(Column::Value, "blank"))?;
    let money = read_money(&text)
        .map_err(|e| row_error(Column::Value, e))?
        .ok_or_else(|| row_error(Column::Value, format!("{text:?} is not an amount")))?;
    if money.amount.is_sign_negative() && !money.amount.is_zero() {
        return Err(row_error(Column::Value, format!("{text:?} is negative")));
    }
    let value = in_cents(money.amount, Column::Value, &text, notes)
        .map_err(|e| row_error(Column::Value, e))?;
    Ok((value, money.currency))
}

/// An amount as every money value is published: two decimals. Non-zero
/// digits below the cent are rounded half-up and noted, so the warning
/// names the file and line the amount was read from.
fn in_cents(
    amount: Decimal,
    column: Column,
    text: &str,
    notes: &mut Vec<Note>,
) -> Result<Decimal, String> {
    let cents = to_cents(amount, Decimal::ONE).map_err(|e| e.to_string())?;
    if cents.rounded {
        notes.push(Note {
            kind: NoteKind::RoundedAmount,
            message: format!(
                "column \"{}\": {text:?} has digits below the cent; published as {}, rounded \
                 half-up",
                column.label(),
                cents.amount
            ),
        });
    }
    Ok(cents.amount)
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
    match in_cents(money.amount, Column::EstimatedValue, &text, notes) {
        Ok(amount) => (Some(amount), Some(currency)),
        Err(_) => {
            notes.push(unreadable(Column::EstimatedValue, &text));
            (None, None)
        }
    }
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
mod tests;
