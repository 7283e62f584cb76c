//! Reading records into contracts: the sample export's first row, and
//! each way a cell can be odd, one at a time.

use std::collections::HashMap;

use vitrina_sdk::Value;

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

fn read(cells: &Cells) -> Result<Reading, RowError> {
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

/// A decimal as the row carries it.
fn text(d: Decimal) -> String {
    d.to_string()
}

#[test]
fn every_amount_is_published_with_two_decimals() {
    let cells = with(
        with(sample(), Column::Value, "69999"),
        Column::EstimatedValue,
        "1,5 хил. лв.",
    );
    let reading = read(&cells).unwrap();
    assert!(reading.notes.is_empty(), "{:?}", reading.notes);
    let c = reading.contract;
    assert_eq!(text(c.value), "69999.00");
    assert_eq!(text(c.value_eur), "35789.92");
    assert_eq!(c.estimated_value.map(text).as_deref(), Some("1500.00"));
    let cells = with(
        with(sample(), Column::Currency, "EUR"),
        Column::Value,
        "1 800 000",
    );
    let c = read(&cells).unwrap().contract;
    assert_eq!(
        (text(c.value), text(c.value_eur)),
        ("1800000.00".into(), "1800000.00".into())
    );
    let c = read(&with(sample(), Column::Value, "0")).unwrap().contract;
    assert_eq!(
        (text(c.value), text(c.value_eur)),
        ("0.00".into(), "0.00".into())
    );
}

#[test]
fn digits_below_the_cent_are_rounded_half_up_and_noted() {
    let cells = with(
        with(sample(), Column::Value, "1198450,005"),
        Column::EstimatedValue,
        "1 250 000,0049",
    );
    let read = read(&cells).unwrap();
    assert_eq!(text(read.contract.value), "1198450.01");
    assert_eq!(text(read.contract.value_eur), "612757.76");
    assert_eq!(
        read.contract.estimated_value.map(text).as_deref(),
        Some("1250000.00")
    );
    let notes: Vec<(NoteKind, &str)> = read
        .notes
        .iter()
        .map(|n| (n.kind, n.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                NoteKind::RoundedAmount,
                "column \"Стойност при сключване\": \"1198450,005\" has digits below the cent; \
                 published as 1198450.01, rounded half-up"
            ),
            (
                NoteKind::RoundedAmount,
                "column \"Прогнозна стойност\": \"1 250 000,0049\" has digits below the cent; \
                 published as 1250000.00, rounded half-up"
            ),
        ]
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
    assert_eq!(values[31], Value::Boolean(false));
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

#[test]
fn a_title_that_names_its_lot_splits_into_subject_and_lot() {
    let cases = [
        (
            "Доставка на хранителни продукти по обособена позиция 1 „Месо и месни продукти“",
            "Доставка на хранителни продукти",
            Some("Месо и месни продукти"),
        ),
        (
            "Сметосъбиране по обособена позиция № 2: „ОП 2 – Южна зона“",
            "Сметосъбиране",
            Some("ОП 2 – Южна зона"),
        ),
        ("Ремонт, по обособена позиция 3", "Ремонт", None),
        (
            "Текущ ремонт на улична мрежа",
            "Текущ ремонт на улична мрежа",
            None,
        ),
        // Nothing before the marker: the title stays whole.
        (
            " по обособена позиция 1 „Хляб“",
            " по обособена позиция 1 „Хляб“",
            None,
        ),
    ];
    for (title, subject, lot) in cases {
        let (got_subject, got_lot) = split_lot_title(title);
        assert_eq!(got_subject, subject, "{title}");
        assert_eq!(got_lot.as_deref(), lot, "{title}");
    }
}

#[test]
fn the_current_layout_reads_lots_annexes_status_and_links() {
    let cells = with(
        with(
            with(
                with(
                    with(
                        with(sample(), Column::LotEstimatedValue, "620 000,00"),
                        Column::ContractStatus,
                        "Прекратен",
                    ),
                    Column::AmendmentsCount,
                    "2",
                ),
                Column::AmendedValue,
                "1 250 000,50",
            ),
            Column::ProcedureUrl,
            "https://app.eop.bg/today/401233",
        ),
        Column::ContractEndDate,
        "10.03.2025",
    );
    let contract = read(&cells).unwrap().contract;
    assert_eq!(
        contract.lot_estimated_value,
        Some(Decimal::new(62000000, 2))
    );
    assert_eq!(contract.estimated_value, Some(Decimal::new(125000000, 2)));
    assert_eq!(contract.contract_status, Some(ContractStatus::Terminated));
    assert_eq!(contract.amendments_count, Some(2));
    assert_eq!(
        contract.amendments_value_change,
        Some(Decimal::new(5155050, 2))
    );
    assert_eq!(
        contract.contract_end_date,
        NaiveDate::from_ymd_opt(2025, 3, 10)
    );
    assert_eq!(
        contract.procedure_url.as_deref(),
        Some("https://app.eop.bg/today/401233")
    );
}

#[test]
fn odd_details_of_the_current_layout_are_null_with_a_note() {
    let cells = with(
        with(
            with(sample(), Column::ContractStatus, "Спрян"),
            Column::ProcedureUrl,
            "javascript:alert(1)",
        ),
        Column::AmendedValue,
        "по анекс",
    );
    let read = read(&cells).unwrap();
    assert_eq!(read.contract.contract_status, None);
    assert_eq!(read.contract.procedure_url, None);
    assert_eq!(read.contract.amendments_value_change, None);
    assert_eq!(read.notes.len(), 3, "{:?}", read.notes);
    assert!(
        read.notes
            .iter()
            .all(|n| n.kind == NoteKind::UnreadableDetail)
    );
}

#[test]
fn a_register_ocid_is_kept_and_a_malformed_one_ignored() {
    let given = with(sample(), Column::Ocid, "ocds-h6vhtk-00123-2024-0007");
    assert_eq!(
        read(&given).unwrap().contract.ocid,
        "ocds-h6vhtk-00123-2024-0007"
    );
    let malformed = with(sample(), Column::Ocid, "00123-2024-0007");
    assert_eq!(
        read(&malformed).unwrap().contract.ocid,
        "ocds-abc123-00123-2024-0007"
    );
}

#[test]
fn a_value_after_annexes_without_a_count_counts_one_annex() {
    let cells = with(sample(), Column::AmendedValue, "1198450,00");
    let contract = read(&cells).unwrap().contract;
    assert_eq!(contract.amendments_count, Some(1));
    assert_eq!(contract.amendments_value_change, Some(Decimal::ZERO));
    let none = with(
        with(sample(), Column::AmendmentsCount, "0"),
        Column::AmendedValue,
        "1198450,00",
    );
    let contract = read(&none).unwrap().contract;
    assert_eq!(contract.amendments_count, Some(0));
    assert_eq!(contract.amendments_value_change, None);
}
