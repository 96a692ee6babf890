//! A deterministic generator of a large dataset (`dengta generate --enterprises N --seed S`) for
//! benchmarks, scale tests and demonstrations: enterprises spread over every county of GB/T 2260
//! and every class of GB/T 4754 (manufacturing weighted up), with valid 统一社会信用代码; self-
//! assessments scored by the real instrument; verified 上云 records; providers; and, in the
//! regions of the shipped pilot programmes, enrolments, projects in every state, accepted
//! acceptances, subsidies and payments moved through the ledger. The same seed gives the same
//! data on either store. Counters and facts are rebuilt at the end.

use std::collections::BTreeMap;

use dengta_domain::assessment::scoring::{self, Answers};
use dengta_domain::codes::industries::IndustryList;
use dengta_domain::enterprise::industry_code::IndustryLevel;
use dengta_domain::enterprise::uscc::Uscc;
use dengta_domain::ledger::{Account, AccountKind, Transfer};
use dengta_domain::money::Fen;
use serde::Serialize;

use super::{AppError, AppResult};
use crate::db::{self, Arg, Conn, Db};

/// SplitMix64: a few lines, and the sequence for a seed never changes between versions or
/// platforms, which a library's default generator does not promise.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// True with probability `pct`/100.
    pub(crate) fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Sampling by cumulative weights.
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    fn new(items: Vec<(T, u64)>) -> Weighted<T> {
        let mut total = 0;
        let mut cumulative = Vec::with_capacity(items.len());
        let items = items
            .into_iter()
            .map(|(t, w)| {
                total += w.max(1);
                cumulative.push(total);
                t
            })
            .collect();
        Weighted { items, cumulative }
    }
    fn sample(&self, rng: &mut Rng) -> &T {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}

const ORG_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
pub(crate) const WORDS_A: &[&str] =
    &["精工", "智造", "华创", "恒通", "新材", "科达", "瑞丰", "鼎盛", "宏远", "博远", "金诺", "信达"];
pub(crate) const WORDS_B: &[&str] =
    &["机械", "电子", "装备", "材料", "科技", "制造", "汽配", "化工", "纺织", "食品", "仪器", "模具"];

/// An organisation code of 9 characters: "MA" and seven base-31 digits of `n` (unique per `n`).
/// The 8-character body of an organisation code (positions 9–16); its GB 11714 check character
/// is added by `Uscc::with_check_chars`, so generated codes pass both checks.
pub(crate) fn org_code(prefix: &str, mut n: u64) -> String {
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = ORG_CHARS[(n % 31) as usize];
        n /= 31;
    }
    format!("{prefix}{}", String::from_utf8_lossy(&digits))
}

/// What was generated.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub enterprises: u64,
    pub assessments: u64,
    pub cloud_records: u64,
    pub providers: u64,
    pub enrolments: u64,
    pub projects: u64,
    pub subsidies: u64,
    pub payments: u64,
    pub counters: usize,
}

const DAY: i64 = 86_400_000;

/// How much to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub enterprises: u64,
    pub seed: u64,
    /// Share of enterprises with a scored self-assessment, in per cent (each stores its full
    /// result, several kB: lower it for very large datasets).
    pub assessed_pct: u64,
}

impl Spec {
    pub fn new(enterprises: u64, seed: u64) -> Spec {
        Spec { enterprises, seed, assessed_pct: 40 }
    }
}

