//! Queries of the household registry: regions, households, members and the
//! history of each household.

use chrono::{DateTime, Utc};
use jiuzhu_domain::household::{Disability, DisabilityLevel, HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{DisabilityKind, Fen, IdNumber, Program, Region, RegionCode, Relation};

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, StoreError, Tx, Within, on_tx};

/// How many rows one multi-row `INSERT` or `IN (…)` carries. Small on
/// purpose: sqlx binds SQLite parameters by name, at a cost quadratic in
/// the parameters of one statement (500 households per statement loaded the
/// demo county at 3,700 households/s, 50 at 12,000/s).
const CHUNK: usize = 50;

/// A stored household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub id: i64,
    pub fields: HouseholdFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; an edit names the version it started
    /// from, so two clerks cannot overwrite each other silently.
    pub version: i64,
}

/// A stored member of a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub household_id: i64,
    pub fields: MemberFields,
    /// Incremented on every change, like [`HouseholdRecord::version`].
    pub version: i64,
}

/// One line of the household list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSummary {
    pub id: i64,
    pub external_id: String,
    pub region_code: RegionCode,
    pub address: String,
    pub program: Option<Program>,
    pub monthly_benefit: Option<Fen>,
    pub head_name: Option<String>,
    pub head_id_number: Option<IdNumber>,
    pub member_count: i64,
}

/// One entry of a household's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdEvent {
    pub id: i64,
    pub household_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    /// JSON: what changed, as `{"field": [before, after]}` or the new values.
    pub detail: String,
}

/// Which people a household search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonMatch {
    IdNumber(IdNumber),
    NamePrefix(String),
    InitialsPrefix(String),
    ExternalId(String),
}

/// A page of the household list.
#[derive(Debug, Clone)]
pub struct HouseholdFilter {
    /// Only households inside.
    pub within: Within,
    pub program: Option<Program>,
    pub person: Option<PersonMatch>,
    pub offset: i64,
    pub limit: i64,
    /// Counting stops here, so a county-wide list stays fast.
    pub count_cap: i64,
}

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("stored value is not valid: {what}").into()))
}

type HouseholdTuple =
    (i64, String, String, String, String, Option<String>, Option<i64>, DateTime<Utc>, DateTime<Utc>, i64);
const HOUSEHOLD_COLUMNS: &str =
    "id, external_id, region_code, address, phone, program, monthly_benefit_fen, created_at, updated_at, version";

fn household_from(t: HouseholdTuple) -> Result<HouseholdRecord> {
    let (id, external_id, region, address, phone, program, benefit, created_at, updated_at, version) = t;
    let program = match program {
        Some(code) => Some(Program::parse(&code).ok_or_else(|| corrupt("program"))?),
        None => None,
    };
    Ok(HouseholdRecord {
        id,
        fields: HouseholdFields {
            external_id,
            region_code: RegionCode::parse(&region).map_err(|_| corrupt("region_code"))?,
            address,
            phone,
            program,
            monthly_benefit: benefit.map(Fen),
        },
        created_at,
        updated_at,
        version,
    })
}

type PersonTuple = (i64, i64, String, String, String, bool, Option<i32>, Option<String>, bool, i64);
const PERSON_COLUMNS: &str = "id, household_id, id_number, name, relation, co_residing, disability_level, disability_kind, serious_illness, version";

fn person_from(t: PersonTuple) -> Result<PersonRecord> {
    let (id, household_id, id_number, name, relation, co_residing, level, kind, serious_illness, version) = t;
    let disability = match (level, kind) {
        (Some(level), Some(kind)) => Some(Disability {
            level: u8::try_from(level)
                .ok()
                .and_then(DisabilityLevel::new)
                .ok_or_else(|| corrupt("disability_level"))?,
            kind: DisabilityKind::parse(&kind).ok_or_else(|| corrupt("disability_kind"))?,
        }),
        _ => None,
    };
    Ok(PersonRecord {
        id,
        household_id,
        fields: MemberFields {
            id_number: IdNumber::parse(&id_number).map_err(|_| corrupt("id_number"))?,
            name: PersonName::parse(&name).ok_or_else(|| corrupt("name"))?,
            relation: Relation::parse(&relation).ok_or_else(|| corrupt("relation"))?,
            co_residing,
            disability,
            serious_illness,
        },
        version,
    })
}

