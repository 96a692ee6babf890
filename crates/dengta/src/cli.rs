//! The command line: `dengta serve | migrate | user add | token create | assess score |
//! assess rescore | audit verify | backup | config`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use dengta_domain::region::RegionCode;
use dengta_domain::role::Role;

use crate::app::accounts::{self, NewAccount};
use crate::app::{Actor, App, demo, setup};
use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::server::{Server, shutdown_signal};

#[derive(Parser)]
#[command(
    name = "dengta",
    version,
    about = "灯塔 · 中小企业数字化转型服务平台 (Dengta: SME digital-transformation platform)"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./dengta.toml if it exists.
    #[arg(long, global = true, env = "DENGTA_CONFIG")]
    config: Option<PathBuf>,
    /// Database: sqlite://path.db (default sqlite://data/dengta.db) or postgres://…
    /// (also DENGTA_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (migrates the database first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (also DENGTA_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo city and accounts (only into an empty or demo database).
        #[arg(long)]
        demo: bool,
        /// How many enterprises the demo city has besides its named ones.
        #[arg(long, default_value_t = demo::CITY_ENTERPRISES, requires = "demo")]
        demo_enterprises: usize,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Audit trail tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Subsidy ledger tools.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Dashboard roll-up tools.
    #[command(subcommand)]
    Rollups(RollupsCommand),
    /// Fill an empty database with a deterministic synthetic dataset (benchmarks, scale tests).
    Generate {
        /// How many enterprises.
        #[arg(long, default_value_t = 10_000)]
        enterprises: u64,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Share of enterprises with a scored self-assessment, in per cent.
        #[arg(long, default_value_t = 40)]
        assessed_pct: u64,
    },
    /// Write a consistent copy of a SQLite database while it is in use.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Print the effective configuration.
    Config,
    /// Bulk import (same engine as the web upload).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Check 统一社会信用代码 (GB 32100-2015): one line per code.
    Uscc {
        #[command(subcommand)]
        command: UsccCommand,
    },
    /// Size class (划型, 工信部联企业〔2011〕300号) from an industry code and size inputs.
    SizeClass {
        /// GB/T 4754-2017 code, e.g. C3670
        #[arg(long)]
        industry: String,
        #[arg(long)]
        employees: Option<u32>,
        /// 营业收入, 万元 (up to two decimals)
        #[arg(long)]
        revenue_wan: Option<String>,
        /// 资产总额, 万元
        #[arg(long)]
        assets_wan: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Digital-level assessment tools (`score` is pure; `rescore` uses the database).
    Assess {
        #[command(subcommand)]
        command: AssessCommand,
    },
}

