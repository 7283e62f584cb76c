//! The column index: one version's rows held in memory as ranked columns,
//! so that a filtered, sorted page is a walk over small arrays instead of
//! a scan of the rows table.
//!
//! Users ask for pages SQLite has no index for: `bids__gte=3&sort=-value`
//! with thresholds that change every request, so no cached answer helps and
//! every request is a scan of every row the version holds. Here each field
//! a query touches becomes, once per version, a column of *ranks*: the
//! field's distinct values sorted in SQLite's own order (NULL, numbers,
//! text, blobs) and numbered from 1, with 0 for NULL. A comparison with any
//! operand is then a range of ranks (found by binary search in the
//! distinct values), and ordering by the field is ordering by rank, so the
//! answers are the SQL path's answers, exactly. A field sorted on also gets
//! its rows' order; a page walks that order from the cursor and stops after
//! `limit + 1` matches. The read path then fetches only those rows by
//! `rid`.
//!
//! Columns are built on first use, each by one scan of the version's rows
//! (later requests for the same column wait for the first, then share it),
//! and are kept for the newest version of each dataset asked for, within a
//! memory budget; the least recently used datasets go first. Anything the
//! columns cannot answer (full-text search, `contains`, an older version
//! than the one held, a cursor from elsewhere, a dataset over the budget)
//! is answered by SQL as before.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;
use rusqlite::types::Value as Sql;

use super::codec::rows_table;
use super::read::as_of;
use crate::store::StoreError;

/// Memory the column index may hold across datasets.
pub const DEFAULT_BUDGET: usize = 64 << 20;

/// One comparison of a filter, its operand already the SQL value the
/// SQL path would bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(Sql),
    /// Not equal, or NULL (as the SQL path's `IS NULL OR <>`).
    Ne(Sql),
    Gt(Sql),
    Gte(Sql),
    Lt(Sql),
    Lte(Sql),
    In(Vec<Sql>),
    /// `true`: the value is NULL; `false`: it is not.
    Null(bool),
}

/// A page to select: conditions on SQL expressions of the rows table,
/// the sort (expression, descending), the cursor (the last row's sort
/// values, then its row key) and the page size.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filters: Vec<(String, Test)>,
    pub sort: Vec<(String, bool)>,
    pub after: Option<(Vec<Sql>, String)>,
    pub limit: usize,
}

/// The column indexes of every dataset, within one memory budget.
pub struct ColumnIndex {
    budget: usize,
    datasets: Mutex<HashMap<String, Arc<VersionColumns>>>,
    clock: AtomicU64,
}

impl Default for ColumnIndex {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET)
    }
}

