use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use orgportal::config::Settings;
use orgportal::db::{self, AnyConnection};
use orgportal::mail::templates::InvoiceMail;
use orgportal::startup::Application;
use orgportal::store::billing::invoices::InvoiceNotice;
use url::Url;

/// orgportal: a self-hosted organization portal.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the settings in force (secrets hidden) and check them without
    /// starting: exits non-zero when one is bad.
    CheckConfig,
    /// Copy the SQLite database to FILE while the portal runs (a consistent
    /// snapshot). For PostgreSQL use pg_dump (see README, "Backups").
    Backup { file: std::path::PathBuf },
    /// Support staff: they see every organization's customer data, read-only.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Customer accounts.
    Customers {
        #[command(subcommand)]
        command: CustomersCommand,
    },
    /// Organizations.
    Orgs {
        #[command(subcommand)]
        command: OrgsCommand,
    },
}

#[derive(Subcommand)]
enum OrgsCommand {
    /// Set up an organization for a customer (see README, "Setting up a
    /// customer's organization"): all or nothing; nothing changes on any error.
    Create {
        #[arg(long)]
        name: String,
        /// The owner: an existing account's verified email.
        #[arg(long)]
        owner: String,
        /// The URL name (default: derived from the name).
        #[arg(long, default_value = "")]
        slug: String,
        /// A personal project to move in, as OWNER-EMAIL/PROJECT (its URL name or name; repeat for more).
        #[arg(long)]
        transfer: Vec<String>,
        /// A person whose personal usage the organization pays (repeat for more).
        #[arg(long)]
        billed: Vec<String>,
        /// The external id of an imported customer account to link.
        #[arg(long, default_value = "")]
        customer: String,
        /// Print what would happen and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum CustomersCommand {
    /// Import customer accounts from a JSON file (see README, "Customer import").
    /// The whole file is checked first; a bad file writes nothing.
    Import { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Make the person who signs in with this (verified) email support staff.
    Add {
        email: String,
        /// Also let them set up organizations for customers (staff.provision).
        #[arg(long)]
        provision: bool,
    },
    /// Take support staff rights away from this email.
    Remove { email: String },
    /// List support staff: those added here and those in ORGPORTAL_STAFF_EMAILS.
    List,
}

/// Blocking threads of the main thread's runtime, which runs the mail and
/// webhook workers and the upkeep: their file writes and database work. Not
/// tokio's default of 512: each thread costs a stack and, on glibc, a malloc
/// arena that keeps what it once held. Writing a batch of 100 mails to the
/// development mailbox started one thread per mail (55 threads, 30 MiB more
/// resident memory under the API bench). The HTTP workers' own blocking
/// pools are sized to the connection pool (startup.rs).
const MAIN_BLOCKING_THREADS: usize = 4;

/// glibc gives threads up to eight malloc arenas per core, and each keeps
/// the memory it once held. The portal's threads (HTTP workers, blocking
/// pools, the mail worker's writes) need no more than one arena per core:
/// issue 33's API bench peaked 3 MiB lower (66.4 → 63.1 MiB, three runs
/// each) with no CPU cost in the pages bench. Called before any thread
/// starts; an operator's own `MALLOC_ARENA_MAX` is left alone.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a tunable; no other thread is running yet.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) };
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread().enable_all().max_blocking_threads(MAIN_BLOCKING_THREADS).build()
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("orgportal: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    actix_web::rt::System::with_tokio_rt(|| runtime).block_on(async {
        orgportal::telemetry::init();
        let cli = Cli::parse();
        match run(cli.command.unwrap_or(Command::Serve)).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("orgportal: {e:#}");
                ExitCode::from(2)
            }
        }
    })
}

async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            println!("orgportal is running at {}", app.base_url());
            app.run_until_stopped().await?;
        }
        Command::CheckConfig => {
            for (name, value) in settings.describe() {
                println!("{name}={value}");
            }
            let checks = tokio::task::spawn_blocking(move || orgportal::check_config::run(&settings)).await?;
            let mut problems = 0;
            for check in checks {
                match check.found {
                    Ok(found) => println!("ok       {}: {found}", check.what),
                    Err(problem) => {
                        problems += 1;
                        println!("PROBLEM  {}: {problem}", check.what);
                    }
                }
            }
            if problems > 0 {
                anyhow::bail!("{problems} problem(s) in the configuration");
            }
            println!("the configuration is usable");
        }
        Command::Backup { file } => {
            let url = settings.database_url();
            let to = file.clone();
            tokio::task::spawn_blocking(move || orgportal::db::backup(&url, &to)).await??;
            println!("backed up the database to {}", file.display());
        }
        Command::Migrate => {
            let applied = tokio::task::spawn_blocking(move || direct(&settings).map(|(_, n)| n)).await??;
            println!("migrations are up to date ({applied} applied now)");
        }
        Command::Customers { command: CustomersCommand::Import { file } } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let records = orgportal::domain::customer_import::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
            let now = settings.clock.now();
            let base_url =
                settings.base_url.as_ref().map_or_else(|| format!("http://{}", settings.bind), Url::to_string);
            let report = blocking(&settings, move |conn| {
                let render = |n: &InvoiceNotice<'_>| InvoiceMail::of(n, &base_url).render().ok();
                Ok(orgportal::store::customer::import::import(conn, &records, &render, now)?)
            })
            .await?;
            println!(
                "imported {}: {} created, {} updated, {} unchanged; {} billing mails queued",
                file.display(),
                report.created,
                report.updated,
                report.unchanged,
                report.mails
            );
        }
        Command::Staff { command } => staff(settings, command).await?,
        Command::Orgs { command } => orgs(settings, command).await?,
    }
    Ok(())
}

