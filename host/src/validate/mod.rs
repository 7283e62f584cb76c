//! Validation of what plugins declare and emit.
//!
//! Two checks guard the store. [`check_plugin_info`] runs before a plugin's
//! first row: names are well-formed, every stream has a primary key made of
//! declared, non-nullable fields. [`RowValidator`] runs on every row as it
//! arrives: width, types, nullability, the exact formats of text-carried
//! types (decimal, date, datetime, json), and primary keys that are present
//! and unique within the run. Errors name the stream, row number and field,
//! because that is what a plugin author needs to find the bug.

pub mod profiles;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

use crate::schema::{FieldType, PluginInfo, Row, StreamSchema, Value};

/// A row that does not match its stream's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub stream: String,
    /// 1-based row number within the stream, in emit order.
    pub row: u64,
    /// The field at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stream `{}`, row {}", self.stream, self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Checks a plugin's description, and its first stream against the profile
/// it claims; returns every problem found.
pub fn check_plugin_info(info: &PluginInfo) -> Result<(), Vec<String>> {
    check_description_size(info)?;
    let mut problems = Vec::new();
    if !is_machine_name(&info.id) {
        problems.push(format!("plugin id `{}` is not a machine name", info.id));
    }
    if info.streams.is_empty() {
        problems.push("the plugin declares no stream".to_string());
    }
    let mut names = HashSet::new();
    for (i, stream) in info.streams.iter().enumerate() {
        if !names.insert(stream.name.as_str()) {
            problems.push(format!("stream `{}` is declared twice", stream.name));
        }
        if is_from_source(stream) {
            problems.extend(check_from_source(info, i, stream));
        } else {
            problems.extend(check_stream(stream));
        }
    }
    if let Some(name) = &info.profile {
        match (profiles::get(name), info.streams.first()) {
            (None, _) => problems.push(format!(
                "the plugin claims the profile `{name}`, which this Vitrina does not know (it knows {})",
                profiles::names()
            )),
            (Some(profile), Some(stream)) => problems.extend(profile.check_schema(stream)),
            (Some(_), None) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The most a plugin may declare: far beyond any real dataset, and small
/// enough that checking a description, and validating rows against it,
/// never costs the host much.
pub const MAX_STREAMS: usize = 64;
pub const MAX_FIELDS: usize = 512;
pub const MAX_CONFIG_KEYS: usize = 256;
/// Descriptions of the plugin, its streams, fields and config keys.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;

/// Refuses a description larger than any real plugin needs, before any of
/// it is examined one by one.
fn check_description_size(info: &PluginInfo) -> Result<(), Vec<String>> {
    let too_many = |what: &str, n: usize, max: usize| {
        (n > max).then(|| format!("declares {n} {what}, more than the {max} a plugin may"))
    };
    let mut problems: Vec<String> = [
        too_many("streams", info.streams.len(), MAX_STREAMS),
        too_many("config keys", info.config.len(), MAX_CONFIG_KEYS),
    ]
    .into_iter()
    .flatten()
    .collect();
    for stream in info.streams.iter().take(MAX_STREAMS) {
        if let Some(problem) = too_many("fields", stream.fields.len(), MAX_FIELDS) {
            problems.push(format!("stream `{}` {problem}", short(&stream.name)));
        }
    }
    let texts = std::iter::once(info.description.as_str())
        .chain(info.streams.iter().map(|s| s.description.as_str()))
        .chain(
            info.streams
                .iter()
                .flat_map(|s| s.fields.iter().map(|f| f.description.as_str())),
        )
        .chain(info.config.iter().map(|c| c.description.as_str()));
    if texts.clone().any(|t| t.len() > MAX_DESCRIPTION_BYTES)
        || [&info.id, &info.version].iter().any(|t| t.len() > 64)
    {
        problems.push(format!(
            "a description is longer than {MAX_DESCRIPTION_BYTES} bytes, or the id or version longer than 64"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A name as an error message quotes it: at most 64 bytes.
fn short(name: &str) -> &str {
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// A stream described with neither fields nor key: they come from the
/// source, declared during the run (contract 0.2.0 and later).
pub fn is_from_source(stream: &StreamSchema) -> bool {
    stream.fields.is_empty() && stream.primary_key.is_empty()
}

/// What may be wrong with a stream whose fields come from the source.
fn check_from_source(info: &PluginInfo, index: usize, stream: &StreamSchema) -> Vec<String> {
    let name = &stream.name;
    let mut problems = Vec::new();
    if !is_machine_name(name) {
        problems.push(format!("stream name `{name}` is not a machine name"));
    }
    if info.contract == "0.1.0" {
        problems.push(format!(
            "stream `{name}` has no fields; a stream takes its fields from the source only from contract 0.2.0 on"
        ));
    }
    if index == 0 && info.profile.is_some() {
        problems.push(format!(
            "stream `{name}` claims a profile, so its fields are the profile's, not the source's"
        ));
    }
    problems
}

/// Checks a stream declared during a run, as `describe`'s are checked.
pub fn check_declared_stream(stream: &StreamSchema) -> Result<(), Vec<String>> {
    let mut problems = check_stream(stream);
    if stream.fields.len() > MAX_FIELDS {
        problems.push(format!(
            "declares {} fields, more than the {MAX_FIELDS} a stream may",
            stream.fields.len()
        ));
    }
    let long = std::iter::once(stream.description.as_str())
        .chain(stream.fields.iter().map(|f| f.description.as_str()))
        .any(|t| t.len() > MAX_DESCRIPTION_BYTES);
    if long {
        problems.push(format!(
            "a description is over {MAX_DESCRIPTION_BYTES} bytes"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_stream(stream: &StreamSchema) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &stream.name;
    if !is_machine_name(name) {
        problems.push(format!("stream name `{name}` is not a machine name"));
    }
    if stream.fields.is_empty() {
        problems.push(format!("stream `{name}` has no fields"));
    }
    let mut fields = HashSet::new();
    for field in &stream.fields {
        if !is_machine_name(&field.name) {
            problems.push(format!(
                "stream `{name}`: field name `{}` is not a machine name",
                field.name
            ));
        }
        if !fields.insert(field.name.as_str()) {
            problems.push(format!(
                "stream `{name}`: field `{}` is declared twice",
                field.name
            ));
        }
    }
    if stream.primary_key.is_empty() {
        problems.push(format!(
            "stream `{name}` has no primary key: mark its key fields"
        ));
    }
    for key in &stream.primary_key {
        match stream.fields.iter().find(|f| &f.name == key) {
            None => problems.push(format!(
                "stream `{name}`: primary key field `{key}` is not declared"
            )),
            Some(f) if f.nullable => problems.push(format!(
                "stream `{name}`: primary key field `{key}` must not be nullable"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Lowercase ASCII letters, digits and `_`, starting with a letter; at most 64 bytes.
pub fn is_machine_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && name.len() <= 64
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// Validates the rows of one stream as they arrive.
pub struct RowValidator {
    schema: StreamSchema,
    key_positions: Vec<usize>,
    /// 128-bit fingerprints of the keys seen, to find duplicates without
    /// keeping every key's text. They are hashes already, so the set uses
    /// them as they are instead of hashing them again.
    keys_seen: HashSet<u128, BuildHasherDefault<Prehashed>>,
    rows_seen: u64,
    /// The constraints of the profile the stream follows, if any.
    profile: Option<profiles::RowChecks>,
    /// Dates of the profile's fields that lie after the run's day.
    future: FutureDates,
}

/// Counts, per field, the dates that lie after the day of the run. A
/// budget report dated next year or a decision voted next month is almost
/// always a typo in the source: the row is published as the source says,
/// and the run warns, naming the field, the count and the first row.
#[derive(Debug, Default)]
struct FutureDates {
    /// The positions and names of the date fields to watch.
    fields: Vec<(usize, String)>,
    /// The latest date that is not in the future, `YYYY-MM-DD`: tomorrow in
    /// UTC, since the sources' calendar day (Sofia's) runs ahead of UTC.
    latest: String,
    /// Field → how many rows, and the first row's key and date.
    found: BTreeMap<String, (u64, String)>,
}

impl RowValidator {
    /// A validator for a stream that passed [`check_plugin_info`].
    pub fn new(schema: StreamSchema) -> Self {
        let key_positions = schema.key_positions();
        Self {
            schema,
            key_positions,
            keys_seen: HashSet::default(),
            rows_seen: 0,
            profile: None,
            future: FutureDates::default(),
        }
    }

    /// A validator that also holds rows to `profile`'s constraints, and
    /// notes its dates that lie after the run's day.
    pub fn with_profile(schema: StreamSchema, profile: &'static profiles::Profile) -> Self {
        let checks = profile.row_checks(&schema);
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
        Self::with_profile_on(schema, profile, tomorrow).with_checks(checks)
    }

    /// [`RowValidator::with_profile`] with the latest date that is not in
    /// the future given.
    fn with_profile_on(
        schema: StreamSchema,
        profile: &'static profiles::Profile,
        latest: chrono::NaiveDate,
    ) -> Self {
        let fields = profile
            .fields
            .iter()
            .filter(|f| matches!(f.kind, FieldType::Date | FieldType::Datetime) && !f.may_be_future)
            .filter_map(|f| Some((schema.position(&f.name)?, f.name.clone())))
            .collect();
        Self {
            future: FutureDates {
                fields,
                latest: latest.format("%Y-%m-%d").to_string(),
                found: BTreeMap::new(),
            },
            ..Self::new(schema)
        }
    }

    fn with_checks(mut self, checks: profiles::RowChecks) -> Self {
        self.profile = Some(checks);
        self
    }

    /// One warning per field whose dates lie after the run's day.
    pub fn future_date_warnings(&self) -> Vec<String> {
        self.future
            .found
            .iter()
            .map(|(field, (count, first))| {
                format!(
                    "{count} row{} of `{}` {} `{field}` later than {}, the day after the run \
                     (the first: {first}): a date in the future is usually a typo in the source; check it there",
                    if *count == 1 { "" } else { "s" },
                    self.schema.name,
                    if *count == 1 { "has" } else { "have" },
                    self.future.latest,
                )
            })
            .collect()
    }

    /// The stream's schema.
    pub fn schema(&self) -> &StreamSchema {
        &self.schema
    }

    /// Rows checked so far.
    pub fn rows_seen(&self) -> u64 {
        self.rows_seen
    }

    /// Checks the next row of the stream.
    pub fn check(&mut self, row: &Row) -> Result<(), RowError> {
        self.rows_seen += 1;
        if row.len() != self.schema.fields.len() {
            return Err(self.error(
                None,
                format!(
                    "has {} cells, the schema declares {} fields",
                    row.len(),
                    self.schema.fields.len()
                ),
            ));
        }
        for (value, field) in row.iter().zip(&self.schema.fields) {
            if let Err(message) = check_value(value, field.kind, field.nullable) {
                return Err(self.error(Some(&field.name), message));
            }
        }
        if let Some(profile) = &self.profile
            && let Err((field, message)) = profile.check(row)
        {
            return Err(self.error(Some(&field), format!("{message} (profile constraint)")));
        }
        self.check_key(row)?;
        self.note_future_dates(row);
        Ok(())
    }

    fn note_future_dates(&mut self, row: &Row) {
        let ahead: Vec<(String, &str)> = self
            .future
            .fields
            .iter()
            .filter_map(|(position, name)| match &row[*position] {
                Value::Date(text) | Value::Datetime(text)
                    if text.get(..10).unwrap_or(text) > self.future.latest.as_str() =>
                {
                    Some((name.clone(), text.as_str()))
                }
                _ => None,
            })
            .collect();
        for (name, text) in ahead {
            match self.future.found.get_mut(&name) {
                Some((count, _)) => *count += 1,
                None => {
                    let first = format!("{} = {text}", self.describe_key(row));
                    self.future.found.insert(name, (1, first));
                }
            }
        }
    }

    fn check_key(&mut self, row: &Row) -> Result<(), RowError> {
        for &i in &self.key_positions {
            if matches!(&row[i], Value::Text(s) if s.trim().is_empty()) {
                let field = self.schema.fields[i].name.clone();
                return Err(self.error(Some(&field), "primary key field is empty".to_string()));
            }
        }
        if self
            .keys_seen
            .insert(key_fingerprint(row, &self.key_positions))
        {
            Ok(())
        } else {
            let key = self.describe_key(row);
            Err(self.error(None, format!("duplicate primary key {key}")))
        }
    }

    fn describe_key(&self, row: &Row) -> String {
        let parts: Vec<String> = self
            .key_positions
            .iter()
            .map(|&i| format!("{}={}", self.schema.fields[i].name, display_value(&row[i])))
            .collect();
        parts.join(", ")
    }

    fn error(&self, field: Option<&str>, message: String) -> RowError {
        RowError {
            stream: self.schema.name.clone(),
            row: self.rows_seen,
            field: field.map(str::to_string),
            message,
        }
    }
}

/// A hasher for values that are already uniform hashes: it keeps their
/// low 64 bits.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

fn key_fingerprint(row: &Row, positions: &[usize]) -> u128 {
    let mut low = DefaultHasher::new();
    // A different first input gives the high half an independent state.
    let mut high = DefaultHasher::new();
    0xA5u8.hash(&mut high);
    for &i in positions {
        hash_value(&row[i], &mut low);
        hash_value(&row[i], &mut high);
    }
    (u128::from(high.finish()) << 64) | u128::from(low.finish())
}

fn hash_value(value: &Value, hasher: &mut DefaultHasher) {
    std::mem::discriminant(value).hash(hasher);
    match value {
        Value::Null => {}
        Value::Boolean(b) => b.hash(hasher),
        Value::Integer(i) => i.hash(hasher),
        Value::Float(f) => f.to_bits().hash(hasher),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Datetime(s)
        | Value::Json(s) => s.hash(hasher),
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Datetime(s)
        | Value::Json(s) => {
            format!("{s:?}")
        }
    }
}

/// Checks one value against its field's type and nullability.
pub fn check_value(value: &Value, kind: FieldType, nullable: bool) -> Result<(), String> {
    let Some(actual) = value.kind() else {
        return if nullable {
            Ok(())
        } else {
            Err("is null but the field is not nullable".to_string())
        };
    };
    if actual != kind {
        return Err(format!(
            "is {} but the field is {}",
            actual.name(),
            kind.name()
        ));
    }
    match value {
        Value::Decimal(s) if !is_decimal(s) => {
            Err(format!("{s:?} is not a decimal like `-1234.50`"))
        }
        Value::Float(f) if !f.is_finite() => Err(format!("{f} is not a finite number")),
        Value::Date(s) if !is_date(s) => Err(format!("{s:?} is not a date `YYYY-MM-DD`")),
        Value::Datetime(s) if chrono::DateTime::parse_from_rfc3339(s).is_err() => {
            Err(format!("{s:?} is not an RFC 3339 date-time with offset"))
        }
        Value::Json(s) if json_deeper_than(s, MAX_JSON_DEPTH) => Err(format!(
            "is JSON nested deeper than {MAX_JSON_DEPTH} levels; flatten it"
        )),
        Value::Json(s) if serde_json::from_str::<serde::de::IgnoredAny>(s).is_err() => {
            Err("is not valid JSON".to_string())
        }
        _ => Ok(()),
    }
}

/// How deep arrays and objects may nest in a JSON cell: deeper is never
/// data a reader needs, and every consumer that recurses pays for it.
pub const MAX_JSON_DEPTH: usize = 64;

/// Whether arrays and objects in `json` nest deeper than `max`, found in
/// one pass without parsing (brackets inside strings do not count).
fn json_deeper_than(json: &str, max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in json.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// `-?digits(.digits)?`, at most 40 characters: what `rust_decimal` and
/// every spreadsheet can read back exactly.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    s.len() <= 40 && all_digits(whole) && fraction.is_none_or(all_digits)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[range];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    match (number(0..4), number(5..7), number(8..10)) {
        (Some(y), Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    fn schema() -> StreamSchema {
        StreamSchema {
            name: "projects".to_string(),
            description: String::new(),
            fields: vec![
                Field::new("id", FieldType::Text, false),
                Field::new("budget", FieldType::Decimal, true),
                Field::new("start", FieldType::Date, true),
            ],
            primary_key: vec!["id".to_string()],
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    /// The `project` profile's stream, as its plugin declares it.
    fn project_stream() -> StreamSchema {
        let profile = profiles::get("project").unwrap();
        StreamSchema {
            name: "projects".to_string(),
            description: String::new(),
            fields: profile
                .fields
                .iter()
                .map(|f| Field::new(&f.name, f.kind, !f.required))
                .collect(),
            primary_key: profile.primary_key.clone(),
        }
    }

    #[test]
    fn a_profile_holds_rows_to_its_constraints_and_plugins_to_its_fields() {
        let stream = project_stream();
        let mut info = PluginInfo {
            id: "projects".to_string(),
            version: "1.0.0".to_string(),
            description: String::new(),
            contract: "0.1.0".to_string(),
            profile: Some("project".to_string()),
            streams: vec![stream.clone()],
            config: Vec::new(),
        };
        assert_eq!(check_plugin_info(&info), Ok(()));

        let row = |status: &str| -> Row {
            stream
                .fields
                .iter()
                .map(|f| match (f.name.as_str(), f.kind) {
                    ("status", _) => text(status),
                    (_, FieldType::Json) => Value::Json("[]".into()),
                    (_, FieldType::Text) if !f.nullable => text("x"),
                    _ => Value::Null,
                })
                .collect()
        };
        let mut v = RowValidator::with_profile(stream.clone(), profiles::get("project").unwrap());
        assert_eq!(v.check(&row("ongoing")), Ok(()));
        let err = v.check(&row("finished")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("status"));
        assert!(err.message.contains("profile constraint"), "{err}");

        info.streams[0].fields.retain(|f| f.name != "title");
        let problems = check_plugin_info(&info).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("`title`")),
            "{problems:?}"
        );
        info.profile = Some("gazette".to_string());
        let problems = check_plugin_info(&info).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("does not know")),
            "{problems:?}"
        );
    }

    #[test]
    fn accepts_a_valid_row() {
        let mut v = RowValidator::new(schema());
        let row = vec![
            text("a"),
            Value::Decimal("454090.00".into()),
            Value::Date("2012-05-01".into()),
        ];
        assert_eq!(v.check(&row), Ok(()));
    }

    #[test]
    fn names_stream_row_and_field_of_a_wrong_type() {
        let mut v = RowValidator::new(schema());
        v.check(&vec![text("a"), Value::Null, Value::Null]).unwrap();
        let err = v
            .check(&vec![text("b"), text("454 090,00"), Value::Null])
            .unwrap_err();
        assert_eq!(err.row, 2);
        assert_eq!(err.field.as_deref(), Some("budget"));
        assert_eq!(
            err.to_string(),
            "stream `projects`, row 2, field `budget`: is text but the field is decimal"
        );
    }

    #[test]
    fn rejects_bad_formats_nulls_width_and_duplicate_keys() {
        let mut v = RowValidator::new(schema());
        let bad_decimal = vec![text("a"), Value::Decimal("1e5".into()), Value::Null];
        assert!(
            v.check(&bad_decimal)
                .unwrap_err()
                .message
                .contains("not a decimal")
        );
        let bad_date = vec![text("a"), Value::Null, Value::Date("2023-02-29".into())];
        assert!(
            v.check(&bad_date)
                .unwrap_err()
                .message
                .contains("not a date")
        );
        let null_key = vec![Value::Null, Value::Null, Value::Null];
        assert!(
            v.check(&null_key)
                .unwrap_err()
                .message
                .contains("not nullable")
        );
        assert!(
            v.check(&vec![text("a")])
                .unwrap_err()
                .message
                .contains("has 1 cells")
        );
        v.check(&vec![text("k"), Value::Null, Value::Null]).unwrap();
        let dup = v
            .check(&vec![text("k"), Value::Null, Value::Null])
            .unwrap_err();
        assert_eq!(dup.message, "duplicate primary key id=\"k\"");
        let empty = v
            .check(&vec![text("  "), Value::Null, Value::Null])
            .unwrap_err();
        assert_eq!(empty.message, "primary key field is empty");
    }

    #[test]
    fn decimal_and_date_formats() {
        for ok in ["0", "-1", "454090.00", "12.5"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-", ".5", "5.", "1,5", "1e5", "NaN", "+1", "1 000"] {
            assert!(!is_decimal(bad), "{bad}");
        }
        assert!(is_date("2024-02-29"));
        for bad in [
            "2023-02-29",
            "2024-2-29",
            "29.02.2024",
            "2024-13-01",
            "２０２４-01-01",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn plugin_info_problems_are_all_listed() {
        let mut stream = schema();
        stream.primary_key = vec!["budget".to_string(), "missing".to_string()];
        let info = PluginInfo {
            id: "Bad Id".to_string(),
            version: "0.1.0".to_string(),
            description: String::new(),
            contract: "0.1.0".to_string(),
            profile: None,
            streams: vec![stream],
            config: vec![],
        };
        let problems = check_plugin_info(&info).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn dates_after_the_run_are_counted_per_field_and_named_once() {
        let stream = project_stream();
        let profile = profiles::get("project").unwrap();
        let row = |id: &str, published: &str| -> Row {
            stream
                .fields
                .iter()
                .map(|f| match (f.name.as_str(), f.kind) {
                    ("id", _) => text(id),
                    ("published", _) => Value::Date(published.into()),
                    ("status", _) => text("ongoing"),
                    (_, FieldType::Json) => Value::Json("[]".into()),
                    (_, FieldType::Text) if !f.nullable => text("x"),
                    _ => Value::Null,
                })
                .collect()
        };
        let latest = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let mut v = RowValidator::with_profile_on(stream.clone(), profile, latest)
            .with_checks(profile.row_checks(&stream));
        // The day of the run and the day after (time zones) are not ahead.
        for (id, day) in [
            ("a", "2026-12-04"),
            ("b", "2026-12-05"),
            ("c", "2027-03-01"),
            ("d", "2031-01-01"),
        ] {
            assert_eq!(v.check(&row(id, day)), Ok(()), "{id}");
        }
        let warnings = v.future_date_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        assert!(
            warning.starts_with("2 rows of `projects` have `published` later than 2026-12-05"),
            "{warning}"
        );
        assert!(
            warning.contains("2027-03-01"),
            "the first one is named: {warning}"
        );

        // A field the profile allows ahead is never counted.
        let procurement = profiles::get("procurement").unwrap();
        assert!(
            procurement
                .fields
                .iter()
                .any(|f| f.name == "contract_end_date" && f.may_be_future)
        );
        assert!(
            procurement
                .fields
                .iter()
                .any(|f| f.name == "contract_date" && !f.may_be_future)
        );
    }
}
