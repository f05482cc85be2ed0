//! The faults one self-check finds, in the order it finds them, capped so a badly broken
//! tree still gives a readable report; and the words a fault uses for a verdict.

/// Most faults one run reports; past that the rest are counted.
const MAX_FAULTS: usize = 50;

/// One disagreement between the intents and the rendered objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault(pub String);

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) faults: Vec<Fault>,
    pub(crate) dropped: usize,
}

impl Report {
    pub(crate) fn merge(&mut self, other: Report) {
        for fault in other.faults {
            self.push(fault.0);
        }
        self.dropped += other.dropped;
    }

    /// The faults, with a last one counting those past the cap.
    pub(crate) fn into_faults(mut self) -> Vec<Fault> {
        if self.dropped > 0 {
            let n = self.dropped;
            self.faults
                .push(Fault(format!("... and {n} more disagreements")));
        }
        self.faults
    }

    pub(crate) fn push(&mut self, message: String) {
        if self.faults.len() < MAX_FAULTS {
            self.faults.push(Fault(message));
        } else {
            self.dropped += 1;
        }
    }
}

pub(crate) fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allows"
    } else {
        "denies"
    }
}