fn member_params(m: &MemberFields) -> [Param; 8] {
    [
        Param::Text(m.id_number.as_str().to_string()),
        Param::Text(m.name.as_str().to_string()),
        Param::Text(jiuzhu_domain::text::pinyin_initials(m.name.as_str())),
        Param::Text(m.relation.code().to_string()),
        Param::Bool(m.co_residing),
        Param::OptInt(m.disability.map(|d| i64::from(d.level.get()))),
        Param::OptText(m.disability.map(|d| d.kind.code().to_string())),
        Param::Bool(m.serious_illness),
    ]
}

fn household_params(h: &HouseholdFields) -> [Param; 6] {
    [
        Param::Text(h.external_id.clone()),
        Param::Text(h.region_code.as_str().to_string()),
        Param::Text(h.address.clone()),
        Param::Text(h.phone.clone()),
        Param::OptText(h.program.map(|p| p.code().to_string())),
        Param::OptInt(h.monthly_benefit.map(|f| f.0)),
    ]
}

// ---------------------------------------------------------------- regions

/// Inserts regions, or renames those already present.
pub async fn upsert_regions(tx: &mut Tx, regions: &[Region]) -> Result<()> {
    for chunk in regions.chunks(CHUNK) {
        let mut sql = Sql::new("INSERT INTO region (code, name, level) VALUES ");
        for (idx, r) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            sql.bind(Param::Text(r.code.as_str().to_string())).push(", ");
            sql.bind(Param::Text(r.name.clone())).push(", ");
            sql.bind(Param::Int(r.level().as_i64())).push(")");
        }
        sql.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level");
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    Ok(())
}

pub async fn list_regions(tx: &mut Tx) -> Result<Vec<Region>> {
    let rows: Vec<(String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT code, name FROM region ORDER BY code").fetch_all(&mut *conn).await?
    });
    rows.into_iter()
        .map(|(code, name)| Ok(Region { code: RegionCode::parse(&code).map_err(|_| corrupt("region"))?, name }))
        .collect()
}

/// Number of households per region code in which households are registered.
pub async fn household_counts(tx: &mut Tx) -> Result<Vec<(RegionCode, i64)>> {
    let rows: Vec<(String, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT region_code, COUNT(*) FROM household GROUP BY region_code").fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(|(code, n)| Ok((RegionCode::parse(&code).map_err(|_| corrupt("region"))?, n))).collect()
}

// ------------------------------------------------------------- households

pub async fn insert_household(tx: &mut Tx, fields: &HouseholdFields, now: DateTime<Utc>) -> Result<i64> {
    let params = household_params(fields);
    let (id,): (i64,) = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(
            "INSERT INTO household (external_id, region_code, address, phone, program, monthly_benefit_fen, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1) RETURNING id",
        ), params)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Inserts many households at once; returns `(external_id, id)` pairs.
pub async fn insert_households_bulk(
    tx: &mut Tx,
    households: &[HouseholdFields],
    now: DateTime<Utc>,
) -> Result<Vec<(String, i64)>> {
    let mut res = Vec::with_capacity(households.len());
    for chunk in households.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO household (external_id, region_code, address, phone, program, monthly_benefit_fen, created_at, updated_at, version) VALUES ",
        );
        for (idx, h) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            for p in household_params(h) {
                sql.bind(p).push(", ");
            }
            sql.bind(Param::Time(now)).push(", ");
            sql.bind(Param::Time(now)).push(", 1)");
        }
        sql.push(" RETURNING external_id, id");
        let rows: Vec<(String, i64)> = on_tx!(tx, |conn| {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
        });
        res.extend(rows);
    }
    Ok(res)
}

