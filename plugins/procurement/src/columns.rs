//! The register's columns, found by header name.
//!
//! The yearly exports have changed layout over the years: columns move,
//! get renamed (`Дата на договор` / `Дата на сключване`), and the older
//! exports identify a procurement by `ID на поръчката` where the newer ones
//! have `Уникален номер на поръчката` beside an internal id. So columns are
//! never taken by position: each [`Column`] lists the header names it is
//! known by, compared after [`match_key`] folding (case, spaces, quotes,
//! dashes), and a file is read only if its header names every column the
//! plugin cannot do without. The same names key the JSON notices, so one
//! mapping serves both sources.

use vitrina_sdk::normalize::text::match_key;

/// A column the plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    NoticeNumber,
    Published,
    Unp,
    RegisterId,
    ProcedureType,
    Title,
    Cpv,
    Category,
    EstimatedValue,
    EstimatedCurrency,
    BuyerName,
    BuyerEik,
    Lot,
    ContractNumber,
    ContractDate,
    Value,
    Currency,
    SupplierEik,
    SupplierName,
    EuFunded,
    Bids,
    DurationDays,
    LotEstimatedValue,
    AwardDate,
    ContractEndDate,
    ContractStatus,
    AmendmentsCount,
    AmendedValue,
    EuProgramme,
    ProcedureUrl,
    Ocid,
    Modified,
}

impl Column {
    /// Every column, in the order of [`Column::index`].
    pub const ALL: [Column; 32] = [
        Column::NoticeNumber,
        Column::Published,
        Column::Unp,
        Column::RegisterId,
        Column::ProcedureType,
        Column::Title,
        Column::Cpv,
        Column::Category,
        Column::EstimatedValue,
        Column::EstimatedCurrency,
        Column::BuyerName,
        Column::BuyerEik,
        Column::Lot,
        Column::ContractNumber,
        Column::ContractDate,
        Column::Value,
        Column::Currency,
        Column::SupplierEik,
        Column::SupplierName,
        Column::EuFunded,
        Column::Bids,
        Column::DurationDays,
        Column::LotEstimatedValue,
        Column::AwardDate,
        Column::ContractEndDate,
        Column::ContractStatus,
        Column::AmendmentsCount,
        Column::AmendedValue,
        Column::EuProgramme,
        Column::ProcedureUrl,
        Column::Ocid,
        Column::Modified,
    ];

    /// Position in [`Column::ALL`], for array-indexed lookups.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The header names this column is published under. The first is the
    /// name in the current export and the one error messages use.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Column::NoticeNumber => &["Номер на документ", "Номер на обявлението"],
            Column::Published => &["Дата на публикуване", "Дата на публикация"],
            Column::Unp => &["Уникален номер на поръчката", "УНП"],
            Column::RegisterId => &["ID на поръчката", "Номер на поръчката"],
            Column::ProcedureType => &[
                "Вид на поръчката",
                "Вид на процедурата",
                "Процедура",
                "Тип на процедурата",
            ],
            Column::Title => &[
                "Предмет на поръчката",
                "Предмет",
                "Наименование на поръчката",
            ],
            Column::Cpv => &["Основен CPV код", "CPV код", "Код по CPV", "CPV"],
            Column::Category => &["Обект на поръчката", "Обект"],
            Column::EstimatedValue => &["Прогнозна стойност", "Прогнозна стойност без ДДС"],
            Column::EstimatedCurrency => &["Валута на поръчката", "Валута на прогнозната стойност"],
            Column::BuyerName => &["Възложител", "Наименование на възложителя"],
            Column::BuyerEik => &["ЕИК на възложителя", "БУЛСТАТ на възложителя"],
            Column::Lot => &[
                "Идентификатор на обособена позиция",
                "Обособена позиция",
                "№ на обособена позиция",
            ],
            Column::ContractNumber => &["Номер на договор", "Номер на договора"],
            Column::ContractDate => &[
                "Дата на договор",
                "Дата на договора",
                "Дата на сключване",
                "Дата на сключване на договора",
            ],
            Column::Value => &[
                "Стойност при сключване",
                "Стойност на договора",
                "Стойност на договора без ДДС",
            ],
            Column::Currency => &["Валута", "Валута на договора"],
            Column::SupplierEik => &["ЕИК на изпълнителя", "БУЛСТАТ на изпълнителя"],
            Column::SupplierName => &["Изпълнител", "Наименование на изпълнителя"],
            Column::EuFunded => &[
                "EU финансиране",
                "ЕС финансиране",
                "Финансиране от ЕС",
                "Средства от ЕС",
            ],
            Column::Bids => &["Брой оферти", "Брой получени оферти"],
            Column::DurationDays => &["Срок на договора в дни", "Срок в дни"],
            Column::LotEstimatedValue => &[
                "Прогнозна стойност на обособената позиция",
                "Прогнозна стойност на обособена позиция",
            ],
            Column::AwardDate => &[
                "Дата на решението за определяне на изпълнител",
                "Дата на решение за определяне на изпълнител",
                "Дата на решението за класиране",
            ],
            Column::ContractEndDate => &[
                "Дата на приключване на договора",
                "Дата на приключване",
                "Срок на изпълнение до",
            ],
            Column::ContractStatus => &["Статус на договора", "Състояние на договора"],
            Column::AmendmentsCount => &["Брой анекси", "Брой изменения на договора"],
            Column::AmendedValue => &[
                "Стойност след изменения",
                "Стойност след анекси",
                "Актуална стойност на договора",
            ],
            Column::EuProgramme => &[
                "Програма на ЕС",
                "Наименование на програмата",
                "Оперативна програма",
            ],
            Column::ProcedureUrl => &["Връзка към поръчката", "Връзка към преписката"],
            Column::Ocid => &["OCID", "OCDS идентификатор"],
            Column::Modified => &["Последна промяна", "Дата на последна промяна"],
        }
    }

    /// The name error messages use.
    pub fn label(self) -> &'static str {
        self.names()[0]
    }

    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let key = match_key(header);
        Column::ALL
            .into_iter()
            .find(|c| c.names().iter().any(|name| match_key(name) == key))
    }
}

