//! A progress bar on standard error for captures that take more than a moment: shown only
//! after half a second, redrawn five times a second, erased when the reading ends.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use roamgap::pipeline::Progress;

/// Reading that ends sooner than this shows no bar at all.
const SHOW_AFTER: Duration = Duration::from_millis(500);
const REDRAW: Duration = Duration::from_millis(200);
const WIDTH: usize = 30;

/// Draws `progress` on standard error until dropped.
pub struct ProgressBar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// One line of the bar: `[#####-----]  45%   370 / 823 MB  1.2 s`.
pub(crate) fn bar_line(done: u64, total: u64, elapsed: Duration) -> String {
    let fraction = if total == 0 {
        0.0
    } else {
        (done.min(total) as f64 / total as f64).clamp(0.0, 1.0)
    };
    let filled = (fraction * WIDTH as f64).round() as usize;
    format!(
        "roamgap: [{}{}] {:>3.0}%  {:.0} / {:.0} MB  {:.1} s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        fraction * 100.0,
        done.min(total) as f64 / 1e6,
        total as f64 / 1e6,
        elapsed.as_secs_f64()
    )
}

impl ProgressBar {
    /// Starts drawing `progress`; `enabled` false (not a terminal, `--quiet`) draws nothing.
    pub fn start(progress: Arc<Progress>, enabled: bool) -> ProgressBar {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = enabled.then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(if shown {
                        REDRAW
                    } else {
                        Duration::from_millis(50)
                    });
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if start.elapsed() < SHOW_AFTER {
                        continue;
                    }
                    let (done, total) = progress.get();
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{}\x1b[K", bar_line(done, total, start.elapsed()));
                    let _ = err.flush();
                    shown = true;
                }
                if shown {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[K");
                    let _ = err.flush();
                }
            })
        });
        ProgressBar { stop, thread }
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_bytes_read() {
        let line = bar_line(411_500_000, 823_000_000, Duration::from_millis(1200));
        assert_eq!(
            line,
            "roamgap: [###############---------------]  50%  412 / 823 MB  1.2 s"
        );
        assert!(bar_line(0, 0, Duration::ZERO).contains("[------------------------------]   0%"));
        // More read than opened (a file read again in order) never overflows the bar.
        assert!(bar_line(900, 100, Duration::ZERO).contains("100%"));
    }
}