/// Generates the dataset into an empty database (no enterprises). `progress` is told how many
/// enterprises are written so far.
pub async fn generate(database: &Db, spec: Spec, progress: impl Fn(u64)) -> AppResult<Summary> {
    let Spec { enterprises, seed, assessed_pct } = spec;
    let c = database.clone();
    if c.scalar("SELECT COUNT(*) FROM (SELECT id FROM enterprises LIMIT 1) x", vec![]).await? > 0 {
        return Err(AppError::Conflict("error.generate_not_empty"));
    }
    let mut rng = Rng(seed);
    let now = db::now_ms();
    // Every county-level division, each with a weight so some counties are busier than others.
    let counties: Vec<(String, String)> =
        c.fetch_all("SELECT code, name FROM regions WHERE level = 'county' ORDER BY code", vec![]).await?;
    if counties.is_empty() {
        return Err(AppError::Internal("no county-level regions loaded".into()));
    }
    let counties = Weighted::new(counties.into_iter().map(|r| (r, 1 + rng.below(20))).collect());
    let industries = Weighted::new(
        IndustryList::embedded()
            .iter()
            .filter(|i| i.level == IndustryLevel::Class)
            .map(|i| (i.code.as_str().to_owned(), if i.section() == 'C' { 6 } else { 1 }))
            .collect(),
    );
    let instrument = super::assessments::latest_instrument("mfg-2024")?;
    let base: Answers = serde_json::from_str(include_str!("../../../data/demo-assessment.json"))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let scenes: Vec<String> = instrument.scenes().iter().map(|s| s.id.clone()).collect();
    let mut s = Summary::default();

    // Enterprises, their assessments and cloud records, in transactions of 20,000.
    let mut pilot_enterprises: Vec<(i64, String, String)> = Vec::new();
    let pilot_regions: Vec<&'static dengta_domain::programme::Programme> = super::programmes::programmes()?;
    let mut n = 0_u64;
    while n < enterprises {
        let batch = (enterprises - n).min(20_000);
        let mut tx = database.begin().await?;
        let first_id = tx.scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM enterprises", vec![]).await? + 1;
        let mut rows = Vec::with_capacity(batch as usize);
        let mut assessments = Vec::new();
        let mut clouds = Vec::new();
        for k in 0..batch {
            let id = first_id + k as i64;
            let i = n + k;
            let (county, county_name) = counties.sample(&mut rng).clone();
            let industry = industries.sample(&mut rng).clone();
            let uscc = Uscc::with_check_chars(&format!("91{county}{}", org_code("MA", i)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let short: String = county_name.chars().take(2).collect();
            let name = format!("{short}{}{}有限公司{}", rng.pick(WORDS_A), rng.pick(WORDS_B), i);
            let above_scale = rng.chance(15);
            let cloud = rng.chance(30);
            let created = now - rng.below(730) as i64 * DAY - rng.below(DAY as u64) as i64;
            // 专精特新: about one in five 规上 enterprises and a few others, a third of them 小巨人.
            let srdi = if rng.chance(if above_scale { 20 } else { 3 }) {
                *rng.pick(&["srdi", "srdi", "little_giant"])
            } else {
                "none"
            };
            rows.push(vec![
                Arg::I64(id),
                Arg::Str(uscc.as_str().to_owned()),
                Arg::Str(name),
                Arg::Str(county.clone()),
                Arg::Str(industry.clone()),
                Arg::Bool(above_scale),
                Arg::Bool(cloud),
                Arg::I64(created),
                Arg::Str(srdi.to_owned()),
            ]);
            if rng.chance(assessed_pct) {
                let mut answers = base.clone();
                answers.scenes = scenes.iter().map(|sc| (sc.clone(), rng.below(5) as u8)).collect::<BTreeMap<_, _>>();
                let result = scoring::score(instrument, &answers).map_err(|e| AppError::Internal(format!("{e:?}")))?;
                let at = created + rng.below(60) as i64 * DAY;
                assessments.push(vec![
                    Arg::I64(id),
                    Arg::Str(instrument.id().to_owned()),
                    Arg::I64(i64::from(instrument.version())),
                    Arg::Str(instrument.fingerprint().to_owned()),
                    Arg::Str(serde_json::to_string(&answers).map_err(|e| AppError::Internal(e.to_string()))?),
                    Arg::Str(serde_json::to_string(&result).map_err(|e| AppError::Internal(e.to_string()))?),
                    Arg::I64(result.total.thousandths()),
                    Arg::I64(i64::from(result.level.rank)),
                    Arg::I64(at),
                ]);
            }
            if cloud {
                let at = created + rng.below(90) as i64 * DAY;
                clouds.push(vec![
                    Arg::I64(id),
                    Arg::Str((*rng.pick(&["阿里云", "华为云", "腾讯云", "天翼云", "移动云"])).to_owned()),
                    Arg::Str((*rng.pick(&["ERP", "MES", "CRM", "OA", "设备管理"])).to_owned()),
                    Arg::I64(at),
                ]);
            }
            let here = dengta_domain::region::RegionCode::parse(&county).ok();
            if pilot_regions.iter().any(|p| {
                here.as_ref().is_some_and(|r| p.region_code().contains(r)) && p.sub_industry_of(&industry).is_some()
            }) {
                pilot_enterprises.push((id, county.clone(), industry.clone()));
            }
        }
        s.assessments += assessments.len() as u64;
        s.cloud_records += clouds.len() as u64;
        insert_enterprises(&mut tx, rows).await?;
        insert_assessments(&mut tx, assessments).await?;
        insert_clouds(&mut tx, clouds).await?;
        tx.commit().await?;
        n += batch;
        s.enterprises = n;
        progress(n);
    }
    if database.backend() == db::Backend::Postgres {
        // Explicit ids were written: move the identity past them.
        c.execute(
            "SELECT setval(pg_get_serial_sequence('enterprises', 'id'), (SELECT MAX(id) FROM enterprises))",
            vec![],
        )
        .await?;
    }

    generate_pilots(database, &mut rng, &pilot_enterprises, &mut s).await?;
    s.counters = super::dashboard::rebuild(database).await?;
    Ok(s)
}

async fn insert_enterprises(c: &mut impl Conn, rows: Vec<Vec<Arg>>) -> AppResult<()> {
    let per = 100;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = it.by_ref().take(per).collect();
        let mut sql = String::from(
            "INSERT INTO enterprises (id, uscc, name, region_code, industry_code, above_scale, cloud_verified, created_at, \
             updated_at, pi_collected_at, is_demo, srdi_tier) VALUES ",
        );
        let mut args = Vec::with_capacity(chunk.len() * 9);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 9;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, FALSE, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 8,
                b + 8,
                b + 9
            ));
            args.extend(row);
        }
        c.execute(&sql, args).await?;
    }
    Ok(())
}

