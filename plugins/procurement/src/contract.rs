//! A contract of the `procurement` profile, and what can be wrong with a
//! record that should be one.
//!
//! [`Contract`] holds one contract's normalized values and turns into the
//! row's cells in the profile's field order ([`FIELDS`]). [`Method`] and
//! [`Category`] are the OCDS codelists the Bulgarian labels map onto.
//! Trouble comes in two kinds: a [`RowError`] means the record cannot be a
//! contract (the caller skips it and says so); a [`Note`] is a doubtful
//! detail of a contract that was kept, with the detail left null or as
//! published (the caller turns it into a run warning).

use std::fmt;

use vitrina_sdk::normalize::money::{Currency, to_eur};
use vitrina_sdk::normalize::text::match_key;
use vitrina_sdk::{Decimal, NaiveDate, Value};

use crate::columns::Column;

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

/// Where a contract stands, as the register says (`Статус на договора`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStatus {
    /// `В изпълнение`: signed and running.
    Active,
    /// `Изпълнен`, `Приключил`: carried out to its end.
    Completed,
    /// `Прекратен`: ended early.
    Terminated,
}

impl ContractStatus {
    pub fn code(self) -> &'static str {
        match self {
            ContractStatus::Active => "active",
            ContractStatus::Completed => "completed",
            ContractStatus::Terminated => "terminated",
        }
    }

    /// The status a register label names.
    pub fn from_label(label: &str) -> Option<ContractStatus> {
        match match_key(label).as_str() {
            "в изпълнение" | "действащ" | "активен" | "active" => {
                Some(ContractStatus::Active)
            }
            "изпълнен" | "приключил" | "приключен" | "completed" => {
                Some(ContractStatus::Completed)
            }
            "прекратен" | "прекратен предсрочно" | "развален" | "terminated" => {
                Some(ContractStatus::Terminated)
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
    pub lot_title: Option<String>,
    pub lot_estimated_value: Option<Decimal>,
    pub award_date: Option<NaiveDate>,
    pub contract_number: Option<String>,
    pub contract_date: NaiveDate,
    pub value: Decimal,
    pub currency: Currency,
    pub value_eur: Decimal,
    pub contract_end_date: Option<NaiveDate>,
    pub contract_status: Option<ContractStatus>,
    pub amendments_count: Option<i64>,
    /// The value after the annexes less the value at signature.
    pub amendments_value_change: Option<Decimal>,
    pub supplier_name: Option<String>,
    pub supplier_eik: SupplierEik,
    pub bids_count: Option<i64>,
    pub eu_funded: Option<bool>,
    pub eu_programme: Option<String>,
    pub duration_days: Option<i64>,
    pub published: Option<NaiveDate>,
    /// When the register last changed the notice, RFC 3339.
    pub modified: Option<String>,
    pub procedure_url: Option<String>,
    pub source_url: String,
}

/// The names of the profile's fields, in the stream's order.
pub const FIELDS: [&str; 40] = [
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
    "estimated_value_eur",
    "buyer_name",
    "buyer_eik",
    "lot",
    "lot_title",
    "lot_estimated_value",
    "lot_estimated_value_eur",
    "award_date",
    "contract_number",
    "contract_date",
    "value",
    "currency",
    "value_eur",
    "contract_end_date",
    "contract_status",
    "amendments_count",
    "amendments_value_change",
    "supplier_name",
    "supplier_eik",
    "supplier_eik_published",
    "supplier_eik_valid",
    "bids_count",
    "eu_funded",
    "eu_programme",
    "duration_days",
    "published",
    "modified",
    "procedure_url",
    "source_url",
];

impl Contract {
    /// The cells of the row, in the order of [`FIELDS`].
    pub fn into_values(self) -> [Value; 40] {
        let eik_valid = self
            .supplier_eik
            .published
            .as_ref()
            .map(|_| self.supplier_eik.valid.is_some());
        let in_eur = |amount: Option<Decimal>| {
            amount
                .zip(self.estimated_currency)
                .map(|(amount, currency)| to_eur(amount, currency))
        };
        let estimated_value_eur = in_eur(self.estimated_value);
        let lot_estimated_value_eur = in_eur(self.lot_estimated_value);
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
            estimated_value_eur.into(),
            self.buyer_name.into(),
            self.buyer_eik.into(),
            self.lot.into(),
            self.lot_title.into(),
            self.lot_estimated_value.into(),
            lot_estimated_value_eur.into(),
            self.award_date.into(),
            self.contract_number.into(),
            self.contract_date.into(),
            self.value.into(),
            self.currency.code().into(),
            self.value_eur.into(),
            self.contract_end_date.into(),
            self.contract_status.map(ContractStatus::code).into(),
            self.amendments_count.into(),
            self.amendments_value_change.into(),
            self.supplier_name.into(),
            self.supplier_eik.valid.into(),
            self.supplier_eik.published.into(),
            eik_valid.into(),
            self.bids_count.into(),
            self.eu_funded.into(),
            self.eu_programme.into(),
            self.duration_days.into(),
            self.published.into(),
            self.modified.map(Value::Datetime).unwrap_or(Value::Null),
            self.procedure_url.into(),
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
    /// An amount with digits below the cent, rounded half-up to publish it.
    RoundedAmount,
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
            NoteKind::RoundedAmount => {
                "amount with digits below the cent (rounded half-up to the cent)"
            }
        }
    }
}

/// A doubtful detail of a contract that was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub message: String,
}