/// `dengta assess score --instrument mfg-2024 answers.json` reads answers in the domain's JSON
/// format and prints the result as JSON (the same `result` object as `POST /api/v1/assessments`):
///
/// ```json
/// {"choices": {"network": ["B", "C"]},          // question id → option ids
///  "inputs": {"total_equipment": 100, "digital_equipment": 45},   // input id → figure
///  "scenes": {"product_design": 2},              // scene id → 0 (未开展) … 4 (L4)
///  "dimension_scores": {"foundation": 30}}       // only for directly entered dimensions
/// ```
///
/// Exit 0 with the result; exit 2 with every answer problem on standard error.
#[derive(Subcommand)]
enum AssessCommand {
    /// Score answers (JSON file, or - for standard input) with the latest version of an instrument.
    Score {
        /// Instrument id, e.g. mfg-2024 or generic-2022.
        #[arg(long)]
        instrument: String,
        file: PathBuf,
    },
    /// Re-score the stored submitted assessments made with an older version of an instrument
    /// under its latest version, each as a new assessment linked to the old one (kept as it was);
    /// prints every level change and a summary. Exit 1 if some answers no longer validate.
    Rescore {
        /// Instrument id, e.g. mfg-2024.
        #[arg(long)]
        instrument: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import enterprises from .xlsx or CSV (UTF-8 or GB18030); upsert by credit code.
    Enterprises {
        file: PathBuf,
        /// Import as this user (limits rows to the user's region); default: the operator, nationwide.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Import cloud-adoption records (上云) from .xlsx or CSV, keyed by credit code.
    Cloud {
        file: PathBuf,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand)]
enum UsccCommand {
    /// Validate codes; exit 1 if any is invalid.
    Check {
        #[arg(required = true)]
        codes: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; prints a generated password unless --password-stdin.
    Add(UserAdd),
}

#[derive(Args)]
struct UserAdd {
    /// Login name.
    #[arg(value_name = "NAME")]
    name: Option<String>,
    #[arg(long = "username", visible_alias = "name", conflicts_with = "name")]
    username: Option<String>,
    /// enterprise | provider | officer | expert | sysadmin | secadmin | auditadmin
    #[arg(long)]
    role: String,
    /// GB/T 2260 region code (100000 for national).
    #[arg(long)]
    region: String,
    #[arg(long)]
    display_name: Option<String>,
    /// Enterprise id (required for role enterprise).
    #[arg(long)]
    enterprise_id: Option<i64>,
    /// Provider id (required for role provider).
    #[arg(long)]
    provider_id: Option<i64>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires (default: security.token_days, 90).
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// List tokens (never the secrets): id, user, name, created, expires, state.
    List {
        /// Only this user's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id (from `token list`).
    Revoke {
        #[arg(value_name = "ID")]
        id: i64,
    },
}

#[derive(Subcommand)]
enum RollupsCommand {
    /// Recompute every dashboard counter from the records and report differences; exit 1 if any.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Rewrite every dashboard counter from the records (after a bulk load).
    Rebuild,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Sum every transfer's legs, compare with the stored balances and with the subsidies' states;
    /// exit 1 on any difference.
    Check {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken record.
    Verify {
        /// An anchor file the audit administrator exported (审计锚点): also prove that no
        /// record up to it was rewritten, even with every hash recomputed.
        #[arg(long, value_name = "FILE")]
        anchor: Option<std::path::PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dengta: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        let result = run(cli).await;
        close_opened().await;
        result
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dengta: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let default_file = Path::new("dengta.toml");
    let file = cli.config.clone().or_else(|| default_file.exists().then(|| default_file.to_path_buf()));
    let mut s = Settings::load(file.as_deref(), std::env::vars())?;
    if let Some(url) = &cli.database_url {
        s.database_url = url.clone();
    }
    if let Command::Serve { listen: Some(l), .. } = &cli.command {
        s.listen = l.clone();
    }
    s.validate()?;
    Ok(s)
}

fn init_tracing(s: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(&s.log.level));
    // Colours only on a terminal: a log file or journal gets plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    let _ = if s.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// Every database a command opened, closed before the process exits: closing checkpoints
/// SQLite's write-ahead log into the file, so the .db is complete on its own once the
/// command returns (a user who copies only that file loses nothing).
static OPENED: std::sync::Mutex<Vec<Db>> = std::sync::Mutex::new(Vec::new());

async fn close_opened() {
    let opened = std::mem::take(&mut *OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for db in opened {
        db.close().await;
    }
}

async fn open(s: &Settings) -> anyhow::Result<App> {
    let db = Db::connect(&s.database_url, s.max_connections).await.with_context(|| "cannot open the database")?;
    OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(db.clone());
    db.migrate_with(s.database_migration_lock).await?;
    crate::app::codes::sync_regions(&db).await.map_err(describe)?;
    let app = App::new(db, s.clone());
    crate::app::assessments::load_published(&app).await.map_err(describe)?;
    crate::app::programmes::sync_programmes(&app).await.map_err(describe)?;
    Ok(app)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let s = settings(&cli)?;
    match cli.command {
        Command::Serve { demo: with_demo, demo_enterprises, .. } => {
            serve(s, with_demo.then_some(demo::Scale::City { enterprises: demo_enterprises })).await
        }
        Command::Migrate => {
            let app = open(&s).await?;
            println!("数据库已是最新结构 / schema up to date ({:?})", app.db.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print!("{}", toml::to_string_pretty(&s)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add(a)) => user_add(&s, a).await,
        Command::Token(TokenCommand::Create { user, name, expires_days }) => {
            let app = open(&s).await?;
            let days = expires_days.unwrap_or(s.security.token_days);
            let token =
                accounts::create_token_for_days(&app, &Actor::cli(), &user, &name, days).await.map_err(describe)?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::List { user }) => {
            let app = open(&s).await?;
            let rows = accounts::list_tokens_cli(&app, user.as_deref()).await.map_err(describe)?;
            let now = crate::db::now_ms();
            println!("id\tuser\tname\tcreated\texpires\tstate");
            for t in rows {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at.is_none_or(|e| e <= now) {
                    "expired"
                } else {
                    "active"
                };
                let day = |ms: i64| crate::web::pages::fmt::when(ms);
                let expires = t.expires_at.map(day).unwrap_or_default();
                println!("{}\t{}\t{}\t{}\t{expires}\t{state}", t.id, t.username, t.name, day(t.created_at));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let app = open(&s).await?;
            accounts::revoke_token(&app, &Actor::cli(), id).await.map_err(describe)?;
            println!("已吊销令牌 / token {id} revoked");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { anchor }) => {
            let anchor = match anchor {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("无法读取锚点文件 / cannot read {}: {e}", path.display()))?;
                    Some(crate::app::audit::parse_anchor(&text).map_err(anyhow::Error::msg)?)
                }
                None => None,
            };
            let app = open(&s).await?;
            match crate::app::audit::verify_against(&app.db, anchor.as_ref()).await.map_err(describe)? {
                Ok(n) => {
                    println!("审计链完整：已核验 {n} 条记录 / audit chain intact: {n} records verified");
                    if let Some(a) = &anchor {
                        println!(
                            "与锚点一致：第 {} 条及之前的记录未被改写 / matches the anchor: records up to #{} unchanged",
                            a.seq, a.seq
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("审计链已被破坏 / audit chain broken: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Rollups(RollupsCommand::Check { json }) => {
            let app = open(&s).await?;
            let (counters, diffs) = crate::app::dashboard::check(&app.db).await.map_err(describe)?;
            if json {
                println!("{}", serde_json::json!({ "counters": counters, "differences": diffs }));
            } else if diffs.is_empty() {
                println!("汇总一致：{counters} 个计数与明细重算结果相同 / roll-ups sound: {counters} counters match");
            } else {
                println!("汇总不一致：{} 处差异 / roll-ups differ in {} places", diffs.len(), diffs.len());
                for d in diffs.iter().take(50) {
                    println!("{}\t{}\t存储 {}\t重算 {}", d.region_code, d.metric, d.stored, d.recomputed);
                }
            }
            Ok(if diffs.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Generate { enterprises, seed, assessed_pct } => {
            let app = open(&s).await?;
            let started = std::time::Instant::now();
            let step = (enterprises / 20).max(10_000);
            let spec = crate::app::generate::Spec { enterprises, seed, assessed_pct: assessed_pct.min(100) };
            let summary = crate::app::generate::generate(&app.db, spec, |n| {
                if n % step == 0 || n == enterprises {
                    eprintln!("已生成 {n} / {enterprises} 家企业 / {n} enterprises written");
                }
            })
            .await
            .map_err(describe)?;
            println!("{}", serde_json::json!({ "summary": summary, "seconds": started.elapsed().as_secs_f64() }));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollups(RollupsCommand::Rebuild) => {
            let app = open(&s).await?;
            let n = crate::app::dashboard::rebuild(&app.db).await.map_err(describe)?;
            println!("已重建 {n} 个计数 / rebuilt {n} counters");
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger(LedgerCommand::Check { json }) => {
            let app = open(&s).await?;
            let r = crate::app::subsidies::reconcile(&app.db).await.map_err(describe)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else if r.sound {
                println!(
                    "账实相符：{} 个账户、{} 笔转账，余额合计为零 / ledger reconciles: {} accounts, {} transfers",
                    r.ledger.accounts, r.ledger.transfers, r.ledger.accounts, r.ledger.transfers
                );
            } else {
                println!("账实不符 / ledger does not reconcile: {}", serde_json::to_string(&r)?);
            }
            Ok(if r.sound { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Backup { to } => backup(&s, &to).await,
        Command::Uscc { command: UsccCommand::Check { codes, json } } => Ok(uscc_check(&codes, json)),
        Command::Import { command: ImportCommand::Enterprises { file, as_user } } => {
            import_file(&s, crate::app::import::Kind::Enterprises, &file, as_user).await
        }
        Command::Import { command: ImportCommand::Cloud { file, as_user } } => {
            import_file(&s, crate::app::import::Kind::CloudRecords, &file, as_user).await
        }
        Command::SizeClass { industry, employees, revenue_wan, assets_wan, json } => {
            size_class(&industry, employees, revenue_wan.as_deref(), assets_wan.as_deref(), json)
        }
        Command::Assess { command: AssessCommand::Score { instrument, file } } => assess_score(&instrument, &file),
        Command::Assess { command: AssessCommand::Rescore { instrument } } => assess_rescore(&s, &instrument).await,
    }
}

/// The GB 11714 warning on the organisation code inside a valid credit code, if any.
fn org_warning(u: &dengta_domain::enterprise::Uscc) -> Option<String> {
    match u.org_code_status() {
        dengta_domain::enterprise::OrgCodeStatus::Valid => None,
        dengta_domain::enterprise::OrgCodeStatus::Mismatch { expected, actual } => Some(format!(
            "第9–17位组织机构代码（GB 11714）校验位应为{expected}，实际为{actual}；登记须由主管部门填写核验理由"
        )),
    }
}

/// One line per code: the normalised code and 有效, or the reason it is not.
fn uscc_check(codes: &[String], json: bool) -> ExitCode {
    use dengta_domain::enterprise::Uscc;
    let mut all_ok = true;
    for code in codes {
        let r = Uscc::parse(code);
        all_ok &= r.is_ok();
        if json {
            let v = match &r {
                Ok(u) => {
                    serde_json::json!({ "input": code, "valid": true, "code": u.as_str(), "region": u.region_code(), "warning": org_warning(u) })
                }
                Err(e) => {
                    serde_json::json!({ "input": code, "valid": false, "reason": e.to_string(), "check_char_only": e.is_check_char_only() })
                }
            };
            println!("{v}");
        } else {
            match r {
                Ok(u) => match org_warning(&u) {
                    None => println!("{}\t有效\t登记机关行政区划 {}", u.as_str(), u.region_code()),
                    Some(w) => println!("{}\t有效（警告）\t登记机关行政区划 {}\t{w}", u.as_str(), u.region_code()),
                },
                Err(e) => println!("{code}\t无效\t{e}"),
            }
        }
    }
    if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// 万元 with up to two decimals → fen.
fn wan(s: Option<&str>) -> anyhow::Result<Option<dengta_domain::money::Fen>> {
    match s {
        None => Ok(None),
        Some(t) => {
            let yuan = dengta_domain::money::Fen::parse_yuan(t)?;
            Ok(Some(dengta_domain::money::Fen(yuan.0.checked_mul(10_000).context("amount too large")?)))
        }
    }
}

fn size_class(
    industry: &str,
    employees: Option<u32>,
    revenue: Option<&str>,
    assets: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use dengta_domain::enterprise::{SizeInputs, classify};
    let rules = crate::app::enterprises::size_rules().map_err(describe)?;
    let inputs = SizeInputs { employees, revenue: wan(revenue)?, assets: wan(assets)? };
    match classify(rules, industry, inputs) {
        Ok(o) => {
            if json {
                println!("{}", serde_json::to_string(&o)?);
            } else {
                println!("{}", o.class.label());
                println!("{}", o.explanation);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("dengta: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Scores an answers file; prints the result JSON, or every problem and exit 2.
fn assess_score(instrument: &str, file: &Path) -> anyhow::Result<ExitCode> {
    use crate::app::assessments as asm;
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let inst = match asm::latest_instrument(instrument) {
        Ok(i) => i,
        Err(_) => {
            let known: Vec<&str> = asm::instruments().map_err(describe)?.iter().map(|i| i.id()).collect();
            eprintln!("dengta: 没有评测指标“{instrument}”/ unknown instrument (known: {})", known.join(", "));
            return Ok(ExitCode::from(2));
        }
    };
    let answers: dengta_domain::assessment::Answers = match serde_json::from_str(&text) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("dengta: 答案 JSON 格式错误 / invalid answers JSON: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    match dengta_domain::assessment::score(inst, &answers) {
        Ok(r) => {
            println!("{}", serde_json::to_string_pretty(&asm::full_result(inst, r))?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            for p in &e.problems {
                eprintln!("dengta: {p}");
            }
            Ok(ExitCode::from(2))
        }
    }
}

/// Re-scores stored assessments under the latest version of an instrument (see
/// [`crate::app::assessments::rescore`]).
async fn assess_rescore(s: &Settings, instrument: &str) -> anyhow::Result<ExitCode> {
    use crate::app::assessments::{self as asm, RescoreOutcome};
    let app = open(s).await?;
    let latest = asm::latest_instrument(instrument).map_err(describe)?;
    let done = asm::rescore(&app, &Actor::cli(), instrument).await.map_err(describe)?;
    let (mut stored, mut changed, mut invalid, mut superseded) = (0, 0, 0, 0);
    for r in &done {
        match &r.outcome {
            RescoreOutcome::Stored { new_id, level, .. } => {
                stored += 1;
                if r.level_changed() {
                    changed += 1;
                    println!(
                        "assessment {} (enterprise {}): {} → {} (new assessment {new_id})",
                        r.id, r.enterprise_id, r.before, level.name
                    );
                }
            }
            RescoreOutcome::Invalid { problems } => {
                invalid += 1;
                println!(
                    "assessment {} (enterprise {}): 答案在 v{} 下无效，未保存 / answers invalid under v{}, not stored: {problems}",
                    r.id, r.enterprise_id, r.to_version, r.to_version
                );
            }
            RescoreOutcome::Superseded { .. } => superseded += 1,
        }
    }
    println!(
        "{} v{}: 已重新评分 {stored} 条，等级变化 {changed} 条，答案无效 {invalid} 条，已被后续评测取代而跳过 {superseded} 条 / \
         rescored {stored}, level changed {changed}, invalid {invalid}, skipped as superseded {superseded}",
        latest.id(),
        latest.version()
    );
    Ok(if invalid > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn describe(e: crate::app::AppError) -> anyhow::Error {
    match &e {
        crate::app::AppError::Invalid { key, detail } => {
            let text = crate::web::i18n::t(crate::web::i18n::Lang::ZhCn, key);
            anyhow::anyhow!("{text}{}", if detail.is_empty() { String::new() } else { format!("：{detail}") })
        }
        crate::app::AppError::Conflict(key) => {
            anyhow::anyhow!("{}", crate::web::i18n::t(crate::web::i18n::Lang::ZhCn, key))
        }
        crate::app::AppError::NotFound => anyhow::anyhow!("未找到 / not found"),
        _ => anyhow::anyhow!("{e}"),
    }
}

async fn serve(s: Settings, with_demo: Option<demo::Scale>) -> anyhow::Result<ExitCode> {
    init_tracing(&s);
    let server = Server::build(s).await?;
    let app = server.app.clone();
    let base = if app.settings.public_url.is_empty() {
        format!("http://{}", server.addr)
    } else {
        app.settings.public_url.clone()
    };
    if let Some(scale) = with_demo {
        let started = std::time::Instant::now();
        match demo::load(&app, scale).await.map_err(describe)? {
            Err(refused) => {
                eprintln!("dengta: {refused}");
                return Ok(ExitCode::from(2));
            }
            Ok(_) => {
                let d = demo::data().map_err(describe)?;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "演示环境已就绪（{secs:.1} 秒）/ demo ready in {secs:.1} s. 演示账号 (demo accounts), 密码 (password) {}:",
                    d.password
                );
                for u in &d.users {
                    println!("  {:<18} {}", u.username, u.display_name);
                }
            }
        }
    } else if demo::is_demo(&app).await.map_err(describe)? {
        println!("注意：此数据库为演示数据库 / note: this is a demo database");
    }
    app.demo.store(demo::is_demo(&app).await.map_err(describe)?, std::sync::atomic::Ordering::Relaxed);
    if let Some(token) = setup::issue_token_if_needed(&app).await.map_err(describe)? {
        println!("首次启动：请打开 {base}/setup ，使用一次性设置令牌创建系统管理员：");
        println!("first start: open {base}/setup and use this one-time setup token: {token}");
        println!("（或使用 `dengta user add NAME --role sysadmin --region 100000`）");
    }
    println!("灯塔已启动 / Dengta is listening on {base}");
    server.run(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn user_add(s: &Settings, a: UserAdd) -> anyhow::Result<ExitCode> {
    let Some(username) = a.username.or(a.name) else {
        bail!("请提供用户名 / a username is required (NAME or --username)")
    };
    let role: Role = a.role.parse()?;
    let region = RegionCode::parse(&a.region)?;
    let (password, generated) = if a.password_stdin {
        let mut buf = String::new();
        std::io::stdin().read_to_string(&mut buf)?;
        (buf.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (accounts::generate_password().map_err(describe)?, true)
    };
    let app = open(s).await?;
    let account = NewAccount {
        username: username.clone(),
        display_name: a.display_name.unwrap_or_default(),
        role,
        region,
        enterprise_id: a.enterprise_id,
        provider_id: a.provider_id,
        password: password.clone(),
        is_demo: false,
    };
    let id = accounts::create_user(&app, &Actor::cli(), &account).await.map_err(describe)?;
    println!("已创建用户 / user created: {username} (id {id}, role {})", role.code());
    if generated {
        println!("初始密码 / initial password: {password}");
        println!("（仅可登录一次，登录后须立即修改 / good for one login: it must be changed at once）");
    }
    // Once an account exists, the one-time setup path closes.
    setup::issue_token_if_needed(&app).await.map_err(describe)?;
    Ok(ExitCode::SUCCESS)
}

async fn backup(s: &Settings, to: &Path) -> anyhow::Result<ExitCode> {
    if to.exists() {
        bail!("目标文件已存在 / {} exists already", to.display());
    }
    let app = open(s).await?;
    if app.db.backend() != Backend::Sqlite {
        bail!("backup 仅用于 SQLite；PostgreSQL 请使用 pg_dump / backup is for SQLite; use pg_dump for PostgreSQL");
    }
    let path = to.to_str().context("the backup path must be valid UTF-8")?;
    // VACUUM INTO writes a consistent snapshot while other connections keep working.
    app.db.execute(&format!("VACUUM INTO '{}'", path.replace('\'', "''")), crate::args![]).await?;
    println!("已备份到 / backed up to {}", to.display());
    Ok(ExitCode::SUCCESS)
}

/// The page cache of `dengta import` (SQLite), in MiB.
const IMPORT_CACHE_MIB: i64 = 64;

async fn import_file(
    s: &Settings,
    kind: crate::app::import::Kind,
    file: &Path,
    as_user: Option<String>,
) -> anyhow::Result<ExitCode> {
    let app = open(s).await?;
    // The command runs alone: a bigger page cache than the server's keeps a big file's index
    // pages in memory while rows are inserted at random places in them.
    app.db.set_page_cache_mib(IMPORT_CACHE_MIB)?;
    let actor = match as_user {
        None => Actor::cli(),
        Some(name) => {
            let mut conn = app.db.clone();
            let user = crate::db::users::by_username(&mut conn, &name).await?.context("未找到该用户 / no such user")?;
            let p = accounts::principal_of(&user).map_err(describe)?;
            Actor { principal: Some(p), name: name.clone(), request_id: "cli".into() }
        }
    };
    dengta_tabular::Format::of_file(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let job = crate::app::import::start_job(&app, &actor, kind, &name, file).await.map_err(describe)?;
    let started = std::time::Instant::now();
    let summary = crate::app::import::run(&app, &actor, kind, job, file.to_path_buf(), |rows| {
        if rows % 50_000 < 1000 {
            eprintln!("… {rows} 行 / rows");
        }
    })
    .await
    .map_err(describe)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "导入完成 / imported: {} 行 rows, 新增 added {}, 更新 updated {}, 无变化 unchanged {}, 错误 errors {} ({:.1} s, {:.0} rows/s)",
        summary.rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.failed,
        secs,
        summary.rows as f64 / secs.max(0.001)
    );
    if let Some(r) = &summary.error_report {
        println!("错误报告 / error report: {r}");
    }
    Ok(if summary.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