impl ColumnIndex {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            datasets: Mutex::new(HashMap::new()),
            clock: AtomicU64::new(0),
        }
    }

    /// The `rid`s of the page `selection` asks for in version `version` of
    /// `dataset`, in order, at most `limit + 1` of them (one more than the
    /// page says there is a next one); `None` when the columns cannot
    /// answer and SQL must.
    pub fn select(
        &self,
        conn: &Connection,
        dataset: &str,
        version: u64,
        selection: &Selection,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        let Some(columns) = self.version_columns(dataset, version) else {
            return Ok(None);
        };
        let Some(base) = columns.base(conn, self)? else {
            return Ok(None);
        };
        let mut filters = Vec::with_capacity(selection.filters.len());
        for (expr, test) in &selection.filters {
            let Some(column) = columns.column(conn, self, &base, expr)? else {
                return Ok(None);
            };
            filters.push(Predicate::new(column, test));
        }
        let mut sort = Vec::with_capacity(selection.sort.len());
        for (expr, descending) in &selection.sort {
            let Some(column) = columns.column(conn, self, &base, expr)? else {
                return Ok(None);
            };
            sort.push((column, *descending));
        }
        let after = match &selection.after {
            None => None,
            Some((values, key)) => {
                let Some(key_rank) = base.key_rank_of(conn, dataset, version, key)? else {
                    return Ok(None);
                };
                let values = sort
                    .iter()
                    .zip(values)
                    .map(|((column, _), value)| column.doubled_rank(value))
                    .collect();
                Some(Position {
                    values,
                    key: 2 * u64::from(key_rank),
                })
            }
        };
        let walk = Walk {
            base: &base,
            filters: &filters,
            sort: &sort,
            after: after.as_ref(),
            limit: selection.limit,
        };
        let positions = walk.run();
        Ok(Some(
            positions.iter().map(|&p| base.rids[p as usize]).collect(),
        ))
    }

    /// The memory held, as the budget counts it.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        let datasets = self.datasets.lock().unwrap_or_else(|e| e.into_inner());
        datasets.values().map(|c| c.bytes()).sum()
    }

    /// Builds, ahead of the first page of `version` of `dataset`, its
    /// rows' key order and the columns of `exprs` (the fields pages filter
    /// and sort on most: numbers, amounts, dates, flags), within the
    /// budget.
    pub fn prepare(
        &self,
        conn: &Connection,
        dataset: &str,
        version: u64,
        exprs: &[String],
    ) -> Result<(), StoreError> {
        let Some(columns) = self.version_columns(dataset, version) else {
            return Ok(());
        };
        let Some(base) = columns.base(conn, self)? else {
            return Ok(());
        };
        for expr in exprs {
            if columns.column(conn, self, &base, expr)?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The columns of `version` of `dataset`: the ones held, or a new
    /// empty set replacing an older version's. `None` for an older version
    /// than the one held (SQL answers the rare reader of the past).
    fn version_columns(&self, dataset: &str, version: u64) -> Option<Arc<VersionColumns>> {
        let now = self.clock.fetch_add(1, AtomicOrdering::Relaxed);
        let mut datasets = self.datasets.lock().unwrap_or_else(|e| e.into_inner());
        let columns = match datasets.get(dataset) {
            Some(held) if held.version == version => Arc::clone(held),
            Some(held) if held.version > version => return None,
            _ => {
                let fresh = Arc::new(VersionColumns::new(dataset, version));
                datasets.insert(dataset.to_string(), Arc::clone(&fresh));
                fresh
            }
        };
        columns.last_used.store(now, AtomicOrdering::Relaxed);
        Some(columns)
    }

    /// Makes room for `bytes` more, dropping the least recently used
    /// other datasets' columns; `false` when even that is not enough.
    fn reserve(&self, dataset: &str, bytes: usize) -> bool {
        let mut datasets = self.datasets.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let held: usize = datasets.values().map(|c| c.bytes()).sum();
            if held + bytes <= self.budget {
                return true;
            }
            let oldest = datasets
                .iter()
                .filter(|(id, _)| id.as_str() != dataset)
                .min_by_key(|(_, c)| c.last_used.load(AtomicOrdering::Relaxed))
                .map(|(id, _)| id.clone());
            match oldest {
                Some(id) => {
                    datasets.remove(&id);
                }
                None => return false,
            }
        }
    }
}

/// The columns built so far for one version of one dataset.
struct VersionColumns {
    dataset: String,
    version: u64,
    last_used: AtomicU64,
    base: Slot<Base>,
    columns: Mutex<HashMap<String, Arc<Slot<Column>>>>,
}

impl VersionColumns {
    fn new(dataset: &str, version: u64) -> Self {
        Self {
            dataset: dataset.to_string(),
            version,
            last_used: AtomicU64::new(0),
            base: Slot::default(),
            columns: Mutex::new(HashMap::new()),
        }
    }

    fn bytes(&self) -> usize {
        let columns = self.columns.lock().unwrap_or_else(|e| e.into_inner());
        self.base.bytes() + columns.values().map(|slot| slot.bytes()).sum::<usize>()
    }

    /// The version's rows and their key order, built on first use.
    fn base(
        &self,
        conn: &Connection,
        index: &ColumnIndex,
    ) -> Result<Option<Arc<Base>>, StoreError> {
        self.base
            .get_or_build(|| Base::load(conn, &self.dataset, self.version, index))
    }

