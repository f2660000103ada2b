//! Rendering shared by every command: `-o table|json`, tables fitted to the terminal.

use std::io::IsTerminal;

use clap::ValueEnum;
use comfy_table::{presets, ContentArrangement, Table};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    #[default]
    Table,
    /// One JSON document with stable field names, for scripts.
    Json,
}

/// A table with the given header, fitted to the terminal width when stdout is one.
pub fn table<I: IntoIterator<Item = S>, S: Into<comfy_table::Cell>>(header: I) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if std::io::stdout().is_terminal() {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        // Scripts reading a pipe get plain ASCII and never wrapped cells.
        table
            .load_preset(presets::ASCII_MARKDOWN)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    table.set_header(header);
    table
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
