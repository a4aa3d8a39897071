//! Where a release says what it does: the binary prints these (the
//! library never prints).

/// One thing a release did or is about to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseEvent<'a> {
    /// A step starts: `source/1.3.0`, `build/1.3.0/debian-12-bookworm`,
    /// `publish/1.3.0/bookworm`, `purge`.
    Start { step: &'a str },
    /// A step was finished by an earlier run (the journal says): skipped.
    Skip { step: &'a str },
    /// What a step found or made, for people.
    Note { step: &'a str, text: String },
    /// One line of a build's output.
    BuildLine { version: &'a str, distro: &'a str, line: &'a str },
}

pub trait ReleaseEvents: Sync {
    fn event(&self, event: ReleaseEvent<'_>);

    /// Called before each step that writes (a source, a publish, the
    /// purge) starts, with the step's name.
    fn before_step(&self, _step: &str) {}
}

/// Says nothing.
pub struct Silent;

impl ReleaseEvents for Silent {
    fn event(&self, _: ReleaseEvent<'_>) {}
}