    /// The ranked column of `expr`, built on first use.
    fn column(
        &self,
        conn: &Connection,
        index: &ColumnIndex,
        base: &Base,
        expr: &str,
    ) -> Result<Option<Arc<Column>>, StoreError> {
        let slot = {
            let mut columns = self.columns.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(columns.entry(expr.to_string()).or_default())
        };
        slot.get_or_build(|| {
            if !index.reserve(&self.dataset, Column::estimate(base.rids.len())) {
                return Ok(None);
            }
            Column::load(conn, &self.dataset, self.version, expr, base).map(Some)
        })
    }
}

/// A value built once by whoever asks first while the others wait; a
/// failed build (an interrupted query, say) leaves it empty for the next.
struct Slot<T> {
    value: Mutex<Option<Arc<T>>>,
    bytes: AtomicU64,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            value: Mutex::new(None),
            bytes: AtomicU64::new(0),
        }
    }
}

impl<T: Sized + Footprint> Slot<T> {
    fn get_or_build(
        &self,
        build: impl FnOnce() -> Result<Option<T>, StoreError>,
    ) -> Result<Option<Arc<T>>, StoreError> {
        let mut value = self.value.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(built) = &*value {
            return Ok(Some(Arc::clone(built)));
        }
        let Some(built) = build()? else {
            return Ok(None);
        };
        self.bytes
            .store(built.footprint() as u64, AtomicOrdering::Relaxed);
        let built = Arc::new(built);
        *value = Some(Arc::clone(&built));
        Ok(Some(built))
    }

    fn bytes(&self) -> usize {
        self.bytes.load(AtomicOrdering::Relaxed) as usize
    }
}

/// The memory a built part holds, for the budget.
trait Footprint {
    fn footprint(&self) -> usize;
}

/// The rows of a version: their `rid`s in ascending order (a row's
/// position is its index here), and the key order.
struct Base {
    rids: Vec<i64>,
    /// Positions in row-key order.
    key_order: Vec<u32>,
    /// Each position's place in `key_order`.
    key_rank: Vec<u32>,
}

impl Footprint for Base {
    fn footprint(&self) -> usize {
        self.rids.len() * 16
    }
}

impl Base {
    fn load(
        conn: &Connection,
        dataset: &str,
        version: u64,
        index: &ColumnIndex,
    ) -> Result<Option<Self>, StoreError> {
        let count: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM {} WHERE {}",
                rows_table(dataset),
                as_of(version)
            ),
            [],
            |r| r.get(0),
        )?;
        let Ok(count) = u32::try_from(count) else {
            return Ok(None);
        };
        if !index.reserve(dataset, count as usize * 16) {
            return Ok(None);
        }
        let mut stmt = conn.prepare(&format!(
            "SELECT rid FROM {} WHERE {} ORDER BY row_key",
            rows_table(dataset),
            as_of(version)
        ))?;
        let in_key_order: Vec<i64> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut rids = in_key_order.clone();
        rids.sort_unstable();
        let key_order: Vec<u32> = in_key_order
            .iter()
            .map(|rid| rids.binary_search(rid).map_or(0, |p| p as u32))
            .collect();
        let mut key_rank = vec![0u32; rids.len()];
        for (rank, &position) in key_order.iter().enumerate() {
            key_rank[position as usize] = rank as u32;
        }
        Ok(Some(Self {
            rids,
            key_order,
            key_rank,
        }))
    }

    /// The key rank of the row with key `key` in this version.
    fn key_rank_of(
        &self,
        conn: &Connection,
        dataset: &str,
        version: u64,
        key: &str,
    ) -> Result<Option<u32>, StoreError> {
        let rid: Option<i64> = conn
            .prepare_cached(&format!(
                "SELECT rid FROM {} WHERE row_key = ?1 AND {}",
                rows_table(dataset),
                as_of(version)
            ))?
            .query_row([key], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        Ok(rid
            .and_then(|rid| self.rids.binary_search(&rid).ok())
            .map(|position| self.key_rank[position]))
    }
}