/// Columns without which a row cannot become a contract. `Unp` is checked
/// separately: either it or `RegisterId` must be present.
const REQUIRED: [Column; 5] = [
    Column::Title,
    Column::ProcedureType,
    Column::BuyerEik,
    Column::ContractDate,
    Column::Value,
];

/// Where each column sits in one file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    positions: [Option<usize>; Column::ALL.len()],
}

/// A header row that lacks columns the plugin needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the header has no column {}", missing.join(", "))]
pub struct MissingColumns {
    /// The names (in quotes) of the columns looked for and not found.
    pub missing: Vec<String>,
}

impl HeaderMap {
    /// Maps a header row. The first header naming a column wins, so a
    /// stray duplicate column further right does not shadow the real one.
    pub fn new<'a>(headers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut positions = [None; Column::ALL.len()];
        for (i, header) in headers.into_iter().enumerate() {
            if let Some(column) = Column::from_header(header) {
                positions[column.index()].get_or_insert(i);
            }
        }
        Self { positions }
    }

    /// Whether the header names every column a contract needs.
    pub fn check(&self) -> Result<(), MissingColumns> {
        let mut missing: Vec<String> = REQUIRED
            .into_iter()
            .filter(|c| self.get(*c).is_none())
            .map(|c| format!("\"{}\"", c.label()))
            .collect();
        if self.get(Column::Unp).is_none() && self.get(Column::RegisterId).is_none() {
            missing.push(format!(
                "\"{}\" (or \"{}\")",
                Column::Unp.label(),
                Column::RegisterId.label()
            ));
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MissingColumns { missing })
        }
    }

    /// How many known columns the header names: used to pick the header
    /// row out of title rows above it.
    pub fn known(&self) -> usize {
        self.positions.iter().flatten().count()
    }

    /// The position of a column in a row.
    pub fn get(&self, column: Column) -> Option<usize> {
        self.positions[column.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_position_in_all() {
        for (i, c) in Column::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
    }

    #[test]
    fn headers_match_whatever_the_case_spacing_and_quotes() {
        assert_eq!(
            Column::from_header("  УНИКАЛЕН  номер на поръчката "),
            Some(Column::Unp)
        );
        assert_eq!(
            Column::from_header("Дата на сключване"),
            Some(Column::ContractDate)
        );
        assert_eq!(
            Column::from_header("\u{feff}Пореден номер"),
            None,
            "the row counter is not read"
        );
        assert_eq!(Column::from_header("Валута"), Some(Column::Currency));
        assert_eq!(
            Column::from_header("Валута на поръчката"),
            Some(Column::EstimatedCurrency)
        );
    }

    #[test]
    fn the_sample_header_maps_every_column() {
        let header = "Пореден номер,Номер на документ,Дата на публикуване,Уникален номер на поръчката,ID на поръчката,Вид на поръчката,Предмет на поръчката,Основен CPV код,Обект на поръчката,Прогнозна стойност,Валута на поръчката,Възложител,ЕИК на възложителя,Идентификатор на обособена позиция,Номер на договор,Дата на договор,Стойност при сключване,Валута,ЕИК на изпълнителя,Изпълнител,EU финансиране,Брой оферти,Срок на договора в дни";
        let map = HeaderMap::new(header.split(','));
        // The sample predates the columns on lots, annexes and status.
        assert_eq!(map.known(), 22);
        assert_eq!(map.get(Column::Unp), Some(3));
        assert_eq!(map.get(Column::RegisterId), Some(4));
        assert_eq!(map.get(Column::DurationDays), Some(22));
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn the_older_layout_needs_only_the_register_id() {
        let map = HeaderMap::new([
            "ID на поръчката",
            "Предмет",
            "Процедура",
            "ЕИК на възложителя",
            "Дата на сключване",
            "Стойност на договора",
        ]);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn a_header_without_needed_columns_names_them_all() {
        let map = HeaderMap::new(["Предмет на поръчката", "Изпълнител"]);
        let err = map.check().unwrap_err().to_string();
        for needed in [
            "Вид на поръчката",
            "ЕИК на възложителя",
            "Дата на договор",
            "Стойност при сключване",
            "Уникален номер на поръчката",
        ] {
            assert!(err.contains(needed), "{err}");
        }
    }
}
