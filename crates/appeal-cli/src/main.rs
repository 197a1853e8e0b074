//! `appeal`: every Appeal Desk operation from the command line, over the same core as the app.

mod appeals;
mod appeals_cli;
mod cli;
mod commands;
mod mailbox;
mod sending;
mod sending_cli;
mod vault_cli;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("APPEAL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let args = cli::Cli::parse();
    match commands::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
