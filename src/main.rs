use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use orgportal::config::Settings;
use orgportal::db::{self, AnyConnection};
use orgportal::startup::Application;

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
            let report = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let (mut conn, _) = direct(&settings)?;
                Ok(orgportal::store::customers::import(&mut conn, &records, now)?)
            })
            .await??;
            println!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                report.created,
                report.updated,
                report.unchanged
            );
        }
    }
    Ok(())
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
