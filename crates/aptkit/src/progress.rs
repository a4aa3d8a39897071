//! How a publish's events reach a person or a machine (`--progress`): a
//! progress bar on a terminal, one plain line per step in a log, or one
//! JSON object per event on stderr (as `cargo --message-format json`).
//! Notes (a wait for the clock, a claim taken over, packages left out) are
//! said in every mode but JSON, where they are events like the rest.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use aptkit_repo::{PublishEvent, PublishEvents};

/// `--progress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal; plain lines otherwise; only notes with --json
    #[default]
    Auto,
    /// A bar (on a terminal)
    Bar,
    /// One line per step, for logs
    Plain,
    /// One JSON object per event per line on stderr
    Json,
    /// Notes only
    None,
}

/// What `auto` comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Render {
    Bar,
    Plain,
    Json,
    NotesOnly,
}

pub struct PublishProgress {
    render: Render,
    bar: indicatif::ProgressBar,
    placed: AtomicU64,
    written: AtomicU64,
    indices: AtomicU64,
}

impl PublishProgress {
    /// `json_report`: stdout carries a JSON report (`--json`), so `auto`
    /// shows no bar.
    pub fn new(mode: ProgressMode, json_report: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let render = match mode {
            ProgressMode::Auto if json_report => Render::NotesOnly,
            ProgressMode::Auto | ProgressMode::Bar if terminal => Render::Bar,
            ProgressMode::Auto | ProgressMode::Plain => Render::Plain,
            ProgressMode::Bar | ProgressMode::None => Render::NotesOnly,
            ProgressMode::Json => Render::Json,
        };
        let bar = match render {
            Render::Bar => crate::output::count_bar(0, "publishing", false),
            _ => indicatif::ProgressBar::hidden(),
        };
        PublishProgress {
            render,
            bar,
            placed: AtomicU64::new(0),
            written: AtomicU64::new(0),
            indices: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn line(&self, text: String) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    fn note(&self, text: String) {
        self.line(format!("note: {text}"));
    }
}

impl PublishEvents for PublishProgress {
    fn event(&self, event: PublishEvent) {
        if self.render == Render::Json {
            let line = serde_json::to_string(&event).expect("events serialise");
            eprintln!("{line}");
            return;
        }
        if let Some(note) = note(&event) {
            return self.note(note);
        }
        // Every event is matched once, so each index is counted once (in
        // the guard below).
        match &event {
            PublishEvent::Started { pool_files, .. } if self.render == Render::Bar => {
                let style = indicatif::ProgressStyle::with_template("{spinner} {msg} {pos}/{len} {elapsed}")
                    .expect("static template is valid");
                self.bar.set_style(style);
                self.bar.set_length(*pool_files as u64);
                self.bar.set_message("placing pool files");
            }
            PublishEvent::Signed { .. } => self.bar.set_message("reading back what was written"),
            PublishEvent::Invalidating { cdn, .. } => self.bar.set_message(format!("invalidating on {cdn}")),
            PublishEvent::PoolPlaced { written, .. } => {
                self.placed.fetch_add(1, Ordering::Relaxed);
                if *written {
                    self.written.fetch_add(1, Ordering::Relaxed);
                }
                self.bar.inc(1);
            }
            // The first index: the pool is done.
            PublishEvent::IndexWritten { .. } if self.indices.fetch_add(1, Ordering::Relaxed) == 0 => {
                self.bar.set_message("writing indices");
                let (placed, written) = (self.placed.load(Ordering::Relaxed), self.written.load(Ordering::Relaxed));
                // Only pool files not known to be in place are placed (and
                // counted): a republish of what is there places none.
                if self.render == Render::Plain && placed > 0 {
                    self.line(format!(
                        "placed {placed} pool files ({written} written, {} found there)",
                        placed - written
                    ));
                }
            }
            _ => {}
        }
        if self.render == Render::Plain {
            if let Some(text) = step(&event, self.indices.load(Ordering::Relaxed)) {
                self.line(text);
            }
        }
    }
}

/// What must be said even where no progress is shown.
fn note(event: &PublishEvent) -> Option<String> {
    Some(match event {
        PublishEvent::ClaimTakenOver { publication, holder: Some(holder), holder_gone: true, .. } => {
            format!("took over the claim on `{publication}` left by {holder}, which is gone")
        }
        PublishEvent::ClaimTakenOver { publication, since, .. } => {
            format!(
                "took over the claim on `{publication}` made at {}, which expired",
                aptkit_index::format_date(*since)
            )
        }
        PublishEvent::Waiting { publication, held, holder, activity, since, expires, gives_up_in } => {
            let what = if held == "gc" { "`aptkit gc`".to_string() } else { format!("`{held}`") };
            let doing = serde_json::to_value(activity).ok().and_then(|v| v.as_str().map(str::to_string));
            format!(
                "waiting for {publication}: {what} is held by {}{} since {} (lease until {} unless renewed); giving \
                 up in {gives_up_in} s",
                holder.as_deref().unwrap_or("another job"),
                doing.map(|d| format!(" ({d})")).unwrap_or_default(),
                aptkit_index::format_date(*since),
                aptkit_index::format_date(*expires),
            )
        }
        PublishEvent::Retrying { publication, reason, attempt, retry_in_ms } => {
            format!("retrying {publication} in {retry_in_ms} ms (attempt {attempt}): {reason}")
        }
        PublishEvent::WaitingForClock { seconds, ahead } => format!(
            "waiting {seconds} s for the clock: the last Release is dated {ahead} s ahead, and each is dated a second \
             after the last"
        ),
        PublishEvent::ArchitecturesLeftOut { publication, left_out, publishes } => {
            let what: Vec<String> = left_out.iter().map(|(arch, n)| format!("{n} of {arch}")).collect();
            format!(
                "{} packages left out ({}): `{publication}` publishes {} (architectures are chosen when a suite is \
                 first published)",
                left_out.values().sum::<usize>(),
                what.join(", "),
                publishes.join(", ")
            )
        }
        _ => return None,
    })
}

/// The plain line for a step of the publish, if it gets one.
fn step(event: &PublishEvent, indices: u64) -> Option<String> {
    Some(match event {
        PublishEvent::Started { publication, source, packages, pool_files } => {
            format!("publishing {publication} ({source}): {packages} packages, {pool_files} pool files to place")
        }
        PublishEvent::Signed { key, date, signed_by } => format!(
            "wrote {indices} index files; signed {key} (Date {}) with {}",
            aptkit_index::format_date(*date),
            signed_by.join(", ")
        ),
        PublishEvent::Verified { indices, pool_files } => {
            format!("verified what was written: {indices} indices, {pool_files} new pool files")
        }
        PublishEvent::Committed { publication, .. } => format!("recorded publication {publication}"),
        PublishEvent::Invalidating { cdn, paths, reference } => {
            format!("invalidating {paths} paths on {cdn} (CallerReference {reference})")
        }
        PublishEvent::Invalidated { cdn, invalidation, already: true } => {
            format!("{cdn}: invalidation {invalidation} was sent before; nothing sent now")
        }
        PublishEvent::Invalidated { cdn, invalidation, already: false } => {
            format!("{cdn}: invalidation {invalidation} created")
        }
        PublishEvent::InvalidationCompleted { cdn, invalidation } => {
            format!("{cdn}: invalidation {invalidation} completed")
        }
        _ => return None,
    })
}