async fn insert_assessments(c: &mut impl Conn, rows: Vec<Vec<Arg>>) -> AppResult<()> {
    let per = 50;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = it.by_ref().take(per).collect();
        let mut sql = String::from(
            "INSERT INTO assessments (enterprise_id, instrument_id, instrument_version, instrument_fingerprint, kind, status, \
             answers_json, result_json, total_thousandths, level, pledge_by, pledge_at, pledge_text, created_by, created_at, \
             updated_at, submitted_at) VALUES ",
        );
        let mut args = Vec::with_capacity(chunk.len() * 9);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 9;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, 'self', 'submitted', ${}, ${}, ${}, ${}, 'generator', ${}, '生成数据', 'generator', ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 9,
                b + 9,
                b + 9
            ));
            args.extend(row);
        }
        c.execute(&sql, args).await?;
    }
    Ok(())
}

async fn insert_clouds(c: &mut impl Conn, rows: Vec<Vec<Arg>>) -> AppResult<()> {
    let per = 150;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = it.by_ref().take(per).collect();
        let mut sql = String::from(
            "INSERT INTO cloud_records (enterprise_id, provider_name, service, layer, category, started_on, status, \
             reported_by, reported_at, verified_by, verified_at) VALUES ",
        );
        let mut args = Vec::with_capacity(chunk.len() * 4);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 4;
            sql.push_str(&format!(
                "(${}, ${}, ${}, 'application', 'management', '2025-01-01', 'verified', 'generator', ${}, 'generator', ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 4
            ));
            args.extend(row);
        }
        c.execute(&sql, args).await?;
    }
    Ok(())
}

