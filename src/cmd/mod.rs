//! One file per subcommand. Each returns an [`ExitCode`]-worthy [`Outcome`]; printing of
//! results goes to stdout, messages to stderr.

pub mod check;
pub mod ci;
pub mod methods;
pub mod run;

/// How a command ended, mapped to the process exit code in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: everything went well.
    Success,
    /// 1: a job (or some rows of a bulk computation) failed.
    Failed,
    /// 2: a bad invocation or pipeline file.
    Usage,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Usage => 2,
        }
    }

    /// The worse of two outcomes.
    pub fn max(self, other: Outcome) -> Outcome {
        if other.code() > self.code() {
            other
        } else {
            self
        }
    }
}

/// Prints an error message (possibly several lines, `hint:` lines kept) to stderr.
pub fn print_error(message: &str) {
    let mut lines = message.lines();
    if let Some(first) = lines.next() {
        eprintln!("error: {first}");
    }
    for l in lines {
        eprintln!("{l}");
    }
}
