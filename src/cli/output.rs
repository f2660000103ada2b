//! Rendering shared by every command: `-o table|json`, tables fitted to the terminal, and
//! streamed output for any number of rows: fixed-width tables written row by row, JSON arrays
//! written incrementally and NDJSON, through one buffered, locked stdout; progress bars on
//! stderr.

use std::fmt::{self, Display, Write as _};
use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use clap::ValueEnum;
use comfy_table::{presets, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{Map, Value};

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

/// Prints a document as pretty JSON (keys sorted, as [`print_json`]), or with `ndjson` as
/// JSON on one line (fields in their serialisation order).
pub fn print_document<T: Serialize + ?Sized>(doc: &T, ndjson: bool) -> anyhow::Result<()> {
    if ndjson {
        println!("{}", serde_json::to_string(doc)?);
        Ok(())
    } else {
        print_json(&serde_json::to_value(doc)?)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON documents as tables

/// A cell for a JSON value: strings bare, missing values empty.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// How a column of a [`member_table`] shows its field.
pub type Show = fn(Option<&Value>) -> String;

/// A table with a row per member of `members`: the member's name under `first`, then a
/// column per `(header, field, show)` of `cols`.
pub fn member_table(
    first: &str,
    members: &Map<String, Value>,
    cols: &[(&str, &str, Show)],
) -> Table {
    let mut t = table(std::iter::once(first).chain(cols.iter().map(|c| c.0)));
    for (name, value) in members {
        let fields = cols.iter().map(|(_, field, show)| show(value.get(*field)));
        t.add_row(std::iter::once(name.clone()).chain(fields));
    }
    t
}

/// The members of an object keyed by numbers (queue ids, delay levels), in number order.
pub fn by_number(members: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut sorted: Vec<_> = members.iter().collect();
    sorted.sort_by_key(|(n, _)| n.parse::<i64>().unwrap_or(i64::MAX));
    sorted
}

// ---------------------------------------------------------------------------------------------
// Streamed output

/// Buffered, locked stdout: what streamed output is written through.
pub type Out = BufWriter<StdoutLock<'static>>;

/// Locks stdout behind a 64 KiB buffer (flush it when done).
pub fn stdout() -> Out {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// A progress bar on stderr for a scan of bytes (set its length and position), only when
/// stderr is a terminal (and, when `rows_on_stdout`, stdout is not: the rows would interleave
/// with it).
pub fn progress_bar(rows_on_stdout: bool) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() || (rows_on_stdout && io::stdout().is_terminal()) {
        return None;
    }
    let style = ProgressStyle::with_template(
        "{spinner} [{bar:40}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta})",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::new(0);
    bar.set_style(style);
    Some(bar)
}

/// Writes `value` as one line of JSON. Write errors stay `io::Error`s, so a closed pipe is
/// recognised as such.
pub fn json_line<T: Serialize + ?Sized>(out: &mut Out, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes records as a JSON array (incrementally) or as NDJSON.
pub struct JsonSink {
    ndjson: bool,
    count: u64,
}

impl JsonSink {
    pub fn begin(out: &mut Out, ndjson: bool) -> io::Result<JsonSink> {
        if !ndjson {
            out.write_all(b"[")?;
        }
        Ok(JsonSink { ndjson, count: 0 })
    }

    pub fn item<T: Serialize + ?Sized>(&mut self, out: &mut Out, value: &T) -> io::Result<()> {
        if !self.ndjson {
            out.write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        }
        serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
        if self.ndjson {
            out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the array (JSON only).
    pub fn end(self, out: &mut Out) -> io::Result<()> {
        self.end_with(out, b"\n")
    }

    /// Closes the array and writes `tail` (JSON only).
    pub fn end_with(self, out: &mut Out, tail: &[u8]) -> io::Result<()> {
        if !self.ndjson {
            out.write_all(if self.count == 0 { b"]" } else { b"\n]" })?;
            out.write_all(tail)?;
        }
        Ok(())
    }
}

/// One column of a [`StreamTable`].
pub struct Col {
    name: &'static str,
    width: usize,
    right: bool,
}

/// A left-aligned column at least `width` characters wide (and as wide as its name).
pub fn col(name: &'static str, width: usize) -> Col {
    Col {
        name,
        width: width.max(name.len()),
        right: false,
    }
}

/// A right-aligned (number) column, see [`col`].
pub fn num(name: &'static str, width: usize) -> Col {
    Col {
        right: true,
        ..col(name, width)
    }
}

/// A fixed-width text table written row by row, so any number of rows takes constant memory.
/// Cells are cut to their column (with `…`) and control characters are escaped; the last
/// column gets what is left of the terminal width.
pub struct StreamTable {
    cols: Vec<Col>,
    line: String,
    cell: String,
}

/// Fills a cell: escapes control characters and stops (with an error, which ends the
/// formatting early) once the column is full.
struct CellWriter<'a> {
    out: &'a mut String,
    room: usize,
    cut: bool,
}

impl fmt::Write for CellWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.room == 0 {
                self.cut = true;
                return Err(fmt::Error);
            }
            let escaped = match c {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => "",
            };
            let width = if escaped.is_empty() { 1 } else { 2 };
            if self.room < width {
                self.cut = true;
                return Err(fmt::Error);
            }
            match c {
                _ if !escaped.is_empty() => self.out.push_str(escaped),
                c if c.is_control() => self.out.push('·'),
                c => self.out.push(c),
            }
            self.room -= width;
        }
        Ok(())
    }
}

impl StreamTable {
    /// A table of fixed-width columns.
    pub fn new(cols: Vec<Col>) -> StreamTable {
        StreamTable {
            cols,
            line: String::new(),
            cell: String::new(),
        }
    }

    /// A table whose last column (a body) takes the rest of the terminal line.
    pub fn fitted(mut cols: Vec<Col>) -> StreamTable {
        let fixed: usize = cols.iter().rev().skip(1).map(|c| c.width + 2).sum();
        if let Some(last) = cols.last_mut() {
            let terminal = comfy_table::Table::new().width().map(usize::from);
            // Piped output has no width to fit; keep rows readable rather than unbounded.
            let room = terminal.map_or(80, |w| w.saturating_sub(fixed));
            last.width = room.max(last.width).max(16);
        }
        StreamTable::new(cols)
    }

    /// Writes the column names as a row.
    pub fn header(&mut self, out: &mut Out) -> io::Result<()> {
        let names: Vec<&'static str> = self.cols.iter().map(|c| c.name).collect();
        let cells: Vec<&dyn Display> = names.iter().map(|n| n as &dyn Display).collect();
        self.row(out, &cells)
    }

    /// Writes one row: a cell per column, each shown with its `Display`.
    pub fn row(&mut self, out: &mut Out, cells: &[&dyn Display]) -> io::Result<()> {
        self.line.clear();
        let last = self.cols.len().saturating_sub(1);
        for (i, (col, cell)) in self.cols.iter().zip(cells).enumerate() {
            if i > 0 {
                self.line.push_str("  ");
            }
            self.cell.clear();
            let mut w = CellWriter {
                out: &mut self.cell,
                room: col.width,
                cut: false,
            };
            let _ = write!(w, "{cell}");
            let used = col.width - w.room;
            let used = if w.cut {
                // Make room for the ellipsis.
                self.cell.pop();
                self.cell.push('…');
                used
            } else {
                used
            };
            let pad = col.width.saturating_sub(used);
            if col.right {
                self.line.extend(std::iter::repeat_n(' ', pad));
                self.line.push_str(&self.cell);
            } else {
                self.line.push_str(&self.cell);
                if i != last {
                    self.line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }
}

/// Runs a library scan that reports `progress(done, total)` in bytes, with a progress bar on
/// stderr while it runs (see [`progress_bar`]).
pub fn with_scan_progress<T>(scan: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T) -> T {
    let bar = progress_bar(false);
    let mut update = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let result = scan(&mut update);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

/// `result`, except that an error from writing to a closed pipe (`rmq ... | head`) is success.
pub fn ignore_closed_pipe(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Streamed rows: a [`StreamTable`], or JSON items (an array or NDJSON lines).
pub enum Rows {
    Table(StreamTable),
    Json(JsonSink),
}

impl Rows {
    /// Table rows: writes the header now.
    pub fn table(out: &mut Out, mut table: StreamTable) -> io::Result<Rows> {
        table.header(out)?;
        Ok(Rows::Table(table))
    }

    /// JSON items: an array written incrementally, or one object per line (`ndjson`).
    pub fn json(out: &mut Out, ndjson: bool) -> io::Result<Rows> {
        Ok(Rows::Json(JsonSink::begin(out, ndjson)?))
    }

    /// Closes a JSON array and flushes.
    pub fn finish(self, out: &mut Out) -> io::Result<()> {
        if let Rows::Json(sink) = self {
            sink.end(out)?;
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_and_escaped() {
        let mut s = String::new();
        let mut w = CellWriter {
            out: &mut s,
            room: 4,
            cut: false,
        };
        assert!(write!(w, "a\nbcdef").is_err());
        assert!(w.cut);
        assert_eq!(s, "a\\nb");
    }
}