/// Updates a household if it is still at `expected_version`; returns the
/// new version, or `Conflict { constraint: "household_version" }`.
pub async fn update_household(
    tx: &mut Tx,
    id: i64,
    expected_version: i64,
    fields: &HouseholdFields,
    now: DateTime<Utc>,
) -> Result<i64> {
    let params = household_params(fields);
    let row: Option<(i64,)> = on_tx!(tx, |conn| {
        bind_params!(
            sqlx::query_as(
                "UPDATE household SET external_id = $1, region_code = $2, address = $3, phone = $4, program = $5,
                    monthly_benefit_fen = $6, updated_at = $7, version = version + 1
             WHERE id = $8 AND version = $9 RETURNING version",
            ),
            params
        )
        .bind(now)
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *conn)
        .await?
    });
    match row {
        Some((version,)) => Ok(version),
        None => match get_household(tx, id).await? {
            Some(_) => Err(StoreError::Conflict { constraint: "household_version".into() }),
            None => Err(StoreError::NotFound),
        },
    }
}

/// Marks a household as changed (a member was added, edited or moved).
pub async fn touch_household(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE household SET updated_at = $1, version = version + 1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn get_household(tx: &mut Tx, id: i64) -> Result<Option<HouseholdRecord>> {
    let sql = format!("SELECT {HOUSEHOLD_COLUMNS} FROM household WHERE id = $1");
    let row: Option<HouseholdTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    row.map(household_from).transpose()
}

pub async fn get_household_by_external_id(tx: &mut Tx, external_id: &str) -> Result<Option<HouseholdRecord>> {
    let found = households_by_external_ids(tx, &[external_id.to_string()]).await?;
    Ok(found.into_iter().next())
}

pub async fn households_by_external_ids(tx: &mut Tx, external_ids: &[String]) -> Result<Vec<HouseholdRecord>> {
    let mut res = Vec::new();
    for chunk in external_ids.chunks(CHUNK) {
        let mut sql = Sql::new(&format!("SELECT {HOUSEHOLD_COLUMNS} FROM household WHERE external_id IN ("));
        for (idx, e) in chunk.iter().enumerate() {
            if idx > 0 {
                sql.push(", ");
            }
            sql.bind(Param::Text(e.clone()));
        }
        sql.push(")");
        let rows: Vec<HouseholdTuple> = on_tx!(tx, |conn| {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
        });
        for row in rows {
            res.push(household_from(row)?);
        }
    }
    Ok(res)
}

fn filter_sql(sql: &mut Sql, filter: &HouseholdFilter) {
    sql.push(" FROM household h WHERE 1 = 1");
    if let Some(region) = filter.within.region_code() {
        let (from, to) = region.prefix_range();
        sql.push(" AND h.region_code >= ").bind(Param::Text(from));
        sql.push(" AND h.region_code < ").bind(Param::Text(to));
    }
    if let Some(program) = filter.program {
        sql.push(" AND h.program = ").bind(Param::Text(program.code().to_string()));
    }
    match &filter.person {
        None => {}
        Some(PersonMatch::ExternalId(e)) => {
            sql.push(" AND h.external_id = ").bind(Param::Text(e.clone()));
        }
        Some(PersonMatch::IdNumber(id)) => {
            sql.push(" AND h.id IN (SELECT p.household_id FROM person p WHERE p.id_number = ")
                .bind(Param::Text(id.as_str().to_string()))
                .push(")");
        }
        Some(PersonMatch::NamePrefix(name)) => {
            sql.push(" AND h.id IN (SELECT p.household_id FROM person p WHERE p.name >= ")
                .bind(Param::Text(name.clone()))
                .push(" AND p.name < ")
                .bind(Param::Text(format!("{name}\u{10FFFF}")))
                .push(")");
        }
        Some(PersonMatch::InitialsPrefix(initials)) => {
            sql.push(" AND h.id IN (SELECT p.household_id FROM person p WHERE p.name_initials >= ")
                .bind(Param::Text(initials.clone()))
                .push(" AND p.name_initials < ")
                .bind(Param::Text(format!("{initials}~")))
                .push(")");
        }
    }
}

type SummaryTuple = (i64, String, String, String, Option<String>, Option<i64>, Option<String>, Option<String>, i64);

/// One page of households matching `filter`, and their number up to
/// `filter.count_cap`.
pub async fn list_households(tx: &mut Tx, filter: &HouseholdFilter) -> Result<(Vec<HouseholdSummary>, i64)> {
    let mut sql = Sql::new(
        "SELECT h.id, h.external_id, h.region_code, h.address, h.program, h.monthly_benefit_fen,
                (SELECT p.name FROM person p WHERE p.household_id = h.id AND p.relation = 'head' LIMIT 1),
                (SELECT p.id_number FROM person p WHERE p.household_id = h.id AND p.relation = 'head' LIMIT 1),
                (SELECT COUNT(*) FROM person p WHERE p.household_id = h.id)",
    );
    filter_sql(&mut sql, filter);
    sql.push(" ORDER BY h.region_code, h.id LIMIT ").bind(Param::Int(filter.limit));
    sql.push(" OFFSET ").bind(Param::Int(filter.offset));
    let rows: Vec<SummaryTuple> = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
    });

    let mut count_sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1");
    filter_sql(&mut count_sql, filter);
    count_sql.push(" LIMIT ").bind(Param::Int(filter.count_cap)).push(") t");
    let (count,): (i64,) = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql.text)), count_sql.params)
            .fetch_one(&mut *conn)
            .await?
    });

    let summaries = rows
        .into_iter()
        .map(|(id, external_id, region, address, program, benefit, head_name, head_id, member_count)| {
            Ok(HouseholdSummary {
                id,
                external_id,
                region_code: RegionCode::parse(&region).map_err(|_| corrupt("region_code"))?,
                address,
                program: program.as_deref().and_then(Program::parse),
                monthly_benefit: benefit.map(Fen),
                head_name,
                head_id_number: head_id.as_deref().and_then(|s| IdNumber::parse(s).ok()),
                member_count,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((summaries, count))
}

/// Every household inside `within` with its members, in list order; for
/// exports. Loads one chunk of households at a time.
pub async fn households_with_members(
    tx: &mut Tx,
    within: &crate::Within,
) -> Result<Vec<(HouseholdRecord, Vec<PersonRecord>)>> {
    let (from, to) = within.range();
    let sql = format!(
        "SELECT {HOUSEHOLD_COLUMNS} FROM household WHERE region_code >= $1 AND region_code < $2 ORDER BY region_code, id"
    );
    let rows: Vec<HouseholdTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&from).bind(&to).fetch_all(&mut *conn).await?
    });
    let person_sql = format!(
        "SELECT {} FROM person p JOIN household h ON h.id = p.household_id
         WHERE h.region_code >= $1 AND h.region_code < $2 ORDER BY p.household_id, p.id",
        PERSON_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
    );
    let person_rows: Vec<PersonTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(person_sql)).bind(&from).bind(&to).fetch_all(&mut *conn).await?
    });
    let mut by_household: std::collections::HashMap<i64, Vec<PersonRecord>> = std::collections::HashMap::new();
    for row in person_rows {
        let person = person_from(row)?;
        by_household.entry(person.household_id).or_default().push(person);
    }
    rows.into_iter()
        .map(|row| {
            let household = household_from(row)?;
            let members = by_household.remove(&household.id).unwrap_or_default();
            Ok((household, members))
        })
        .collect()
}