async fn orgs(settings: Settings, command: OrgsCommand) -> anyhow::Result<()> {
    use orgportal::domain::provisioning::{check, Problem, Request};
    use orgportal::store::staff::provisioning::{self, Operator, ProvisionError};
    let OrgsCommand::Create { name, owner, slug, transfer, billed, customer, dry_run } = command;
    let request = Request { name, slug, owner, transfers: transfer, billed, customer };
    let refused = |problems: Vec<Problem>| {
        let lines: Vec<String> =
            problems.iter().map(|p| format!("  --{} {}: {}", p.field, p.value, p.message)).collect();
        anyhow::anyhow!("nothing was changed:\n{}", lines.join("\n"))
    };
    let checked = check(&request).map_err(refused)?;
    let catalog = orgportal::startup::load_catalog(&settings)?;
    let owner_role = catalog.owner_role().to_string();
    let now = settings.clock.now();
    let base_url = settings.base_url.as_ref().map_or_else(|| format!("http://{}", settings.bind), Url::to_string);
    let role = owner_role.clone();
    let result = blocking(&settings, move |conn| {
        if dry_run {
            return Ok(provisioning::plan(conn, &checked)?.map(|plan| (None, plan)));
        }
        let op = Operator { user_id: None, label: "command line".into(), ip: String::new() };
        let mail = |plan: &provisioning::Plan, org: &orgportal::store::orgs::Org| {
            orgportal::mail::templates::provisioned_mail(plan, org, &base_url, &catalog)
        };
        match provisioning::provision(conn, &checked, &op, &role, &mail, now) {
            Ok((org, plan)) => Ok(Ok((Some(org), plan))),
            Err(ProvisionError::Problems(p)) => Ok(Err(p)),
            Err(ProvisionError::Db(e)) => Err(e.into()),
        }
    })
    .await?;
    let (org, plan) = result.map_err(refused)?;
    let lines = plan.lines(&owner_role).join("\n");
    match org {
        None => println!("dry run, nothing changed; this would be done:\n{lines}"),
        Some(org) => println!("{} is set up (/orgs/{}):\n{lines}", org.name, org.slug),
    }
    Ok(())
}

async fn staff(settings: Settings, command: StaffCommand) -> anyhow::Result<()> {
    use orgportal::store::staff;
    let email =
        |e: &str| orgportal::domain::Email::parse(e).map(|e| e.as_str().to_string()).map_err(anyhow::Error::msg);
    let in_settings = |e: &str| settings.staff_emails.iter().any(|s| s == e);
    let now = settings.clock.now();
    let message = match command {
        StaffCommand::Add { email: typed, provision } => {
            let email = email(&typed)?;
            let added = blocking(&settings, move |conn| Ok(staff::add(conn, &email, provision, now)?)).await?;
            let rights = if provision { "support staff with staff.provision" } else { "support staff" };
            if added {
                format!("{} is {rights} now", typed.trim())
            } else {
                format!("{} was {rights} already", typed.trim())
            }
        }
        StaffCommand::Remove { email: typed } => {
            let email = email(&typed)?;
            let listed = in_settings(&email);
            let removed = blocking(&settings, move |conn| Ok(staff::remove(conn, &email, now)?)).await?;
            match (removed, listed) {
                (_, true) => anyhow::bail!(
                    "{} is listed in ORGPORTAL_STAFF_EMAILS; remove it there too to take staff rights away",
                    typed.trim()
                ),
                (true, false) => format!("{} is no longer support staff", typed.trim()),
                (false, false) => anyhow::bail!("{} is not support staff", typed.trim()),
            }
        }
        StaffCommand::List => {
            let rows = blocking(&settings, |conn| Ok(staff::list(conn)?)).await?;
            let mut lines: Vec<String> = rows
                .into_iter()
                .map(|(e, _, provision)| {
                    format!("{e}\t(orgportal staff add{})", if provision { " --provision" } else { "" })
                })
                .collect();
            lines.extend(settings.staff_emails.iter().map(|e| format!("{e}\t(ORGPORTAL_STAFF_EMAILS)")));
            lines.extend(settings.staff_provisioners.iter().map(|e| format!("{e}\t(ORGPORTAL_STAFF_PROVISIONERS)")));
            if lines.is_empty() {
                "no support staff".to_string()
            } else {
                lines.join("\n")
            }
        }
    };
    println!("{message}");
    Ok(())
}

/// Runs `f` on one direct connection off the async runtime.
async fn blocking<T: Send + 'static>(
    settings: &Settings,
    f: impl FnOnce(&mut AnyConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        let (mut conn, _) = direct(&settings)?;
        f(&mut conn)
    })
    .await?
}

/// A single migrated connection for a command-line run.
fn direct(settings: &Settings) -> anyhow::Result<(AnyConnection, usize)> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("ORGPORTAL_DATA_DIR: cannot create {}", settings.data_dir.display()))?;
    let mut conn =
        db::connect_one(&settings.database_url()).map_err(|e| anyhow::anyhow!("ORGPORTAL_DATABASE_URL: {e}"))?;
    let applied =
        db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("ORGPORTAL_DATABASE_URL: migrations failed: {e}"))?;
    Ok((conn, applied))
}