/// Providers, and in the pilot programmes' regions: enrolments, projects in every state, accepted
/// acceptances, subsidies reserved, approved and paid through the ledger.
async fn generate_pilots(
    database: &Db,
    rng: &mut Rng,
    pilot_enterprises: &[(i64, String, String)],
    s: &mut Summary,
) -> AppResult<()> {
    let mut tx = database.begin().await?;
    let now = db::now_ms();
    let programmes = super::programmes::programmes()?;
    // Providers: one per 25 pilot enterprises (at least 3 per programme), in the programme's city.
    let mut providers: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut pn = 0_u64;
    for p in &programmes {
        let count = (pilot_enterprises.len() as u64 / 25 / programmes.len() as u64).max(3);
        for _ in 0..count {
            let code = Uscc::with_check_chars(&format!("91{}{}", p.region(), org_code("MB", pn)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let id = tx
                .scalar(
                    "INSERT INTO providers (uscc, name, region_code, kind, status, stars, score_hundredths, created_at, \
                     applied_at) VALUES ($1, $2, $3, 'integrator', 'active', $4, $5, $6, $6) RETURNING id",
                    dengta_db::args![
                        code.as_str(),
                        format!("{}数字化服务商{pn}", rng.pick(WORDS_A)),
                        p.region(),
                        1 + rng.below(5) as i64,
                        6000 + rng.below(4000) as i64,
                        now - 400 * DAY
                    ],
                )
                .await?;
            providers.entry(p.id().to_owned()).or_default().push(id);
            pn += 1;
        }
    }
    s.providers = pn;
    let mut key_of_pool = BTreeMap::new();
    for p in &programmes {
        let Some(pool) = p.pools().iter().find(|x| x.purpose == dengta_domain::programme::PoolPurpose::Enterprise)
        else {
            continue;
        };
        let key = super::subsidies::pool_key(p.id(), &pool.id);
        let t = Transfer::between(
            Account::new(AccountKind::Funding, &key),
            Account::new(AccountKind::Pool, &key),
            pool.amount,
            "下达资金（生成数据）",
        );
        db::ledger::post(&mut tx, &t, &db::ledger::Meta { actor: "generator", ..Default::default() })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        key_of_pool.insert(p.id().to_owned(), (key, pool.id.clone()));
    }
    let states = [
        "draft",
        "diagnosing",
        "diagnosed",
        "planned",
        "contracted",
        "filed",
        "in_progress",
        "completed",
        "completed",
        "completed",
    ];
    for (eid, county, industry) in pilot_enterprises {
        if !rng.chance(20) {
            continue;
        }
        let region = dengta_domain::region::RegionCode::parse(county).map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(prog) = programmes.iter().find(|p| p.region_code().contains(&region)) else { continue };
        let Some(provider) = providers.get(prog.id()).map(|v| *rng.pick(v)) else { continue };
        let enrolment = db::programmes::insert_enrolment(
            &mut tx,
            &db::programmes::NewEnrolment {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enterprise_id: *eid,
                region_code: county,
                sub_industry: prog.sub_industry_of(industry).map(|x| x.name.as_str()),
                eligibility_json: "[]",
                eligible: true,
                applied_by: "generator",
            },
        )
        .await?;
        let change =
            db::programmes::EnrolmentChange { status: "listed", override_reason: None, publicity_ends_at: None };
        db::programmes::set_enrolment_state(&mut tx, enrolment, 1, &change).await?;
        s.enrolments += 1;
        let status = *rng.pick(&states);
        let project = db::projects::insert(
            &mut tx,
            &db::projects::NewProject {
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                enrolment_id: enrolment,
                enterprise_id: *eid,
                provider_id: provider,
                region_code: county,
                title: "数字化改造项目（生成数据）",
                created_by: "generator",
            },
        )
        .await?;
        s.projects += 1;
        let filed = matches!(status, "filed" | "in_progress" | "completed");
        let filed_at = now - (200 + rng.below(300) as i64) * DAY;
        let total = Fen(100_000 * (20 + rng.below(80) as i64));
        if filed {
            let contract = serde_json::json!({
                "sign_date": "2025-03-01",
                "parties": [{"uscc": "91320104MA1X2Y8F6T", "name": "服务商", "role": "integrator", "amount": total.0}],
                "lines": [{"category": "software", "description": "工业软件", "amount": total.0}],
                "split": {"enterprise": total.0 - total.0 / 2, "provider_discount": 0, "government": total.0 / 2},
                "criteria": [{"kind": "onsite_level_at_least", "level": 2}],
            });
            tx.execute(
                "UPDATE project_docs SET contract_json = $1 WHERE project_id = $2",
                dengta_db::args![contract.to_string(), project],
            )
            .await?;
        }
        let completed_at = (status == "completed").then(|| filed_at + (60 + rng.below(120) as i64) * DAY);
        tx.execute(
            "UPDATE projects SET status = $1, filing_no = $2, filed_at = $3, completed_at = $4, contract_total_fen = $5 \
             WHERE id = $6",
            dengta_db::args![
                status,
                filed.then(|| format!("GEN-{project}")),
                filed.then_some(filed_at),
                completed_at,
                filed.then_some(total.0),
                project
            ],
        )
        .await?;
        let Some(done) = completed_at else { continue };
        if !rng.chance(60) {
            continue;
        }
        let decided = done + (20 + rng.below(60) as i64) * DAY;
        tx.execute(
            "INSERT INTO acceptances (project_id, enterprise_id, provider_id, region_code, status, declaration, declared_by, \
             declared_at, finance_eligible_fen, applied_at, decided_at) \
             VALUES ($1, $2, $3, $4, 'accepted', '生成数据', 'generator', $5, $6, $5, $7)",
            dengta_db::args![project, *eid, provider, county.as_str(), done, total.0, decided],
        )
        .await?;
        // The subsidy by the programme's rule at 二级.
        let Some((key, pool_id)) = key_of_pool.get(prog.id()) else { continue };
        let input = dengta_domain::programme::SubsidyInput::new(
            total,
            2,
            dengta_domain::programme::Date::from_unix_ms_beijing(done),
            db::ledger::balance(&mut tx, &Account::new(AccountKind::Pool, key)).await?,
        );
        let Ok(result) = dengta_domain::programme::subsidy::compute(prog, &input) else { continue };
        if result.total.0 <= 0 {
            continue;
        }
        let paid = rng.chance(50);
        let status = if paid { "paid" } else { "approved" };
        let sid = db::subsidies::insert(
            &mut tx,
            &db::subsidies::NewSubsidy {
                project_id: project,
                enterprise_id: *eid,
                region_code: county,
                programme_id: prog.id(),
                programme_version: i64::from(prog.version()),
                pool_id,
                stage: "after_acceptance",
                amount_fen: result.total.0,
                award_fen: result.total.0,
                rule: &result.rule,
                trace_json: &serde_json::to_string(&result.trace).map_err(|e| AppError::Internal(e.to_string()))?,
                created_by: "generator",
            },
        )
        .await?;
        s.subsidies += 1;
        let meta = db::ledger::Meta { subsidy_id: Some(sid), actor: "generator", ..Default::default() };
        let mut moves =
            vec![(AccountKind::Pool, AccountKind::Commitment), (AccountKind::Commitment, AccountKind::Payable)];
        if paid {
            moves.push((AccountKind::Payable, AccountKind::Disbursed));
        }
        let mut last = 0;
        for (a, b) in moves {
            let t = Transfer::between(Account::new(a, key), Account::new(b, key), result.total, "奖补（生成数据）");
            last = db::ledger::post(&mut tx, &t, &meta).await.map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let pay_at = decided + (5 + rng.below(40) as i64) * DAY;
        if paid {
            let pid = db::subsidies::insert_payment(&mut tx, sid, last, result.total.0, "", "GEN", "generator").await?;
            tx.execute("UPDATE payments SET at = $1 WHERE id = $2", dengta_db::args![pay_at, pid]).await?;
            s.payments += 1;
        }
        tx.execute(
            "UPDATE subsidies SET status = $1, approved_by = 'generator', approved_at = $2, paid_at = $3 WHERE id = $4",
            dengta_db::args![status, decided, paid.then_some(pay_at), sid],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