// ----------------------------------------------------------------- people

pub async fn insert_person(tx: &mut Tx, household_id: i64, member: &MemberFields, now: DateTime<Utc>) -> Result<i64> {
    let params = member_params(member);
    let (id,): (i64,) = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(
            "INSERT INTO person (id_number, name, name_initials, relation, co_residing,
                                 disability_level, disability_kind, serious_illness, household_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        ), params)
        .bind(household_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Inserts many members at once.
pub async fn insert_persons_bulk(tx: &mut Tx, members: &[(i64, MemberFields)], now: DateTime<Utc>) -> Result<()> {
    for chunk in members.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO person (household_id, id_number, name, name_initials, relation, co_residing,
                                 disability_level, disability_kind, serious_illness, created_at, updated_at) VALUES ",
        );
        for (idx, (household_id, m)) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            sql.bind(Param::Int(*household_id));
            for p in member_params(m) {
                sql.push(", ").bind(p);
            }
            sql.push(", ").bind(Param::Time(now));
            sql.push(", ").bind(Param::Time(now)).push(")");
        }
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    Ok(())
}

/// Updates a member if it is still at `expected_version`; returns the new
/// version, or `Conflict { constraint: "person_version" }`.
pub async fn update_person(
    tx: &mut Tx,
    id: i64,
    expected_version: i64,
    member: &MemberFields,
    now: DateTime<Utc>,
) -> Result<i64> {
    let params = member_params(member);
    let row: Option<(i64,)> = on_tx!(tx, |conn| {
        bind_params!(
            sqlx::query_as(
                "UPDATE person SET id_number = $1, name = $2, name_initials = $3, relation = $4, co_residing = $5,
                    disability_level = $6, disability_kind = $7, serious_illness = $8, updated_at = $9,
                    version = version + 1
             WHERE id = $10 AND version = $11 RETURNING version",
            ),
            params
        )
        .bind(now)
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *conn)
        .await?
    });
    match row {
        Some((version,)) => Ok(version),
        None => match get_person(tx, id).await? {
            Some(_) => Err(StoreError::Conflict { constraint: "person_version".into() }),
            None => Err(StoreError::NotFound),
        },
    }
}