/// One expression's values as ranks: `values` holds the distinct non-NULL
/// values in SQLite's order, and a row whose value is `values[i]` has rank
/// `i + 1` (NULL has 0), so comparing ranks is comparing values.
struct Column {
    ranks: Vec<u32>,
    values: Vec<Sql>,
    /// Positions ordered by (rank, key rank), built when first sorted on.
    order: OnceLock<Vec<u32>>,
}

impl Footprint for Column {
    fn footprint(&self) -> usize {
        Self::estimate(self.ranks.len())
            + self
                .values
                .iter()
                .map(|v| match v {
                    Sql::Text(t) => 32 + t.len(),
                    Sql::Blob(b) => 32 + b.len(),
                    _ => 32,
                })
                .sum::<usize>()
    }
}

impl Column {
    /// Ranks and a sort order; the distinct values come on top.
    fn estimate(rows: usize) -> usize {
        rows * 8
    }

    /// Reads the column in SQLite's own order, so equal values arrive
    /// together and only the distinct ones are kept.
    fn load(
        conn: &Connection,
        dataset: &str,
        version: u64,
        expr: &str,
        base: &Base,
    ) -> Result<Self, StoreError> {
        let mut stmt = conn.prepare(&format!(
            "SELECT rid, {expr} FROM {} WHERE {} ORDER BY {expr}",
            rows_table(dataset),
            as_of(version)
        ))?;
        let mut rows = stmt.query([])?;
        let mut ranked = Ranked::new(base.rids.len());
        let mut seen = 0usize;
        while let Some(row) = rows.next()? {
            let rid: i64 = row.get(0)?;
            let Ok(position) = base.rids.binary_search(&rid) else {
                break;
            };
            seen += 1;
            ranked.push(position, row.get(1)?);
        }
        if seen != base.rids.len() {
            return Err(StoreError::Corrupt(format!(
                "version {version} of `{dataset}` changed its rows while they were read"
            )));
        }
        Ok(ranked.finish())
    }

    #[cfg(test)]
    fn from_cells(cells: Vec<Sql>) -> Self {
        let mut by_value: Vec<usize> = (0..cells.len()).collect();
        by_value.sort_by(|&a, &b| sql_cmp(&cells[a], &cells[b]));
        let mut ranked = Ranked::new(cells.len());
        for position in by_value {
            ranked.push(position, cells[position].clone());
        }
        ranked.finish()
    }

    /// How many distinct values are below `value`, and how many are at
    /// or below it.
    fn bounds(&self, value: &Sql) -> (u32, u32) {
        let below = self
            .values
            .partition_point(|v| sql_cmp(v, value) == Ordering::Less);
        let at_or_below = self
            .values
            .partition_point(|v| sql_cmp(v, value) != Ordering::Greater);
        (below as u32, at_or_below as u32)
    }

    /// Where `value` falls among twice the ranks: `2 * rank` when some row
    /// has it, the odd number between its neighbours when none has.
    fn doubled_rank(&self, value: &Sql) -> u64 {
        if matches!(value, Sql::Null) {
            return 0;
        }
        let (below, at_or_below) = self.bounds(value);
        if at_or_below > below {
            2 * u64::from(at_or_below)
        } else {
            2 * u64::from(below) + 1
        }
    }

    fn order(&self, base: &Base) -> &[u32] {
        self.order.get_or_init(|| {
            // A stable sort of the key order keeps ties in key order.
            let mut order = base.key_order.clone();
            order.sort_by_key(|&p| self.ranks[p as usize]);
            order
        })
    }
}

/// Ranks a column from its values given in ascending order.
struct Ranked {
    ranks: Vec<u32>,
    values: Vec<Sql>,
}

impl Ranked {
    fn new(rows: usize) -> Self {
        Self {
            ranks: vec![0; rows],
            values: Vec::new(),
        }
    }

