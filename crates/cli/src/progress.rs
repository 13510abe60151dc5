//! Progress on a terminal (indicatif), and none in `--json` mode or when
//! stderr is not a terminal.

use crate::output::Out;
use desk_core::progress::{NoProgress, Progress, ProgressEvent};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

struct Bar(ProgressBar);

impl Progress for Bar {
    fn event(&self, event: ProgressEvent) {
        match event {
            ProgressEvent::Stage { name, total } => {
                self.0.set_position(0);
                match total {
                    Some(t) => {
                        self.0.set_style(
                            ProgressStyle::with_template(
                                "{msg:40} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta} left)",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                        self.0.set_length(t);
                    }
                    None => {
                        self.0.set_style(
                            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                    }
                }
                self.0.set_message(name);
            }
            ProgressEvent::Advance { done } => self.0.set_position(done),
        }
        self.0.tick();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A progress display for long work, if one should be shown.
pub fn for_terminal(out: &Out) -> Box<dyn Progress> {
    if out.json || !std::io::stderr().is_terminal() {
        return Box::new(NoProgress);
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Box::new(Bar(bar))
}

/// Generation reports through the same display: the generator has its own
/// progress types, as it does not depend on the core.
pub struct Gen<'a>(pub &'a dyn Progress);

impl export_gen::Progress for Gen<'_> {
    fn event(&self, event: export_gen::ProgressEvent) {
        self.0.event(match event {
            export_gen::ProgressEvent::Stage { name, total } => {
                ProgressEvent::Stage { name, total }
            }
            export_gen::ProgressEvent::Advance { done } => ProgressEvent::Advance { done },
        });
    }

    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}
