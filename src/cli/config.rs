//! `rmq config check`: validates a namesrv or broker `.properties` file the way the daemons
//! load it and shows the effective configuration (defaults included) and every warning.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{self, OutputFormat};
use rmq::config::{self, Properties};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load a config file as the daemon would: report unknown keys and invalid values, then
    /// print the effective configuration. Exit 1 on an invalid file.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Which daemon reads the file.
    #[arg(value_enum)]
    pub kind: ConfigKind,
    /// The `.properties` file.
    #[arg(short = 'c', long = "config")]
    pub file: PathBuf,
    /// Treat warnings (unknown keys, adjusted values) as errors.
    #[arg(long)]
    pub strict: bool,
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ConfigKind {
    Namesrv,
    Broker,
}

pub fn run(cmd: ConfigCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<()> {
    let (effective, warnings): (Properties, Vec<String>) = match args.kind {
        ConfigKind::Namesrv => {
            let (cfg, warnings) = config::load_namesrv_file(&args.file)?;
            (
                cfg.to_properties(),
                warnings.iter().map(ToString::to_string).collect(),
            )
        }
        ConfigKind::Broker => {
            let (broker, store, warnings) = config::load_broker_file(&args.file)?;
            (
                config::broker_to_properties(&broker, &store),
                warnings.iter().map(ToString::to_string).collect(),
            )
        }
    };
    match args.output {
        OutputFormat::Json => {
            let values: serde_json::Map<String, serde_json::Value> = effective
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            output::print_json(&json!({
                "file": args.file,
                "valid": true,
                "warnings": warnings,
                "config": values,
            }))?;
        }
        OutputFormat::Table => {
            let mut table = output::table(["key", "value"]);
            for (k, v) in effective.iter() {
                table.add_row([k, v]);
            }
            println!("{table}");
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
    }
    if args.strict && !warnings.is_empty() {
        anyhow::bail!(
            "{} warning(s) in {} (--strict)",
            warnings.len(),
            args.file.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err = rmq::config::load_broker_file("/nonexistent/broker.properties").unwrap_err();
        assert!(format!("{err}").contains("/nonexistent/broker.properties"));
    }
}