    /// The value at `position`, no lower than any pushed before.
    fn push(&mut self, position: usize, cell: Sql) {
        if matches!(cell, Sql::Null) {
            return;
        }
        if self
            .values
            .last()
            .is_none_or(|last| sql_cmp(last, &cell) != Ordering::Equal)
        {
            self.values.push(cell);
        }
        self.ranks[position] = self.values.len() as u32;
    }

    fn finish(mut self) -> Column {
        self.values.shrink_to_fit();
        Column {
            ranks: self.ranks,
            values: self.values,
            order: OnceLock::new(),
        }
    }
}

/// A filter as inclusive ranges of ranks a row's rank must (or, negated,
/// must not) fall in.
struct Predicate {
    column: Arc<Column>,
    ranges: Vec<(u32, u32)>,
    negated: bool,
}

impl Predicate {
    fn new(column: Arc<Column>, test: &Test) -> Self {
        let equal = |value: &Sql| {
            let (below, at_or_below) = column.bounds(value);
            (below + 1, at_or_below)
        };
        let (ranges, negated) = match test {
            Test::Eq(v) => (vec![equal(v)], false),
            Test::Ne(v) => (vec![equal(v)], true),
            Test::Gt(v) => (vec![(column.bounds(v).1 + 1, u32::MAX)], false),
            Test::Gte(v) => (vec![(column.bounds(v).0 + 1, u32::MAX)], false),
            Test::Lt(v) => (vec![(1, column.bounds(v).0)], false),
            Test::Lte(v) => (vec![(1, column.bounds(v).1)], false),
            Test::In(values) => (values.iter().map(equal).collect(), false),
            Test::Null(true) => (vec![(0, 0)], false),
            Test::Null(false) => (vec![(1, u32::MAX)], false),
        };
        // A comparison with NULL is unknown in SQL: it holds for no row,
        // and `IS NULL OR <> NULL` only for the NULLs.
        let (ranges, negated) = match test {
            Test::Ne(Sql::Null) => (vec![(0, 0)], false),
            Test::Gt(Sql::Null) | Test::Gte(Sql::Null) => (Vec::new(), false),
            Test::Lt(Sql::Null) | Test::Lte(Sql::Null) => (Vec::new(), false),
            _ => (ranges, negated),
        };
        Self {
            column,
            ranges,
            negated,
        }
    }

    fn holds(&self, position: u32) -> bool {
        let rank = self.column.ranks[position as usize];
        let inside = self
            .ranges
            .iter()
            .any(|&(low, high)| low <= rank && rank <= high);
        inside != self.negated
    }
}

/// A cursor as doubled ranks: the sort values', then the key's.
struct Position {
    values: Vec<u64>,
    key: u64,
}

/// One page's walk over the columns.
struct Walk<'a> {
    base: &'a Base,
    filters: &'a [Predicate],
    sort: &'a [(Arc<Column>, bool)],
    after: Option<&'a Position>,
    limit: usize,
}