/// Moves a member to another household with a new relation to its head.
pub async fn move_person(
    tx: &mut Tx,
    id: i64,
    household_id: i64,
    relation: Relation,
    now: DateTime<Utc>,
) -> Result<()> {
    let res = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE person SET household_id = $1, relation = $2, updated_at = $3, version = version + 1 WHERE id = $4",
        )
        .bind(household_id)
        .bind(relation.code())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if res == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_person(tx: &mut Tx, id: i64) -> Result<Option<PersonRecord>> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM person WHERE id = $1");
    let row: Option<PersonTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    row.map(person_from).transpose()
}

pub async fn members_of(tx: &mut Tx, household_id: i64) -> Result<Vec<PersonRecord>> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM person WHERE household_id = $1 ORDER BY id");
    let rows: Vec<PersonTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(household_id).fetch_all(&mut *conn).await?);
    rows.into_iter().map(person_from).collect()
}

/// The members with these ID numbers, wherever they are registered.
pub async fn persons_by_id_numbers(tx: &mut Tx, id_numbers: &[IdNumber]) -> Result<Vec<PersonRecord>> {
    let mut res = Vec::new();
    for chunk in id_numbers.chunks(CHUNK) {
        let mut sql = Sql::new(&format!("SELECT {PERSON_COLUMNS} FROM person WHERE id_number IN ("));
        for (idx, id) in chunk.iter().enumerate() {
            if idx > 0 {
                sql.push(", ");
            }
            sql.bind(Param::Text(id.as_str().to_string()));
        }
        sql.push(")");
        let rows: Vec<PersonTuple> = on_tx!(tx, |conn| {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
        });
        for row in rows {
            res.push(person_from(row)?);
        }
    }
    Ok(res)
}

// ---------------------------------------------------------------- history

pub async fn insert_event(
    tx: &mut Tx,
    household_id: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO household_event (household_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(household_id)
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(detail)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Inserts many history entries at once: `(household_id, action, detail)`.
pub async fn insert_events_bulk(
    tx: &mut Tx,
    events: &[(i64, &str, String)],
    at: DateTime<Utc>,
    actor: &str,
) -> Result<()> {
    for chunk in events.chunks(CHUNK) {
        let mut sql = Sql::new("INSERT INTO household_event (household_id, at, actor, action, detail) VALUES ");
        for (idx, (household_id, action, detail)) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            sql.bind(Param::Int(*household_id)).push(", ");
            sql.bind(Param::Time(at)).push(", ");
            sql.bind(Param::Text(actor.to_string())).push(", ");
            sql.bind(Param::Text((*action).to_string())).push(", ");
            sql.bind(Param::Text(detail.clone())).push(")");
        }
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    Ok(())
}

pub async fn events_of(tx: &mut Tx, household_id: i64) -> Result<Vec<HouseholdEvent>> {
    let rows: Vec<(i64, i64, DateTime<Utc>, String, String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, household_id, at, actor, action, detail FROM household_event WHERE household_id = $1 ORDER BY id DESC",
        )
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, household_id, at, actor, action, detail)| HouseholdEvent {
            id,
            household_id,
            at,
            actor,
            action,
            detail,
        })
        .collect())
}
