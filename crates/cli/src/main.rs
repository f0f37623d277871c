//! The `creditbank` binary: parses arguments, builds the app, runs one command.

mod bench;
mod verify;

use anyhow::Context;
use app::{App, Config};
use clap::{Parser, Subcommand};
use domain::role::Role;

/// mimalloc: a page view allocates and frees thousands of small strings and rows across
/// threads; under load glibc's malloc took an eighth of the server's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "creditbank",
    version,
    about = "学分银行：终身学习账户、学习成果认定、存储与转换"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080, or CREDITBANK_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo bank and print its accounts.
        #[arg(long)]
        demo: bool,
        /// The bank a new database is: `ncb` (职业教育国家学分银行), `oucn`
        /// (国家开放大学学分银行) or `guangdong` (广东终身教育学分银行).
        #[arg(long, alias = "preset")]
        profile: Option<String>,
    },
    /// Import a spreadsheet for an institution, with a progress bar.
    Import {
        file: std::path::PathBuf,
        /// `catalog` (机构成果, needs --subtype), `learners` (学员账户) or `holdings`
        /// (学员成果 of one catalog outcome, needs --outcome).
        #[arg(long)]
        kind: String,
        /// The institution's code (its login account).
        #[arg(long, required_unless_present = "department", conflicts_with = "department")]
        institution: Option<String>,
        /// For the bank's own learner imports (L-03): the importing department's name.
        #[arg(long)]
        department: Option<String>,
        /// Subtype code for catalog imports, e.g. higher_course.
        #[arg(long)]
        subtype: Option<String>,
        /// The catalog outcome's id for holdings imports.
        #[arg(long)]
        outcome: Option<i64>,
    },
    /// Run background jobs (imports, the scheduled X证书 sync) only, for a second process or host.
    Worker,
    /// Synchronise from another platform now.
    Sync {
        #[command(subcommand)]
        source: SyncSource,
    },
    /// Apply database migrations to DATABASE_URL and exit.
    Migrate,
    /// Operator actions: accounts of departments and experts, password resets.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Benchmarks (programs, not tests): they print ratios to a floor measured in the same run.
    Bench {
        #[command(subcommand)]
        which: bench::command::BenchKind,
    },
    /// Check a certificate PDF or a credential (JSON) offline: against a public key, or
    /// against this bank's keys and status lists.
    Verify {
        file: std::path::PathBuf,
        /// The public key (hex from /verify/public-key, or a z6Mk Multikey); the bank's own
        /// keys and revocation state are read from the database when omitted.
        #[arg(long)]
        key: Option<String>,
    },
    /// Replace the signing key; the old one stays in the DID document for verification.
    RotateSigningKey,
    /// Show the development SMS and e-mail outbox.
    Outbox {
        /// How many messages, newest first.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum SyncSource {
    /// Pull the X证书 platform's certificate feed (`xcert.feed_url`) from the last good cursor.
    Xcert,
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create a management department (optionally under a parent department).
    CreateDepartment {
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create a department staff account.
    CreateStaff {
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        department: String,
        /// Initial password; a random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Create an expert account.
    CreateExpert {
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        committee: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// Reset a password to a new random one and unlock the account.
    ResetPassword {
        /// learner, institution, expert or department
        role: String,
        /// Account name (learners: ID number or mobile).
        account: String,
    },
    /// List department and expert accounts.
    ListStaff,
    /// Create an API key for an institution (接口密钥) and print it once.
    CreateApiKey {
        /// The institution's primary login account.
        account: String,
        #[arg(long, default_value = "命令行创建")]
        name: String,
        /// Extra scopes beside read: write, import (comma-separated).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut config = Config::load().context("reading configuration")?;
    match cli.command {
        Command::Serve { listen, demo, profile } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(p) = profile {
                config.profile = p;
            }
            config.demo = demo;
            let listen = config.listen.clone();
            let app = App::build(config).await?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            let addr = listener.local_addr()?;
            println!(
                "{}已启动：http://{addr}/  （数据库：{}）",
                app.bank.name(),
                redact(&app.config.database_url)
            );
            if !demo && app.config.public_url_is_loopback() {
                tracing::warn!(public_url = %app.config.public_url, "public_url is a loopback address");
                eprintln!(
                    "警告：对外地址 public_url（{}）是本机回环地址，证书二维码、核验地址和数字凭证的签发者（did:web）都将指向它，外部无法核验。请设置 CREDITBANK_PUBLIC_URL 为本行的公网地址。",
                    app.config.public_url
                );
            }
            if demo {
                println!("\n演示账号：");
                for a in app::demo::load(&app).await? {
                    println!(
                        "  {:<8} 账号 {:<20} 密码 {:<10} {}",
                        a.role, a.login, a.password, a.note
                    );
                }
                println!("\n短信验证码不会真正发出，请在 http://{addr}/dev/outbox 或 `creditbank outbox` 查看。\n");
            }
            web::serve(app, listener).await
        }
        Command::Import {
            file,
            kind,
            institution,
            department,
            subtype,
            outcome,
        } => {
            let app = App::build(config).await?;
            let owner = match (institution, department) {
                (Some(code), _) => app::import::Owner::Institution(
                    store::institutions::by_code(&app.db.pool, &code)
                        .await?
                        .with_context(|| format!("机构“{code}”不存在"))?
                        .id,
                ),
                (None, Some(name)) => app::import::Owner::Bank {
                    department: store::directory::department_by_name(&app.db.pool, &name)
                        .await?
                        .with_context(|| format!("部门“{name}”不存在"))?
                        .id,
                },
                (None, None) => anyhow::bail!("须指定 --institution 或 --department"),
            };
            import(app, &file, &kind, owner, (subtype.as_deref(), outcome)).await
        }
        Command::Worker => {
            let app = App::build(config).await?;
            println!(
                "学分银行后台任务进程已启动（数据库：{}）",
                redact(&app.config.database_url)
            );
            tokio::select! {
                _ = app::jobs::worker(app) => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(())
        }
        Command::Sync {
            source: SyncSource::Xcert,
        } => {
            let app = App::build(config).await?;
            let o = app::xcert::run(&app, "manual").await?;
            println!(
                "X证书同步（第{}次）：获取 {}，新增 {}，更新 {}，撤销 {}，拒绝 {}",
                o.run, o.fetched, o.stored, o.updated, o.revoked, o.rejected
            );
            match o.error {
                Some(e) => anyhow::bail!("同步未完成：{e}（下次同步将从最后成功的位置继续）"),
                None => Ok(()),
            }
        }
        Command::Migrate => {
            let app = App::build(config).await?;
            println!("数据库已迁移到最新版本：{}", redact(&app.config.database_url));
            Ok(())
        }
        Command::Bench { which } => bench::command::run(which).await,
        Command::Verify { file, key } => verify::run(config, &file, key).await,
        Command::RotateSigningKey => verify::rotate(config).await,
        Command::Admin { action } => admin(App::build(config).await?, action).await,
        Command::Outbox { limit } => {
            let app = App::build(config).await?;
            let rows = store::outbox::latest(&app.db.pool, limit).await?;
            if rows.is_empty() {
                println!("发件箱为空。");
            }
            for m in rows.iter().rev() {
                let when = domain::time::beijing(m.created_at);
                println!(
                    "[{when}] {} → {} {}",
                    m.channel,
                    m.recipient,
                    m.subject.as_deref().unwrap_or("")
                );
                println!("    {}", m.body);
            }
            Ok(())
        }
    }
}

async fn admin(app: App, action: AdminAction) -> anyhow::Result<()> {
    use app::admin::{self, NewStaffAccount};
    let result = match action {
        AdminAction::CreateDepartment { name, parent } => admin::create_department(&app, &name, parent.as_deref())
            .await
            .map(|id| format!("已创建部门“{name}”（编号 {id}）")),
        AdminAction::CreateStaff {
            account,
            name,
            department,
            password,
        } => admin::create_staff(
            &app,
            &NewStaffAccount {
                role: Role::Department,
                account: &account,
                name: &name,
                department: Some(&department),
                committee: None,
                password: password.as_deref(),
            },
        )
        .await
        .map(|pw| format!("已创建综合管理部门账号 {account}，密码：{pw}")),
        AdminAction::CreateExpert {
            account,
            name,
            committee,
            password,
        } => admin::create_staff(
            &app,
            &NewStaffAccount {
                role: Role::Expert,
                account: &account,
                name: &name,
                department: None,
                committee: committee.as_deref(),
                password: password.as_deref(),
            },
        )
        .await
        .map(|pw| format!("已创建专家账号 {account}，密码：{pw}")),
        AdminAction::ResetPassword { role, account } => {
            let role = Role::from_code(&role).context("角色须为 learner、institution、expert 或 department")?;
            admin::reset_password(&app, role, &account)
                .await
                .map(|pw| format!("账号 {account} 的新密码：{pw}（已解除锁定）"))
        }
        AdminAction::CreateApiKey { account, name, scopes } => admin::create_api_key(&app, &account, &name, &scopes)
            .await
            .map(|token| token.to_string()),
        AdminAction::ListStaff => {
            for s in store::staff::list(&app.db.pool).await? {
                println!(
                    "{:<10} {:<20} {} {}",
                    s.role,
                    s.account,
                    s.name,
                    if s.disabled != 0 { "（已停用）" } else { "" }
                );
            }
            return Ok(());
        }
    };
    match result {
        Ok(msg) => {
            println!("{msg}");
            Ok(())
        }
        Err(e) => anyhow::bail!("{e}"),
    }
}

/// Queues the import and runs it here, drawing its progress from the job row. The
/// target is the subtype code (catalog) or the catalog outcome's id (holdings); the owner
/// is an institution, or a department for the bank's own learner imports.
async fn import(
    app: App,
    file: &std::path::Path,
    kind: &str,
    owner: app::import::Owner,
    (subtype, outcome): (Option<&str>, Option<i64>),
) -> anyhow::Result<()> {
    let (kind, target) = match kind {
        "catalog" => {
            let code = subtype.context("catalog 导入须指定 --subtype（成果子类型代码）")?;
            let s = store::taxonomy::subtype_by_code(&app.db.pool, code)
                .await?
                .with_context(|| format!("成果子类型“{code}”不存在"))?;
            (app::jobs::CATALOG, Some(s.id.get()))
        }
        "learners" => (app::jobs::LEARNERS, None),
        "holdings" => (
            app::jobs::HOLDINGS,
            Some(outcome.context("holdings 导入须指定 --outcome（机构成果编号）")?),
        ),
        other => anyhow::bail!("--kind 须为 catalog、learners 或 holdings，而不是 {other}"),
    };
    let actor = store::audit::Actor {
        role: Some("operator".into()),
        id: Some(0),
        name: Some("creditbank import".into()),
        ip: None,
    };
    // A command killed earlier left its job unfinished (and nothing of it stored):
    // cancel it rather than let it run again behind this one.
    let cancelled = app::jobs::cancel_abandoned(&app)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !cancelled.is_empty() {
        eprintln!(
            "已取消{}个被中断的导入任务（任务号 {:?}），它们没有导入任何数据",
            cancelled.len(),
            cancelled
        );
    }
    let job = app::jobs::enqueue_import_file(&app, kind, owner, target, file, &actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let runner = tokio::spawn({
        let app = app.clone();
        async move { app::jobs::run_own(&app, job).await }
    });
    loop {
        let j = store::jobs::by_id(&app.db.pool, job).await?.context("job vanished")?;
        let total = j.total.max(1);
        let filled = (j.done * 30 / total) as usize;
        eprint!(
            "\r[{}{}] {}/{} 行",
            "#".repeat(filled),
            "-".repeat(30 - filled.min(30)),
            j.done,
            j.total
        );
        if runner.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    eprintln!();
    runner.await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    let j = store::jobs::by_id(&app.db.pool, job).await?.context("job vanished")?;
    match (j.status, j.result, j.error) {
        (domain::lifecycle::JobStatus::Done, Some(r), _) => {
            let v: serde_json::Value = serde_json::from_str(&r)?;
            println!(
                "成功导入符合要求数据{}条；未导入不符合要求数据{}条",
                v["imported"], v["rejected"]
            );
            for x in v["reasons"].as_array().into_iter().flatten().take(20) {
                println!("  第{}行：{}", x[0], x[1].as_str().unwrap_or(""));
            }
            Ok(())
        }
        (_, _, Some(e)) => anyhow::bail!("导入失败：{e}"),
        (status, _, _) => anyhow::bail!("导入未完成（{status}），稍后由后台任务重试"),
    }
}

/// Hides the password of a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