impl Walk<'_> {
    fn run(&self) -> Vec<u32> {
        match self.sort {
            [] => self.in_key_order(),
            [(column, false)] => self.ascending(column),
            [(column, true)] => self.descending(column),
            _ => self.by_selection(),
        }
    }

    fn matches(&self, position: u32) -> bool {
        self.filters.iter().all(|f| f.holds(position)) && self.is_after(position)
    }

    /// Whether `position` comes after the cursor in (sort..., key) order.
    fn is_after(&self, position: u32) -> bool {
        let Some(after) = self.after else {
            return true;
        };
        for ((column, descending), &cursor) in self.sort.iter().zip(&after.values) {
            let rank = 2 * u64::from(column.ranks[position as usize]);
            match rank.cmp(&cursor) {
                Ordering::Equal => continue,
                Ordering::Greater => return !descending,
                Ordering::Less => return *descending,
            }
        }
        2 * u64::from(self.base.key_rank[position as usize]) > after.key
    }

    /// The first `limit + 1` matches of `positions`.
    fn take(&self, positions: impl Iterator<Item = u32>, page: &mut Vec<u32>) -> bool {
        for position in positions {
            if self.matches(position) {
                page.push(position);
                if page.len() > self.limit {
                    return true;
                }
            }
        }
        false
    }

    fn in_key_order(&self) -> Vec<u32> {
        let start = self.after.map_or(0, |a| (a.key / 2 + 1) as usize);
        let mut page = Vec::new();
        self.take(self.base.key_order.iter().skip(start).copied(), &mut page);
        page
    }

    fn ascending(&self, column: &Column) -> Vec<u32> {
        let order = column.order(self.base);
        let start = match self.after {
            Some(_) => order.partition_point(|&p| !self.is_after(p)),
            None => 0,
        };
        let mut page = Vec::new();
        self.take(order[start..].iter().copied(), &mut page);
        page
    }

    /// Values from the highest down, ties still in key order: the order
    /// walked backwards one group of equal values at a time.
    fn descending(&self, column: &Column) -> Vec<u32> {
        let order = column.order(self.base);
        let rank = |p: u32| column.ranks[p as usize];
        let mut end = match self.after {
            Some(after) => order.partition_point(|&p| 2 * u64::from(rank(p)) <= after.values[0]),
            None => order.len(),
        };
        let mut page = Vec::new();
        while end > 0 {
            let group = rank(order[end - 1]);
            let mut start = end - 1;
            while start > 0 && rank(order[start - 1]) == group {
                start -= 1;
            }
            if self.take(order[start..end].iter().copied(), &mut page) {
                break;
            }
            end = start;
        }
        page
    }

    /// Several sort fields: every match, then the first `limit + 1` of
    /// them in order.
    fn by_selection(&self) -> Vec<u32> {
        let mut matches: Vec<u32> = (0..self.base.rids.len() as u32)
            .filter(|&p| self.matches(p))
            .collect();
        let compare = |&a: &u32, &b: &u32| self.compare(a, b);
        if matches.len() > self.limit + 1 {
            matches.select_nth_unstable_by(self.limit, compare);
            matches.truncate(self.limit + 1);
        }
        matches.sort_unstable_by(compare);
        matches
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        for (column, descending) in self.sort {
            let order = column.ranks[a as usize].cmp(&column.ranks[b as usize]);
            let order = if *descending { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        self.base.key_rank[a as usize].cmp(&self.base.key_rank[b as usize])
    }
}

/// SQLite's order of values in a column without affinity: NULL, then
/// numbers by value, then text and blobs by their bytes (the BINARY
/// collation).
pub fn sql_cmp(a: &Sql, b: &Sql) -> Ordering {
    fn class(v: &Sql) -> u8 {
        match v {
            Sql::Null => 0,
            Sql::Integer(_) | Sql::Real(_) => 1,
            Sql::Text(_) => 2,
            Sql::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Sql::Integer(x), Sql::Integer(y)) => x.cmp(y),
        (Sql::Real(x), Sql::Real(y)) => x.total_cmp(y),
        (Sql::Integer(x), Sql::Real(y)) => compare_integer_real(*x, *y),
        (Sql::Real(x), Sql::Integer(y)) => compare_integer_real(*y, *x).reverse(),
        (Sql::Text(x), Sql::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Sql::Blob(x), Sql::Blob(y)) => x.cmp(y),
        _ => class(a).cmp(&class(b)),
    }
}

/// An integer against a real, exactly (as SQLite does, not through a
/// lossy conversion of large integers).
fn compare_integer_real(integer: i64, real: f64) -> Ordering {
    // 2^63 exactly: every i64 is below it.
    if real >= i64::MAX as f64 {
        return Ordering::Less;
    }
    if real < i64::MIN as f64 {
        return Ordering::Greater;
    }
    let truncated = real.trunc();
    match integer.cmp(&(truncated as i64)) {
        Ordering::Equal => 0.0f64.total_cmp(&(real - truncated)).then(Ordering::Equal),
        order => order,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[Sql]) -> Column {
        Column::from_cells(values.to_vec())
    }

    #[test]
    fn sqlite_orders_classes_then_values() {
        let mut values = vec![
            Sql::Text("б".into()),
            Sql::Integer(10),
            Sql::Null,
            Sql::Real(2.5),
            Sql::Text("a".into()),
            Sql::Integer(-3),
            Sql::Blob(vec![0]),
        ];
        values.sort_by(sql_cmp);
        assert_eq!(
            values,
            vec![
                Sql::Null,
                Sql::Integer(-3),
                Sql::Real(2.5),
                Sql::Integer(10),
                Sql::Text("a".into()),
                Sql::Text("б".into()),
                Sql::Blob(vec![0]),
            ]
        );
        assert_eq!(sql_cmp(&Sql::Integer(2), &Sql::Real(2.0)), Ordering::Equal);
        assert_eq!(sql_cmp(&Sql::Integer(2), &Sql::Real(2.5)), Ordering::Less);
        assert_eq!(
            sql_cmp(&Sql::Integer(-2), &Sql::Real(-2.5)),
            Ordering::Greater
        );
        assert_eq!(
            sql_cmp(&Sql::Integer(i64::MAX), &Sql::Real(9.3e18)),
            Ordering::Less
        );
    }

    #[test]
    fn equal_values_share_a_rank_and_null_ranks_lowest() {
        let c = column(&[Sql::Integer(5), Sql::Null, Sql::Real(5.0), Sql::Integer(1)]);
        assert_eq!(c.ranks, vec![2, 0, 2, 1]);
        assert_eq!(c.values.len(), 2);
    }

    #[test]
    fn comparisons_become_rank_ranges() {
        let c = Arc::new(column(&[
            Sql::Integer(1),
            Sql::Integer(3),
            Sql::Null,
            Sql::Integer(5),
        ]));
        let rows = |test: Test| -> Vec<u32> {
            let p = Predicate::new(Arc::clone(&c), &test);
            (0..4).filter(|&i| p.holds(i)).collect()
        };
        assert_eq!(rows(Test::Gte(Sql::Integer(3))), vec![1, 3]);
        assert_eq!(rows(Test::Gt(Sql::Integer(3))), vec![3]);
        assert_eq!(rows(Test::Gt(Sql::Integer(2))), vec![1, 3]);
        assert_eq!(rows(Test::Lt(Sql::Integer(3))), vec![0]);
        assert_eq!(rows(Test::Lte(Sql::Integer(4))), vec![0, 1]);
        assert_eq!(rows(Test::Eq(Sql::Integer(4))), Vec::<u32>::new());
        assert_eq!(rows(Test::Ne(Sql::Integer(3))), vec![0, 2, 3]);
        assert_eq!(
            rows(Test::In(vec![Sql::Integer(1), Sql::Integer(5)])),
            vec![0, 3]
        );
        assert_eq!(rows(Test::Null(true)), vec![2]);
        assert_eq!(rows(Test::Null(false)), vec![0, 1, 3]);
        // Text sorts after every number: no number is at or above it.
        assert_eq!(rows(Test::Gte(Sql::Text("1".into()))), Vec::<u32>::new());
        assert_eq!(rows(Test::Lt(Sql::Text("1".into()))), vec![0, 1, 3]);
    }

    #[test]
    fn a_value_nobody_has_falls_between_ranks() {
        let c = column(&[Sql::Integer(10), Sql::Integer(20)]);
        assert_eq!(c.doubled_rank(&Sql::Integer(10)), 2);
        assert_eq!(c.doubled_rank(&Sql::Integer(15)), 3);
        assert_eq!(c.doubled_rank(&Sql::Integer(25)), 5);
        assert_eq!(c.doubled_rank(&Sql::Integer(5)), 1);
        assert_eq!(c.doubled_rank(&Sql::Null), 0);
    }
}
