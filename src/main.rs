use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use orgportal::config::Settings;
use orgportal::db::{self, AnyConnection};
use orgportal::mail::templates::InvoiceMail;
use orgportal::startup::Application;
use orgportal::store::invoices::InvoiceNotice;
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
    Add { email: String },
    /// Take support staff rights away from this email.
    Remove { email: String },
    /// List support staff: those added here and those in ORGPORTAL_STAFF_EMAILS.
    List,
}

#[actix_web::main]
async fn main() -> ExitCode {
    orgportal::telemetry::init();
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orgportal: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            println!("orgportal is running at {}", app.base_url());
            app.run_until_stopped().await?;
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
                Ok(orgportal::store::customers::import(conn, &records, &render, now)?)
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
        StaffCommand::Add { email: typed } => {
            let email = email(&typed)?;
            let added = blocking(&settings, move |conn| Ok(staff::add(conn, &email, now)?)).await?;
            if added {
                format!("{} is support staff now", typed.trim())
            } else {
                format!("{} was support staff already", typed.trim())
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
            let mut lines: Vec<String> = rows.into_iter().map(|(e, _)| format!("{e}\t(orgportal staff add)")).collect();
            lines.extend(settings.staff_emails.iter().map(|e| format!("{e}\t(ORGPORTAL_STAFF_EMAILS)")));
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
